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
    // What the page shows at the moment it says it is ready (the test
    // hook): the link's moment, not the seed the reader has not replaced yet.
    await other.addInitScript(() => {
      new MutationObserver((_, watcher) => {
        if (document.documentElement.dataset.ready !== "1") return;
        watcher.disconnect();
        window.atReady = {
          step: document.querySelector("[data-timeline]")?.dataset.current,
          label: document.querySelector(".tl-step.here .lbl")?.textContent,
        };
      }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-ready"] });
    });
    const second = await other.newPage();
    await second.goto(link);
    await waitStep(second, 7);
    assert.deepEqual(await second.evaluate(() => window.atReady), { step: "7", label: "sti" }, "ready shows the link's moment");
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
    // `?` is the help's key, but not while typing.
    await page.keyboard.type("typed label: why?");
    await page.keyboard.press("Tab");
    await page.waitForFunction(() => document.querySelector("[data-timeline] li:nth-child(2) .lbl")?.textContent === "typed label: why?");
    assert.equal(await page.locator('[role="dialog"]').count(), 0, "typing ? opened the help");
    // The same in the JSON text.
    await page.getByRole("button", { name: "Text", exact: true }).click();
    const area = page.locator("[data-edit-text]");
    await area.focus();
    await page.keyboard.press("Control+End");
    await page.keyboard.type("?");
    await page.waitForFunction(() => document.querySelector("[data-edit-text]")?.value.endsWith("?"));
    assert.equal(await page.locator('[role="dialog"]').count(), 0, "typing ? in the text opened the help");
  });
});

test("a row tool used from the keyboard leaves focus on the step it edited", async () => {
  await withApp("s=nested-eoi&t=3", async ({ page }) => {
    await page.locator("[data-fork]").click();
    await page.waitForSelector("[data-edit-steps]");
    const focused = (label) =>
      page.waitForFunction((label) => document.activeElement?.getAttribute("aria-label") === label, label, { timeout: 10000 });
    const press = async (label) => {
      await page.locator(`[data-editor] [aria-label="${label}"]`).focus();
      await page.keyboard.press("Enter");
    };
    const op = (n) => page.locator(`[data-editor] [aria-label="Step ${n} operation"]`).inputValue();
    const count = () => page.locator("[data-edit-steps] > li").count();
    // Step 3 (irq 0x31) up twice: the same step climbs to the top, where
    // "move up" is disabled and "move down" takes focus.
    await press("Step 3: move up");
    await focused("Step 2: move up");
    await press("Step 2: move up");
    await focused("Step 1: move down");
    assert.deepEqual([await op(1), await op(2), await op(3)], ["irq", "write", "sti"]);
    // A new step after step 2: its operation, to choose.
    const before = await count();
    await press("Step 2: insert a step after");
    await focused("Step 3 operation");
    assert.equal(await count(), before + 1);
    // A copy of step 1: the copy's own button, for another copy.
    await press("Step 1: duplicate");
    await focused("Step 2: duplicate");
    assert.equal(await op(2), "irq");
    // The last step deleted: the delete of the step before it.
    const last = await count();
    await press(`Step ${last}: delete`);
    await focused(`Step ${last - 1}: delete`);
    assert.equal(await count(), last - 1);
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

/** Drops a file with `bytes` named `name` on the page, as a user's drag-and-drop does. */
async function dropFile(page, name, bytes, type = "application/json") {
  await page.evaluate(
    ({ name, bytes, type }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(bytes)], name, { type }));
      for (const kind of ["dragenter", "dragover", "drop"]) {
        document.body.dispatchEvent(new DragEvent(kind, { dataTransfer: dt, bubbles: true, cancelable: true }));
      }
    },
    { name, bytes: [...bytes], type },
  );
}

const steps = (n) => Array.from({ length: n }, (_, i) => (i % 2 ? { do: "sti" } : { do: "cli", label: `cli ${i}` }));

test("a scenario file dropped on the page opens as the draft; a binary one is refused with a message", async () => {
  await withApp("s=tpr-ppr", async ({ page }) => {
    const json = JSON.stringify({
      id: "dropped",
      title: "Dropped here",
      steps: [{ do: "write", reg: "spiv", value: "0x1ff" }, { do: "cli" }, { do: "irq", vector: 49 }],
    });
    await dropFile(page, "dropped.json", Buffer.from(json));
    await page.waitForFunction(() => document.querySelector("#scenario-pick option:checked")?.textContent.includes("Dropped here"));
    assert.equal(await page.locator("[data-timeline] li").count(), 4);
    // 0x31 (49) reaches IRR of a software-enabled APIC and stays there while
    // IF=0 (SDM 10.8.3.1 and 6.8.1): in every pane after step 3.
    await goto(page, 3);
    assert.equal(await page.locator('[data-profile] [data-reg=irr] [data-vector="49"][data-set="1"]').count(), 4);

    await dropFile(page, "picture.png", Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0xff, 0xfe]), "image/png");
    const alert = page.locator('[role="alert"]');
    await page.waitForFunction(() => /not a text file/.test(document.querySelector('[role="alert"]')?.textContent ?? ""));
    assert.match(await alert.textContent(), /picture\.png/);
    // The draft is still there and still shown.
    assert.match(await page.locator("#scenario-pick option:checked").textContent(), /Dropped here/);
  });
});

