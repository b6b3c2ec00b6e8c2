#!/usr/bin/env node
// Size report of a build directory (default dist/; `make test` reports
// target/e2e/dist/, `make bench` target/bench/): where the bytes are.
//   by file:     raw, gzip (level 9) and brotli (quality 11) bytes of every
//                file, and the totals; the first load fetches the page, the
//                hashed script, wasm and stylesheet, the icon and sw.js
//                (scripts/bench-browser.mjs measures exactly what it fetches)
//   by crate and by function: twiggy on a copy of each wasm module that
//                keeps its name section (cargo's output in
//                target/wasm32-unknown-unknown/release/, put through
//                wasm-bindgen and wasm-opt with the page's settings and -g);
//                crates by the first path segment of the demangled name, so
//                std code instantiated for a crate's types counts as std
//   by data:     the shipped module's data segments (.rodata): the built-in
//                scenarios' text (strings of core/scenarios/*.json found in
//                it), source paths, other strings, and the rest (tables,
//                numbers, vtables)
// The sections need twiggy, wasm-bindgen and wasm-opt (scripts/tools.sh
// bench installs them); without them, or without cargo's output, only the
// files are reported. README "Performance" has the budgets.
// Usage: node scripts/size-report.mjs [dir] [--json] [--top N]
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const repo = resolve(fileURLToPath(new URL(".", import.meta.url)), "..");
const args = process.argv.slice(2);
const json = args.includes("--json");
const topIndex = args.indexOf("--top");
const top = topIndex >= 0 ? Number(args[topIndex + 1]) : 15;
const dir = args.find((a, i) => !a.startsWith("--") && args[i - 1] !== "--top") ?? "dist";
const cargoOut = resolve(repo, process.env.CARGO_TARGET_DIR ?? "target", "wasm32-unknown-unknown/release");
// The page's wasm-opt settings (index.html, data-wasm-opt and -params).
const WASM_OPT = ["-Oz", "--enable-bulk-memory", "--enable-nontrapping-float-to-int", "--enable-sign-ext",
  "--enable-mutable-globals", "--enable-reference-types", "--enable-multivalue"];

