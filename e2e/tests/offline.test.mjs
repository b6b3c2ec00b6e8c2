// Works offline: once the playground has been opened, its service worker
// serves it when the server is gone (a workshop room without Wi-Fi).
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertNoProblems, launchBrowser, openApp, startServer, waitForReady } from "../lib.mjs";

test("after one visit the playground loads, steps, shows every built-in, forks and edits with its server stopped", async () => {
  const server = await startServer();
  const browser = await launchBrowser();
  let stopped = false;
  try {
    const { page, problems } = await openApp(browser, server, "s=hotplug-cpu0&t=3");
    // The worker has cached the page and every file it names, and controls it.
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);

    await server.close();
    stopped = true;
    const refused = await page.evaluate(() =>
      fetch("/definitely-not-cached-" + Date.now()).then(
        () => "answered",
        () => "refused",
      ),
    );
    assert.equal(refused, "refused", "the server is really gone");
    problems.length = 0; // the probe above is expected to fail

    await page.reload();
    await waitForReady(page);
    assert.equal(await page.locator("[data-timeline]").getAttribute("data-current"), "3");
    assert.equal(await page.locator("[data-profile]").count(), 4);
    await page.keyboard.press("ArrowRight");
    await page.waitForFunction(() => document.querySelector("[data-timeline]")?.dataset.current === "4");

    // Every built-in too: the viewer reads those beside the seed from
    // their files (builtins/, which builtins/index.json lists), which the
    // worker cached on install.
    await page.locator("#scenario-pick").selectOption("tpr-ppr");
    await page.waitForFunction(() => document.title.startsWith("Task priority: TPR"));
    await page.evaluate(() => (location.hash = "#s=hotplug-cpu0&t=4"));
    await page.waitForFunction(() => document.title.startsWith("CPU0 offline") && document.querySelector("[data-timeline]")?.dataset.current === "4");

    // Play too, which loads on demand: fork, insert a step, and edit the
    // text, which the reader worker reads.
    await page.locator("[data-fork]").click();
    await page.waitForSelector("[data-editor]");
    await page.locator('[data-what-if="after"]').selectOption("sti");
    await page.waitForFunction(() => document.querySelector("[data-timeline]")?.dataset.current === "5");
    assert.equal(await page.locator(".tl-step.here .lbl").textContent(), "sti");
    await page.getByRole("button", { name: "Text", exact: true }).click();
    const area = page.locator("[data-edit-text]");
    await area.fill((await area.inputValue()).replace(/"title": "[^"]*"/, '"title": "Edited offline"'));
    await page.waitForFunction(() => document.querySelector("#scenario-pick option:checked")?.textContent.includes("Edited offline"));
    assertNoProblems(problems, assert);
  } finally {
    await browser.close();
    if (!stopped) await server.close();
  }
});
