// End-to-end tests of what a presenter, a kernel developer and a docs
// author hit: focus after picking a scenario, the help dialog keeping Tab,
// presenter mode on a 1280x720 projector with the buggy pane and its
// warning on screen, the current step visible in the timeline, set vectors
// named beside the grid, the document title, a phone embed showing the
// differing pane first, and no 404 (favicon) on the embedding example.
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertNoProblems, openApp, screenshot, withBrowser } from "../lib.mjs";

const waitForStep = (page, k) =>
  page.waitForFunction((k) => document.querySelector("[data-timeline]")?.dataset.current === String(k), k);

/** Whether the element's box lies inside the viewport. */
async function onScreen(page, selector) {
  return page.locator(selector).first().evaluate((el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth;
  });
}

test("after a scenario is picked from the list, the arrow keys step through it", async () => {
  await withBrowser(async ({ browser, server }) => {
    const { page, context, problems } = await openApp(browser, server, "s=hotplug-cpu0");
    await page.selectOption("#scenario-pick", "tour-hotplug");
    await page.waitForFunction(() => location.hash.includes("s=tour-hotplug"));
    await waitForStep(page, 0);
    await page.keyboard.press("ArrowRight");
    await waitForStep(page, 1);
    assert.match(await page.evaluate(() => location.hash), /s=tour-hotplug/, "still the chosen scenario");
    assert.equal(await page.inputValue("#scenario-pick"), "tour-hotplug");
    assertNoProblems(problems, assert);
    await context.close();
  });
});

test("the help dialog keeps Tab and Shift+Tab inside it", async () => {
  await withBrowser(async ({ browser, server }) => {
    const { page, context, problems } = await openApp(browser, server);
    await page.keyboard.press("?");
    await page.waitForSelector('[role="dialog"]');
    for (const key of ["Tab", "Tab", "Shift+Tab", "Tab"]) {
      await page.keyboard.press(key);
      const inside = await page.evaluate(() => !!document.activeElement?.closest('[role="dialog"]'));
      assert.ok(inside, `focus stays in the dialog after ${key}`);
    }
    assertNoProblems(problems, assert);
    await context.close();
  });
});

test("presenter mode at 1280x720: every pane in one row, the buggy pane and its warning on screen, the current step visible", async () => {
  await withBrowser(async ({ browser, server }) => {
    const { page, context, problems } = await openApp(browser, server, "s=tour-hotplug&t=18&present=1", {
      viewport: { width: 1280, height: 720 },
    });
    await page.waitForSelector('[data-profile="kvm-emulated"] [data-warning]');
    assert.ok(await onScreen(page, '[data-profile="kvm-emulated"] [data-reg="irr"]'), "the buggy IRR is on screen");
    assert.ok(await onScreen(page, '[data-profile="kvm-emulated"] [data-warning]'), "its warning is on screen");
    const tops = await page.$$eval("[data-profile]", (ps) => ps.map((p) => Math.round(p.getBoundingClientRect().top)));
    assert.equal(new Set(tops).size, 1, `the four panes share one row: ${tops}`);
    assert.ok(await onScreen(page, "[data-timeline] [aria-current]"), "the current step is in view in the timeline");
    await screenshot(page, "presenter-1280x720-step18");
    // The last step, scrolled to on load, and after pressing p twice.
    await page.goto(server.url("/") + "#s=tour-hotplug&t=23&present=1");
    await waitForStep(page, 23);
    await page.keyboard.press("p");
    await page.keyboard.press("p");
    await page.waitForFunction(() => !!document.querySelector(".app.present"));
    assert.ok(await onScreen(page, "[data-timeline] [aria-current]"), "step 23 is in view");
    assertNoProblems(problems, assert);
    await context.close();
  });
});

test("presenter mode at 1280x720: the vectors named beside a grid stay within it", async () => {
  await withBrowser(async ({ browser, server }) => {
    // Step 5 of tpr-ppr holds two vectors in IRR, one with a long name.
    const { page, context, problems } = await openApp(browser, server, "s=tpr-ppr&t=5&present=1", {
      viewport: { width: 1280, height: 720 },
    });
    await page.locator('[data-profile="hardware"] [data-reg="irr"] .vec', { hasText: "FIRST_EXTERNAL_VECTOR" }).waitFor();
    const overflows = await page.$$eval(".grid", (grids) =>
      grids.flatMap((g) => {
        const box = g.getBoundingClientRect();
        return [...g.querySelectorAll("figcaption, figcaption *")]
          .filter((el) => el.getBoundingClientRect().right > box.right + 0.5)
          .map((el) => `${g.closest("[data-profile]").dataset.profile} ${g.dataset.reg}: "${el.textContent}"`);
      }),
    );
    assert.deepEqual(overflows, []);
    assertNoProblems(problems, assert);
    await context.close();
  });
});

