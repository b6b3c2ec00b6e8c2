// Trunk post_build hook (Trunk.toml, [[hooks]]): declares the page's
// Content-Security-Policy in the page itself, so that any static host
// enforces it, and drops the one attribute Chromium warns about.
//
// 1. Every inline <script> of the built index.html (Trunk writes one: the
//    module that starts the wasm; `trunk serve` adds its reload script) is
//    allowed by its sha256 hash, never by 'unsafe-inline'. Our own scripts
//    are files (www/boot.js). The policy goes first in <head>, before
//    anything it governs.
// 2. Trunk gives the wasm <link rel="preload" as="fetch"> an integrity
//    attribute, which Chromium ignores for that destination and warns about
//    on every load (crbug.com/981419). It is removed; the module preload
//    keeps its integrity.
// 3. The comments of index.html, written for whoever reads the source, are
//    dropped, and the blank lines Trunk leaves where it took its <link>
//    tags: every visit downloads the page (README, "Performance").
//
// 4. In a release build ($TRUNK_PROFILE=release), the viewer's glue and
//    wasm are shrunk (scripts/glue.mjs: short import names, the glue
//    minified), and its module preload's integrity follows; so are the
//    modules it loads on demand, and the service worker is minified.
//
// Reads and rewrites $TRUNK_STAGING_DIR/index.html, or the file given as
// the first argument (node scripts/csp.mjs dist/index.html).
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { shrinkOnDemand, shrinkPage } from "./glue.mjs";

// What the app needs, and nothing more:
// - script-src: its own files, the hashed inline start-up module, and
//   'wasm-unsafe-eval' to compile its WebAssembly (no 'unsafe-eval');
// - style-src: its own stylesheet; style-src-attr: the one style attribute
//   the app writes (the number of panes, `--panes: N`, a CSS variable);
// - worker-src: the scenario reader worker and the offline service worker,
//   both files of this origin;
// - object-src, base-uri: nothing; form-action: nowhere (the page has no
//   form that submits).
// frame-ancestors cannot be set from a <meta>: embedding stays allowed
// anywhere, which the embed mode is for.
export function policy(hashes) {
  return [
    "default-src 'self'",
    `script-src 'self' 'wasm-unsafe-eval' ${hashes.map((h) => `'sha256-${h}'`).join(" ")}`.trim(),
    "style-src 'self'",
    "style-src-attr 'unsafe-inline'",
    "img-src 'self'",
    "worker-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
}

// `trunk serve` fills in its reload script's placeholders while serving
// (trunk 0.21 src/serve/mod.rs): the address with the request's Host,
// which no build can know, and the base with "/" (no serve_base here). The
// hash must be of what the browser gets, so the address is filled in here
// already, with what Trunk itself uses when it has no Host:
// window.location.host; the base is hashed as served.
function fillAddress(html) {
  return html.replace(/'\{\{__TRUNK_ADDRESS__\}\}'|`\{\{__TRUNK_ADDRESS__\}\}`/g, "window.location.host");
}

function asServed(text) {
  return text.replaceAll("{{__TRUNK_WS_BASE__}}", "/");
}

export function harden(html) {
  html = fillAddress(html);
  const hashes = [];
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    if (/\ssrc\s*=/i.test(m[1])) continue;
    hashes.push(createHash("sha256").update(asServed(m[2]), "utf8").digest("base64"));
  }
  let out = html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>\s*/i, "");
  const meta = `<meta http-equiv="Content-Security-Policy" content="${policy(hashes)}" />`;
  // Quoted as written, or bare as Trunk's minifier writes release builds.
  const charset = /<meta charset=("[^"]*"|[^\s>]+)\s*\/?>/i;
  if (!charset.test(out)) throw new Error("index.html has no <meta charset>: the policy goes right after it");
  out = out.replace(charset, (tag) => `${tag}\n    ${meta}`);
  out = out.replace(/<link\b[^>]*>/gi, (tag) =>
    /\brel="?preload\b/i.test(tag) && /\bas="?fetch\b/i.test(tag) ? tag.replace(/\s+integrity=("[^"]*"|[^\s>]+)/i, "") : tag,
  );
  return { html: out, hashes };
}

/** `html` without its comments and blank lines; script elements are kept as they are. */
export function dropComments(html) {
  return html
    .split(/(<script\b[\s\S]*?<\/script>)/i)
    .map((part, i) => (i % 2 ? part : part.replace(/<!--[\s\S]*?-->/g, "").replace(/\n\s*(?=\n)/g, "")))
    .join("");
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop())) {
  const file = process.argv[2] ?? join(process.env.TRUNK_STAGING_DIR ?? "", "index.html");
  let page = readFileSync(file, "utf8");
  if (process.env.TRUNK_PROFILE === "release") {
    page = await shrinkPage(page, dirname(file));
    await shrinkOnDemand(dirname(file));
  }
  const { html, hashes } = harden(dropComments(page));
  writeFileSync(file, html);
  console.log(`csp: ${file}: ${hashes.length} inline script(s) allowed by hash`);
}
