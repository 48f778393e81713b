/* One photo's resumable upload (docs/uploads.md), the same code for the upload page (upload.js, which
 * shows it) and the service worker (sw.js, which sends what waits when the link returns with no page
 * open): declare the upload (or look it up), send the missing parts, at most two at a time, straight to
 * storage, then finalize with the descriptions. A part the link drops goes again when the link is back
 * (with backoff); an acknowledged part never goes again; after a reload the upload goes on from the
 * parts the storage holds (the server's `parts_done`). The upload's state is kept in IndexedDB
 * (upload-store.js) after every acknowledged part, and a photo goes through one sender at a time (the
 * store's Web Lock, shared by the tabs and the worker): the portal's finalize is once-only besides (a
 * completed upload answers its submission again).
 *
 * `SeavlUploadProtocol(env)` returns the sender. `env` says how to send and what to show:
 *   resumableUrl, finalizeUrl   the portal's endpoints
 *   store                       SeavlUploadStore, or null (the photo is sent, not kept)
 *   request(method, url, body, {json, headers, signal, onProgress}) -> Promise of {status, payload} or
 *                               {status: 0, network: true} or {status: 0, aborted: true}; the page's
 *                               uses XMLHttpRequest (upload progress), the worker's `fetchRequest` below
 *   online() -> bool; onOnline(listener) -> stop listening (or null where there is no `online` event)
 *   patience                    link losses in a row before giving up (0: never, the page waits)
 *   show                        what the person sees: state(item, name), progress(item), kept(),
 *                               start(item), finished(item, payload, byWorker), failed(item, response)
 *                               -> the message kept
 *                               with the photo (null: not a refusal, it still waits), elsewhere(item)
 *   fields(item)                what finalize receives (the descriptions, countries, licence)
 *   keepSent                    true in the worker: a photo sent is marked as sent in the store (for the
 *                               page to say so when next opened) instead of forgotten
 */
