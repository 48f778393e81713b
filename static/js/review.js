// The rating page: keyboard shortcuts, and the next item without a full page reload.
// Without JavaScript the form posts and the server redirects to the next item.
(function () {
  "use strict";
  var root = document.getElementById("review-root");
  if (!root || !window.fetch || !window.FormData) return;

  var nextYesNo = "caption_fit"; // y/n answer the description question first, then the quality one

  function form() { return root.querySelector("form.review-form"); }

  function choose(name, value) {
    var f = form();
    var input = f && f.querySelector('input[name="' + name + '"][value="' + value + '"]');
    if (!input) return false;
    input.checked = true;
    input.focus({ preventScroll: true });
    return true;
  }

  function submitWith(button) {
    var f = form();
    if (!f) return;
    if (f.requestSubmit) f.requestSubmit(button || undefined);
    else (button || f.querySelector('button[type="submit"]')).click();
  }

  function reset() {
    nextYesNo = "caption_fit";
    var heading = root.querySelector("[data-focus]");
    if (heading) heading.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }

  document.addEventListener("keydown", function (event) {
    var f = form();
    if (!f || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    var target = event.target;
    var tag = target && target.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT" || (tag === "INPUT" && target.type === "text")) return;
    // event.code names the physical key, so the shortcuts work on a Thai (Kedmanee), Khmer or any
    // other non-Latin layout, where event.key is a letter of that script.
    var code = event.code || "";
    var digit = /^(?:Digit|Numpad)([1-5])$/.exec(code);
    if (digit) {
      if (choose("relevance", digit[1])) event.preventDefault();
    } else if (code === "KeyY" || code === "KeyN") {
      if (choose(nextYesNo, code === "KeyY" ? "yes" : "no")) {
        nextYesNo = "quality_ok";
        event.preventDefault();
      }
    } else if (code === "KeyS") {
      event.preventDefault();
      submitWith(f.querySelector("[data-skip]"));
    } else if ((code === "Enter" || code === "NumpadEnter") && tag !== "BUTTON" && tag !== "A" && tag !== "SUMMARY") {
      event.preventDefault();
      submitWith(f.querySelector('button[value="rate"]'));
    }
  });

  root.addEventListener("change", function (event) {
    if (event.target.name === "caption_fit") nextYesNo = "quality_ok";
  });

  root.addEventListener("submit", function (event) {
    var f = event.target;
    if (!f.classList || !f.classList.contains("review-form")) return;
    event.preventDefault();
    var data = new FormData(f);
    var submitter = event.submitter;
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    var buttons = f.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    fetch(f.getAttribute("action"), {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    }).then(function (response) {
      if (!response.ok && response.status !== 400) throw new Error("fall back");
      return response.text();
    }).then(function (html) {
      root.innerHTML = html;
      reset();
    }).catch(function () {
      // Fall back to a plain post; keep which button was pressed.
      buttons.forEach(function (b) { b.disabled = false; });
      if (submitter && submitter.name) {
        var hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = submitter.name;
        hidden.value = submitter.value;
        f.appendChild(hidden);
      }
      HTMLFormElement.prototype.submit.call(f);
    });
  });
})();
