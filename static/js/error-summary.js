// A refused form: move focus (and so the view) to the summary of what to correct at the top of the form,
// as the rating page does, so that a phone user sees it instead of a page that stays at its top.
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (!summary) return;
  summary.focus();
  summary.scrollIntoView({ block: "start" });
  summary.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href^='#']");
    var field = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!field) return;
    event.preventDefault();
    field.focus();
    field.scrollIntoView({ block: "center" });
  });
})();
