/* The portal's service worker (served at /sw.js by portal.views.service_worker): the upload page opens
 * offline, so that photos chosen without a link wait in the browser (upload.js keeps them in IndexedDB)
 * and go when it returns.
 *
 * It keeps one cache, named after this version (the static files' names and this script's own hash):
 * the upload page, fetched network-first and kept as the last answer it got for the signed-in person,
 * and the static files that page needs, fetched cache-first (their names change with their content).
 * Nothing else is cached: no other page, no API or upload answer. Signing in or out empties the cache,
 * so the next person on this browser never sees the page of the last one.
 *
 * When the link returns (Background Sync), it sends the photos that wait itself, by the upload page's
 * own protocol (upload-protocol.js, upload-store.js), so that a photo chosen offline goes even if its
 * tab was closed; only the photos of the person the upload page last saw signed in, and never after a
 * sign-in or sign-out until the page is opened again.
 */
"use strict";
var CACHE = "seavl-{{ version }}";
var PAGE = {{ page_url_json|safe }};
var ASSETS = {{ assets_json|safe }};
var ACCOUNT_CHANGES = {{ account_urls_json|safe }};
var UPLOAD_URLS = {{ upload_urls_json|safe }};
importScripts.apply(self, {{ worker_scripts_json|safe }});

function forgetPage() {
  return caches.open(CACHE).then(function (cache) {
    return cache.delete(PAGE);
  });
}

function keepPage(response) {
  // Only the page itself, for the person signed in: never a redirect to the sign-in page or an error.
  if (response.redirected) {
    forgetPage(); // signed out: the page kept was that person's
    return response;
  }
  if (response.status !== 200 || response.type !== "basic") {
    return response;
  }
  var copy = response.clone();
  caches.open(CACHE).then(function (cache) {
    return cache.put(PAGE, copy);
  });
  return response;
}

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches
      .open(CACHE)
      .then(function (cache) {
        return cache.addAll(ASSETS).then(function () {
          return fetch(PAGE, { credentials: "same-origin" }).then(function (response) {
            if (response.status === 200 && !response.redirected) {
              return cache.put(PAGE, response);
            }
          });
        });
      })
      .then(function () {
        return self.skipWaiting();
      })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names
            .filter(function (name) {
              return name.indexOf("seavl-") === 0 && name !== CACHE;
            })
            .map(function (name) {
              return caches.delete(name);
            })
        );
      })
      .then(function () {
        return self.clients.claim();
      })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return; // the bucket's uploads and anything else go straight to the network
  }
  if (request.method !== "GET") {
    if (ACCOUNT_CHANGES.indexOf(url.pathname) !== -1) {
      // Signing in or out: the page kept was someone's own, and so are the photos waiting.
      event.waitUntil(
        Promise.all([
          forgetPage(),
          self.SeavlUploadStore ? self.SeavlUploadStore.signOut().catch(function () {}) : null,
        ])
      );
    }
    return;
  }
  if (request.mode === "navigate" && url.pathname === PAGE) {
    event.respondWith(
      fetch(request)
        .then(keepPage)
        .catch(function () {
          return caches.open(CACHE).then(function (cache) {
            return cache.match(PAGE).then(function (kept) {
              return kept || Response.error();
            });
          });
        })
    );
    return;
  }
  if (ASSETS.indexOf(url.pathname) !== -1) {
    event.respondWith(
      caches.match(request, { cacheName: CACHE }).then(function (kept) {
        return kept || fetch(request);
      })
    );
  }
});

// Background Sync (where the browser has it): the link is back. The worker sends what waits, one photo
// after the other, then tells any open upload page to look again. A photo another tab is sending is
// left to it (the store's lock); one that could not go yet makes the browser try again later.
self.addEventListener("sync", function (event) {
  if (event.tag !== "seavl-uploads") {
    return;
  }
  event.waitUntil(
    sendWaiting().then(function (waiting) {
      return tellPages().then(function () {
        if (waiting) {
          throw new Error("photos still waiting"); // the browser fires `sync` again later
        }
      });
    })
  );
});

function tellPages() {
  return self.clients.matchAll({ type: "window" }).then(function (windows) {
    windows.forEach(function (client) {
      client.postMessage({ type: "seavl-uploads-sync" });
    });
  });
}

function nothing() {}

// Sends the photos kept for the person signed in; resolves with how many still wait.
function sendWaiting() {
  var store = self.SeavlUploadStore;
  var Protocol = self.SeavlUploadProtocol;
  if (!store || !Protocol) {
    return Promise.resolve(0);
  }
  return store.signedIn().then(function (who) {
    if (!who) {
      return 0;
    }
    var protocol = Protocol({
      resumableUrl: UPLOAD_URLS.resumable,
      finalizeUrl: UPLOAD_URLS.finalize,
      store: store,
      request: Protocol.fetchRequest(function () {
        return who.csrf;
      }),
      online: function () {
        return self.navigator.onLine !== false;
      },
      onOnline: null,
      patience: 3, // then the browser's next `sync`, or the page
      keepSent: true,
      fields: function (item) {
        return item.kept;
      },
      show: {
        state: nothing,
        progress: nothing,
        kept: nothing,
        start: nothing,
        finished: nothing,
        elsewhere: nothing,
        // A refusal is kept with the photo (the page shows it); a lost link or a session gone is not one.
        failed: function (item, response) {
          if (!response.status || response.status === 401 || response.status === 403) {
            return null;
          }
          return Protocol.messagesOf(response.payload).join(" ") || null;
        },
      },
    });
    return store.list(who.user).then(function (entries) {
      var waiting = 0;
      return entries
        .reduce(function (chain, entry) {
          return chain.then(function () {
            if (entry.sent || entry.failed || !entry.file) {
              return null;
            }
            return protocol.sendOne(Protocol.newItem(entry.file, entry.name, entry)).then(function (stopped) {
              if (stopped && !stopped.aborted && !(stopped.status >= 400 && stopped.status !== 401)) {
                waiting += 1;
              }
            });
          });
        }, Promise.resolve())
        .then(function () {
          return waiting;
        });
    });
  });
}
