// The language switcher submits as soon as a language is picked; without JavaScript its button does.
(function () {
  "use strict";
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    var button = select.form && select.form.querySelector("[type=submit]");
    if (button) { button.hidden = true; }
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();
// From 900 px the menu's links belong in the header. Browsers that cannot style a closed <details>'s
// content (no ::details-content) get the menu opened there, and closed again on a narrower window.
(function () {
  "use strict";
  var menu = document.querySelector("details.nav-menu");
  if (!menu || !window.matchMedia || (window.CSS && CSS.supports && CSS.supports("selector(::details-content)"))) return;
  var wide = window.matchMedia("(min-width: 900px)");
  function follow() { menu.open = wide.matches; }
  follow();
  if (wide.addEventListener) wide.addEventListener("change", follow);
})();

// Times on the pages are shown in the reader's own zone: the server reads it from this cookie.
(function () {
  "use strict";
  try {
    var zone = window.Intl && Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && document.cookie.indexOf("tz=" + encodeURIComponent(zone)) === -1) {
      document.cookie = "tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; SameSite=Lax";
    }
  } catch (error) { /* no zone: the campaign's time is shown */ }
})();
