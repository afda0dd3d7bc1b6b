// The witness app's service worker: the app itself (pages, scripts, words)
// is kept on the device so it opens and signs with no signal at all. Each
// file is fetched from the network first, so an update arrives as soon as
// there is a connection, and taken from the device when there is none. API
// calls are never cached here: the app keeps what it needs in IndexedDB.

const CACHE = "testigo-witness-v1";
const APP = [
  "./",
  "app.js",
  "store.js",
  "photo.js",
  "app.css",
  "manifest.webmanifest",
  "icon.svg",
  "messages.json",
  "../assets/js/sign.js",
  "../assets/js/entries.js",
  "../assets/js/merkle.js",
  "../assets/js/note.js",
  "../assets/js/receipt.js",
  "../assets/js/verify.js",
  "../assets/js/tiles.js",
  "../assets/js/qrcode.js",
];
const urls = APP.map((p) => new URL(p, self.registration.scope).href);

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(urls)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  url.search = "";
  if (event.request.method !== "GET" || !urls.includes(url.href)) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      try {
        const fresh = await fetch(event.request, { cache: "no-cache" });
        if (fresh.ok) await cache.put(url.href, fresh.clone());
        return fresh;
      } catch {
        const kept = await cache.match(url.href);
        if (kept) return kept;
        throw new Error(`${url.pathname} is not on this device yet: open the app once with a connection`);
      }
    })(),
  );
});
