// Bulk import page: follow the import's progress without reloading, then reload once to show the rows.
(function () {
  "use strict";
  var box = document.getElementById("bulk-progress");
  if (!box || box.getAttribute("data-finished") === "1" || !window.fetch) { return; }
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("bulk-progress-bar");
  var delay = 1500;

  function show(status) {
    Object.keys(status).forEach(function (key) {
      var el = box.querySelector('[data-field="' + key + '"]');
      if (el) { el.textContent = String(status[key]); }
    });
    if (bar) { bar.value = status.percent; bar.textContent = status.percent + "%"; }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (status) {
        show(status);
        if (status.finished) { window.location.reload(); return; }
        delay = 1500;
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        // A dropped connection on a slow link: try again, less often.
        delay = Math.min(delay * 2, 30000);
        window.setTimeout(poll, delay);
      });
  }
  window.setTimeout(poll, delay);
}());
