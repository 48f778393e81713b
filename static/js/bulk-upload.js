/* Bulk upload page: on S3 the ZIP goes straight to the bucket (a presigned POST from the portal) with a
 * progress bar, then the form is sent with the ZIP's key and the CSV (small), so a slow phone link
 * never holds a web worker. Without JavaScript, or when the page has no presign URL (files on local
 * disk), the form sends the ZIP itself.
 */
(function () {
  "use strict";
  var form = document.getElementById("bulk-upload-form");
  if (!form || !form.dataset.presignUrl || !window.XMLHttpRequest || !window.FormData) {
    return;
  }
  var texts = document.getElementById("bulk-upload-texts").dataset;
  var fileInput = form.querySelector("input[type=file][name=archive]");
  var keyInput = form.querySelector("input[name=archive_key]");
  var nameInput = form.querySelector("input[name=archive_name]");
  var box = document.getElementById("bulk-upload-progress");
  var bar = document.getElementById("bulk-upload-bar");
  var statusLine = document.getElementById("bulk-upload-status");
  var button = document.getElementById("bulk-upload-submit");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var busy = false;

  function show(text, percent, state) {
    box.hidden = false;
    box.dataset.state = state;
    bar.value = percent;
    bar.textContent = percent + "%";
    statusLine.textContent = state === "uploading" ? text + " " + percent + "%" : text;
  }

  function fail(message) {
    busy = false;
    button.disabled = false;
    show(message || texts.failed, 0, "failed");
  }

  function request(url, body, onProgress) {
    return new Promise(function (resolve) {
      var xhr = new XMLHttpRequest();
      xhr.open("POST", url);
      if (url.charAt(0) === "/") {
        xhr.setRequestHeader("X-CSRFToken", csrf);
        xhr.setRequestHeader("Accept", "application/json");
      }
      if (onProgress && xhr.upload) {
        xhr.upload.addEventListener("progress", function (event) {
          if (event.lengthComputable) {
            onProgress(Math.min(99, Math.round((event.loaded / event.total) * 100)));
          }
        });
      }
      xhr.onload = function () {
        var payload = null;
        try {
          payload = JSON.parse(xhr.responseText);
        } catch (error) {
          payload = null;
        }
        resolve({ status: xhr.status, payload: payload, text: xhr.responseText || "" });
      };
      xhr.onerror = function () {
        resolve({ status: 0, payload: null, text: "" });
      };
      xhr.send(body);
    });
  }

  form.addEventListener("submit", function (event) {
    var file = fileInput.files && fileInput.files[0];
    if (!file) {
      // Nothing to send ahead: the key of a ZIP uploaded before, or the page says what is missing.
      return;
    }
    event.preventDefault();
    if (busy) {
      return;
    }
    busy = true;
    button.disabled = true;
    show(texts.uploading, 0, "uploading");
    request(form.dataset.presignUrl, new FormData()).then(function (ticket) {
      if (ticket.status !== 200 || !ticket.payload || !ticket.payload.url) {
        fail(ticket.payload && ticket.payload.detail);
        return;
      }
      var presigned = ticket.payload;
      if (file.size > presigned.max_bytes) {
        fail(presigned.too_large);
        return;
      }
      var body = new FormData();
      Object.keys(presigned.fields).forEach(function (name) {
        body.append(name, presigned.fields[name]);
      });
      body.append("Content-Type", "application/zip");
      body.append("file", file); // last: S3 ignores fields after the file
      request(presigned.url, body, function (percent) {
        show(texts.uploading, percent, "uploading");
      }).then(function (response) {
        if (response.status < 200 || response.status >= 300) {
          fail(response.text.indexOf("EntityTooLarge") >= 0 ? presigned.too_large : texts.failed);
          return;
        }
        keyInput.value = presigned.key;
        nameInput.value = file.name;
        fileInput.disabled = true; // the ZIP is in the bucket: the form sends its key, not its bytes
        show(texts.importing, 100, "uploaded");
        form.submit();
      });
    });
  });

  // Back to this page from the browser's history: the form is usable again.
  window.addEventListener("pageshow", function () {
    busy = false;
    button.disabled = false;
    fileInput.disabled = false;
  });
})();
