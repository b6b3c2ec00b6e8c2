#!/usr/bin/env node
// Browser timings of a release build (E2E_DIST; `make bench` builds its own
// into target/bench/) in headless Chromium, reported as medians, never
// asserted: a noisy machine must not fail a test.
//   load:  navigation start -> <html data-ready="1"> (performance.now() in the page)
//   step:  a synthetic ArrowRight keydown -> the DOM updated for the next step,
//          with all four profile panes shown (read from a MutationObserver,
//          which runs once the render that changed data-current is done)
//   bytes: everything the first load transferred (encoded body sizes)
// Usage: node scripts/bench-browser.mjs [--loads N] [--json FILE]
import { writeFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { gzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
import { launchBrowser, openApp, startServer, distDir } from "../e2e/lib.mjs";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
};
const loads = Number(opt("--loads", 15));
const out = opt("--json", "e2e/artifacts/bench.json");

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))];

const server = await startServer();
const browser = await launchBrowser();
const readyMs = [];
let transferred = 0;
try {
  for (let i = 0; i < loads; i++) {
    const context = await browser.newContext({ viewport: { width: 1600, height: 900 } });
    const page = await context.newPage();
    await page.addInitScript(() => {
      new MutationObserver((_, mo) => {
        if (document.documentElement.dataset.ready === "1") {
          window.__readyAt = performance.now();
          mo.disconnect();
        }
      // The init script runs before <html> exists: watch the document.
      }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-ready"] });
    });
    await page.goto(server.url("/") + "#s=hotplug-cpu0&p=hardware,kvm-apicv,kvm-emulated,kvm-emulated-fixed&t=0");
    await page.waitForFunction(() => window.__readyAt !== undefined, null, { timeout: 15000 });
    readyMs.push(await page.evaluate(() => window.__readyAt));
    if (i === 0) {
      // Bytes over the wire as a compressing server would send them: the sum
      // of gzipped sizes of every resource the first load fetched.
      // The service worker's script is fetched during the first load too,
      // but is not a resource-timing entry of the page.
      const names = await page.evaluate(async () => {
        const registration = await navigator.serviceWorker?.ready;
        const worker = registration?.active?.scriptURL;
        const resources = performance.getEntriesByType("resource").map((e) => e.name);
        return worker && !resources.includes(worker) ? [...resources, worker] : resources;
      });
      const files = ["index.html", ...names.map((n) => new URL(n).pathname.replace(/^\//, ""))];
      transferred = files.reduce((t, f) => t + gzipSync(readFileSync(`${distDir}/${f}`), { level: 9 }).length, 0);
    }
    await context.close();
  }

  const { page } = await openApp(browser, server, "s=hotplug-cpu0&p=hardware,kvm-apicv,kvm-emulated,kvm-emulated-fixed&t=0", {
    viewport: { width: 1600, height: 900 },
  });
  const stepMs = await page.evaluate(async () => {
    const timeline = document.querySelector("[data-timeline]");
    // One timeline button per state: the last index is known, so every key
    // below changes the step and its sample ends when the DOM shows it.
    const last = timeline.querySelectorAll("button").length - 1;
    const samples = [];
    const step = (key) =>
      new Promise((resolve, reject) => {
        const before = timeline.dataset.current;
        const t0 = performance.now();
        const mo = new MutationObserver(() => {
          if (timeline.dataset.current !== before) {
            mo.disconnect();
            clearTimeout(stuck);
            resolve(performance.now() - t0);
          }
        });
        // A guard against a broken page, not a measurement: a step takes milliseconds.
        const stuck = setTimeout(() => {
          mo.disconnect();
          reject(new Error(`${key} from step ${before} never changed the timeline`));
        }, 5000);
        mo.observe(timeline, { attributes: true, attributeFilter: ["data-current"] });
        document.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true }));
      });
    for (let round = 0; round < 5; round++) {
      if (timeline.dataset.current !== "0") await step("Home");
      while (Number(timeline.dataset.current) < last) {
        samples.push(await step("ArrowRight"));
        await new Promise((r) => requestAnimationFrame(() => r()));
      }
    }
    return samples;
  });

  const report = {
    loads,
    ready_ms: { median: median(readyMs), p95: p95(readyMs) },
    step_ms: { samples: stepMs.length, median: median(stepMs), p95: p95(stepMs) },
    first_load_gzip_bytes: transferred,
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(report, null, 2));
  console.log(`navigation -> data-ready: median ${report.ready_ms.median.toFixed(1)} ms, p95 ${report.ready_ms.p95.toFixed(1)} ms (${loads} loads)`);
  console.log(`one step, four panes:     median ${report.step_ms.median.toFixed(2)} ms, p95 ${report.step_ms.p95.toFixed(2)} ms (${stepMs.length} steps)`);
  console.log(`first load, gzipped:      ${(transferred / 1024).toFixed(1)} KiB`);
  console.log(`written to ${out}`);
} finally {
  await browser.close();
  await server.close();
}
