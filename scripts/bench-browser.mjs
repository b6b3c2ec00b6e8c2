#!/usr/bin/env node
// Browser timings of a release build (E2E_DIST; `make bench` builds its own
// into target/bench/) in headless Chromium, beside the floor for this stack
// (FLOOR_DIST, default target/bench-floor/: the minimal Yew page of
// bench/floor/, same release profile and wasm-opt). Reported as medians,
// never asserted: a noisy machine must not fail a test.
//   ready: navigation start -> <html data-ready="1"> (performance.now() in
//          the page), cold (a fresh browser context: empty HTTP cache, no
//          service worker), the playground and the floor loaded alternately
//          so that both see the same machine load; the ratio of the medians
//   split: where a cold load's time goes, as medians of the same loads:
//          the page's .wasm fetched (resource timing), the first render in
//          the DOM (Trunk's TrunkApplicationStarted event: it comes once the
//          module is compiled and instantiated and main() has run, and by
//          then Yew's scheduler has run its first batch, which puts the
//          whole first render in the DOM), ready, the first frame after
//          ready painted (a message posted from that frame's animation
//          callback arrives once its style, layout and paint are done):
//          the first frame that shows the page whole, for the effects
//          (which write the panes' events and register values) have run;
//          and the longest rendering (style, layout, paint) of a frame
//          until then, from the Long Animation Frames API (0 when no frame
//          took 50 ms). Stock Yew 0.23's scheduler (yewstack/yew#4033)
//          yields to the browser once a batch of work has run 16 ms and no
//          render is pending, which after a longer first render is before
//          its effects (use_ready's among them): the browser then painted
//          a page without what the effects write, and ready and the whole
//          page waited for that frame. The playground's vendored Yew runs
//          a first render's effects first (vendor/README.md).
//   main thread: where a cold load's main-thread time goes up to the end
//          of its first frame painted after ready,
//          from a Chromium trace of separate loads (tracing slows a load,
//          so the timed loads above are not traced): thread time, what
//          the main thread itself did, without its waits for other threads
//          or for a busy machine's cores; each trace event's own time is
//          given to its nearest enclosing kind of work:
//          script (JS and wasm, with the garbage collector), HTML parsing
//          (the page's and every innerHTML), style, layout, paint (pre-
//          paint, paint, layerize), and the rest (navigation, loading,
//          the browser's messages), from the navigation's start to the
//          end of the first frame painted after ready
//   warm:  the playground's second load in the same context, once its
//          service worker (www/sw.js) is active and controls the page
//   step:  a synthetic ArrowRight keydown -> the DOM updated for the next step,
//          with four profile panes shown, then eight (the four and the other
//          hypervisors; skipped if the page shows fewer), read from a
//          MutationObserver, which runs once the render that changed
//          data-current is done; served cross-origin isolated (COOP and
//          COEP headers), where Chromium's performance.now() ticks in 5 us,
//          not the 100 us it is coarsened to elsewhere, which a step of
//          about 2 ms would round to
//   retrace: Play's re-trace after an edit of a 100-step scenario of one's
//          own with four panes, from the edit to the timeline updated
//   bytes: everything the first load transferred (resource entries plus the
//          service worker's script), as gzip and brotli would send them;
//          also for a link to another built-in than the seed (OTHER), whose
//          first load reads that built-in's own file (builtins/<id>.bin)
// Usage: node scripts/bench-browser.mjs [--loads N] [--traced N] [--json FILE] [--only step]
//   --traced N: traced loads of each page for the main-thread split (5)
//   --only step: the step timings alone (no floor needed), for comparing two
//          builds of the page run alternately under the same machine load
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { brotliCompressSync, constants, deflateRawSync, gzipSync } from "node:zlib";
import { launchBrowser, openApp, repoRoot, startServer, distDir } from "../e2e/lib.mjs";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
};
const loads = Number(opt("--loads", 15));
const traced = Number(opt("--traced", 5));
const out = opt("--json", "e2e/artifacts/bench.json");
const only = opt("--only", "");
if (only && only !== "step") {
  console.error(`bench: --only ${only}: only "step" can run alone`);
  process.exit(2);
}
const floorDir = resolve(repoRoot, process.env.FLOOR_DIST ?? "target/bench-floor");
const HASH = "#s=hotplug-cpu0&p=hardware,kvm-apicv,kvm-emulated,kvm-emulated-fixed&t=0";
// A link to another built-in than the seed: the guided tour, the largest
// built-in's file.
const OTHER = "#s=tour-hotplug&t=0";
const HASH8 = "#s=hotplug-cpu0&p=hardware,kvm-apicv,kvm-emulated,kvm-emulated-fixed,qemu,xen,bhyve,virtualbox&t=0";