function walk(d) {
  return readdirSync(d).flatMap((name) => {
    const p = join(d, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

let files;
try {
  files = walk(dir).sort();
} catch (e) {
  console.error(`size report: cannot read ${dir}/ (${e.code ?? e.message}); build it first with 'make build'`);
  process.exit(2);
}

const gzip = (data) => gzipSync(data, { level: 9 }).length;
const brotli = (data) => brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const rows = files.map((p) => {
  const data = readFileSync(p);
  return { file: relative(dir, p), raw: data.length, gzip: gzip(data), brotli: brotli(data) };
});
const total = rows.reduce((t, r) => ({ raw: t.raw + r.raw, gzip: t.gzip + r.gzip, brotli: t.brotli + r.brotli }), { raw: 0, gzip: 0, brotli: 0 });

// ---- wasm modules: functions and crates (twiggy), data segments ----

const tool = (name) => {
  for (const p of [join(repo, "node_modules/.bin", name), join(process.env.HOME ?? "", ".cargo/bin", name)])
    if (existsSync(p)) return p;
  try {
    return execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim() || null;
  } catch {
    return null;
  }
};

// Demangled name -> crate: `<a::B as c::D>::f` is a's, `core[1234]::x` core's.
function crateOf(name) {
  if (/^data segment|^custom section|subsection"?$|^(type|table|elem|global|import|export|memory|start|code)\b|^\w+\[\d+\]$/.test(name))
    return `(${name.startsWith("data") ? "data" : name.startsWith("custom") || name.includes("subsection") ? "custom sections" : "wasm structure"})`;
  // Monomorphized generics of yew named by placeholders (`CompStateInner<COMP>`)
  // hold a component's inlined view code: neither yew's alone nor the app's.
  if (/<COMP>|<T>|<F>/.test(name) && name.includes("yew")) return "yew generics (components inlined)";
  let n = name.replace(/^([<&*\s(\[]|mut |const |dyn |impl )+/, "");
  // `<f64 as core::fmt::Display>::fmt`: a primitive's impl belongs to the trait's crate.
  const primitive = /^(?:[iu](?:8|16|32|64|128|size)|f32|f64|bool|char|str)\b/.test(n) || /^[\[(]/.test(name.replace(/^[<&\s]+/, ""));
  if (primitive && n.includes(" as ")) n = n.slice(n.indexOf(" as ") + 4).replace(/^([<&*\s(\[]|mut |const |dyn |impl )+/, "");
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(\[[0-9a-f]+\])?::/.exec(n);
  if (m) return m[1];
  if (/^(__|dlmalloc|memcpy|memset|memmove|memcmp|rust_|__rust)/.test(n)) return "(runtime)";
  return "(other)";
}
const shortName = (name) => name.replace(/\[[0-9a-f]{16}\]/g, "").replace(/::h[0-9a-f]{16}$/, "");

// The data segments of a wasm module, as byte arrays.
function dataSegments(buf) {
  let pos = 8;
  const leb = () => {
    let result = 0, shift = 0, b;
    do {
      b = buf[pos++];
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return result;
  };
  const segments = [];
  while (pos < buf.length) {
    const id = buf[pos++];
    const size = leb();
    const end = pos + size;
    if (id === 11) {
      const count = leb();
      for (let i = 0; i < count; i++) {
        const flags = leb();
        if (flags === 2) leb();
        if (flags !== 1) {
          while (buf[pos] !== 0x0b) pos++; // the offset expression
          pos++;
        }
        const len = leb();
        segments.push(buf.subarray(pos, pos + len));
        pos += len;
      }
    }
    pos = end;
  }
  return segments;
}

// Every string value of the built-in scenario files, longest first.
function scenarioStrings() {
  const out = new Set();
  const visit = (v) => {
    if (typeof v === "string") {
      if (Buffer.byteLength(v) >= 8) out.add(v);
    } else if (v && typeof v === "object") Object.values(v).forEach(visit);
  };
  const d = join(repo, "core/scenarios");
  for (const f of existsSync(d) ? readdirSync(d) : []) if (f.endsWith(".json")) visit(JSON.parse(readFileSync(join(d, f), "utf8")));
  return [...out].sort((a, b) => b.length - a.length);
}

function dataReport(wasm) {
  const segments = dataSegments(wasm);
  const data = Buffer.concat(segments);
  const claimed = new Uint8Array(data.length);
  const claim = (start, len) => claimed.fill(1, start, start + len);
  let scenario = 0;
  for (const s of scenarioStrings()) {
    const needle = Buffer.from(s);
    for (let at = data.indexOf(needle); at >= 0; at = data.indexOf(needle, at + needle.length)) {
      const fresh = claimed.subarray(at, at + needle.length).every((c) => c === 0);
      if (fresh) {
        claim(at, needle.length);
        scenario += needle.length;
      }
    }
  }
  // Runs of printable text (UTF-8 included) of at least 6 bytes.
  let paths = 0, strings = 0;
  const longest = [];
  const printable = (b) => (b >= 0x20 && b < 0x7f) || b >= 0x80 || b === 0x0a || b === 0x09;
  for (let i = 0; i < data.length; ) {
    if (!printable(data[i]) || claimed[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j < data.length && printable(data[j]) && !claimed[j]) j++;
    if (j - i >= 6) {
      const text = data.subarray(i, j).toString("utf8");
      if (/\.rs\b|\/rustc\/|\.cargo\/registry/.test(text)) paths += j - i;
      else {
        strings += j - i;
        longest.push(text);
      }
      claim(i, j - i);
    }
    i = j;
  }
  longest.sort((a, b) => b.length - a.length);
  return {
    segments: segments.length,
    bytes: data.length,
    gzip: gzip(data),
    scenario_text: scenario,
    source_paths: paths,
    other_strings: strings,
    rest: data.length - scenario - paths - strings,
    longest_strings: longest.slice(0, 5).map((s) => (s.length > 70 ? s.slice(0, 67) + "..." : s)),
  };
}

function codeReport(distWasm) {
  // apic-playground-<hash>_bg.wasm or reader_bg.wasm -> cargo's <name>.wasm
  const name = basename(distWasm).replace(/_bg\.wasm$/, "").replace(/-[0-9a-f]{16}$/, "");
  const source = join(cargoOut, `${name}.wasm`);
  const need = { twiggy: tool("twiggy"), "wasm-bindgen": tool("wasm-bindgen"), "wasm-opt": tool("wasm-opt") };
  const missing = Object.entries(need).filter(([, p]) => !p).map(([n]) => n);
  if (missing.length) return { skipped: `${missing.join(", ")} not installed (scripts/tools.sh bench)` };
  if (!existsSync(source)) return { skipped: `no ${relative(repo, source)} (cargo's output of a release build)` };
  const tmp = mkdtempSync(join(tmpdir(), "size-report-"));
  try {
    execFileSync(need["wasm-bindgen"], ["--target", "web", "--out-dir", tmp, "--out-name", "m", source], { stdio: "pipe" });
    const named = join(tmp, "m_named.wasm");
    execFileSync(need["wasm-opt"], [...WASM_OPT, "-g", join(tmp, "m_bg.wasm"), "-o", named], { stdio: "pipe" });
    const items = JSON.parse(execFileSync(need.twiggy, ["top", "-f", "json", named], { encoding: "utf8", maxBuffer: 1 << 28 }));
    const names = items.filter((i) => /names|custom section/.test(i.name)).reduce((t, i) => t + i.shallow_size, 0);
    const kept = items.filter((i) => !/names|custom section/.test(i.name));
    const crates = new Map();
    for (const i of kept) {
      const c = crateOf(i.name);
      const e = crates.get(c) ?? { crate: c, bytes: 0, items: 0 };
      e.bytes += i.shallow_size;
      e.items++;
      crates.set(c, e);
    }
    return {
      source: relative(repo, source).startsWith("..") ? source : relative(repo, source),
      built: statSync(source).mtime.toISOString(),
      named_bytes: statSync(named).size - names,
      shipped_bytes: statSync(distWasm).size,
      crates: [...crates.values()].sort((a, b) => b.bytes - a.bytes),
      functions: kept.filter((i) => !i.name.startsWith("data segment")).slice(0, top).map((i) => ({ name: shortName(i.name), bytes: i.shallow_size })),
    };
  } catch (e) {
    return { skipped: `${e.message.split("\n")[0]}` };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const modules = files
  .filter((p) => p.endsWith(".wasm"))
  .map((p) => {
    const wasm = readFileSync(p);
    return { file: relative(dir, p), data: dataReport(wasm), code: codeReport(p) };
  });

if (json) {
  console.log(JSON.stringify({ dir, files: rows, total, modules }, null, 2));
} else {
  const kb = (n) => (n / 1024).toFixed(1).padStart(8) + " KiB";
  const width = Math.max(5, ...rows.map((r) => r.file.length));
  console.log(`size report for ${dir}/`);
  console.log(`${"file".padEnd(width)}  ${"raw".padStart(12)}  ${"gzip".padStart(12)}  ${"brotli".padStart(12)}`);
  for (const r of rows) console.log(`${r.file.padEnd(width)}  ${kb(r.raw)}  ${kb(r.gzip)}  ${kb(r.brotli)}`);
  console.log(`${"total".padEnd(width)}  ${kb(total.raw)}  ${kb(total.gzip)}  ${kb(total.brotli)}`);
  for (const m of modules) {
    console.log(`\n${m.file}`);
    const d = m.data;
    console.log(`  data (.rodata, ${d.segments} segment${d.segments === 1 ? "" : "s"}): ${kb(d.bytes).trim()} raw, ${kb(d.gzip).trim()} gzip`);
    console.log(`    built-in scenarios' text ${kb(d.scenario_text)}`);
    console.log(`    other strings            ${kb(d.other_strings)}`);
    console.log(`    source paths (panics)    ${kb(d.source_paths)}`);
    console.log(`    tables, numbers, vtables ${kb(d.rest)}`);
    if (d.longest_strings.length) console.log(`    longest other strings: ${d.longest_strings.map((s) => JSON.stringify(s)).join(", ")}`);
    const c = m.code;
    if (c.skipped) {
      console.log(`  code by crate and function: skipped, ${c.skipped}`);
      continue;
    }
    console.log(`  by crate and function: ${c.source} (built ${c.built}) with names kept, ${kb(c.named_bytes).trim()} without them (shipped: ${kb(c.shipped_bytes).trim()}; they differ when ${c.source} is from another build)`);
    for (const e of c.crates.slice(0, top)) console.log(`    ${e.crate.padEnd(34)} ${kb(e.bytes)}  ${String(e.items).padStart(5)} items`);
    if (c.crates.length > top) console.log(`    ... and ${c.crates.length - top} more crates`);
    console.log(`  largest functions:`);
    for (const f of c.functions) console.log(`    ${kb(f.bytes)}  ${f.name.length > 110 ? f.name.slice(0, 107) + "..." : f.name}`);
  }
}
