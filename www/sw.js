// Service worker: the playground works offline once it has been opened.
// Network first, so a fresh build is always used when the server answers
// (and `trunk serve` never shows stale files); the cache answers when the
// network cannot, as in a workshop room without Wi-Fi. Only this origin's
// GET requests are handled; the page requests nothing else.
const CACHE = "apic-playground-v1";

// What the page loads on demand (index.html): Play, the scenario reader,
// the full playground's style and the built-ins' traces beyond the seed's
// (a file for each in builtins/, which builtins/index.json lists). Cached
// too, so that a workshop room without Wi-Fi can still open every
// built-in, fork, edit and open scenarios of its own.
const ON_DEMAND = ["play_loader.js", "play.js", "play_bg.wasm", "reader_loader.js", "reader.js", "reader_bg.wasm", "play.css"];
const BUILTINS = "builtins/";

// The built-ins' files, as builtins/index.json lists them (none if it
// cannot be read: the others are still cached).
async function builtins() {
  try {
    const list = await (await fetch(BUILTINS + "index.json", { cache: "no-cache" })).json();
    return Array.isArray(list) ? list.filter((name) => typeof name === "string").map((name) => BUILTINS + name) : [];
  } catch {
    return [];
  }
}

// On install, cache the page and every file it names (Trunk's hashed
// script, wasm, stylesheet and icon), read from the page itself so the list
// never goes stale.
self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      const page = await fetch("./", { cache: "no-cache" });
      if (!page.ok) return;
      const html = await page.clone().text();
      await cache.put("./", page);
      // Attribute values quoted as written, or bare as a release build's
      // minified page has them.
      const named = [...html.matchAll(/\b(?:href|src)=(?:"([^"#?]+)"|([^\s"'>#?]+))/g)].map((m) => m[1] ?? m[2]);
      const names = [...named, ...ON_DEMAND, ...(await builtins())]
        .map((name) => new URL(name, self.registration.scope))
        .filter((url) => url.origin === self.location.origin);
      await Promise.all([...new Set(names.map(String))].map((url) => cache.add(url).catch(() => {})));
      await self.skipWaiting();
    })(),
  );
});

// Take over open pages at once, and drop caches of other versions.
self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) if (key !== CACHE) await caches.delete(key);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      try {
        const response = await fetch(request);
        if (response.ok) await cache.put(request, response.clone());
        return response;
      } catch (offline) {
        // The page itself may be asked for as "./", "index.html" or with a hash.
        const cached =
          (await cache.match(request, { ignoreSearch: true })) ??
          (request.mode === "navigate" ? await cache.match("./") : undefined);
        if (cached) return cached;
        throw offline;
      }
    })(),
  );
});
