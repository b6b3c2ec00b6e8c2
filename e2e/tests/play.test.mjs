// Play: fork a built-in, edit it, share it by link, download it, and find
// the draft again (README, "Play"). Each test waits for the state it
// expects, never for a fixed time.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateRawSync } from "node:zlib";
import { assertNoProblems, launchBrowser, openApp, repoRoot, startServer } from "../lib.mjs";

const current = (page) => page.locator("[data-timeline]").getAttribute("data-current");
const waitStep = (page, k) =>
  page.waitForFunction((k) => document.querySelector("[data-timeline]")?.dataset.current === String(k), k);
const goto = async (page, k) => {
  await page.locator(`[data-timeline] li:nth-child(${k + 1}) button`).click();
  await waitStep(page, k);
};
const code = (json) => deflateRawSync(Buffer.from(json, "utf8")).toString("base64url");
const held = '[data-profile] [data-reg=irr] [data-vector="236"][data-set="1"]';

async function withApp(hash, body) {
  const server = await startServer();
  const browser = await launchBrowser();
  try {
    const app = await openApp(browser, server, hash);
    await body({ ...app, browser, server });
    assertNoProblems(app.problems, assert);
  } finally {
    await browser.close();
    await server.close();
  }
}

async function forkAndInsertSti(page) {
  await page.locator("[data-fork]").click();
  await page.waitForSelector("[data-editor]");
  // Step 6 of hotplug-cpu0: the TSC deadline passes, 0xec pending in IRR.
  await goto(page, 6);
  await page.locator('[data-what-if="after"]').selectOption("sti");
  await waitStep(page, 7);
}

test("fork hotplug-cpu0, sti right after the timer fires: no profile keeps 0xec at startup", async () => {
  await withApp("s=hotplug-cpu0", async ({ page }) => {
    await forkAndInsertSti(page);
    assert.match(await page.locator("#scenario-pick").inputValue(), /draft/);
    // The startup step (start_secondary() -> setup_local_APIC()) moved from 16 to 17.
    await goto(page, 17);
    assert.equal(await page.locator(held).count(), 0);
    // The built-in itself keeps it under kvm-emulated there.
    await page.locator("#scenario-pick").selectOption("hotplug-cpu0");
    await goto(page, 16);
    assert.ok((await page.locator(held).count()) > 0);
  });
});

test("a syntax error shows at its line while the panes keep the last good trace", async () => {
  await withApp("s=hotplug-cpu0&t=6", async ({ page }) => {
    await page.locator("[data-fork]").click();
    await page.getByRole("button", { name: "Text", exact: true }).click();
    const area = page.locator("[data-edit-text]");
    const text = await area.inputValue();
    const lines = text.split("\n");
    lines[2] = lines[2].replace(/: "/, ': oops"');
    await area.fill(lines.join("\n"));
    const error = page.locator("[data-edit-error]");
    await error.waitFor();
    assert.equal(await error.getAttribute("data-line"), "3");
    assert.equal(await page.locator("[data-stale]").count(), 1);
    assert.equal(await page.locator("[data-profile]").count(), 4);
    assert.equal(await current(page), "6");
    assert.equal(await area.inputValue(), lines.join("\n"), "every character typed is kept");
    // Undo goes back to the valid text.
    await page.keyboard.press("Control+z");
    await page.locator("[data-edit-ok]").waitFor();
  });
});

test("the link opens the same scenario at the same step in a new context, and the draft survives a reload", async () => {
  await withApp("s=hotplug-cpu0", async ({ page, browser, server }) => {
    await forkAndInsertSti(page);
    await page.waitForFunction(() => /[#&]c=/.test(location.hash) && /[#&]t=7/.test(location.hash));
    const link = await page.evaluate(() => location.href);
    const other = await browser.newContext();
    const second = await other.newPage();
    await second.goto(link);
    await waitStep(second, 7);
    assert.equal(await second.locator("[data-timeline] li").count(), await page.locator("[data-timeline] li").count());
    assert.equal(await second.locator(".tl-step.here .lbl").textContent(), "sti");
    await other.close();
    await page.reload();
    await waitStep(page, 7);
    assert.match(await page.locator("#scenario-pick").inputValue(), /draft/);
    assert.equal(await page.locator(".tl-step.here .lbl").textContent(), "sti");
  });
});

test("the downloaded file gives the CLI the same trace", async () => {
  await withApp("s=hotplug-cpu0", async ({ page }) => {
    await forkAndInsertSti(page);
    const [download] = await Promise.all([page.waitForEvent("download"), page.locator("[data-download]").click()]);
    const file = join(mkdtempSync(join(tmpdir(), "play-")), "fork.json");
    await download.saveAs(file);
    const out = execFileSync("cargo", ["run", "-q", "-p", "apic-trace", "--", "run", file, "--format", "json"], {
      cwd: repoRoot,
      encoding: "utf8",
    });
    const trace = JSON.parse(out);
    const steps = await page.locator("[data-timeline] li").count();
    for (const p of trace.profiles) {
      assert.equal(p.states.length, steps);
      const irr = await page
        .locator(`[data-profile="${p.profile}"] [data-reg=irr] [data-set="1"]`)
        .evaluateAll((els) => els.map((e) => Number(e.dataset.vector)));
      assert.deepEqual(irr, p.states[7].irr, p.profile);
    }
    assert.match(readFileSync(file, "utf8"), /"id": "hotplug-cpu0-copy"/);
  });
});

test("edit with the keyboard alone", async () => {
  await withApp("s=hotplug-cpu0", async ({ page }) => {
    const focused = () => page.evaluate(() => document.activeElement?.getAttribute("aria-label") ?? document.activeElement?.textContent);
    for (let i = 0; i < 40 && (await focused()) !== "Edit a copy"; i++) await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await page.waitForSelector("[data-editor]");
    for (let i = 0; i < 80 && (await focused()) !== "Step 1 label"; i++) await page.keyboard.press("Tab");
    assert.equal(await focused(), "Step 1 label");
    await page.keyboard.press("Control+a");
    await page.keyboard.type("typed label");
    await page.keyboard.press("Tab");
    await page.waitForFunction(() => document.querySelector("[data-timeline] li:nth-child(2) .lbl")?.textContent === "typed label");
  });
});

test("a c link in embed mode shows its scenario at its step; a corrupt one says so", async () => {
  const json = JSON.stringify({
    id: "mine",
    title: "My experiment",
    steps: [{ do: "cli" }, { do: "irq", vector: "0x31" }, { do: "sti", label: "irqs on" }],
  });
  await withApp(`c=${code(json)}&t=3&embed=1`, async ({ page }) => {
    await waitStep(page, 3);
    assert.equal(await page.locator(".embed-title").textContent(), "My experiment");
    assert.equal(await page.locator(".tl-step.here .lbl").textContent(), "irqs on");
  });
  await withApp(`s=tpr-ppr&c=${code(json).slice(0, 20)}`, async ({ page }) => {
    const alert = page.locator('[role="alert"]');
    await page.waitForFunction(() => /could not be read/.test(document.querySelector('[role="alert"]')?.textContent ?? ""));
    assert.match(await alert.textContent(), /could not be read/);
    assert.match(await alert.textContent(), /shows its own/);
    assert.ok((await page.locator("[data-profile]").count()) > 0);
  });
});
