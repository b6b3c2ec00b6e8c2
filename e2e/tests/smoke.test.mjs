// Smoke test of the release build: it loads from its own origin alone,
// becomes interactive, and the keyboard moves the timeline.
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertNoProblems, launchBrowser, openApp, startServer } from "../lib.mjs";

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
