/* Fengqiao grid app service worker: caches the app shell at install, serves /grid/app/
   network-first (the cache when offline) and the shell's static files cache-first, and sends the
   outbox on Background Sync ("sync" event, tag fq-grid-sync) when the network returns, even with
   the page closed. The page's own sync is the fallback where Background Sync is missing. */
const VERSION = "{{ version }}";
const SHELL = {{ shell|safe }};
const APP_URL = {{ app_url|safe }};
const SYNC_URLS = {{ sync_urls|safe }};
const SYNC_TAG = "fq-grid-sync";
importScripts(...{{ scripts|safe }});

self.addEventListener("sync", (event) => {
  if (event.tag !== SYNC_TAG) return;
  event.waitUntil((async () => {
    const result = await FQSync.run(SYNC_URLS);
    const pages = await self.clients.matchAll({ type: "window" });
    pages.forEach((page) => page.postMessage({ type: "fq-synced", ...result }));
    // A rejected promise makes the browser try this sync again later, with backoff.
    if (result.retry) throw new Error("outbox not empty yet: " + result.state);
  })());
});

async function cacheShell() {
  const cache = await caches.open(VERSION);
  await cache.addAll(SHELL);
  const response = await fetch(APP_URL, { credentials: "same-origin" });
  if (response.ok && !response.redirected) await cache.put(APP_URL, response);
}

self.addEventListener("install", (event) => {
  event.waitUntil(cacheShell().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("fq-grid-") && k !== VERSION).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === APP_URL) {
    event.respondWith(
      fetch(request).then(async (response) => {
        if (response.ok && !response.redirected) {
          const cache = await caches.open(VERSION);
          await cache.put(APP_URL, response.clone());
        }
        return response;
      }).catch(async () => (await caches.match(APP_URL)) || Response.error())
    );
  } else if (SHELL.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname).then((hit) => hit || fetch(request)));
  }
});
