#!/usr/bin/env node
// The medians of the model's criterion benchmarks (core/benches/trace.rs),
// read from the last `cargo bench -p apic-core` (target/criterion/), and
// what formatting every event's text would add (the page formats only the
// step it shows).
// Usage: node scripts/criterion-medians.mjs [--json FILE]
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(fileURLToPath(new URL(".", import.meta.url)), "..");
const dir = join(resolve(repo, process.env.CARGO_TARGET_DIR ?? "target"), "criterion", "model");
const args = process.argv.slice(2);
const jsonAt = args.indexOf("--json");
const out = jsonAt >= 0 ? args[jsonAt + 1] : "e2e/artifacts/criterion.json";

if (!existsSync(dir)) {
  console.error(`criterion medians: no ${dir}; run 'cargo bench -p apic-core' first`);
  process.exit(2);
}
const rows = [];
for (const d of readdirSync(dir)) {
  const bench = join(dir, d, "new", "benchmark.json");
  const estimates = join(dir, d, "new", "estimates.json");
  if (!existsSync(bench) || !existsSync(estimates)) continue;
  const { function_id } = JSON.parse(readFileSync(bench, "utf8"));
  const { median } = JSON.parse(readFileSync(estimates, "utf8"));
  rows.push({ name: function_id, median_us: median.point_estimate / 1000, low_us: median.confidence_interval.lower_bound / 1000, high_us: median.confidence_interval.upper_bound / 1000 });
}
const all = rows.find((r) => r.name === "every built-in, every profile");
const texts = rows.find((r) => r.name === "every built-in, every profile, every text");
const eight = rows.find((r) => r.name === "every built-in, all eight profiles");
// The per-scenario rows are named by scenario id; the set's rows (and any
// left from an older version of core/benches/trace.rs) by "every built-in".
const scenarios = rows.filter((r) => !r.name.startsWith("every built-in")).sort((a, b) => b.median_us - a.median_us);
const us = (r) => `${r.median_us.toFixed(1).padStart(8)} us  (95% CI ${r.low_us.toFixed(1)} to ${r.high_us.toFixed(1)})`;
console.log("the model, criterion medians (cargo bench -p apic-core):");
if (all) console.log(`  every built-in under every profile          ${us(all)}`);
if (texts) console.log(`  the same, then every event's text formatted ${us(texts)}`);
if (eight) console.log(`  every built-in under all eight profiles     ${us(eight)}`);
// On a busy machine one benchmark can land in a noisier minute than the
// next: the sum of the per-scenario medians is a second figure for the set.
const sum = scenarios.reduce((t, r) => t + r.median_us, 0);
if (scenarios.length) console.log(`  sum of the per-scenario medians below       ${sum.toFixed(1).padStart(8)} us`);
if (all && texts)
  console.log(`  formatting every event's text adds ${(texts.median_us - all.median_us).toFixed(1)} us (the page formats one step's)`);
console.log("  each built-in under every profile:");
for (const r of scenarios) console.log(`    ${r.name.padEnd(40)} ${us(r)}`);
mkdirSync(dirname(resolve(repo, out)), { recursive: true });
writeFileSync(resolve(repo, out), JSON.stringify({ all, every_text: texts, eight_profiles: eight, sum_of_scenarios_us: sum, scenarios }, null, 2));
