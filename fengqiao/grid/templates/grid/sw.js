/* Fengqiao grid app service worker: caches the app shell at install, serves /grid/app/
   network-first (the cache when offline) and the shell's static files cache-first. */
const VERSION = "{{ version }}";
const SHELL = {{ shell|safe }};
const APP_URL = {{ app_url|safe }};

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
