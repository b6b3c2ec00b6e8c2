#!/usr/bin/env node
// Size report: raw and gzipped bytes of every file in a build directory
// (default dist/) and the totals. The gzipped total is what the first load
// transfers from a server that compresses; README "Performance" has the budget.
// Usage: node scripts/size-report.mjs [dir] [--json]
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { gzipSync } from "node:zlib";

const args = process.argv.slice(2);
const json = args.includes("--json");
const dir = args.find((a) => !a.startsWith("--")) ?? "dist";

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

const rows = files.map((p) => {
  const data = readFileSync(p);
  return { file: relative(dir, p), raw: data.length, gzip: gzipSync(data, { level: 9 }).length };
});
const total = rows.reduce((t, r) => ({ raw: t.raw + r.raw, gzip: t.gzip + r.gzip }), { raw: 0, gzip: 0 });

if (json) {
  console.log(JSON.stringify({ dir, files: rows, total }, null, 2));
} else {
  const kb = (n) => (n / 1024).toFixed(1).padStart(8) + " KiB";
  const width = Math.max(5, ...rows.map((r) => r.file.length));
  console.log(`size report for ${dir}/`);
  console.log(`${"file".padEnd(width)}  ${"raw".padStart(12)}  ${"gzipped".padStart(12)}`);
  for (const r of rows) console.log(`${r.file.padEnd(width)}  ${kb(r.raw)}  ${kb(r.gzip)}`);
  console.log(`${"total".padEnd(width)}  ${kb(total.raw)}  ${kb(total.gzip)}`);
}
