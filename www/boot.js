// The page's start-up guard, a file rather than an inline script so that
// the Content-Security-Policy allows no inline script but Trunk's hashed
// start-up module (scripts/csp.mjs).
// If the WebAssembly module cannot start (an old browser, a file:// URL),
// say so instead of loading forever. The app replaces #app once it runs,
// after which these listeners find no .boot and do nothing.
(function () {
  function fail(reason) {
    var boot = document.querySelector("#app .boot");
    if (boot) boot.textContent = "The playground could not start (" + reason + "). It needs a browser with WebAssembly and ES modules, and its files served over http(s).";
  }
  // The colour theme an earlier visit chose (src/hooks/theme.rs stores it
  // and applies it again once the app runs), applied now: the loading
  // screen is in it, and the browser opens the page's storage while the
  // WebAssembly module downloads, not in the app's first render, where
  // that first read cost a few milliseconds. A link's own `theme=` (an
  // embed following its host page) wins once the app runs, so it is left
  // alone here.
  try {
    var theme = localStorage.getItem("apic-playground.theme");
    if ((theme === "light" || theme === "dark") && !/[#&]theme=/.test(location.hash)) {
      document.documentElement.setAttribute("data-theme", theme);
    }
  } catch (e) {
    // No storage (a sandboxed frame): the theme follows the system.
  }
  addEventListener("error", function (e) { fail(e.message || "a script failed to load"); });
  addEventListener("unhandledrejection", function (e) { fail((e.reason && e.reason.message) || String(e.reason)); });
  // Works offline once opened (www/sw.js); registered once the app is
  // interactive and the frame that shows it is painted, so that caching
  // never competes with the start-up: the worker's start and its fetches
  // run on threads of their own, which a machine of few cores shares with
  // that first frame. A frame's animation callbacks run before its style,
  // layout and paint, and a task queued from one runs after them.
  if ("serviceWorker" in navigator && /^https?:$/.test(location.protocol)) {
    new MutationObserver(function (_, watcher) {
      if (document.documentElement.dataset.ready !== "1") return;
      watcher.disconnect();
      function register() {
        navigator.serviceWorker.register("./sw.js").catch(function () {});
      }
      // A hidden page draws no frame until it is shown.
      if (document.hidden) register();
      else requestAnimationFrame(function () { setTimeout(register, 0); });
    }).observe(document.documentElement, { attributes: true, attributeFilter: ["data-ready"] });
  }
})();
