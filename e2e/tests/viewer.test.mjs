// The viewer and the full playground (src/handoff.rs): the first load of a
// built-in runs the viewer alone; what only some visits need (Play, the
// prediction checkpoints, the keyboard help) loads when it is asked for,
// and no answer shows before the checkpoints that hide it are in place.
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertNoProblems, openApp, withBrowser } from "../lib.mjs";

/** The names of the files `page` has requested so far. */
const requested = (page) => page.evaluate(() => performance.getEntriesByType("resource").map((e) => e.name.split("/").pop()));
const isPlay = (name) => /^(play|reader)[_.]/.test(name) || name === "play.css";

test("stepping, picking a scenario, a profile and the guest never load the full playground", async () => {
  await withBrowser(async ({ browser, server }) => {
    const { page, context, problems } = await openApp(browser, server, "#s=hotplug-cpu0&t=0");
    await page.keyboard.press("ArrowRight");
    await page.waitForFunction(() => document.querySelector("[data-timeline]")?.dataset.current === "1");
    await page.locator("#scenario-pick").selectOption("tpr-ppr");
    await page.waitForFunction(() => location.hash.includes("s=tpr-ppr&"));
    await page.keyboard.press("5");
    await page.waitForSelector('[data-profile="qemu"]');
    await page.locator("#guest-pick").selectOption("v5.2");
    await page.waitForFunction(() => location.hash.includes("guest=v5.2"));
    assert.deepEqual((await requested(page)).filter(isPlay), []);
    assertNoProblems(problems, assert);
    await context.close();
  });
});

test("the keyboard help loads with the full playground, and opens", async () => {
  await withBrowser(async ({ browser, server }) => {
    const { page, context, problems } = await openApp(browser, server, "#s=hotplug-cpu0&t=3");
    await page.keyboard.press("?");
    await page.waitForSelector('dialog[open], [role="dialog"]');
    assert.ok((await requested(page)).some((n) => n === "play_bg.wasm"));
    // The view is the one the viewer showed.
    assert.equal(await page.locator("[data-timeline]").getAttribute("data-current"), "3");
    await page.keyboard.press("Escape");
    await page.waitForSelector('dialog[open], [role="dialog"]', { state: "detached" });
    assertNoProblems(problems, assert);
    await context.close();
  });
});

test("an exercise opens with its checkpoints, and no pane shows an answer before them", async () => {
  await withBrowser(async ({ browser, server }) => {
    const { page, context, problems } = await openApp(browser, server);
    // From the first render of the next load on, a pane that shows its
    // registers while its scenario asks for predictions (no checkpoint
    // bar yet) is recorded.
    await context.addInitScript(() => {
      window.leaked = [];
      new MutationObserver(() => {
        if (document.querySelector("[data-checkpoint]")) return;
        for (const pane of document.querySelectorAll("[data-profile]")) window.leaked.push(pane.dataset.profile);
      }).observe(document, { childList: true, subtree: true, attributes: true });
    });
    await page.goto("about:blank");
    await page.goto(server.url("/") + "#s=exercise-tpr&t=0");
    await page.waitForSelector("[data-checkpoint]");
    // The step after the initial state lies in the first checkpoint's
    // stretch: the panes hide what it asks.
    await page.keyboard.press("ArrowRight");
    await page.waitForSelector('[data-profile][data-hiding="1"]');
    assert.deepEqual(await page.evaluate(() => window.leaked), []);
    assertNoProblems(problems, assert);
    await context.close();
  });
});
