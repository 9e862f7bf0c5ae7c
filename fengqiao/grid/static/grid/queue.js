/* The grid app's outbox in IndexedDB: reports and check-ins wait here, photos included, until
   the server has them. Survives reloads and closing the browser. Loaded by the page and by the
   service worker (importScripts), hence `self`. */
"use strict";
self.FQQueue = (() => {
  const DB = "fengqiao-grid";
  const OUTBOX = "outbox";
  const CACHE = "cache";

  function request(r) {
    return new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });
  }
  function finished(tx) {
    return new Promise((resolve, reject) => {
      tx.oncomplete = () => resolve(); tx.onerror = () => reject(tx.error); tx.onabort = () => reject(tx.error);
    });
  }
  function open() {
    const r = indexedDB.open(DB, 1);
    r.onupgradeneeded = () => {
      r.result.createObjectStore(OUTBOX, { keyPath: "client_id" });
      r.result.createObjectStore(CACHE);
    };
    return request(r);
  }
  async function write(store, fn) {
    const db = await open();
    try { const tx = db.transaction(store, "readwrite"); fn(tx.objectStore(store)); await finished(tx); }
    finally { db.close(); }
  }
  async function read(store, fn) {
    const db = await open();
    try { return await request(fn(db.transaction(store).objectStore(store))); } finally { db.close(); }
  }
  return {
    put: (item) => write(OUTBOX, (s) => s.put(item)),
    get: (clientId) => read(OUTBOX, (s) => s.get(clientId)),
    remove: (clientId) => write(OUTBOX, (s) => s.delete(clientId)),
    all: async () => (await read(OUTBOX, (s) => s.getAll())).sort((a, b) => a.created_at.localeCompare(b.created_at)),
    remember: (key, value) => write(CACHE, (s) => s.put(value, key)),
    recall: (key) => read(CACHE, (s) => s.get(key)),
  };
})();