test("presenter mode at 1280x720: at every step of every built-in, each pane's IRR and ISR are whole on screen; a long note opens on focus", async () => {
  await withBrowser(async ({ browser, server }) => {
    const { page, context, problems } = await openApp(browser, server, "present=1", {
      viewport: { width: 1280, height: 720 },
    });
    const ids = await page.$$eval("#scenario-pick option", (os) => os.map((o) => o.value));
    assert.ok(ids.length >= 12, `every built-in: ${ids}`);
    const below = [];
    for (const id of ids) {
      await page.evaluate((id) => (location.hash = `s=${id}&t=0&present=1`), id);
      await page.waitForFunction(
        (id) => location.hash.includes(`s=${id}&`) && document.querySelectorAll("[data-profile]").length === 4,
        id,
      );
      await waitForStep(page, 0);
      const last = await page.locator("[data-timeline] .tl-step").count() - 1;
      for (let t = 0; t <= last; t++) {
        if (t > 0) {
          await page.keyboard.press("ArrowRight");
          await waitForStep(page, t);
        }
        // Each grid's field spans its 16 rows: its bottom is row f0's.
        const off = await page.$$eval('[data-profile] [data-reg="irr"] .field, [data-profile] [data-reg="isr"] .field', (fields) =>
          fields
            .filter((f) => f.getBoundingClientRect().bottom > innerHeight)
            .map((f) => `${f.closest("[data-profile]").dataset.profile} ${f.closest("[data-reg]").dataset.reg}`),
        );
        if (off.length) below.push(`${id} step ${t}: ${off.join(", ")}`);
      }
    }
    assert.deepEqual(below, [], "grids cut by the projector's lower edge");

    // Step 16 of hotplug-cpu0 has the longest note: four lines of it, all
    // of it once focused (the key moment stays on screen until then).
    await page.evaluate(() => (location.hash = "s=hotplug-cpu0&t=16&present=1"));
    await waitForStep(page, 16);
    assert.ok(await onScreen(page, '[data-profile="kvm-emulated"] [data-reg="irr"] [data-vector="236"]'), "0xec is on screen");
    const note = page.locator(".narration .note");
    const cut = () => note.evaluate((n) => n.scrollHeight - n.clientHeight);
    assert.ok((await cut()) > 0, "the note starts clamped");
    await note.focus();
    assert.equal(await cut(), 0, "the whole note once focused");
    // Step 12 of init-reset checks every register: two lines of its
    // verdict, all of it once focused.
    await page.evaluate(() => (location.hash = "s=init-reset&t=12&present=1"));
    await waitForStep(page, 12);
    const verdict = page.locator('[data-profile="hardware"] [data-expect="pass"]');
    const verdictCut = () => verdict.evaluate((v) => v.scrollHeight - v.clientHeight);
    assert.ok((await verdictCut()) > 0, "the verdict starts clamped");
    await verdict.focus();
    assert.equal(await verdictCut(), 0, "the whole verdict once focused");
    assert.match(await verdict.innerText(), /lvt_thermal=0x10000/, "its text is whole in the page");
    assertNoProblems(problems, assert);
    await context.close();
  });
});

test("the stale vector is named beside the grid, and the title names the scenario", async () => {
  await withBrowser(async ({ browser, server }) => {
    const { page, context, problems } = await openApp(browser, server, "s=hotplug-cpu0&t=16");
    const caption = page.locator('[data-profile="kvm-emulated"] [data-reg="irr"] figcaption');
    await assert.doesNotReject(caption.getByText("LOCAL_TIMER_VECTOR").waitFor());
    assert.match(await caption.innerText(), /0xec/);
    assert.match(await page.title(), /^CPU0 offline and online/);
    assertNoProblems(problems, assert);
    await context.close();
  });
});

test("an embed on a phone shows the pane that differs from real hardware first", async () => {
  await withBrowser(async ({ browser, server }) => {
    const { page, context, problems } = await openApp(browser, server, "s=hotplug-cpu0&t=16&embed=1", {
      viewport: { width: 390, height: 844 },
    });
    const first = await page.$$eval("[data-profile]", (ps) => {
      const byTop = [...ps].sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top);
      return byTop[0].dataset.profile;
    });
    assert.equal(first, "kvm-emulated", "the only pane that differs at this step comes first");
    await screenshot(page, "embed-phone-step16");
    assertNoProblems(problems, assert);
    await context.close();
  });
});

