// The embedded playgrounds follow the book's theme: mdBook marks <html>
// with the theme's class (light and rust are light; coal, navy and ayu are
// dark), and each embed's link gets `theme=light` or `theme=dark`, which the
// playground reads (README, "The URL") without remembering it for itself.
// A frame's link is changed only once its page has loaded, so that the
// change is a hash change inside that page, never a second load.
(function () {
  var DARK = ["coal", "navy", "ayu"];
  var frames = document.querySelectorAll('iframe[src*="playground/index.html#"]');
  function theme() {
    var cls = document.documentElement.classList;
    return DARK.some(function (t) { return cls.contains(t); }) ? "dark" : "light";
  }
  function follow(frame) {
    if (frame.dataset.loaded !== "1") return;
    var src = frame.getAttribute("src");
    var cut = src.indexOf("#");
    var keys = src.slice(cut + 1).split("&").filter(function (kv) { return kv.indexOf("theme=") !== 0; });
    keys.push("theme=" + theme());
    var next = src.slice(0, cut + 1) + keys.join("&");
    if (next !== src) frame.setAttribute("src", next);
  }
  frames.forEach(function (frame) {
    frame.addEventListener("load", function () {
      frame.dataset.loaded = "1";
      follow(frame);
    });
  });
  new MutationObserver(function () { frames.forEach(follow); })
    .observe(document.documentElement, { attributes: true, attributeFilter: ["class"] });
})();