/** A `c` value: a 100-step scenario of one's own, a mix of the format's common operations. */
function hundredSteps() {
  const cycle = [
    { do: "irq", vector: "0x31" },
    { do: "sti" },
    { do: "eoi" },
    { do: "cli" },
    { do: "write", reg: "tpr", value: "0x20" },
    { do: "self_ipi", vector: "0x41" },
    { do: "irq", vector: "0x61", level: true },
    { do: "sti" },
    { do: "write", reg: "tpr", value: 0 },
    { do: "eoi" },
  ];
  const steps = [{ do: "write", reg: "spiv", value: "0x1ff" }];
  while (steps.length < 100) steps.push(cycle[steps.length % cycle.length]);
  const json = JSON.stringify({ id: "bench-100", title: "100 steps", steps });
  return deflateRawSync(Buffer.from(json)).toString("base64url");
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))];
const stats = (xs) => ({ n: xs.length, median: median(xs), p95: p95(xs), min: Math.min(...xs), max: Math.max(...xs) });

// Records the moment <html data-ready="1"> appears, in page time (0 is the
// navigation start), and the moment Trunk's loader says the app started (by
// then the first render is in the DOM). The init script runs before <html>
// exists: it watches the document. It says "ready" on the console, which
// the bench waits for: polling the page instead (Playwright's
// waitForFunction) runs the bench's own script on the page's main thread
// while it starts, about 30 ms on this machine, and delays what it times.
function watchReady() {
  addEventListener("TrunkApplicationStarted", () => (window.__renderedAt = performance.now()), { once: true });
  window.__frames = [];
  new PerformanceObserver((list) => window.__frames.push(...list.getEntries())).observe({ type: "long-animation-frame", buffered: true });
  new MutationObserver((_, mo) => {
    if (document.documentElement.dataset.ready === "1") {
      window.__readyAt = performance.now();
      performance.mark("bench: ready");
      // The next frame's animation callbacks run before its style, layout
      // and paint; a message posted from one arrives once it is painted.
      requestAnimationFrame(() => {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => (window.__paintedAt = performance.now());
        channel.port2.postMessage(0);
      });
      console.debug("bench: ready");
      mo.disconnect();
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-ready"] });
}

async function readyTime(page, url) {
  return (await coldSplit(page, url)).ready;
}

// Navigates `page` (with `watchReady` as its init script) to `url` and
// waits for its ready message, running nothing in the page meanwhile.
async function loadUntilReady(page, url) {
  const ready = page.waitForEvent("console", { predicate: (m) => m.text() === "bench: ready", timeout: 15000 });
  await page.goto(url, { waitUntil: "commit" });
  await ready;
}

// One load's split (see "split" above), in page time.
async function coldSplit(page, url) {
  await loadUntilReady(page, url);
  // A frame's entry is reported once the frame is done: wait for the frame
  // after ready to be painted, then for one more, so that every frame up
  // to the painted one is in.
  await page.waitForFunction(() => window.__paintedAt);
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0))));
  return page.evaluate(() => ({
    wasm: performance.getEntriesByType("resource").find((e) => e.name.endsWith("_bg.wasm"))?.responseEnd ?? NaN,
    rendered: window.__renderedAt ?? NaN,
    ready: window.__readyAt,
    painted: window.__paintedAt,
    frame: Math.max(
      0,
      ...window.__frames
        .filter((f) => f.renderStart > 0 && f.renderStart < window.__paintedAt)
        .map((f) => f.startTime + f.duration - f.renderStart),
    ),
  }));
}