test("the embedding example page loads without a 404", async () => {
  await withBrowser(async ({ browser, server }) => {
    const { page, context, problems } = await openApp(browser, server, "", { path: "/embed.html", waitReady: false });
    await page.waitForLoadState("load");
    assertNoProblems(problems, assert);
    await context.close();
  });
});

test("a built-in says how it fared against a real host's KVM and a real QEMU, with the details on demand", async () => {
  await withBrowser(async ({ browser, server }) => {
    // tpr-ppr is recorded on both (kvm/recorded/, kvm/recorded-qemu/).
    const { page: qemuPage } = await openApp(browser, server, "s=tpr-ppr");
    const qemu = qemuPage.locator('details.checked[data-against="qemu-tcg"]');
    assert.match(await qemu.locator("summary").innerText(), /^Checked against QEMU 7\.2\.\d+ \(TCG\): \d+\/\d+ states agree with qemu$/);
    await qemu.locator("summary").click();
    assert.match(await qemu.innerText(), /apic-trace compare tpr-ppr --profile qemu --against qemu-tcg/);
    await qemuPage.context().close();

    const { page, context, problems } = await openApp(browser, server, "s=hotplug-cpu0");
    const checked = page.locator('details.checked[data-against="kvm-host"]');
    const [agree, states] = (await checked.getAttribute("data-checked")).split("/").map(Number);
    assert.ok(states > 0 && agree <= states, `${agree}/${states}`);
    assert.match(await checked.locator("summary").innerText(), /^Checked against Linux [0-9.]+ KVM: \d+\/\d+ states agree/);
    await checked.locator("summary").click();
    assert.match(await checked.innerText(), /apic-trace compare hotplug-cpu0 --profile kvm-emulated-fixed --against kvm-host/);
    assertNoProblems(problems, assert);
    await context.close();
  });
});

test("at 1440x900 the key moment is where the eye is: whole grids, the picked title uncut, what differs before what is alike", async () => {
  await withBrowser(async ({ browser, server }) => {
    const { page, context, problems } = await openApp(browser, server, "s=hotplug-cpu0&t=16", {
      viewport: { width: 1440, height: 900 },
    });
    // The buggy pane's IRR down to row f0 (its clear cells are the field's
    // pattern), with 0xec (row e0) in it.
    assert.ok(await onScreen(page, '[data-profile="kvm-emulated"] [data-reg="irr"] .field'), "every row, f0 too, is on screen");
    assert.ok(await onScreen(page, '[data-profile="kvm-emulated"] [data-reg="irr"] [data-vector="236"]'), "0xec is on screen");

    // What only the buggy pane shows comes first and open: its warning.
    const own = page.locator('[data-profile="kvm-emulated"] [data-events="own"] [data-kind="warning"]');
    assert.equal(await own.count(), 1, "the guest's warning is among the events only this pane shows");
    assert.ok(await own.isVisible());
    // What all four show alike is folded, once per pane.
    const alike = page.locator('[data-profile] details[data-events="alike"]:not([hidden])');
    assert.equal(await alike.count(), 4);
    assert.equal(await page.locator('[data-profile] details[data-events="alike"][open]').count(), 0);
    assert.equal(await page.locator('[data-profile] details[data-events="alike"]').count(), 4, "one fold per pane, hidden when empty");
    // Hardware's own event is the other side of the contrast: the loop in
    // apic_pending_intr_clear() finds IRR empty and ends.
    const hwOwn = page.locator('[data-profile="hardware"] [data-events="own"] li');
    assert.equal(await hwOwn.count(), 1);
    assert.match(await hwOwn.innerText(), /read empty/);
    // An empty TMR is one folded line, its cells still in the page.
    assert.equal(await page.locator('[data-profile="hardware"] .fold-empty:not([open]) [data-reg="tmr"] [data-vector]').count(), 256);

    // Every scenario's title, once picked, fits its list box uncut.
    const ids = await page.$$eval("#scenario-pick option", (os) => os.map((o) => o.value));
    for (const id of ids) {
      await page.locator("#scenario-pick").selectOption(id);
      await page.waitForFunction((id) => location.hash.includes(`s=${id}&`), id);
      const cut = await page.locator("#scenario-pick").evaluate((s) => {
        const text = s.selectedOptions[0].textContent;
        const probe = document.createElement("span");
        probe.style.cssText = `position:absolute;visibility:hidden;white-space:pre;font:${getComputedStyle(s).font}`;
        probe.textContent = text;
        document.body.append(probe);
        const needed = probe.getBoundingClientRect().width;
        probe.remove();
        return s.clientWidth < needed ? `${text}: ${s.clientWidth} px for ${Math.ceil(needed)} px of text` : null;
      });
      assert.equal(cut, null);
    }
    assertNoProblems(problems, assert);
    await context.close();
  });
});
