/* The photos a person has sent from the upload page, kept in the browser (IndexedDB) until the portal
 * has each submission: the file itself, its descriptions, and the state of its resumable upload (the
 * upload's id, its ticket, the parts the storage acknowledged). A reload, a closed browser or a lost
 * link loses nothing; upload.js deletes the record once finalize has answered.
 *
 * Two object stores: "entries" (small records, rewritten after every acknowledged part) and "files"
 * (the Blob, written once), so that recording a part never copies the photo again.
 *
 * `SeavlUploadStore.exclusive(id, work)` runs `work` in at most one tab (or the service worker) at a
 * time for one entry (a Web Lock, or where the browser has none a lease in IndexedDB renewed while the
 * work runs): two open tabs never send the same photo twice.
 *
 * Loaded by the upload page and by the service worker (importScripts): `self` is either's global. A
 * third store, "meta", says who is signed in on this browser (written by the upload page, forgotten by
 * the service worker when someone signs in or out): the worker sends that person's photos only.
 */
(function (global) {
  "use strict";
  if (!global.indexedDB || !global.Promise) {
    return;
  }
  var NAME = "seavl-uploads";
  var LEASE_MS = 20000;
  var tab = Math.random().toString(36).slice(2) + Date.now().toString(36);
  var opening = null;

  function open() {
    if (!opening) {
      opening = new Promise(function (resolve, reject) {
        var request = indexedDB.open(NAME, 2);
        request.onupgradeneeded = function () {
          var db = request.result;
          if (!db.objectStoreNames.contains("entries")) {
            db.createObjectStore("entries", { keyPath: "id" }).createIndex("user", "user");
          }
          if (!db.objectStoreNames.contains("files")) {
            db.createObjectStore("files");
          }
          if (!db.objectStoreNames.contains("meta")) {
            db.createObjectStore("meta");
          }
        };
        request.onsuccess = function () {
          var db = request.result;
          db.onversionchange = function () {
            db.close(); // a newer page or worker upgrades it
            opening = null;
          };
          resolve(db);
        };
        request.onerror = function () {
          opening = null;
          reject(request.error);
        };
      });
    }
    return opening;
  }

  // One transaction: `work(stores)` queues its requests; the promise settles when it commits.
  function run(names, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(names, mode);
        var stores = {};
        names.forEach(function (name) {
          stores[name] = transaction.objectStore(name);
        });
        var result;
        transaction.oncomplete = function () {
          resolve(result);
        };
        transaction.onerror = transaction.onabort = function () {
          reject(transaction.error);
        };
        work(stores, function (value) {
          result = value;
        });
      });
    });
  }

  function newId() {
    if (global.crypto && crypto.randomUUID) {
      return crypto.randomUUID();
    }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }

  var store = {
    newId: newId,

    // The entries of one user, oldest first, each with its file.
    list: function (user) {
      return run(["entries", "files"], "readonly", function (stores, done) {
        var found = [];
        stores.entries.index("user").openCursor(IDBKeyRange.only(String(user))).onsuccess = function (event) {
          var cursor = event.target.result;
          if (!cursor) {
            found.sort(function (a, b) {
              return a.created - b.created;
            });
            done(found);
            return;
          }
          var entry = cursor.value;
          stores.files.get(entry.id).onsuccess = function (got) {
            entry.file = got.target.result || null;
          };
          found.push(entry);
          cursor.continue();
        };
      });
    },

    // A new entry and its file, in one transaction (both or neither).
    add: function (entry, file) {
      return run(["entries", "files"], "readwrite", function (stores) {
        stores.entries.put(entry);
        stores.files.put(file, entry.id);
      });
    },

    // Read, change and write one entry in one transaction; `change` returns the new record (or
    // undefined to leave it). Settles with the record as written, or null when it is gone.
    update: function (id, change) {
      return run(["entries"], "readwrite", function (stores, done) {
        stores.entries.get(id).onsuccess = function (event) {
          var entry = event.target.result;
          if (!entry) {
            done(null);
            return;
          }
          var changed = change(entry);
          if (changed) {
            stores.entries.put(changed);
            done(changed);
          } else {
            done(entry);
          }
        };
      });
    },

    // Sent by the service worker: the file goes, the record stays (with `sent`) until a page shows it.
    markSent: function (id, sent) {
      return run(["entries", "files"], "readwrite", function (stores) {
        stores.entries.get(id).onsuccess = function (event) {
          var entry = event.target.result;
          if (entry) {
            entry.sent = sent;
            stores.entries.put(entry);
          }
        };
        stores.files.delete(id);
      });
    },

    // Who is signed in ({user, csrf}), as the upload page last saw it; null once someone signs in or out.
    signIn: function (who) {
      return run(["meta"], "readwrite", function (stores) {
        stores.meta.put(who, "signed-in");
      });
    },
    signOut: function () {
      return run(["meta"], "readwrite", function (stores) {
        stores.meta.delete("signed-in");
      });
    },
    signedIn: function () {
      return run(["meta"], "readonly", function (stores, done) {
        stores.meta.get("signed-in").onsuccess = function (event) {
          done(event.target.result || null);
        };
      });
    },

    remove: function (id) {
      return run(["entries", "files"], "readwrite", function (stores) {
        stores.entries.delete(id);
        stores.files.delete(id);
      });
    },

    // Runs `work()` (a promise) if no other tab runs it for this entry; settles with false when one
    // does, otherwise with true once the work is over.
    exclusive: function (id, work) {
      if (navigator.locks && navigator.locks.request) {
        return navigator.locks.request("seavl-upload:" + id, { ifAvailable: true }, function (lock) {
          if (!lock) {
            return false;
          }
          return Promise.resolve(work()).then(
            function () {
              return true;
            },
            function () {
              return true;
            }
          );
        });
      }
      return lease(id, work);
    },
  };

  function lease(id, work) {
    function take(entry) {
      var now = Date.now();
      if (entry.lease && entry.lease.tab !== tab && entry.lease.until > now) {
        return undefined;
      }
      entry.lease = { tab: tab, until: now + LEASE_MS };
      return entry;
    }
    return store
      .update(id, take)
      .then(function (entry) {
        if (!entry || !entry.lease || entry.lease.tab !== tab) {
          return false;
        }
        var timer = setInterval(function () {
          store.update(id, take);
        }, LEASE_MS / 3);
        function release() {
          clearInterval(timer);
          return store
            .update(id, function (current) {
              if (current.lease && current.lease.tab === tab) {
                delete current.lease;
                return current;
              }
              return undefined;
            })
            .then(
              function () {
                return true;
              },
              function () {
                return true;
              }
            );
        }
        return Promise.resolve(work()).then(release, release);
      });
  }

  global.SeavlUploadStore = store;
})(self);
