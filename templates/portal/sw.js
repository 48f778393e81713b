/* The portal's service worker (served at /sw.js by portal.views.service_worker): the upload page opens
 * offline, so that photos chosen without a link wait in the browser (upload.js keeps them in IndexedDB)
 * and go when it returns.
 *
 * It keeps one cache, named after this version (the static files' names and this script's own hash):
 * the upload page, fetched network-first and kept as the last answer it got for the signed-in person,
 * and the static files that page needs, fetched cache-first (their names change with their content).
 * Nothing else is cached: no other page, no API or upload answer. Signing in or out empties the cache,
 * so the next person on this browser never sees the page of the last one.
 */
"use strict";
var CACHE = "seavl-{{ version }}";
var PAGE = {{ page_url_json|safe }};
var ASSETS = {{ assets_json|safe }};
var ACCOUNT_CHANGES = {{ account_urls_json|safe }};

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
      event.waitUntil(forgetPage()); // signing in or out: the page kept was someone's own
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

// Background Sync (where the browser has it): the link is back, the open upload page sends what waits.
self.addEventListener("sync", function (event) {
  if (event.tag !== "seavl-uploads") {
    return;
  }
  event.waitUntil(
    self.clients.matchAll({ type: "window" }).then(function (windows) {
      windows.forEach(function (client) {
        client.postMessage({ type: "seavl-uploads-sync" });
      });
    })
  );
});
