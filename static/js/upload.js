/* Several photos at once, each with its own descriptions, progress bar and retry, that survive the link.
 *
 * Each photo goes as a resumable upload (docs/uploads.md): the portal declares it and says its part
 * size, the parts go straight to storage (presigned S3 PUTs, or the portal's own part endpoint in the
 * embedded default), at most two at a time, and the descriptions go to the finalize endpoint once every
 * part is acknowledged. A part that the link drops is sent again when the link is back (with backoff);
 * an acknowledged part is never sent again, and after a reload the upload goes on from the parts the
 * storage holds (the server's `parts_done`).
 * Without JavaScript the page's plain form sends one photo (css/nojs.css shows its fields).
 *
 * Kept in the browser: when Submit is pressed, each photo with its descriptions is written to IndexedDB
 * (upload-store.js) before a byte is sent, and stays there until finalize has answered. On opening the
 * page, the photos still waiting are listed and go on by themselves: their descriptions and the licence
 * were confirmed when Submit was pressed, and asking again would only delay photos chosen offline.
 * Offline, they wait and go when the link returns (the `online` event; Background Sync, where the
 * browser has it, wakes the page through the service worker). One photo is sent by one tab only
 * (SeavlUploadStore.exclusive: a Web Lock).
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
  if (!form || !template || !window.XMLHttpRequest || !window.FormData || !window.Promise) {
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
  var PARALLEL = 2; // parts in flight at most; one on a slow link (a drop then costs half a part)
  var SLOW_PART_MS = 4000;
  var TARGET_MAX_AGE = 30 * 60 * 1000; // presigned part URLs last an hour
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
    var item = {
      file: file,
      name: name,
      element: element,
      done: false,
      removed: false,
      upload: null,
      parts: {},
      acked: 0,
      inflight: {},
      targets: {},
      entryId: null,
      kept: null,
      attempt: 0,
      restarts: 0,
    };
    item.progress = element.querySelector(".upload-progress");
    item.percent = element.querySelector(".upload-percent");
    var nameBox = element.querySelector(".upload-name");
    nameBox.textContent = name;
    nameBox.id = "item-" + counter + "-name";
    element.querySelector(".upload-size").textContent = formatSize(file.size);
    item.progress.setAttribute("aria-label", format(texts.progressLabel, { name: name }));
    var preview = element.querySelector(".upload-preview");
    if (window.URL && /^image\/(jpeg|png|webp)$/.test(file.type)) {
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
      item.entryId = entry.id;
      item.kept = entry.fields;
      item.upload = entry.upload || null;
      (entry.parts || []).forEach(function (number) {
        item.parts[number] = true;
      });
      item.acked = ackedBytes(item);
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

  function partSize(item, number) {
    var chunk = item.upload.chunk_size;
    return Math.max(0, Math.min(chunk, item.file.size - (number - 1) * chunk));
  }

  function ackedBytes(item) {
    if (!item.upload) {
      return 0;
    }
    return Object.keys(item.parts).reduce(function (total, number) {
      return total + partSize(item, parseInt(number, 10));
    }, 0);
  }

  function uploadUrl(item) {
    return form.dataset.resumableUrl + item.upload.id + "/";
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

  function aborted(item) {
    return item.removed || (item.controller && item.controller.signal.aborted);
  }

  // Resolves once the browser says it is online (at once if it is), or the photo is removed.
  function waitForLink(item) {
    if (navigator.onLine !== false || aborted(item)) {
      return Promise.resolve();
    }
    return new Promise(function (resolve) {
      function done() {
        window.removeEventListener("online", done);
        resolve();
      }
      window.addEventListener("online", done);
      if (item.controller) {
        item.controller.signal.addEventListener("abort", done);
      }
    });
  }

  // The link dropped: say so, wait (1 s, 2 s, 4 s... up to 30 s, or until the browser is online
  // again), then go on.
  function linkLost(item) {
    item.attempt += 1;
    if (!aborted(item)) {
      setStatus(item, texts.paused, "paused");
      showProgress(item);
      showKept();
    }
    var delay = Math.min(30000, 500 * Math.pow(2, Math.min(item.attempt, 6))) * (0.75 + Math.random() / 2);
    var wasOffline = navigator.onLine === false;
    return new Promise(function (resolve) {
      var timer = setTimeout(done, delay);
      function done() {
        clearTimeout(timer);
        window.removeEventListener("online", done);
        resolve();
      }
      if (wasOffline) {
        window.addEventListener("online", done);
      }
      if (item.controller) {
        item.controller.signal.addEventListener("abort", done);
      }
    })
      .then(function () {
        return waitForLink(item);
      })
      .then(function () {
        if (!aborted(item)) {
          setStatus(item, texts.uploading, "uploading");
        }
      });
  }

  function transient(response) {
    return response.network || response.status >= 500 || response.status === 408 || response.status === 429;
  }

  // A call to the portal, sent again after a lost link or an unavailable server (a few times).
  function api(item, method, url, body, json) {
    var serverErrors = 0;
    function attempt() {
      if (navigator.onLine === false && !aborted(item)) {
        setStatus(item, texts.paused, "paused");
      }
      return waitForLink(item).then(function () {
        if (aborted(item)) {
          return { status: 0, aborted: true };
        }
        return request(method, url, body, { signal: item.controller.signal, json: json }).then(function (response) {
          if (response.aborted || !transient(response)) {
            if (!response.aborted) {
              item.attempt = 0;
            }
            return response;
          }
          if (!response.network && (serverErrors += 1) > 5) {
            return response;
          }
          return linkLost(item).then(attempt);
        });
      });
    }
    return attempt();
  }

  // --- the upload's state, kept in IndexedDB --------------------------------------------------------

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

  function persist(item, extra) {
    if (!store || !item.entryId) {
      return Promise.resolve();
    }
    var upload = item.upload;
    var parts = Object.keys(item.parts).map(function (number) {
      return parseInt(number, 10);
    });
    return store
      .update(item.entryId, function (entry) {
        entry.upload = upload;
        entry.parts = parts;
        entry.fields = item.kept || entry.fields;
        entry.failed = (extra && extra.failed) || "";
        return entry;
      })
      .catch(function () {});
  }

  function stillKept(item) {
    if (!store || !item.entryId) {
      return Promise.resolve(true);
    }
    return store
      .update(item.entryId, function () {
        return undefined;
      })
      .then(
        function (entry) {
          return !!entry;
        },
        function () {
          return true;
        }
      );
  }

  function adopt(item, payload) {
    item.upload = {
      id: payload.upload,
      ticket: payload.ticket,
      chunk_size: payload.chunk_size,
      part_count: payload.part_count,
    };
    item.parts = {};
    (payload.parts_done || []).forEach(function (number) {
      item.parts[number] = true; // the storage is the truth
    });
    item.acked = ackedBytes(item);
    item.targets = {};
    showProgress(item);
  }

  // --- one photo: declare (or look up) its upload, send the missing parts, finalize ----------------

  function ensureUpload(item) {
    if (item.upload) {
      return api(item, "GET", uploadUrl(item), null, false).then(function (response) {
        if (response.aborted) {
          return response;
        }
        if (response.status === 404) {
          // Unknown or expired (a day old): a new upload of the kept file, unless the photo was
          // removed meanwhile (in another tab: its record is gone).
          item.upload = null;
          item.parts = {};
          item.acked = 0;
          return stillKept(item).then(function (kept) {
            if (!kept) {
              item.removed = true;
              return { status: 0, aborted: true };
            }
            return persist(item).then(function () {
              return ensureUpload(item);
            });
          });
        }
        if (response.status !== 200 || !response.payload) {
          return response;
        }
        adopt(item, response.payload);
        return persist(item).then(function () {
          return null;
        });
      });
    }
    var body = {
      size: item.file.size,
      filename: item.name,
      content_type: /^image\//.test(item.file.type) ? item.file.type : "",
    };
    return api(item, "POST", form.dataset.resumableUrl, body, true).then(function (response) {
      if (response.aborted) {
        return response;
      }
      if (response.status !== 201 || !response.payload) {
        return response;
      }
      adopt(item, response.payload);
      if (aborted(item)) {
        request("DELETE", uploadUrl(item), null, {});
        return { status: 0, aborted: true };
      }
      return persist(item).then(function () {
        return null;
      });
    });
  }

  // Where part `number` goes; asked for in batches (up to 20 of the parts still to send).
  function target(item, number) {
    var found = item.targets[number];
    if (found && Date.now() - found.at < TARGET_MAX_AGE) {
      return Promise.resolve(found);
    }
    if (!item.asking) {
      var numbers = [number].concat(
        item.queue.filter(function (other) {
          return !item.targets[other] || Date.now() - item.targets[other].at >= TARGET_MAX_AGE;
        })
      );
      var url = uploadUrl(item) + "parts/";
      item.asking = api(item, "POST", url, { numbers: numbers.slice(0, 20) }, true).then(function (response) {
        item.asking = null;
        if (response.aborted || response.status !== 200 || !response.payload) {
          return response;
        }
        var now = Date.now();
        response.payload.parts.forEach(function (part) {
          part.at = now;
          item.targets[part.number] = part;
        });
        return null;
      });
      return item.asking.then(function (failure) {
        return failure ? { failure: failure } : item.targets[number] || { failure: { status: 0 } };
      });
    }
    return item.asking.then(function (failure) {
      return failure ? { failure: failure } : target(item, number);
    });
  }

  // One part, sent until the storage acknowledges it. Resolves null when it did, else what stops it.
  function sendPart(item, number, refused) {
    return target(item, number).then(function (part) {
      if (part.failure) {
        return part.failure;
      }
      if (aborted(item)) {
        return { status: 0, aborted: true };
      }
      var start = (number - 1) * item.upload.chunk_size;
      var began = Date.now();
      item.inflight[number] = 0;
      return request(part.method || "PUT", part.url, item.file.slice(start, start + part.size), {
        signal: item.controller.signal,
        headers: part.headers || {},
        onProgress: function (loaded) {
          if (item.inflight[number] !== undefined) {
            item.inflight[number] = Math.min(loaded, part.size);
            showProgress(item);
          }
        },
      }).then(function (response) {
        delete item.inflight[number];
        if (response.aborted) {
          return response;
        }
        if (response.status >= 200 && response.status < 300) {
          item.attempt = 0;
          item.parts[number] = true;
          item.acked = ackedBytes(item);
          item.slow = Date.now() - began > SLOW_PART_MS;
          showProgress(item);
          return persist(item).then(function () {
            return null;
          });
        }
        showProgress(item);
        if (transient(response)) {
          return linkLost(item).then(function () {
            return sendPart(item, number, refused);
          });
        }
        // Refused: an expired link is asked for again once; the upload gone means starting over.
        delete item.targets[number];
        if (response.status === 404 && part.url.charAt(0) === "/") {
          return { restart: true };
        }
        if (refused) {
          return response;
        }
        return sendPart(item, number, true);
      });
    });
  }

  // The missing parts, one or two at a time (one once a part takes more than a few seconds).
  function sendParts(item) {
    item.queue = [];
    for (var number = 1; number <= item.upload.part_count; number += 1) {
      if (!item.parts[number]) {
        item.queue.push(number);
      }
    }
    var stop = null;
    var running = 0;
    return new Promise(function (resolve) {
      function next() {
        while (!stop && item.queue.length && running < (item.slow ? 1 : PARALLEL)) {
          running += 1;
          sendPart(item, item.queue.shift()).then(function (failure) {
            running -= 1;
            if (failure && !stop) {
              stop = failure;
            }
            next();
          });
        }
        if (!running && (stop || !item.queue.length)) {
          resolve(stop);
        }
      }
      next();
    });
  }

  function finalize(item) {
    setStatus(item, texts.saving, "saving");
    var fields = item.kept || snapshot(item);
    var body = new FormData();
    body.append("ticket", item.upload.ticket);
    body.append("filename", item.name);
    ["description", "native_description", "native_language", "license_confirmed", "location", "group"].forEach(
      function (name) {
        body.append(name, fields[name] || "");
      }
    );
    (fields.countries || []).forEach(function (code) {
      body.append("countries", code);
    });
    return api(item, "POST", form.dataset.finalizeUrl, body, false).then(function (response) {
      if (response.aborted) {
        return response;
      }
      if (response.status === 201 || response.status === 200) {
        finished(item);
        return null;
      }
      // Parts missing (the storage lost one) or a ticket out of date: look the upload up again (its
      // status has a fresh ticket and the parts the storage holds). A duplicate (409) is a refusal.
      var missing = response.status === 409 && response.payload && response.payload.errors && response.payload.errors.parts;
      if (missing || (response.status === 403 && !item.restarts)) {
        return { restart: true, response: response };
      }
      return response;
    });
  }

  function finished(item) {
    item.done = true;
    item.controller = null;
    setProgress(item, 100);
    setStatus(item, texts.done, "done");
    showErrors(item, null);
    item.element.querySelector(".upload-remove").hidden = true;
    item.element.querySelectorAll("textarea, input, select").forEach(function (field) {
      field.disabled = true;
    });
    if (store && item.entryId) {
      store.remove(item.entryId).catch(function () {});
    }
    showKept();
  }

  function fail(item, response) {
    if (item.removed) {
      return;
    }
    item.failed = true;
    var payload = response.payload && (response.payload.detail || response.payload.errors) ? response.payload : null;
    payload = payload || { detail: texts.refused };
    showProgress(item); // what the storage holds stays: a Retry goes on from there
    setStatus(item, texts.failed, "failed");
    showErrors(item, payload);
    item.element.querySelector(".upload-retry").hidden = false;
    // Kept, but not sent again by itself on the next visit: the refusal needs the person.
    var messages = [];
    item.element.querySelectorAll(".upload-errors p").forEach(function (p) {
      messages.push(p.textContent);
    });
    persist(item, { failed: messages.join(" ") || texts.failed });
  }

  function fakeController() {
    var signal = { aborted: false, addEventListener: function () {} };
    return {
      signal: signal,
      abort: function () {
        signal.aborted = true;
      },
    };
  }

  function transfer(item) {
    item.controller = window.AbortController ? new AbortController() : fakeController();
    item.element.querySelector(".upload-retry").hidden = true;
    showErrors(item, null);
    setStatus(item, texts.uploading, "uploading");
    return ensureUpload(item)
      .then(function (failure) {
        if (failure) {
          return failure;
        }
        var state = item.upload && item.upload.part_count && Object.keys(item.parts).length >= item.upload.part_count;
        return state ? null : sendParts(item);
      })
      .then(function (failure) {
        return failure || finalize(item);
      })
      .then(function (failure) {
        if (!failure || failure.aborted || item.removed) {
          return;
        }
        if (failure.restart && item.restarts < 3) {
          item.restarts += 1;
          return transfer(item);
        }
        fail(item, failure.response || failure);
      });
  }

  // A photo goes through the tab that holds its lock; another tab sending it says so, and this one
  // looks again later (that tab may be closed before it is done).
  function sendOne(item) {
    if (!store || !item.entryId) {
      return transfer(item);
    }
    return store
      .exclusive(item.entryId, function () {
        // The latest state: another tab may have sent parts, or finished it.
        return store
          .update(item.entryId, function () {
            return undefined;
          })
          .then(function (entry) {
            if (!entry) {
              finished(item);
              return null;
            }
            if (entry.upload && (!item.upload || entry.upload.id !== item.upload.id)) {
              item.upload = entry.upload;
              item.parts = {};
              (entry.parts || []).forEach(function (number) {
                item.parts[number] = true;
              });
              item.acked = ackedBytes(item);
            }
            return transfer(item);
          });
      })
      .then(function (ran) {
        if (ran === false && !item.removed && !item.done) {
          setStatus(item, texts.otherTab, "elsewhere");
          item.queued = true;
          item.notBefore = Date.now() + 5000;
          setTimeout(pump, 5100);
        }
      });
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
      return sendOne(item).then(next);
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

  // The photos kept from an earlier visit: listed, and sent on by themselves.
  if (store && user) {
    store
      .list(user)
      .then(function (entries) {
        entries.forEach(function (entry) {
          if (entry.file) {
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
