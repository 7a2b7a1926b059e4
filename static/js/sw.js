// Shopper's service worker: the app opens with no connection once visited online.
//
// The shell (CSS, scripts, icons) is cached at install; the shopper's pages (the list of
// visits and each visit form) and the assignments API are fetched from the network
// first and kept for when there is none. Nothing else is cached, and nothing sent is
// ever answered from the cache: submissions go through the page's outbox.

// Raised whenever the shell changes, so that a new page never runs with an old script.
const VERSION = "shopper-v2";
const SHELL = `${VERSION}-shell`;
const PAGES = `${VERSION}-pages`;
const SHELL_URLS = [
  "/static/css/app.css",
  "/static/js/app.js",
  "/static/js/store.js",
  "/static/js/sync.js",
  "/static/js/text.js",
  "/static/js/numbers.js",
  "/static/js/visit-form.js",
  "/static/js/shopper.js",
  "/static/img/icon.svg",
  "/manifest.webmanifest",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(SHELL_URLS))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys().then((names) => Promise.all(
    names.filter((name) => !name.startsWith(VERSION)).map((name) => caches.delete(name)),
  )).then(() => self.clients.claim()));
});

function keptPage(url) {
  return url.pathname === "/shopper" || /^\/visits\/\d+$/.test(url.pathname)
    || url.pathname === "/api/v1/assignments";
}

async function networkFirst(request) {
  const cache = await caches.open(PAGES);
  try {
    const response = await fetch(request);
    if (response.ok && !response.redirected) {
      await cache.put(request.url.split("#")[0], response.clone());
    }
    return response;
  } catch (error) {
    const cached = await cache.match(request.url.split("#")[0]);
    if (cached) return cached;
    throw error;
  }
}

// Stale while revalidate: the cached copy at once, a fresh one kept for next time.
async function cachedThenRefreshed(event) {
  const cache = await caches.open(SHELL);
  const cached = await cache.match(event.request);
  const refresh = fetch(event.request).then((response) => {
    if (response.ok) cache.put(event.request, response.clone());
    return response;
  });
  if (cached) {
    event.waitUntil(refresh.catch(() => null));
    return cached;
  }
  return refresh;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/") || url.pathname === "/manifest.webmanifest") {
    event.respondWith(cachedThenRefreshed(event));
  } else if (keptPage(url)) {
    event.respondWith(networkFirst(request));
  }
});

// The list page asks for every form of the shopper's assignments to be kept, so that a
// visit can start where there is no signal. On log-out, kept pages are dropped.
self.addEventListener("message", (event) => {
  const message = event.data || {};
  if (message.type === "keep-pages") {
    event.waitUntil(caches.open(PAGES).then((cache) => Promise.all(
      message.urls.map((path) => fetch(path, { credentials: "same-origin" }).then(
        (response) => (response.ok && !response.redirected
          ? cache.put(new URL(path, self.location.origin).href, response) : null),
      ).catch(() => null)),
    )));
  } else if (message.type === "forget-pages") {
    event.waitUntil(caches.delete(PAGES));
  }
});