// Bytes a compressing server would send for everything the page fetched.
async function transferred(page, dir) {
  const names = await page.evaluate(async () => {
    const resources = performance.getEntriesByType("resource").map((e) => e.name);
    // The page registers its service worker once ready: wait for it a
    // little (the floor has none).
    const registration =
      navigator.serviceWorker &&
      (await Promise.race([navigator.serviceWorker.ready, new Promise((ok) => setTimeout(ok, 3000))]));
    const worker = registration?.installing?.scriptURL ?? registration?.waiting?.scriptURL ?? registration?.active?.scriptURL;
    return worker && !resources.includes(worker) ? [...resources, worker] : resources;
  });
  const files = ["index.html", ...names.map((n) => new URL(n).pathname.replace(/^\//, ""))].filter((f) => f && !f.endsWith("/"));
  const sum = { files: [], gzip: 0, brotli: 0 };
  for (const f of [...new Set(files)]) {
    if (!existsSync(`${dir}/${f}`)) continue; // a 404, such as a favicon.ico nobody ships
    const data = readFileSync(`${dir}/${f}`);
    const gzip = gzipSync(data, { level: 9 }).length;
    const brotli = brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
    sum.files.push({ file: f, raw: data.length, gzip, brotli });
    sum.gzip += gzip;
    sum.brotli += brotli;
  }
  return sum;
}

// The kinds of main-thread work (see "main thread" above), by the trace
// event that starts each; an event of no kind belongs to its parent's.
const WORK = {
  script: ["FunctionCall", "EvaluateScript", "RunMicrotasks", "TimerFire", "FireAnimationFrame", "EventDispatch", "MajorGC", "MinorGC"],
  parse: ["ParseHTML"],
  style: ["UpdateLayoutTree", "ParseAuthorStyleSheet"],
  layout: ["Layout"],
  paint: ["PrePaint", "Paint", "Layerize"],
};
const KIND = new Map(Object.entries(WORK).flatMap(([kind, names]) => names.map((n) => [n, kind])));

// One traced cold load: main-thread time (ms) by kind of work, from the
// navigation's start to ready, and in all.
async function mainThread(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1600, height: 900 } });
  const page = await context.newPage();
  await page.addInitScript(watchReady);
  await browser.startTracing(page, { categories: ["devtools.timeline", "toplevel", "blink.user_timing", "loading", "v8.execute"] });
  await loadUntilReady(page, url);
  // Trace on until the frame after ready is painted.
  await page.waitForFunction(() => window.__paintedAt);
  const events = JSON.parse((await browser.stopTracing()).toString()).traceEvents;
  const readyAt = await page.evaluate(() => window.__readyAt);
  await context.close();
  const mark = events.find((e) => e.name === "bench: ready");
  if (!mark) throw new Error("bench: the trace has no ready mark");
  // The page's clock starts at the navigation: its start in trace time.
  const start = mark.ts - readyAt * 1000;
  // Both pages set ready before their first frame with the app in it
  // (see "split" above): the span runs on to the end of that frame's
  // paint, so that its style, layout and paint are counted.
  const onThread = events.filter((e) => e.pid === mark.pid && e.tid === mark.tid && e.ph === "X");
  const first = (name, from) => onThread.filter((e) => e.name === name && e.ts >= from).sort((a, b) => a.ts - b.ts)[0];
  // Layerize follows Paint in a frame. A page that painted all it shows
  // before ready paints nothing after it: its span ends at ready.
  const paint = first("Paint", mark.ts);
  const last = paint && (first("Layerize", paint.ts) ?? paint);
  const frameEnd = last ? last.ts + last.dur : mark.ts;
  const span = onThread
    .filter((e) => e.ts >= start && e.ts <= frameEnd)
    .sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const own = (e) => (e.tdur ?? e.dur) / 1000;
  const sums = Object.fromEntries([...Object.keys(WORK), "other"].map((k) => [k, 0]));
  // An event's own time is its time less its children's; a stack of open
  // events gives each its parent.
  const stack = [];
  const close = (frame) => (sums[frame.kind] += Math.max(0, frame.self));
  for (const e of span) {
    while (stack.length && stack.at(-1).end <= e.ts) close(stack.pop());
    const parent = stack.at(-1);
    if (parent) parent.self -= own(e);
    stack.push({ end: e.ts + e.dur, self: own(e), kind: KIND.get(e.name) ?? parent?.kind ?? "other" });
  }
  while (stack.length) close(stack.pop());
  return { ...sums, total: Object.values(sums).reduce((a, b) => a + b, 0) };
}

