// Smoke test of the release build: it is one (not a development build of
// `trunk serve`), loads from its own origin alone, becomes interactive, and
// the keyboard moves the timeline.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { assertNoProblems, distDir, launchBrowser, openApp, startServer } from "../lib.mjs";

test("the suite tests a release build, not the dev server's", () => {
  // trunk serve's pages carry a live-reload script whose address the dev
  // server fills in; served as a file, it fails to connect on every load.
  const html = readFileSync(join(distDir, "index.html"), "utf8");
  assert.doesNotMatch(html, /__TRUNK_ADDRESS__|__TRUNK_WS_BASE__/i, `${distDir} holds a development build: run make e2e-build`);
});

test("the release build becomes ready with no problem, and ArrowRight steps", async () => {
  const server = await startServer();
  const browser = await launchBrowser();
  try {
    const { page, problems } = await openApp(browser, server);
    const timeline = page.locator("[data-timeline]");
    assert.equal(await timeline.getAttribute("data-current"), "0");
    await page.keyboard.press("ArrowRight");
    await page.waitForFunction(() => document.querySelector("[data-timeline]")?.dataset.current === "1");
    assertNoProblems(problems, assert);
  } finally {
    await browser.close();
    await server.close();
  }
});
