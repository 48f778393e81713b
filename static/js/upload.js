/* Several photos at once, each with its own descriptions, progress bar and retry, that survive the link.
 *
 * Each photo goes as a resumable upload (docs/uploads.md) by the protocol in upload-protocol.js, the
 * same code the service worker runs: the portal declares it and says its part size, the parts go
 * straight to storage (presigned S3 PUTs, or the portal's own part endpoint in the embedded default),
 * at most two at a time, and the descriptions go to the finalize endpoint once every part is
 * acknowledged. A part that the link drops is sent again when the link is back (with backoff); an
 * acknowledged part is never sent again, and after a reload the upload goes on from the parts the
 * storage holds (the server's `parts_done`). This script shows it: each photo's state and bar.
 * Without JavaScript the page's plain form sends one photo (css/nojs.css shows its fields).
 *
 * Kept in the browser: when Submit is pressed, each photo with its descriptions is written to IndexedDB
 * (upload-store.js) before a byte is sent, and stays there until finalize has answered. On opening the
 * page, the photos still waiting are listed and go on by themselves: their descriptions and the licence
 * were confirmed when Submit was pressed, and asking again would only delay photos chosen offline.
 * Offline, they wait and go when the link returns: the `online` event while the page is open, and
 * Background Sync (where the browser has it) for the service worker, which sends them itself when no
 * page is open; the page then says which went while it was closed. One photo is sent by one tab or the
 * worker only (SeavlUploadStore.exclusive: a Web Lock).
 *
 * On a slow link: nothing is sent before the required fields are filled and each photo is known to be
 * large enough; "Remove" aborts the photo's transfer, cancels its upload on the portal and forgets it;
 * leaving the page while a transfer runs asks first; each bar says its percentage and whose it is, and
 * counts what the storage acknowledged plus the part under way, never 100 % before the storage has it.
 */
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  var template = document.getElementById("upload-item-template");
  if (!form || !template || !window.XMLHttpRequest || !window.FormData || !window.Promise || !window.SeavlUploadProtocol) {
    return;
  }
  var texts = document.getElementById("upload-texts").dataset;
  var fileInput = form.querySelector("input[type=file][name=image]");
  var chosen = document.getElementById("upload-chosen");
  var list = document.getElementById("upload-items");
  var summary = document.getElementById("upload-summary");
  var keptNote = document.getElementById("upload-kept");
  var useForAll = document.getElementById("use-for-all");
  var submitButton = document.getElementById("upload-submit");
  var doneLink = document.getElementById("upload-done");
  var formCsrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var minShortSide = parseInt(texts.minShortSide, 10) || 0;
  var lang = document.documentElement.lang || undefined;
  var percentFormat = window.Intl ? new Intl.NumberFormat(lang, { style: "percent" }) : null;
  var store = window.SeavlUploadStore || null; // no IndexedDB: the photos are sent, just not kept
  var user = form.dataset.user || "";
  var items = [];
  var counter = 0;
  var pumping = false;

  fileInput.multiple = true;

  function format(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (match, name) {
      return name in values ? values[name] : match;
    });
  }

  function formatSize(bytes) {
    var megabytes = bytes / 1000000;
    try {
      return new Intl.NumberFormat(lang, { style: "unit", unit: "megabyte", maximumFractionDigits: 1 }).format(
        megabytes
      );
    } catch (error) {
      return megabytes.toFixed(1) + " MB";
    }
  }

  function csrfToken() {
    // The cookie's token is the one the portal checks: a page served from the offline cache may hold
    // an older form token.
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : formCsrf;
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

  // What finalize will receive for this photo, as it is at Submit (a kept photo's shared fields are
  // the ones it was sent with; its descriptions can still be corrected before a Retry).
  function snapshot(item) {
    if (item.kept) {
      var fields = JSON.parse(JSON.stringify(item.kept));
      fields.description = own(item, "description");
      fields.native_description = own(item, "native_description");
      return fields;
    }
    var sharedValues = useForAll.checked;
    return {
      description: own(item, "description"),
      native_description: own(item, "native_description"),
      native_language: shared("native_language"),
      license_confirmed: shared("license_confirmed"),
      countries: sharedValues ? shared("countries") : own(item, "countries"),
      location: sharedValues ? shared("location") : own(item, "location"),
      group: sharedValues ? shared("group") : own(item, "group"),
    };
  }

  function setStatus(item, text, state) {
    item.element.querySelector(".upload-status").textContent = text;
    item.element.dataset.state = state;
  }

  function setProgress(item, percent) {
    item.progress.value = percent;
    item.percent.textContent = percentFormat ? percentFormat.format(percent / 100) : percent + " %";
  }

  // Acknowledged bytes plus the parts under way; 100 % only once the storage holds every part.
  function showProgress(item) {
    var size = item.file.size || 1;
    if (item.upload && item.acked >= item.file.size) {
      setProgress(item, 100);
      return;
    }
    var loaded = item.acked;
    Object.keys(item.inflight).forEach(function (number) {
      loaded += item.inflight[number];
    });
    setProgress(item, Math.min(99, Math.floor((loaded / size) * 100)));
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
    showMessages(item.element.querySelector(".upload-errors"), window.SeavlUploadProtocol.messagesOf(payload));
  }

  function busy() {
    return items.some(function (item) {
      var state = item.element.dataset.state;
      return state === "uploading" || state === "saving" || state === "paused";
    });
  }

  // "2 photos waiting to be sent": the photos kept in this browser that the portal does not have yet.
  function showKept() {
    if (!keptNote) {
      return;
    }
    var waiting = items.filter(function (item) {
      return item.entryId && !item.done;
    }).length;
    var text = "";
    if (waiting) {
      text = waiting === 1 ? texts.keptOne : format(texts.keptMany, { n: waiting });
      if (navigator.onLine === false) {
        text += " " + texts.keptOffline;
      }
    }
    keptNote.textContent = text;
    keptNote.hidden = !text;
  }

  // The file input lists what is chosen (the browser's own text would say "No file chosen").
  function syncChosen() {
    var files = items
      .filter(function (item) {
        return !item.done && !item.entryId;
      })
      .map(function (item) {
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
      var count = items.length;
      chosen.textContent = !count ? "" : count === 1 ? texts.chosenOne : format(texts.chosenMany, { n: count });
    }
    showKept();
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

  // One photo's block. `entry` is a photo kept from an earlier visit (its file, fields and upload).
  function addFile(file, entry) {
    counter += 1;
    var fragment = template.content.cloneNode(true);
    var element = fragment.querySelector(".upload-item");
    var name = (entry && entry.name) || file.name || "photo";
    var item = window.SeavlUploadProtocol.newItem(file, name, entry);
    item.element = element;
    item.progress = element.querySelector(".upload-progress");
    item.percent = element.querySelector(".upload-percent");
    var nameBox = element.querySelector(".upload-name");
    nameBox.textContent = name;
    nameBox.id = "item-" + counter + "-name";
    element.querySelector(".upload-size").textContent = formatSize(file.size);
    item.progress.setAttribute("aria-label", format(texts.progressLabel, { name: name }));
    var preview = element.querySelector(".upload-preview");
    if (window.URL && file instanceof Blob && /^image\/(jpeg|png|webp)$/.test(file.type)) {
      item.previewUrl = URL.createObjectURL(file);
      preview.src = item.previewUrl;
    } else {
      // HEIC and other photos the browser cannot show: a placeholder with the file's type.
      preview.hidden = true;
      var placeholder = element.querySelector(".upload-preview-placeholder");
      var extension = (name.split(".").pop() || "").toUpperCase().slice(0, 5);
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
    element.querySelector(".upload-own").hidden = useForAll.checked || !!entry;
    element.querySelector(".upload-remove").addEventListener("click", function () {
      remove(item);
    });
    element.querySelector(".upload-retry").addEventListener("click", function () {
      if (checkBeforeSending([item])) {
        item.failed = false;
        item.restarts = 0;
        queue([item]);
      }
    });
    if (entry) {
      element.querySelector("[data-name=description]").value = entry.fields.description || "";
      element.querySelector("[data-name=native_description]").value = entry.fields.native_description || "";
      item.queued = !entry.failed;
      item.failed = !!entry.failed;
      if (entry.failed) {
        setStatus(item, texts.failed, "failed");
        showErrors(item, { detail: entry.failed });
        element.querySelector(".upload-retry").hidden = false;
      } else {
        setStatus(item, navigator.onLine === false ? texts.offlineWaiting : texts.waiting, "queued");
      }
      showProgress(item);
    } else {
      setStatus(item, texts.waiting, "waiting");
      setProgress(item, 0);
    }
    list.appendChild(fragment);
    items.push(item);
    item.measured = entry ? Promise.resolve() : measure(item);
    return item;
  }

  function remove(item) {
    item.removed = true;
    if (item.controller) {
      item.controller.abort(); // stops the transfer: the photo is never finalized, so nothing is created
    }
    if (item.upload && !item.done) {
      request("DELETE", uploadUrl(item), null, {}); // its parts go now; if offline, the day's sweep
    }
    if (item.entryId && store) {
      store.remove(item.entryId).catch(function () {});
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
    picked.forEach(function (file) {
      addFile(file, null);
    });
    summary.textContent = ""; // "Choose at least one photo." no longer applies
    syncChosen();
  });
  useForAll.addEventListener("change", function () {
    items.forEach(function (item) {
      item.element.querySelector(".upload-own").hidden = useForAll.checked || !!item.kept;
    });
  });

  window.addEventListener("beforeunload", function (event) {
    if (busy()) {
      event.preventDefault();
      event.returnValue = texts.leave; // browsers show their own words; setting it is what asks
      return texts.leave;
    }
  });

  // --- requests ---------------------------------------------------------------------------------

  function request(method, url, body, options) {
    return new Promise(function (resolve) {
      var xhr = new XMLHttpRequest();
      var own = url.charAt(0) === "/";
      xhr.open(method, url);
      if (own) {
        xhr.setRequestHeader("X-CSRFToken", csrfToken());
      }
      if (options.json) {
        xhr.setRequestHeader("Content-Type", "application/json");
        body = JSON.stringify(body);
      }
      var headers = options.headers || {};
      Object.keys(headers).forEach(function (name) {
        xhr.setRequestHeader(name, headers[name]);
      });
      if (options.onProgress && xhr.upload) {
        xhr.upload.addEventListener("progress", function (event) {
          options.onProgress(event.loaded);
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
        // A signed-out session is sent to the sign-in page: that is no answer from the endpoint.
        if (own && xhr.responseURL && xhr.responseURL.split("?")[0].slice(-url.length) !== url.split("?")[0]) {
          resolve({ status: 401, payload: { detail: texts.signedOut } });
          return;
        }
        resolve({ status: xhr.status, payload: payload });
      };
      xhr.onabort = function () {
        resolve({ status: 0, aborted: true });
      };
      xhr.onerror = xhr.ontimeout = function () {
        resolve({ status: 0, network: true });
      };
      xhr.send(body);
    });
  }

  // The upload protocol (upload-protocol.js, shared with the service worker), showing on this page.
  var protocol = window.SeavlUploadProtocol({
    resumableUrl: form.dataset.resumableUrl,
    finalizeUrl: form.dataset.finalizeUrl,
    store: store,
    request: request,
    online: function () {
      return navigator.onLine !== false;
    },
    onOnline: function (listener) {
      window.addEventListener("online", listener);
      return function () {
        window.removeEventListener("online", listener);
      };
    },
    patience: 0,
    fields: function (item) {
      return item.kept || snapshot(item);
    },
    show: {
      state: function (item, state) {
        setStatus(item, texts[state], state);
      },
      progress: showProgress,
      kept: showKept,
      start: function (item) {
        item.element.querySelector(".upload-retry").hidden = true;
        showErrors(item, null);
        setStatus(item, texts.uploading, "uploading");
      },
      finished: finished,
      failed: failed,
      elsewhere: function (item) {
        setStatus(item, texts.otherTab, "elsewhere");
        item.queued = true;
        item.notBefore = Date.now() + 5000;
        setTimeout(pump, 5100);
      },
    },
  });

  function uploadUrl(item) {
    return protocol.uploadUrl(item);
  }

  // A photo the service worker sent (Background Sync) while no page was open: said once, then forgotten.
  function addSent(entry) {
    var item = addFile({ name: entry.name, size: entry.size || 0, type: entry.type || "" }, entry);
    finished(item, entry.sent, true);
    store.remove(entry.id).catch(function () {});
  }

  // --- the photo kept in IndexedDB from Submit until finalize has answered ---------------------------

  function keep(item) {
    item.kept = snapshot(item);
    if (!store) {
      return Promise.resolve();
    }
    var id = store.newId();
    var entry = {
      id: id,
      user: user,
      name: item.name,
      type: item.file.type,
      size: item.file.size,
      created: Date.now(),
      fields: item.kept,
      upload: null,
      parts: [],
    };
    return store.add(entry, item.file).then(
      function () {
        item.entryId = id;
        showKept();
      },
      function () {} // storage full or refused: the photo is still sent, just not kept
    );
  }

  // `byWorker`: the service worker sent it (Background Sync) while this page was closed or waiting.
  function finished(item, payload, byWorker) {
    item.done = true;
    setProgress(item, 100);
    setStatus(item, byWorker ? texts.sentByWorker : texts.done, "done");
    showErrors(item, null);
    item.element.querySelector(".upload-remove").hidden = true;
    item.element.querySelectorAll("textarea, input, select").forEach(function (field) {
      field.disabled = true;
    });
    showKept();
  }

  // Refused: what the storage holds stays (a Retry goes on from there); the message is kept with it.
  function failed(item, response) {
    var payload = response.payload && (response.payload.detail || response.payload.errors) ? response.payload : null;
    payload = payload || { detail: texts.refused };
    showProgress(item);
    setStatus(item, texts.failed, "failed");
    showErrors(item, payload);
    item.element.querySelector(".upload-retry").hidden = false;
    var messages = [];
    item.element.querySelectorAll(".upload-errors p").forEach(function (p) {
      messages.push(p.textContent);
    });
    return messages.join(" ") || texts.failed;
  }

  // One photo after the other: on a slow link, parallel uploads only slow each other down.
  function pump() {
    if (pumping) {
      return Promise.resolve();
    }
    pumping = true;
    function next() {
      var item = null;
      items.forEach(function (candidate) {
        var later = candidate.notBefore && candidate.notBefore > Date.now();
        if (!item && candidate.queued && !later && !candidate.done && !candidate.removed && !candidate.tooSmall) {
          item = candidate;
        }
      });
      if (!item) {
        return Promise.resolve();
      }
      if (navigator.onLine === false) {
        items.forEach(function (waiting) {
          if (waiting.queued && !waiting.done) {
            setStatus(waiting, texts.offlineWaiting, "queued");
          }
        });
        showKept();
        return Promise.resolve(); // the `online` event pumps again
      }
      item.queued = false;
      return protocol.sendOne(item).then(next);
    }
    return next().then(function () {
      pumping = false;
      submitButton.disabled = false;
      var done = items.filter(function (item) {
        return item.done;
      }).length;
      if (items.length && !items.some(function (item) {
        return item.queued && !item.done;
      })) {
        summary.textContent = format(texts.summary, { done: done, total: items.length });
      }
      if (done) {
        doneLink.hidden = false;
      }
      showKept();
    });
  }

  function queue(pending) {
    pending.forEach(function (item) {
      item.queued = true;
      if (navigator.onLine === false) {
        setStatus(item, texts.offlineWaiting, "queued");
      }
    });
    showKept();
    if (navigator.onLine === false) {
      askForSync();
    }
    return pump();
  }

  // --- the required fields, checked before the first byte is sent (the server says the same words) --

  function checkBeforeSending(pending) {
    var firstInvalid = null;
    function mark(box, message, field) {
      showMessages(box, message ? [message] : []);
      box.hidden = !message;
      if (message && !firstInvalid) {
        firstInvalid = field;
      }
    }
    var fresh = pending.filter(function (item) {
      return !item.kept;
    });
    var license = form.querySelector("[name=license_confirmed]");
    var needShared = fresh.length > 0;
    mark(
      form.querySelector("[data-check=license_confirmed]"),
      needShared && license && !license.checked ? texts.needLicense : "",
      license
    );
    var countriesBox = form.querySelector("[data-check=countries]");
    var firstCountry = form.querySelector("input[name=countries]");
    mark(
      countriesBox,
      needShared && useForAll.checked && !shared("countries").length ? texts.needCountries : "",
      firstCountry
    );
    pending.forEach(function (item) {
      var messages = [];
      var description = item.element.querySelector("[data-name=description]");
      if (!description.value.trim()) {
        messages.push(texts.needDescription);
        firstInvalid = firstInvalid || description;
      }
      if (!item.kept && !useForAll.checked && !own(item, "countries").length) {
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
      return !item.done && !item.queued && !item.entryId;
    });
    if (!pending.length) {
      summary.textContent = items.length ? "" : texts.choose;
      if (!items.length) {
        fileInput.focus();
      }
      return;
    }
    submitButton.disabled = true;
    Promise.all(
      pending.map(function (item) {
        return item.measured;
      })
    ).then(function () {
      if (!checkBeforeSending(pending)) {
        submitButton.disabled = false;
        return null;
      }
      var sendable = pending.filter(function (item) {
        return !item.tooSmall;
      });
      // Kept first (file and descriptions), then sent: a reload or a lost link loses nothing.
      return Promise.all(sendable.map(keep)).then(function () {
        syncChosen();
        return queue(sendable);
      });
    });
  });

  // --- the link and the other tabs -----------------------------------------------------------------

  function askForSync() {
    if (navigator.serviceWorker && navigator.serviceWorker.ready && window.SyncManager) {
      navigator.serviceWorker.ready
        .then(function (registration) {
          return registration.sync && registration.sync.register("seavl-uploads");
        })
        .catch(function () {});
    }
  }

  window.addEventListener("online", function () {
    showKept();
    pump();
  });
  window.addEventListener("offline", showKept);

  if (navigator.serviceWorker && form.dataset.serviceWorker) {
    navigator.serviceWorker.register(form.dataset.serviceWorker, { scope: "/" }).catch(function () {});
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "seavl-uploads-sync") {
        pump();
      }
    });
  }

  // The photos kept from an earlier visit: listed, and sent on by themselves. Who is signed in is kept
  // too, with the form's token: the service worker sends only that person's photos.
  if (store && user) {
    store.signIn({ user: user, csrf: csrfToken() }).catch(function () {});
    store
      .list(user)
      .then(function (entries) {
        entries.forEach(function (entry) {
          if (entry.sent) {
            addSent(entry);
          } else if (entry.file) {
            addFile(entry.file, entry);
          } else {
            store.remove(entry.id).catch(function () {});
          }
        });
        syncChosen();
        if (entries.length) {
          pump();
        }
      })
      .catch(function () {});
  }
})();