if (!only && !existsSync(`${floorDir}/index.html`)) {
  console.error(`bench: ${floorDir}/index.html is missing; build the floor first (make bench does)`);
  process.exit(2);
}
const app = await startServer();
// The same build, served cross-origin isolated for the step timings' clock.
const isolated = await startServer(undefined, {
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-embedder-policy": "require-corp",
});
const floor = only ? null : await startServer(floorDir);
const browser = await launchBrowser();
const ready = { app: [], floor: [] };
const SPLIT = ["wasm", "rendered", "ready", "painted", "frame"];
const split = { app: [], floor: [] };
const bytes = {};
try {
  // Cold loads, alternating which page goes first in each pair.
  for (let i = 0; i < (only ? 0 : loads); i++) {
    const order = i % 2 ? ["floor", "app"] : ["app", "floor"];
    for (const which of order) {
      const context = await browser.newContext({ viewport: { width: 1600, height: 900 } });
      const page = await context.newPage();
      await page.addInitScript(watchReady);
      const server = which === "app" ? app : floor;
      const times = await coldSplit(page, server.url("/") + (which === "app" ? HASH : ""));
      ready[which].push(times.ready);
      split[which].push(times);
      if (!bytes[which]) bytes[which] = await transferred(page, which === "app" ? distDir : floorDir);
      await context.close();
    }
  }

  // The first load of a link to another built-in than the seed.
  if (!only) {
    const context = await browser.newContext({ viewport: { width: 1600, height: 900 } });
    const page = await context.newPage();
    await page.addInitScript(watchReady);
    await coldSplit(page, app.url("/") + OTHER);
    bytes.other = await transferred(page, distDir);
    await context.close();
  }

  // Where the main thread's time goes: traced loads, alternating.
  const threadTime = { app: [], floor: [] };
  for (let i = 0; i < (only ? 0 : traced); i++) {
    for (const which of i % 2 ? ["floor", "app"] : ["app", "floor"]) {
      const server = which === "app" ? app : floor;
      threadTime[which].push(await mainThread(browser, server.url("/") + (which === "app" ? HASH : "")));
    }
  }

  // Warm start: the first load registers the service worker once the page
  // is ready; the second load in the same context goes through it (and the
  // browser's caches of that context).
  const warm = [];
  let controlled = 0;
  for (let i = 0; i < (only ? 0 : loads); i++) {
    const context = await browser.newContext({ viewport: { width: 1600, height: 900 } });
    const page = await context.newPage();
    await page.addInitScript(watchReady);
    await readyTime(page, app.url("/") + HASH);
    await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.ready;
      if (!navigator.serviceWorker.controller)
        await new Promise((ok) => navigator.serviceWorker.addEventListener("controllerchange", ok, { once: true }));
      return registration.active.state;
    });
    await page.goto("about:blank");
    warm.push(await readyTime(page, app.url("/") + HASH));
    if (await page.evaluate(() => Boolean(navigator.serviceWorker.controller))) controlled++;
    await context.close();
  }

  const step = {};
  for (const hash of [HASH, HASH8]) {
    const { page, context } = await openApp(browser, isolated, hash.slice(1), { viewport: { width: 1600, height: 900 } });
    if (!(await page.evaluate(() => self.crossOriginIsolated))) throw new Error("bench: the step page is not cross-origin isolated: its clock would tick in 100 us");
    const panes = await page.evaluate(() => document.querySelectorAll("[data-profile]").length);
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
    await context.close();
    // A page that cannot show eight panes shows fewer: no eight-pane figure then.
    if (hash === HASH || panes === 8) step[panes] = { panes, ...stats(stepMs) };
  }

  // Re-trace after an edit (Play): a 100-step scenario of one's own in a
  // `c` link, four panes; "what if: insert sti after" and "delete step"
  // alternately, each timed from the control's event to the timeline
  // showing the new step count (MutationObserver, as for a step).
  const retrace = only ? null : await (async () => {
    const { page, context } = await openApp(browser, app, `c=${hundredSteps()}&t=50`, { viewport: { width: 1600, height: 900 } });
    await page.waitForSelector("[data-what-if=after]", { timeout: 30000 });
    await page.waitForFunction(() => document.querySelectorAll("[data-timeline] button").length === 101, null, { timeout: 30000 });
    const samples = await page.evaluate(async () => {
      const timeline = document.querySelector("[data-timeline]");
      const count = () => timeline.querySelectorAll("button").length;
      const edit = (act) =>
        new Promise((resolve, reject) => {
          const before = count();
          const t0 = performance.now();
          const mo = new MutationObserver(() => {
            if (count() !== before) {
              mo.disconnect();
              clearTimeout(stuck);
              resolve(performance.now() - t0);
            }
          });
          // A guard against a broken page, not a measurement.
          const stuck = setTimeout(() => {
            mo.disconnect();
            reject(new Error("an edit never changed the timeline"));
          }, 5000);
          mo.observe(timeline, { childList: true, subtree: true });
          act();
        });
      const out = [];
      for (let i = 0; i < 20; i++) {
        out.push(
          await edit(() => {
            const select = document.querySelector("[data-what-if=after]");
            select.value = "sti";
            select.dispatchEvent(new Event("change", { bubbles: true }));
          }),
        );
        await new Promise((r) => requestAnimationFrame(() => r()));
        out.push(await edit(() => document.querySelector("[data-delete-step]").click()));
        await new Promise((r) => requestAnimationFrame(() => r()));
      }
      return out;
    });
    await context.close();
    return stats(samples);
  })();

  const report = only
    ? { step_ms: step }
    : {
        loads,
        ready_ms: { app: stats(ready.app), floor: stats(ready.floor), ratio: median(ready.app) / median(ready.floor) },
        cold_split_median_ms: Object.fromEntries(
          ["app", "floor"].map((w) => [w, Object.fromEntries(SPLIT.map((k) => [k, median(split[w].map((t) => t[k]))]))]),
        ),
        main_thread_to_first_frame_median_ms: Object.fromEntries(
          ["app", "floor"].map((w) => [w, Object.fromEntries([...Object.keys(WORK), "other", "total"].map((k) => [k, median(threadTime[w].map((t) => t[k]))]))]),
        ),
        warm_ready_ms: { ...stats(warm), controlled_by_service_worker: controlled },
        step_ms: step,
        retrace_100_steps_ms: retrace,
        first_load: bytes,
      };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(report, null, 2));
  const ms = (x, d = 1) => `${x.toFixed(d)} ms`;
  const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
  const r = report.ready_ms;
  if (!only) {
    console.log(`navigation -> data-ready, cold (${loads} alternating loads of each):`);
    console.log(`  playground   median ${ms(r.app.median)}, p95 ${ms(r.app.p95)} (min ${ms(r.app.min)}, max ${ms(r.app.max)})`);
    console.log(`  floor        median ${ms(r.floor.median)}, p95 ${ms(r.floor.p95)} (min ${ms(r.floor.min)}, max ${ms(r.floor.max)})`);
    console.log(`  ratio        ${r.ratio.toFixed(2)} x the floor (ratio of the medians)`);
    const c = report.cold_split_median_ms;
    console.log(`  where it goes (medians): .wasm fetched, first render in the DOM, ready, the frame after ready painted; the longest frame's style, layout and paint until then`);
    for (const w of ["app", "floor"])
      console.log(`  ${(w === "app" ? "playground" : "floor").padEnd(12)} ${SPLIT.map((k) => ms(c[w][k], 0)).join(", ")}`);
    const t = report.main_thread_to_first_frame_median_ms;
    console.log(`  main-thread time, navigation -> ready and the frame after it (thread time from a trace, medians of ${traced} traced loads each):`);
    for (const w of ["app", "floor"])
      console.log(
        `  ${(w === "app" ? "playground" : "floor").padEnd(12)} ${ms(t[w].total, 0)}: ` +
          [...Object.keys(WORK), "other"].map((k) => `${k === "parse" ? "HTML parse" : k} ${t[w][k].toFixed(0)}`).join(", "),
      );
    console.log(`navigation -> data-ready, warm through the service worker (${controlled}/${loads} controlled):`);
    console.log(`  playground   median ${ms(report.warm_ready_ms.median)}, p95 ${ms(report.warm_ready_ms.p95)}`);
  }
  for (const n of [4, 8]) {
    const t = step[n];
    if (t) console.log(`one step, ${n} panes: median ${ms(t.median, 2)}, p95 ${ms(t.p95, 2)} (${t.n} steps)`);
    else console.log(`one step, ${n} panes: skipped, the page did not show ${n} panes`);
  }
  if (!only) {
    console.log(`re-trace after an edit, 100 steps, 4 panes: median ${ms(retrace.median, 2)}, p95 ${ms(retrace.p95, 2)} (${retrace.n} edits)`);
    const named = { app: "the playground", other: `another built-in (${OTHER})`, floor: "the floor" };
    for (const which of ["app", "other", "floor"]) {
      const b = bytes[which];
      if (b) console.log(`first load of ${named[which]}: ${kib(b.gzip)} gzip, ${kib(b.brotli)} brotli (${b.files.length} files)`);
    }
  }
  console.log(`written to ${out}`);
} finally {
  await browser.close();
  await app.close();
  await isolated.close();
  await floor?.close();
}
