// The viewer's JavaScript and the names it shares with its WebAssembly,
// made small for release builds (README, "Performance": first load).
// scripts/csp.mjs calls it from the playground's post_build hook; the
// floor page of the benchmark (bench/floor/Trunk.toml) runs it as its own
// hook, so that both are measured built the same way:
//   node scripts/glue.mjs [index.html]   ($TRUNK_STAGING_DIR/index.html;
//                                         only when $TRUNK_PROFILE=release)
//
// 1. wasm-bindgen names each function the wasm imports from its glue
//    `__wbg_<what>_<16 hex digits>`: some 180 names, each written twice
//    (the wasm's import section, the glue's import object), and their
//    random digits do not compress. Each becomes a short name in both.
//    wasm-opt's --minify-imports-and-exports-and-modules would do it too,
//    but renames the exports and the module as well, which the glue reads
//    under their own names; renaming only the imports needs no more than
//    the import section (WebAssembly core spec, 5.5.5 "Import Section").
// 2. The glue is minified with terser; Trunk's minify setting leaves it as
//    wasm-bindgen wrote it.
// The same for the modules a page loads on demand beside its own (`X.js`
// and `X_bg.wasm` of a `data-loader-shim` build: Play and the reader),
// and the service worker (`sw.js`) minified, which Trunk copies as it is.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** Reads an unsigned LEB128 at `at`: [value, next offset]. */
function leb(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[at++];
    if (b === undefined) throw new Error("glue: the wasm ends inside a number");
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(b & 0x80)) return [value, at];
  }
}

/** `n` as an unsigned LEB128. */
function toLeb(n) {
  const out = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

/** The i-th short name: a, b, … z, A, … Z, then two letters and so on. */
function shortName(i) {
  const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  let name = "";
  do {
    name = letters[i % letters.length] + name;
    i = Math.floor(i / letters.length) - 1;
  } while (i >= 0);
  return name;
}

/**
 * `wasm` with the import names that `rename` maps renamed, and the names
 * of all its imports. Nothing but the import section changes.
 */
export function renameImports(wasm, rename = () => undefined) {
  const bytes = Buffer.from(wasm);
  if (bytes.readUInt32LE(0) !== 0x6d736100) throw new Error("glue: not a wasm module");
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at];
    const [size, body] = leb(bytes, at + 1);
    const end = body + size;
    if (id !== 2) {
      at = end;
      continue;
    }
    const names = [];
    const out = [];
    let [count, p] = leb(bytes, body);
    out.push(...toLeb(count));
    const name = () => {
      const [len, start] = leb(bytes, p);
      p = start + len;
      return bytes.subarray(start, p).toString("utf8");
    };
    const put = (text) => {
      const b = Buffer.from(text, "utf8");
      out.push(...toLeb(b.length), ...b);
    };
    while (count--) {
      put(name());
      const field = name();
      names.push(field);
      put(rename(field) ?? field);
      const descStart = p;
      const kind = bytes[p++];
      const limits = () => {
        let flags;
        [flags, p] = leb(bytes, p);
        [, p] = leb(bytes, p);
        if (flags & 1) [, p] = leb(bytes, p);
      };
      if (kind === 0) [, p] = leb(bytes, p);
      else if (kind === 1) {
        p++;
        limits();
      } else if (kind === 2) limits();
      else if (kind === 3) p += 2;
      else if (kind === 4) [, p] = leb(bytes, p + 1);
      else throw new Error(`glue: import of unknown kind ${kind}`);
      out.push(...bytes.subarray(descStart, p));
    }
    if (p !== end) throw new Error("glue: the import section does not end where its size says");
    const section = Buffer.from([2, ...toLeb(out.length), ...out]);
    return { wasm: Buffer.concat([bytes.subarray(0, at), section, bytes.subarray(end)]), names };
  }
  return { wasm: bytes, names: [] };
}

/** terser's `minify`, loaded only by release builds (package.json pins it). */
async function terser() {
  try {
    return (await import("terser")).minify;
  } catch {
    throw new Error("glue: terser is missing (npm ci installs it, as make serve and make test do)");
  }
}

/**
 * Shortens the hashed import names of `wasmFile` and its glue `jsFile`
 * (the glue's import object holds each name once, as a key), then minifies
 * the glue; writes both and returns the glue's new text.
 */
export async function shrinkGlue(jsFile, wasmFile) {
  let js = readFileSync(jsFile, "utf8");
  const wasm = readFileSync(wasmFile);
  // One pass over the import section: a hashed name the glue holds once
  // gets the next short name, in both files (and keeps it, should the
  // section import it twice).
  const short = new Map();
  const renamed = renameImports(wasm, (n) => {
    if (!short.has(n) && /_[0-9a-f]{16}$/.test(n) && js.split(n).length === 2) {
      short.set(n, `_${shortName(short.size)}`);
      js = js.replace(n, short.get(n));
    }
    return short.get(n);
  }).wasm;
  const { code } = await (await terser())(js, { module: true, compress: true, mangle: true });
  writeFileSync(wasmFile, renamed);
  writeFileSync(jsFile, code);
  return code;
}

/** Minifies the classic script `file` (a service worker) in place, if it exists. */
async function minifyScript(file) {
  if (!existsSync(file)) return;
  const { code } = await (await terser())(readFileSync(file, "utf8"), { compress: true, mangle: true });
  writeFileSync(file, code);
}

/**
 * Shrinks what the page in the folder `dir` loads on demand: every
 * `X_loader.js` shim's glue `X.js` with its `X_bg.wasm`, and `sw.js`.
 */
export async function shrinkOnDemand(dir) {
  for (const f of readdirSync(dir)) {
    const name = f.match(/^(.+)_loader\.js$/)?.[1];
    if (name && existsSync(join(dir, `${name}.js`)) && existsSync(join(dir, `${name}_bg.wasm`)))
      await shrinkGlue(join(dir, `${name}.js`), join(dir, `${name}_bg.wasm`));
  }
  await minifyScript(join(dir, "sw.js"));
}

/**
 * Shrinks the script of the page's module preload (the wasm-bindgen glue)
 * and its wasm in the folder `dir`, and returns `html` with that preload's
 * integrity for the new text. A page with no such preload is returned as
 * it is.
 */
export async function shrinkPage(html, dir) {
  const tag = html.match(/<link\b[^>]*\brel="?modulepreload\b[^>]*>/i)?.[0];
  const href = tag?.match(/\bhref=("([^"]*)"|[^\s>]+)/i);
  if (!href) return html;
  const js = join(dir, (href[2] ?? href[1]).replace(/^\.\//, ""));
  const code = await shrinkGlue(js, js.replace(/\.js$/, "_bg.wasm"));
  const integrity = `sha384-${createHash("sha384").update(code, "utf8").digest("base64")}`;
  return html.replace(tag, tag.replace(/\bintegrity=("[^"]*"|[^\s>]+)/i, `integrity="${integrity}"`));
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop())) {
  const file = process.argv[2] ?? join(process.env.TRUNK_STAGING_DIR ?? "", "index.html");
  if (process.env.TRUNK_PROFILE === "release") {
    writeFileSync(file, await shrinkPage(readFileSync(file, "utf8"), dirname(file)));
    await shrinkOnDemand(dirname(file));
    console.log(`glue: ${file}: the glue minified, its imports named short`);
  }
}