test("bad input never freezes or kills the page: 10,000 steps, a 1 MB paste, a file over 1 MiB", async () => {
  await withApp("s=tpr-ppr", async ({ page }) => {
    // The largest scenario the format allows (format::MAX_STEPS) opens and steps.
    const big = JSON.stringify({ id: "big", title: "Ten thousand steps", steps: steps(10_000) });
    await dropFile(page, "big.json", Buffer.from(big));
    await page.waitForFunction(() => document.querySelector("#scenario-pick option:checked")?.textContent.includes("Ten thousand steps"), null, { timeout: 60_000 });
    await page.locator("[data-timeline]").focus();
    await page.keyboard.press("End");
    await waitStep(page, 10_000);
    await page.keyboard.press("ArrowLeft");
    await waitStep(page, 9_999);

    // One step more is refused with the reason, and the draft stays.
    const over = JSON.stringify({ id: "over", title: "Too many", steps: steps(10_001) });
    await dropFile(page, "over.json", Buffer.from(over));
    await page.waitForFunction(() => /10000|10,000/.test(document.querySelector('[role="alert"]')?.textContent ?? ""), null, { timeout: 60_000 });
    assert.match(await page.locator("#scenario-pick option:checked").textContent(), /Ten thousand steps/);

    // A file over 1 MiB is refused before it is read.
    await dropFile(page, "huge.json", Buffer.alloc((1 << 20) + 1, 0x20));
    await page.waitForFunction(() => /at most 1048576 bytes/.test(document.querySelector('[role="alert"]')?.textContent ?? ""));

    // A 1 MB paste into the text editor: the error says why, and every
    // character stays in the text box.
    await page.locator("[data-edit]").click();
    await page.getByRole("button", { name: "Text", exact: true }).click();
    const area = page.locator("[data-edit-text]");
    const pasted = `{"id": "p", "title": "${"x".repeat((1 << 20) + 10)}", "steps": []}`;
    await area.fill(pasted);
    const error = page.locator("[data-edit-error]");
    await error.waitFor({ timeout: 60_000 });
    assert.match(await error.textContent(), /at most 1048576 bytes/);
    assert.equal((await area.inputValue()).length, pasted.length, "every character typed is kept");
    assert.equal(await page.locator("[data-stale]").count(), 1, "the last good trace stays, marked stale");
  });
});

test("every built-in, forked and edited: the CLI traces the downloaded file exactly as the page shows it", async () => {
  execFileSync("cargo", ["build", "-q", "-p", "apic-trace"], { cwd: repoRoot });
  const cli = join(repoRoot, "target", "debug", "apic-trace");
  const dir = mkdtempSync(join(tmpdir(), "play-all-"));
  await withApp("s=hotplug-cpu0", async ({ page, server }) => {
    const ids = await page.$$eval("#scenario-pick option", (os) => os.map((o) => o.value).filter((v) => !v.startsWith("(")));
    assert.ok(ids.length >= 12, `${ids.length} built-ins`);
    for (const id of ids) {
      await page.goto(`${server.url("/")}#s=${id}`);
      await page.waitForFunction((id) => document.querySelector("#scenario-pick")?.value === id, id);
      await page.locator("[data-fork]").click();
      await page.waitForSelector("[data-editor]");
      await goto(page, 0);
      // The edit: sti inserted as step 1.
      await page.locator('[data-what-if="after"]').selectOption("sti");
      await waitStep(page, 1);
      const [download] = await Promise.all([page.waitForEvent("download"), page.locator("[data-download]").click()]);
      const file = join(dir, `${id}.json`);
      await download.saveAs(file);
      const trace = JSON.parse(execFileSync(cli, ["run", file, "--format", "json"], { encoding: "utf8" }));
      const last = trace.profiles[0].states.length - 1;
      assert.equal(await page.locator("[data-timeline] li").count(), last + 1, `${id}: as many steps`);
      await goto(page, 0);
      for (let k = 0; k <= last; k++) {
        if (k > 0) {
          await page.keyboard.press("ArrowRight");
          await waitStep(page, k);
        }
        // A prediction checkpoint (the exercises) hides what it asks until
        // it is revealed: reveal it, as a presenter would, then read.
        if ((await page.locator('[data-profile][data-hiding="1"]').count()) > 0) {
          await page.keyboard.press("r");
          await page.waitForFunction(() => !document.querySelector('[data-profile][data-hiding="1"]'));
        }
        const shown = await page.$$eval("[data-profile]", (panes) =>
          panes.map((p) => {
            const set = (reg) => [...p.querySelectorAll(`[data-reg=${reg}] [data-set="1"]`)].map((c) => Number(c.dataset.vector));
            return { profile: p.dataset.profile, irr: set("irr"), isr: set("isr"), tmr: set("tmr") };
          }),
        );
        for (const pane of shown) {
          const s = trace.profiles.find((t) => t.profile === pane.profile)?.states[k];
          assert.ok(s, `${id}: the CLI traced ${pane.profile}`);
          const where = `${id} (forked, sti at step 1), step ${k}, ${pane.profile}`;
          assert.deepEqual(pane.irr, s.irr, `${where}: IRR`);
          assert.deepEqual(pane.isr, s.isr, `${where}: ISR`);
          assert.deepEqual(pane.tmr, s.tmr, `${where}: TMR`);
        }
      }
    }
  });
});
