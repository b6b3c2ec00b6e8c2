// Accessibility audit: axe-core (pinned in package.json) run inside the
// page over the default, embed, presenter, dark and phone views, the help
// dialog and the editor of a copy, at a step where the bug shows (warnings, changed bits). Zero violations of WCAG 2.0 and 2.1, levels A and AA, each view
// listed with the rule, its help and the first offending elements.
// axe is evaluated through the DevTools protocol, so the page's own
// Content-Security-Policy stays on (it allows no inline script).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { assertNoProblems, launchBrowser, openApp, repoRoot, startServer } from "../lib.mjs";

const AXE = readFileSync(join(repoRoot, "node_modules", "axe-core", "axe.min.js"), "utf8");
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** axe's violations on `page`, as one readable line each. */
async function audit(page) {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async (tags) => {
    // The app has settled (data-ready); no animation is in flight that
    // would change a colour under axe.
    const result = await window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
    return result.violations.map((v) => ({
      id: v.id,
      help: v.help,
      nodes: v.nodes.length,
      first: v.nodes.slice(0, 3).map((n) => `${n.target.join(" ")}: ${n.failureSummary.replace(/\s+/g, " ")}`),
    }));
  }, TAGS);
  return violations.map((v) => `${v.id} (${v.nodes}x): ${v.help}\n    ${v.first.join("\n    ")}`);
}

const STARTUP = "s=hotplug-cpu0&t=16";
const views = [
  ["default", "", {}],
  ["default, at the startup step", STARTUP, {}],
  ["embed", `${STARTUP}&p=hardware,kvm-emulated&embed=1`, { viewport: { width: 760, height: 560 } }],
  ["presenter", `${STARTUP}&p=hardware,kvm-emulated&present=1`, { viewport: { width: 1280, height: 720 } }],
  ["dark", STARTUP, { colorScheme: "dark" }],
  ["dark presenter", `${STARTUP}&present=1`, { colorScheme: "dark", viewport: { width: 1280, height: 720 } }],
  ["phone", `${STARTUP}&p=hardware,kvm-emulated`, { viewport: { width: 390, height: 844 } }],
  // A prediction checkpoint: grids to set bits in, a value to type, the checkpoint bar.
  ["checkpoint", "s=exercise-tpr&t=6", {}],
  ["dark, before a checkpoint", "s=exercise-init-nmi&t=8", { colorScheme: "dark" }],
];

for (const [name, hash, options] of views) {
  test(`axe: no WCAG 2.1 A/AA violation in the ${name} view`, async () => {
    const { page, context, problems } = await openApp(browser, server, hash, { reducedMotion: "reduce", ...options });
    try {
      const violations = await audit(page);
      assert.deepEqual(violations, [], `${name}:\n  ${violations.join("\n  ")}`);
      assertNoProblems(problems, assert);
    } finally {
      await context.close();
    }
  });
}

for (const scheme of ["light", "dark"]) {
  test(`axe: no WCAG 2.1 A/AA violation with the help dialog open (${scheme})`, async () => {
    const { page, context, problems } = await openApp(browser, server, STARTUP, { reducedMotion: "reduce", colorScheme: scheme });
    try {
      await page.keyboard.press("?");
      await page.locator('[role="dialog"]').waitFor();
      const violations = await audit(page);
      assert.deepEqual(violations, [], `help dialog:\n  ${violations.join("\n  ")}`);
      assertNoProblems(problems, assert);
    } finally {
      await context.close();
    }
  });
}

for (const scheme of ["light", "dark"]) {
  test(`axe: no WCAG 2.1 A/AA violation in the editor of a copy (${scheme})`, async () => {
    const { page, context, problems } = await openApp(browser, server, STARTUP, { reducedMotion: "reduce", colorScheme: scheme });
    try {
      await page.locator("button[data-fork]").click();
      await page.locator("[data-editor]").waitFor();
      const violations = await audit(page);
      assert.deepEqual(violations, [], `editor:\n  ${violations.join("\n  ")}`);
      assertNoProblems(problems, assert);
    } finally {
      await context.close();
    }
  });
}

test("axe: no WCAG 2.1 A/AA violation in the dark theme chosen with t on a light system", async () => {
  const { page, context, problems } = await openApp(browser, server, STARTUP, { reducedMotion: "reduce", colorScheme: "light" });
  try {
    await page.keyboard.press("t");
    await page.waitForFunction(() => document.documentElement.dataset.theme === "dark");
    const violations = await audit(page);
    assert.deepEqual(violations, [], `dark theme:\n  ${violations.join("\n  ")}`);
    assertNoProblems(problems, assert);
  } finally {
    await context.close();
  }
});

/**
 * The characters of the page's text that the fonts it names cannot draw:
 * the browser shows such a character as an empty box (its fallback's
 * .notdef glyph), which no reader can read, and no audit rule catches.
 * Each non-ASCII character is drawn in its element's computed font and
 * compared with a character no font has (U+10FFFD, private use).
 */
async function undrawable(page) {
  return page.evaluate(() => {
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 48;
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    const draw = (font, text) => {
      ctx.clearRect(0, 0, 48, 48);
      ctx.font = font;
      ctx.textBaseline = "top";
      ctx.fillText(text, 4, 4);
      return ctx.getImageData(0, 0, 48, 48).data.join();
    };
    const fonts = new Map();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const c of node.data) {
        if (c.codePointAt(0) > 0x7f && !fonts.has(c) && node.parentElement) {
          const s = getComputedStyle(node.parentElement);
          fonts.set(c, `${s.fontStyle} ${s.fontWeight} 24px ${s.fontFamily}`);
        }
      }
    }
    return [...fonts]
      .filter(([c, font]) => draw(font, c) === draw(font, "\u{10FFFD}"))
      .map(([c, font]) => `U+${c.codePointAt(0).toString(16).toUpperCase().padStart(4, "0")} ${c} in ${font}`);
  });
}

test("every character the page shows has a glyph in its fonts: the panes, the help, a checkpoint and the editor of a copy", async () => {
  const seen = [];
  for (const [name, hash, open] of [
    ["the startup step", STARTUP, null],
    ["the help dialog", STARTUP, async (page) => {
      await page.keyboard.press("?");
      await page.locator('[role="dialog"]').waitFor();
    }],
    ["a checkpoint", "s=exercise-tpr&t=6", null],
    ["the editor of a copy", STARTUP, async (page) => {
      await page.locator("button[data-fork]").click();
      await page.locator("[data-editor]").waitFor();
    }],
  ]) {
    const { page, context, problems } = await openApp(browser, server, hash);
    try {
      await open?.(page);
      seen.push(...(await undrawable(page)).map((c) => `${name}: ${c}`));
      assertNoProblems(problems, assert);
    } finally {
      await context.close();
    }
  }
  assert.deepEqual(seen, [], `drawn as empty boxes:\n  ${seen.join("\n  ")}`);
});
