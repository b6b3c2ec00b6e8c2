// The book (E2E_BOOK, built by `make e2e-build`) in headless Chromium, served
// under a sub-path of a static host: every chapter of SUMMARY.md loads with
// nothing requested from another origin and no error; every embedded
// playground becomes ready at the step its link names, and that step has
// the label the text was written for (data-expect-label); the guided tour
// runs from the keyboard alone in presenter mode. Builds nothing itself.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { assertNoProblems, BOOK_SUB, launchBrowser, openApp, repoRoot, screenshot, screenshotDir, startBookServer, waitForReady } from "../lib.mjs";

const screenshotDirOf = () => (mkdirSync(screenshotDir, { recursive: true }), screenshotDir);

// The book is published under this sub-path, to prove its URLs are relative.
const SUB = BOOK_SUB;

/** Chapter pages in SUMMARY.md order, plus the cheat sheet the book links to. */
function pages() {
  const summary = readFileSync(join(repoRoot, "docs", "src", "SUMMARY.md"), "utf8");
  const chapters = [...summary.matchAll(/\]\(([^)]+)\.md\)/g)].map((m) => `${m[1]}.html`);
  return [...chapters, "cheatsheet.html"];
}

let server;
let browser;

before(async () => {
  server = await startBookServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/**
 * The frame of an iframe once it has navigated to its playground URL. The
 * child frame exists from the start (about:blank while a lazy iframe waits
 * to be scrolled into view); this waits for its navigation, not a clock.
 */
async function playgroundFrame(handle) {
  const frame = await handle.contentFrame();
  if (!frame) throw new Error("the iframe has no frame");
  try {
    await frame.waitForURL(/\/playground\/index\.html(#|$)/, { waitUntil: "commit", timeout: 15000 });
  } catch (e) {
    throw new Error(`the iframe never loaded its playground (is loading=lazy blocking it?): ${e.message}`);
  }
  return frame;
}

test("every chapter loads from its own origin, and every embed shows the moment its text names", async (t) => {
  let embeds = 0;
  for (const name of pages()) {
    await t.test(name, async () => {
      const { page, context, problems } = await openApp(browser, server, "", { path: `${SUB}/${name}`, waitReady: false });
      try {
        await page.waitForLoadState("load");
        assert.ok((await page.title()).length > 0, `${name} has a title`);
        const frames = page.locator("iframe");
        const count = await frames.count();
        for (let i = 0; i < count; i++) {
          const iframe = frames.nth(i);
          const src = await iframe.getAttribute("src");
          const where = `${name}, iframe ${i + 1} (${src})`;
          assert.match(src, /^(\.\.\/)*playground\/index\.html#/, `${where}: a relative link to the book's own playground`);
          assert.ok((await iframe.getAttribute("title"))?.trim(), `${where}: has a title`);
          assert.equal(await iframe.getAttribute("loading"), "lazy", `${where}: loads lazily`);
          const hash = new URLSearchParams(src.split("#")[1]);
          assert.equal(hash.get("embed"), "1", `${where}: embed mode`);
          const label = await iframe.getAttribute("data-expect-label");
          assert.ok(label, `${where}: names the label of its step (data-expect-label)`);

          await iframe.scrollIntoViewIfNeeded();
          const frame = await playgroundFrame(await iframe.elementHandle());
          await waitForReady(frame);
          assert.equal(await frame.locator(".app.embed").count(), 1, `${where}: shows the compact embed`);
          assert.equal(
            await frame.locator("[data-timeline]").getAttribute("data-current"),
            hash.get("t"),
            `${where}: opens at the step its link names`,
          );
          const current = frame.locator('[data-timeline] [aria-current="step"] .lbl');
          assert.equal((await current.textContent())?.trim(), label, `${where}: the step shown is the one the text talks about`);
          const alerts = await frame.locator('[role="alert"]').allTextContents();
          assert.deepEqual(alerts, [], `${where}: the link is valid (no alert)`);
          const panes = await frame.locator("[data-profile]").evaluateAll((els) => els.map((e) => e.dataset.profile));
          assert.deepEqual([...panes].sort(), hash.get("p").split(",").sort(), `${where}: shows exactly the profiles its link names`);
          // Within the frame's height, without scrolling inside it: every
          // pane's IRR and ISR grids and its guest kernel log, and with one
          // or two panes its register table too (the embedding chapter's
          // heights promise this).
          const cut = await frame.evaluate((withRegs) => {
            const parts = ['[data-reg="irr"]', '[data-reg="isr"]', ".console", ...(withRegs ? [".regs"] : [])];
            const out = [];
            for (const pane of document.querySelectorAll("[data-profile]")) {
              for (const sel of parts) {
                const el = pane.querySelector(sel);
                const r = el?.getBoundingClientRect();
                if (!r || r.height === 0) out.push(`${pane.dataset.profile} has no ${sel}`);
                else if (r.bottom > innerHeight + 0.5) out.push(`${pane.dataset.profile} ${sel} ends at ${Math.ceil(r.bottom)} px`);
              }
            }
            return { out, height: innerHeight, scrolled: scrollY };
          }, panes.length <= 2);
          assert.equal(cut.scrolled, 0, `${where}: opens unscrolled`);
          assert.deepEqual(cut.out, [], `${where}: cut off by its ${cut.height} px height`);
          embeds++;
        }
        if (name === "the-bug.html") await screenshot(page, "book-the-bug");
        assertNoProblems(problems, assert);
      } finally {
        await context.close();
      }
    });
  }
  assert.ok(embeds >= 20, `the book embeds the playground at its key moments (found ${embeds})`);
});

/** The-bug chapter's first embed of the startup step (`setup_local_APIC()`), scrolled to and ready. */
async function startupEmbed(page) {
  const iframe = page.locator('iframe[data-expect-label="start_secondary() -> setup_local_APIC()"]').first();
  await iframe.scrollIntoViewIfNeeded();
  const frame = await playgroundFrame(await iframe.elementHandle());
  await waitForReady(frame);
  return { iframe, frame };
}

test("the embeds at the startup step show the stale bit under the buggy emulation only", async () => {
  // The moment the whole book is about, checked through the stable test hooks.
  const { page, context, problems } = await openApp(browser, server, "", { path: `${SUB}/the-bug.html`, waitReady: false });
  try {
    const { iframe, frame } = await startupEmbed(page);
    const bit = (profile) => frame.locator(`[data-profile="${profile}"] [data-reg="irr"] [data-vector="236"]`).getAttribute("data-set");
    assert.equal(await bit("kvm-emulated"), "1", "kvm-emulated keeps IRR bit 0xec");
    assert.equal(await bit("hardware"), "0", "real hardware has IRR bit 0xec clear");
    assert.ok((await frame.locator('[data-profile="kvm-emulated"] [data-warning]').count()) > 0, "kvm-emulated shows the warning");
    assert.equal(await frame.locator('[data-profile="hardware"] [data-warning]').count(), 0, "real hardware warns not");
    assertNoProblems(problems, assert);
  } finally {
    await context.close();
  }
});

test("on a phone, a book embed shows the key moment without scrolling inside it", async () => {
  const { page, context, problems } = await openApp(browser, server, "", {
    path: `${SUB}/the-bug.html`,
    waitReady: false,
    viewport: { width: 390, height: 844 },
  });
  try {
    const { iframe, frame } = await startupEmbed(page);
    // The stale 0xec in the buggy pane's IRR and the guest's warning, inside
    // the frame's own height, with the frame not scrolled.
    const seen = await frame.evaluate(() => {
      const inside = (el) => {
        const r = el?.getBoundingClientRect();
        return !!r && r.height > 0 && r.top >= 0 && r.bottom <= innerHeight;
      };
      const pane = document.querySelector('[data-profile="kvm-emulated"]');
      return {
        scrolled: scrollY,
        bit: inside(pane?.querySelector('[data-reg="irr"] [data-vector="236"][data-set="1"]')),
        warning: inside(pane?.querySelector("[data-warning]")),
      };
    });
    await iframe.screenshot({ path: join(screenshotDirOf(), "book-embed-phone.png") });
    assert.deepEqual(seen, { scrolled: 0, bit: true, warning: true });
    assertNoProblems(problems, assert);
  } finally {
    await context.close();
  }
});

test("the embeds follow the book's theme, light or dark, as it changes", async () => {
  const { page, context, problems } = await openApp(browser, server, "", { path: `${SUB}/the-bug.html`, waitReady: false });
  try {
    const { iframe, frame } = await startupEmbed(page);
    const frameTheme = () => frame.evaluate(() => document.documentElement.dataset.theme ?? "");
    await frame.waitForFunction(() => document.documentElement.dataset.theme === "light");
    // mdBook's navy theme is dark: the embed follows without a reload.
    await page.evaluate(() => {
      document.documentElement.classList.remove("light");
      document.documentElement.classList.add("navy");
    });
    await frame.waitForFunction(() => document.documentElement.dataset.theme === "dark");
    assert.equal(await frameTheme(), "dark");
    assertNoProblems(problems, assert);
  } finally {
    await context.close();
  }
});

test("the cheat sheet prints on one page, A4 or Letter", async () => {
  const { page, context, problems } = await openApp(browser, server, "", { path: `${SUB}/cheatsheet.html`, waitReady: false });
  try {
    for (const format of ["A4", "Letter"]) {
      const pdf = (await page.pdf({ format })).toString("latin1");
      const pages = pdf.match(/\/Type\s*\/Page[^s]/g)?.length;
      assert.equal(pages, 1, `the cheat sheet prints on ${pages} ${format} pages`);
    }
    assertNoProblems(problems, assert);
  } finally {
    await context.close();
  }
});

test("the guided tour runs from the keyboard alone in presenter mode, each question before its answer", async () => {
  const tour = JSON.parse(readFileSync(join(repoRoot, "core", "scenarios", "tour-hotplug.json"), "utf8"));
  const { page, context, problems } = await openApp(browser, server, "s=tour-hotplug&present=1", {
    path: `${SUB}/playground/index.html`,
    viewport: { width: 1280, height: 720 },
  });
  try {
    assert.equal(await page.locator(".app.present").count(), 1, "presenter mode is on");
    const note = page.locator(".narration .note");
    for (let k = 1; k <= tour.steps.length; k++) {
      await page.keyboard.press("ArrowRight");
      await page.waitForFunction((want) => document.querySelector("[data-timeline]")?.dataset.current === String(want), k);
      const step = tour.steps[k - 1];
      assert.equal((await note.textContent())?.trim(), step.note, `step ${k} narrates its note`);
      if (step.label?.startsWith("Question")) {
        assert.match(step.note, /\?/, `step ${k} asks a question`);
        assert.notEqual(tour.steps[k]?.do, "note", `the step after question ${k} shows the answer`);
      }
      if (step.label === "Question: interrupts back on") await screenshot(page, "tour-presenter-question");
    }
    // Stepping past the end stays at the end. A no-op leaves nothing to wait
    // for, so the next key is the witness: keys are handled in order, and
    // ArrowLeft lands on the step before the last only if ArrowRight did nothing.
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("ArrowLeft");
    await page.waitForFunction((want) => document.querySelector("[data-timeline]")?.dataset.current === String(want), tour.steps.length - 1);
    await page.keyboard.press("Home");
    await page.waitForFunction(() => document.querySelector("[data-timeline]")?.dataset.current === "0");
    await page.keyboard.press("End");
    await page.waitForFunction((n) => document.querySelector("[data-timeline]")?.dataset.current === String(n), tour.steps.length);
    assertNoProblems(problems, assert);
  } finally {
    await context.close();
  }
});