(function (global) {
  "use strict";
  var PARALLEL = 2; // parts in flight at most; one on a slow link (a drop then costs half a part)
  var SLOW_PART_MS = 4000;
  var TARGET_MAX_AGE = 30 * 60 * 1000; // presigned part URLs last an hour

  // One photo as the sender tracks it; `entry` is its record in the store, if kept.
  function newItem(file, name, entry) {
    var item = {
      file: file,
      name: name,
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
    if (entry) {
      item.entryId = entry.id;
      item.kept = entry.fields;
      item.upload = entry.upload || null;
      (entry.parts || []).forEach(function (number) {
        item.parts[number] = true;
      });
      item.acked = ackedBytes(item);
    }
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

  // The messages of a refusal (the portal's JSON: `detail`, or `errors` by field).
  function messagesOf(payload) {
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
    return messages;
  }

  function transient(response) {
    return response.network || response.status >= 500 || response.status === 408 || response.status === 429;
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

  // A request by fetch (the service worker has no XMLHttpRequest), answering as the page's does.
  // `csrfToken()` gives the token for the portal's own endpoints.
  function fetchRequest(csrfToken) {
    return function (method, url, body, options) {
      var own = url.charAt(0) === "/";
      var headers = {};
      if (own) {
        headers["X-CSRFToken"] = csrfToken();
      }
      if (options.json) {
        headers["Content-Type"] = "application/json";
        body = JSON.stringify(body);
      }
      Object.keys(options.headers || {}).forEach(function (name) {
        headers[name] = options.headers[name];
      });
      var init = { method: method, headers: headers, credentials: own ? "same-origin" : "omit" };
      if (body !== null && body !== undefined) {
        init.body = body;
      }
      if (options.signal && options.signal instanceof global.AbortSignal) {
        init.signal = options.signal;
      }
      return fetch(url, init).then(
        function (response) {
          // A signed-out session is sent to the sign-in page: that is no answer from the endpoint.
          if (own && response.redirected) {
            return { status: 401, payload: null, signedOut: true };
          }
          return response.text().then(
            function (text) {
              var payload = null;
              try {
                payload = JSON.parse(text);
              } catch (error) {
                payload = null;
              }
              return { status: response.status, payload: payload };
            },
            function () {
              return { status: 0, network: true };
            }
          );
        },
        function (error) {
          return error && error.name === "AbortError" ? { status: 0, aborted: true } : { status: 0, network: true };
        }
      );
    };
  }

  function SeavlUploadProtocol(env) {
    var store = env.store || null;
    var show = env.show;
    var request = env.request;

    function uploadUrl(item) {
      return env.resumableUrl + item.upload.id + "/";
    }

    function aborted(item) {
      return item.removed || (item.controller && item.controller.signal.aborted);
    }

    // Resolves once the browser says it is online (at once if it is, or where nothing would say so),
    // or the photo is removed.
    function waitForLink(item) {
      if (env.online() || aborted(item) || !env.onOnline) {
        return Promise.resolve();
      }
      return new Promise(function (resolve) {
        var stop = env.onOnline(done);
        function done() {
          stop();
          resolve();
        }
        if (item.controller) {
          item.controller.signal.addEventListener("abort", done);
        }
      });
    }

    // The link dropped: say so, wait (1 s, 2 s, 4 s... up to 30 s, or until the browser is online
    // again), then go on. Resolves false when the sender gives up (the worker's patience is over).
    function linkLost(item) {
      item.attempt += 1;
      if (env.patience && item.attempt > env.patience) {
        return Promise.resolve(false);
      }
      if (!aborted(item)) {
        show.state(item, "paused");
        show.progress(item);
        show.kept();
      }
      var delay = Math.min(30000, 500 * Math.pow(2, Math.min(item.attempt, 6))) * (0.75 + Math.random() / 2);
      var wasOffline = !env.online();
      return new Promise(function (resolve) {
        var timer = setTimeout(done, delay);
        var stop = wasOffline && env.onOnline ? env.onOnline(done) : function () {};
        function done() {
          clearTimeout(timer);
          stop();
          resolve();
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
            show.state(item, "uploading");
          }
          return true;
        });
    }

    var GAVE_UP = { status: 0, network: true, gaveUp: true };

    // A call to the portal, sent again after a lost link or an unavailable server (a few times).
    function api(item, method, url, body, json) {
      var serverErrors = 0;
      function attempt() {
        if (!env.online() && !aborted(item)) {
          show.state(item, "paused");
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
            return linkLost(item).then(function (goOn) {
              return goOn ? attempt() : GAVE_UP;
            });
          });
        });
      }
      return attempt();
    }

    // --- the upload's state, kept in IndexedDB ------------------------------------------------------

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

    function current(item) {
      return store.update(item.entryId, function () {
        return undefined;
      });
    }

    function stillKept(item) {
      if (!store || !item.entryId) {
        return Promise.resolve(true);
      }
      return current(item).then(
        function (entry) {
          return !!entry && !entry.sent;
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
      show.progress(item);
    }

    // --- one photo: declare (or look up) its upload, send the missing parts, finalize --------------

    function ensureUpload(item) {
      if (item.upload) {
        return api(item, "GET", uploadUrl(item), null, false).then(function (response) {
          if (response.aborted || response.gaveUp) {
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
      return api(item, "POST", env.resumableUrl, body, true).then(function (response) {
        if (response.aborted || response.gaveUp) {
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
              show.progress(item);
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
            show.progress(item);
            return persist(item).then(function () {
              return null;
            });
          }
          show.progress(item);
          if (transient(response)) {
            return linkLost(item).then(function (goOn) {
              return goOn ? sendPart(item, number, refused) : GAVE_UP;
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
      show.state(item, "saving");
      var fields = env.fields(item);
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
      return api(item, "POST", env.finalizeUrl, body, false).then(function (response) {
        if (response.aborted || response.gaveUp) {
          return response;
        }
        if (response.status === 201 || response.status === 200) {
          return finished(item, response.payload);
        }
        // Parts missing (the storage lost one) or a ticket out of date: look the upload up again (its
        // status has a fresh ticket and the parts the storage holds). A duplicate (409) is a refusal.
        var missing =
          response.status === 409 && response.payload && response.payload.errors && response.payload.errors.parts;
        if (missing || (response.status === 403 && !item.restarts)) {
          return { restart: true, response: response };
        }
        return response;
      });
    }

    // The portal has the submission: the photo is no longer kept (the worker marks it sent instead,
    // so that the page says so when next opened).
    function finished(item, payload, byWorker) {
      item.done = true;
      item.controller = null;
      show.finished(item, payload, !!byWorker);
      if (!store || !item.entryId) {
        return Promise.resolve(null);
      }
      var forgotten = env.keepSent
        ? store.markSent(item.entryId, { url: (payload && payload.url) || "", at: Date.now() })
        : store.remove(item.entryId);
      return forgotten.then(
        function () {
          return null;
        },
        function () {
          return null;
        }
      );
    }

    function fail(item, response) {
      if (item.removed) {
        return Promise.resolve();
      }
      var message = show.failed(item, response);
      if (message === null) {
        return Promise.resolve(); // not refused: it still waits
      }
      item.failed = true;
      // Kept, but not sent again by itself on the next visit: the refusal needs the person.
      return persist(item, { failed: message });
    }

    function transfer(item) {
      item.controller = global.AbortController ? new AbortController() : fakeController();
      show.start(item);
      return ensureUpload(item)
        .then(function (failure) {
          if (failure) {
            return failure;
          }
          var state =
            item.upload && item.upload.part_count && Object.keys(item.parts).length >= item.upload.part_count;
          return state ? null : sendParts(item);
        })
        .then(function (failure) {
          return failure || finalize(item);
        })
        .then(function (failure) {
          if (!failure || failure.aborted || failure.gaveUp || item.removed) {
            return failure || null;
          }
          if (failure.restart && item.restarts < 3) {
            item.restarts += 1;
            return transfer(item);
          }
          return fail(item, failure.response || failure).then(function () {
            return failure.response || failure;
          });
        });
    }

    // A photo goes through the sender that holds its lock (a tab or the worker). Resolves false when
    // another one sends it, otherwise with what stopped it (null: sent).
    function sendOne(item) {
      if (!store || !item.entryId) {
        return transfer(item);
      }
      var outcome = null;
      return store
        .exclusive(item.entryId, function () {
          // The latest state: another sender may have sent parts, or finished it.
          return current(item).then(function (entry) {
            if (!entry || entry.sent) {
              return finished(item, entry && entry.sent, entry && entry.sent);
            }
            if (entry.upload && (!item.upload || entry.upload.id !== item.upload.id)) {
              item.upload = entry.upload;
              item.parts = {};
              (entry.parts || []).forEach(function (number) {
                item.parts[number] = true;
              });
              item.acked = ackedBytes(item);
            }
            return transfer(item).then(function (stopped) {
              outcome = stopped;
            });
          });
        })
        .then(function (ran) {
          if (ran === false && !item.removed && !item.done) {
            show.elsewhere(item);
            return false;
          }
          return outcome;
        });
    }

    return {
      sendOne: sendOne,
      uploadUrl: uploadUrl,
      request: request,
    };
  }

  SeavlUploadProtocol.newItem = newItem;
  SeavlUploadProtocol.ackedBytes = ackedBytes;
  SeavlUploadProtocol.messagesOf = messagesOf;
  SeavlUploadProtocol.fetchRequest = fetchRequest;
  global.SeavlUploadProtocol = SeavlUploadProtocol;
})(self);
