/* Several photos at once, each with its own descriptions, progress bar and retry.
 *
 * Each file goes in two steps so that a slow phone link never holds a web worker: a ticket from the
 * portal, the file straight to storage (S3 presigned POST, or the portal's local upload endpoint in
 * the embedded default) with upload progress, then the descriptions to the finalize endpoint.
 * Without JavaScript the page's plain form sends one photo.
 */
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  var template = document.getElementById("upload-item-template");
  if (!form || !template || !window.XMLHttpRequest || !window.FormData) {
    return;
  }
  var texts = document.getElementById("upload-texts").dataset;
  var fileInput = form.querySelector("input[type=file][name=image]");
  var list = document.getElementById("upload-items");
  var summary = document.getElementById("upload-summary");
  var useForAll = document.getElementById("use-for-all");
  var submitButton = document.getElementById("upload-submit");
  var doneLink = document.getElementById("upload-done");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var items = [];
  var counter = 0;

  // The per-photo fields replace the page's single set.
  ["description", "native_description"].forEach(function (name) {
    var field = form.querySelector("[name=" + name + "]");
    if (field) {
      field.closest(".field").hidden = true;
    }
  });
  fileInput.multiple = true;
  form.querySelectorAll(".js-only").forEach(function (element) {
    if (element !== doneLink) {
      element.hidden = false;
    }
  });

  function shared(name) {
    if (name === "countries") {
      return Array.prototype.map.call(form.querySelectorAll("input[name=countries]:checked"), function (box) {
        return box.value;
      });
    }
    var field = form.querySelector("[name=" + name + "]");
    if (!field) {
      return "";
    }
    return field.type === "checkbox" ? (field.checked ? "on" : "") : field.value;
  }

  function own(item, name) {
    var field = item.element.querySelector("[data-name=" + name + "]");
    if (name === "countries") {
      return Array.prototype.filter.call(field.options, function (option) {
        return option.selected;
      }).map(function (option) {
        return option.value;
      });
    }
    return field.value;
  }

  function setStatus(item, text, state) {
    item.element.querySelector(".upload-status").textContent = text;
    item.element.dataset.state = state;
  }

  function showErrors(item, payload) {
    var box = item.element.querySelector(".upload-errors");
    box.textContent = "";
    var messages = [];
    if (payload && payload.errors) {
      Object.keys(payload.errors).forEach(function (field) {
        payload.errors[field].forEach(function (message) {
          messages.push(message);
        });
      });
    }
    if (!messages.length && payload && payload.detail) {
      messages.push(payload.detail);
    }
    messages.forEach(function (message) {
      var p = document.createElement("p");
      p.textContent = message;
      box.appendChild(p);
    });
  }

  function addFile(file) {
    counter += 1;
    var fragment = template.content.cloneNode(true);
    var element = fragment.querySelector(".upload-item");
    var item = { file: file, element: element, ticket: null, stored: false, done: false };
    element.querySelector(".upload-name").textContent = file.name;
    var preview = element.querySelector(".upload-preview");
    if (window.URL && /^image\/(jpeg|png|webp)$/.test(file.type)) {
      preview.src = URL.createObjectURL(file);
    } else {
      preview.hidden = true;
    }
    element.querySelectorAll("[data-name]").forEach(function (field) {
      field.id = "item-" + counter + "-" + field.dataset.name;
      field.name = field.id;
    });
    element.querySelectorAll("label[data-for]").forEach(function (label) {
      label.htmlFor = "item-" + counter + "-" + label.dataset.for;
    });
    element.querySelector(".upload-own").hidden = useForAll.checked;
    element.querySelector(".upload-remove").addEventListener("click", function () {
      items = items.filter(function (other) {
        return other !== item;
      });
      element.remove();
    });
    element.querySelector(".upload-retry").addEventListener("click", function () {
      send(item);
    });
    setStatus(item, texts.waiting, "waiting");
    list.appendChild(fragment);
    items.push(item);
  }

  fileInput.addEventListener("change", function () {
    Array.prototype.forEach.call(fileInput.files, addFile);
    fileInput.value = "";
  });
  useForAll.addEventListener("change", function () {
    items.forEach(function (item) {
      item.element.querySelector(".upload-own").hidden = useForAll.checked;
    });
  });

  function request(method, url, body, onProgress) {
    return new Promise(function (resolve) {
      var xhr = new XMLHttpRequest();
      xhr.open(method, url);
      if (url.charAt(0) === "/") {
        xhr.setRequestHeader("X-CSRFToken", csrf);
      }
      if (onProgress && xhr.upload) {
        xhr.upload.addEventListener("progress", function (event) {
          if (event.lengthComputable) {
            onProgress(Math.round((event.loaded / event.total) * 100));
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
        resolve({ status: xhr.status, payload: payload });
      };
      xhr.onerror = function () {
        resolve({ status: 0, payload: { detail: texts.network } });
      };
      xhr.send(body);
    });
  }

  function fail(item, response) {
    setStatus(item, texts.failed, "failed");
    showErrors(item, response.payload || { detail: texts.network });
    item.element.querySelector(".upload-retry").hidden = false;
  }

  function send(item) {
    var progress = item.element.querySelector(".upload-progress");
    item.element.querySelector(".upload-retry").hidden = true;
    showErrors(item, null);
    var chain = Promise.resolve({ status: 200 });
    if (!item.stored) {
      chain = request("POST", form.dataset.ticketUrl, new FormData())
        .then(function (response) {
          if (response.status !== 200) {
            return response;
          }
          item.ticket = response.payload.ticket;
          if (item.file.size > response.payload.max_bytes) {
            return { status: 413, payload: { detail: document.querySelector("#id_image_helptext").textContent } };
          }
          setStatus(item, texts.uploading, "uploading");
          var body = new FormData();
          Object.keys(response.payload.fields).forEach(function (name) {
            body.append(name, response.payload.fields[name]);
          });
          body.append("Content-Type", /^image\//.test(item.file.type) ? item.file.type : "image/unknown");
          body.append("file", item.file);
          return request("POST", response.payload.url, body, function (percent) {
            progress.value = percent;
          });
        })
        .then(function (response) {
          if (response.status >= 200 && response.status < 300) {
            item.stored = true;
            progress.value = 100;
          }
          return response;
        });
    }
    return chain.then(function (response) {
      if (!(response.status >= 200 && response.status < 300)) {
        // A refused file (type, size) needs a new ticket on the next try.
        item.stored = false;
        fail(item, response);
        return;
      }
      setStatus(item, texts.saving, "saving");
      var body = new FormData();
      body.append("ticket", item.ticket);
      body.append("filename", item.file.name);
      body.append("description", own(item, "description"));
      body.append("native_description", own(item, "native_description"));
      body.append("native_language", shared("native_language"));
      body.append("license_confirmed", shared("license_confirmed"));
      var sharedValues = useForAll.checked;
      (sharedValues ? shared("countries") : own(item, "countries")).forEach(function (code) {
        body.append("countries", code);
      });
      body.append("location", sharedValues ? shared("location") : own(item, "location"));
      body.append("group", sharedValues ? shared("group") : own(item, "group"));
      return request("POST", form.dataset.finalizeUrl, body).then(function (result) {
        if (result.status === 201) {
          item.done = true;
          setStatus(item, texts.done, "done");
          item.element.querySelector(".upload-remove").hidden = true;
          item.element.querySelectorAll("textarea, input, select").forEach(function (field) {
            field.disabled = true;
          });
        } else {
          if (result.status === 403 || result.status === 409 || result.status === 413 || result.status === 415) {
            item.stored = false;
          }
          fail(item, result);
        }
      });
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var pending = items.filter(function (item) {
      return !item.done;
    });
    if (!pending.length) {
      summary.textContent = items.length ? "" : texts.choose;
      return;
    }
    submitButton.disabled = true;
    // One file after the other: on a slow link, parallel uploads only slow each other down.
    pending
      .reduce(function (previous, item) {
        return previous.then(function () {
          return send(item);
        });
      }, Promise.resolve())
      .then(function () {
        submitButton.disabled = false;
        var done = items.filter(function (item) {
          return item.done;
        }).length;
        summary.textContent = texts.summary.replace("%(done)s", done).replace("%(total)s", items.length);
        if (done) {
          doneLink.hidden = false;
        }
      });
  });
})();
