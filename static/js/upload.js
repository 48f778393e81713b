/* Several photos at once, each with its own descriptions, progress bar and retry.
 *
 * Each file goes in two steps so that a slow phone link never holds a web worker: a ticket from the
 * portal, the file straight to storage (S3 presigned POST, or the portal's local upload endpoint in
 * the embedded default) with upload progress, then the descriptions to the finalize endpoint.
 * Without JavaScript the page's plain form sends one photo (css/nojs.css shows its fields).
 *
 * On a slow link: nothing is sent before the required fields are filled and each photo is known to be
 * large enough; "Remove" aborts the photo's transfer and creates nothing; leaving the page while a
 * transfer runs asks first; each bar says its percentage and whose it is.
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
  var chosen = document.getElementById("upload-chosen");
  var list = document.getElementById("upload-items");
  var summary = document.getElementById("upload-summary");
  var useForAll = document.getElementById("use-for-all");
  var submitButton = document.getElementById("upload-submit");
  var doneLink = document.getElementById("upload-done");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var minShortSide = parseInt(texts.minShortSide, 10) || 0;
  var percentFormat = window.Intl ? new Intl.NumberFormat(document.documentElement.lang || undefined, { style: "percent" }) : null;
  var items = [];
  var counter = 0;

  fileInput.multiple = true;

  function format(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (match, name) {
      return name in values ? values[name] : match;
    });
  }

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

  function setProgress(item, percent) {
    item.progress.value = percent;
    item.percent.textContent = percentFormat ? percentFormat.format(percent / 100) : percent + " %";
  }

  function showMessages(box, messages) {
    box.textContent = "";
    messages.forEach(function (message) {
      var p = document.createElement("p");
      p.textContent = message;
      box.appendChild(p);
    });
  }

  function showErrors(item, payload) {
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
    showMessages(item.element.querySelector(".upload-errors"), messages);
  }

  function busy() {
    return items.some(function (item) {
      return item.element.dataset.state === "uploading" || item.element.dataset.state === "saving";
    });
  }

  // The file input lists what is chosen (the browser's own text would say "No file chosen").
  function syncChosen() {
    var files = items.filter(function (item) {
      return !item.done;
    }).map(function (item) {
      return item.file;
    });
    if (window.DataTransfer) {
      try {
        var transfer = new DataTransfer();
        files.forEach(function (file) {
          transfer.items.add(file);
        });
        fileInput.files = transfer.files;
      } catch (error) {
        fileInput.value = "";
      }
    } else {
      fileInput.value = "";
    }
    if (chosen) {
      chosen.textContent = !items.length ? "" : items.length === 1 ? texts.chosenOne : format(texts.chosenMany, { n: items.length });
    }
  }

  // The photo's size, read in the browser: a photo too small is refused before a byte is sent.
  function measure(item) {
    if (!minShortSide || !window.URL || !/^image\/(jpeg|png|webp)$/.test(item.file.type)) {
      return Promise.resolve();
    }
    return new Promise(function (resolve) {
      var probe = new Image();
      probe.onload = function () {
        if (Math.min(probe.naturalWidth, probe.naturalHeight) < minShortSide) {
          item.tooSmall = true;
          setStatus(item, texts.failed, "failed");
          showErrors(item, { detail: texts.tooSmall });
        }
        resolve();
      };
      probe.onerror = function () {
        resolve(); // the server's checks will say what is wrong with it
      };
      probe.src = item.previewUrl;
    });
  }

  function addFile(file) {
    counter += 1;
    var fragment = template.content.cloneNode(true);
    var element = fragment.querySelector(".upload-item");
    var item = { file: file, element: element, ticket: null, stored: false, done: false, removed: false };
    item.progress = element.querySelector(".upload-progress");
    item.percent = element.querySelector(".upload-percent");
    var name = element.querySelector(".upload-name");
    name.textContent = file.name;
    name.id = "item-" + counter + "-name";
    item.progress.setAttribute("aria-label", format(texts.progressLabel, { name: file.name }));
    var preview = element.querySelector(".upload-preview");
    if (window.URL && /^image\/(jpeg|png|webp)$/.test(file.type)) {
      item.previewUrl = URL.createObjectURL(file);
      preview.src = item.previewUrl;
    } else {
      // HEIC and other photos the browser cannot show: a placeholder with the file's type.
      preview.hidden = true;
      var placeholder = element.querySelector(".upload-preview-placeholder");
      var extension = (file.name.split(".").pop() || "").toUpperCase().slice(0, 5);
      placeholder.textContent = extension || "?";
      placeholder.hidden = false;
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
      remove(item);
    });
    element.querySelector(".upload-retry").addEventListener("click", function () {
      if (checkBeforeSending([item])) {
        send(item);
      }
    });
    setStatus(item, texts.waiting, "waiting");
    setProgress(item, 0);
    list.appendChild(fragment);
    items.push(item);
    item.measured = measure(item);
  }

  function remove(item) {
    item.removed = true;
    if (item.controller) {
      item.controller.abort(); // stops the transfer: the photo is never finalized, so nothing is created
    }
    items = items.filter(function (other) {
      return other !== item;
    });
    item.element.remove();
    if (item.previewUrl) {
      URL.revokeObjectURL(item.previewUrl);
    }
    syncChosen();
  }

  fileInput.addEventListener("change", function () {
    var picked = Array.prototype.slice.call(fileInput.files);
    if (!picked.length) {
      syncChosen();
      return;
    }
    picked.forEach(addFile);
    summary.textContent = ""; // "Choose at least one photo." no longer applies
    syncChosen();
  });
  useForAll.addEventListener("change", function () {
    items.forEach(function (item) {
      item.element.querySelector(".upload-own").hidden = useForAll.checked;
    });
  });

  window.addEventListener("beforeunload", function (event) {
    if (busy()) {
      event.preventDefault();
      event.returnValue = texts.leave; // browsers show their own words; setting it is what asks
      return texts.leave;
    }
  });

  function request(method, url, body, options) {
    options = options || {};
    return new Promise(function (resolve) {
      var xhr = new XMLHttpRequest();
      xhr.open(method, url);
      if (url.charAt(0) === "/") {
        xhr.setRequestHeader("X-CSRFToken", csrf);
      }
      if (options.onProgress && xhr.upload) {
        xhr.upload.addEventListener("progress", function (event) {
          if (event.lengthComputable) {
            options.onProgress(Math.round((event.loaded / event.total) * 100));
          }
        });
      }
      if (options.signal) {
        if (options.signal.aborted) {
          resolve({ status: 0, aborted: true });
          return;
        }
        options.signal.addEventListener("abort", function () {
          xhr.abort();
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
      xhr.onabort = function () {
        resolve({ status: 0, aborted: true });
      };
      xhr.onerror = function () {
        resolve({ status: 0, network: true, payload: { detail: texts.network } });
      };
      xhr.send(body);
    });
  }

  function fail(item, response) {
    if (item.removed) {
      return;
    }
    setProgress(item, 0); // a failure never leaves a full bar beside "Press Retry"
    setStatus(item, texts.failed, "failed");
    showErrors(item, response.payload || { detail: texts.network });
    item.element.querySelector(".upload-retry").hidden = false;
  }

  function send(item) {
    if (item.removed || item.tooSmall) {
      return Promise.resolve();
    }
    var controller = window.AbortController ? new AbortController() : null;
    item.controller = controller;
    var signal = controller ? controller.signal : null;
    item.element.querySelector(".upload-retry").hidden = true;
    showErrors(item, null);
    var chain = Promise.resolve({ status: 200 });
    if (!item.stored) {
      setStatus(item, texts.uploading, "uploading");
      chain = request("POST", form.dataset.ticketUrl, new FormData(), { signal: signal })
        .then(function (response) {
          if (response.status !== 200 || item.removed) {
            return response;
          }
          item.ticket = response.payload.ticket;
          if (item.file.size > response.payload.max_bytes) {
            return { status: 413, payload: { detail: document.querySelector("#id_image_helptext").textContent } };
          }
          var body = new FormData();
          Object.keys(response.payload.fields).forEach(function (name) {
            body.append(name, response.payload.fields[name]);
          });
          body.append("Content-Type", /^image\//.test(item.file.type) ? item.file.type : "image/unknown");
          body.append("file", item.file);
          return request("POST", response.payload.url, body, {
            signal: signal,
            onProgress: function (percent) {
              setProgress(item, Math.min(percent, 99)); // 100 % once storage has answered
            },
          });
        })
        .then(function (response) {
          if (response.status >= 200 && response.status < 300 && !item.removed) {
            item.stored = true;
            setProgress(item, 100);
          }
          return response;
        });
    }
    return chain.then(function (response) {
      if (item.removed || response.aborted) {
        return; // removed during the transfer: no finalize, so no submission
      }
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
      return request("POST", form.dataset.finalizeUrl, body, { signal: signal }).then(function (result) {
        if (item.removed || result.aborted) {
          return;
        }
        if (result.status === 201) {
          item.done = true;
          item.controller = null;
          setProgress(item, 100);
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

  // The required fields, checked before the first byte is sent (the server says the same words).
  function checkBeforeSending(pending) {
    var firstInvalid = null;
    function mark(box, message, field) {
      showMessages(box, message ? [message] : []);
      box.hidden = !message;
      if (message && !firstInvalid) {
        firstInvalid = field;
      }
    }
    var license = form.querySelector("[name=license_confirmed]");
    mark(form.querySelector("[data-check=license_confirmed]"), license && !license.checked ? texts.needLicense : "", license);
    var countriesBox = form.querySelector("[data-check=countries]");
    var firstCountry = form.querySelector("input[name=countries]");
    mark(countriesBox, useForAll.checked && !shared("countries").length ? texts.needCountries : "", firstCountry);
    pending.forEach(function (item) {
      var messages = [];
      var description = item.element.querySelector("[data-name=description]");
      if (!description.value.trim()) {
        messages.push(texts.needDescription);
        firstInvalid = firstInvalid || description;
      }
      if (!useForAll.checked && !own(item, "countries").length) {
        messages.push(texts.needCountries);
        firstInvalid = firstInvalid || item.element.querySelector("[data-name=countries]");
      }
      if (item.tooSmall) {
        messages.push(texts.tooSmall);
      }
      showMessages(item.element.querySelector(".upload-errors"), messages);
    });
    if (firstInvalid) {
      firstInvalid.focus();
      return false;
    }
    return true;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var pending = items.filter(function (item) {
      return !item.done;
    });
    if (!pending.length) {
      summary.textContent = items.length ? "" : texts.choose;
      if (!items.length) {
        fileInput.focus();
      }
      return;
    }
    submitButton.disabled = true;
    Promise.all(pending.map(function (item) {
      return item.measured;
    })).then(function () {
      if (!checkBeforeSending(pending)) {
        submitButton.disabled = false;
        return null;
      }
      // One file after the other: on a slow link, parallel uploads only slow each other down.
      return pending
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
          summary.textContent = format(texts.summary, { done: done, total: items.length });
          if (done) {
            doneLink.hidden = false;
          }
        });
    });
  });
})();
