// The viewer and the full playground (src/handoff.rs): the first load of a
// built-in runs the viewer alone; what only some visits need (Play, the
// prediction checkpoints, the keyboard help) loads when it is asked for,
// and no answer shows before the checkpoints that hide it are in place.
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertNoProblems, openApp, watch, withBrowser } from "../lib.mjs";

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

// Yew 0.23's scheduler yields to the browser once a batch of work has run
// 16 ms; stock, it may yield between a long first render and that render's
// effects, and the browser then paints a page whose effects have not run:
// keys unheard, the link's theme not yet applied (a link's theme= is the
// app's to apply; a stored one www/boot.js applies first). The vendored Yew
// (vendor/README.md) runs a first render's effects before it yields. A
// callback of requestAnimationFrame runs before its frame's style, layout
// and paint: the first such callback that sees the panes sees what the
// first frame that shows them paints.
test("the first frame that paints the panes is interactive and in the link's theme", async () => {
  await withBrowser(async ({ browser, server }) => {
    const context = await browser.newContext({ colorScheme: "light", viewport: { width: 1280, height: 800 } });
    await context.addInitScript(() => {
      const look = () => {
        if (!document.querySelector("[data-profile]")) return requestAnimationFrame(look);
        const root = document.documentElement;
        window.__firstFrame = { ready: root.dataset.ready ?? "absent", theme: root.dataset.theme ?? "absent" };
      };
      requestAnimationFrame(look);
    });
    const page = await context.newPage();
    const problems = watch(page, server.origin);
    await page.goto(server.url("/#theme=dark"));
    const first = await (await page.waitForFunction(() => window.__firstFrame)).jsonValue();
    assert.deepEqual(first, { ready: "1", theme: "dark" });
    assertNoProblems(problems, assert);
    await context.close();
  });
});

// The start-up guard (www/boot.js) applies the stored theme before the
// WebAssembly module arrives: a dark choice never shows a light loading
// screen. A link's own theme= is the app's to apply, once it runs.
test("the loading screen is already in the stored theme; a link's theme= waits for the app", async () => {
  await withBrowser(async ({ browser, server }) => {
    for (const [hash, loading, shown] of [
      ["", "dark", "dark"],
      ["#theme=light", "absent", "light"],
    ]) {
      const context = await browser.newContext({ colorScheme: "light", serviceWorkers: "block" });
      await context.addInitScript(() => localStorage.setItem("apic-playground.theme", "dark"));
      const page = await context.newPage();
      const problems = watch(page, server.origin);
      // The module waits until the loading screen has been read.
      let release;
      const held = new Promise((ok) => (release = ok));
      await page.route(/_bg\.wasm$/, async (route) => {
        await held;
        await route.continue();
      });
      await page.goto(server.url("/") + hash, { waitUntil: "domcontentloaded" });
      await page.locator("#app .boot").waitFor();
      const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      const atLoad = {
        theme: await page.evaluate(() => document.documentElement.dataset.theme ?? "absent"),
        background: await background(),
      };
      release();
      await page.waitForSelector('html[data-ready="1"]', { state: "attached" });
      assert.equal(atLoad.theme, loading, `${hash || "no hash"}: the theme while loading`);
      assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), shown, `${hash || "no hash"}: the app's theme`);
      if (loading === "dark") assert.equal(atLoad.background, await background(), "the loading screen's background is the app's");
      assertNoProblems(problems, assert);
      await context.close();
    }
  });
});

/** `problems`, but the failed requests for the built-ins' files a test blocks on purpose. */
const besidesLibrary = (problems) => problems.filter((p) => !/builtins\//.test(p) && !/Failed to load resource/.test(p));

/** The built-ins' files `page` has requested so far: `name.bin?v=...`, in order. */
const library = (page) =>
  page.evaluate(() =>
    performance
      .getEntriesByType("resource")
      .map((e) => new URL(e.name))
      .filter((u) => u.pathname.startsWith("/builtins/"))
      .map((u) => u.pathname.slice("/builtins/".length) + u.search),
  );

test("each built-in other than the seed comes from its own file, read once, when a visit first asks for it", async () => {
  await withBrowser(async ({ browser, server }) => {
    const { page, context, problems } = await openApp(browser, server, "#s=hotplug-cpu0&t=0");
    assert.deepEqual(await library(page), [], "the seed needs no file");
    await page.locator("#scenario-pick").selectOption("tpr-ppr");
    await page.waitForFunction(() => location.hash.includes("s=tpr-ppr&"));
    assert.match(await page.title(), /^Task priority: TPR, PPR/);
    await page.locator("#scenario-pick").selectOption("level-tmr");
    await page.waitForFunction(() => location.hash.includes("s=level-tmr&"));
    await page.evaluate(() => (location.hash = "#s=nested-eoi&t=2"));
    await page.waitForFunction(() => document.querySelector("[data-timeline]")?.dataset.current === "2" && location.hash.includes("s=nested-eoi&"));
    await page.locator("#scenario-pick").selectOption("tpr-ppr");
    await page.waitForFunction(() => location.hash.includes("s=tpr-ppr&"));
    const fetched = await library(page);
    assert.deepEqual(
      fetched.map((f) => f.split("?")[0]),
      ["tpr-ppr.bin", "level-tmr.bin", "nested-eoi.bin"],
      `each read once, and no other: ${fetched}`,
    );
    for (const f of fetched) assert.match(f, /\.bin\?v=[0-9a-f]{16}$/, "its address names the build's file");
    assertNoProblems(problems, assert);
    await context.close();

    // A link to another built-in reads its file, and only that, before
    // the first render.
    const link = await openApp(browser, server, "#s=tour-hotplug&t=3");
    assert.equal(await link.page.locator("[data-timeline]").getAttribute("data-current"), "3");
    assert.match(await link.page.title(), /^Guided tour: CPU0 goes offline/);
    assert.equal(await link.page.locator('[role="alert"]').count(), 0);
    assert.deepEqual((await library(link.page)).map((f) => f.split("?")[0]), ["tour-hotplug.bin"]);
    assertNoProblems(link.problems, assert);
    await link.context.close();
  });
});

test("another guest kernel's traces come from the built-in's file too: read once, the step kept, and without it the kernel shown stays", async () => {
  await withBrowser(async ({ browser, server }) => {
    const { page, context, problems } = await openApp(browser, server, "#s=hotplug-cpu0&t=4");
    await page.locator("#guest-pick").selectOption("v5.4");
    await page.waitForFunction(() => location.hash.includes("guest=v5.4"));
    assert.equal(await page.locator("[data-timeline]").getAttribute("data-current"), "4");
    await page.locator("#guest-pick").selectOption("v5.2");
    await page.waitForFunction(() => location.hash.includes("guest=v5.2"));
    const fetched = await library(page);
    assert.deepEqual(fetched.map((f) => f.split("?")[0]), ["hotplug-cpu0.bin"], `read once: ${fetched}`);
    assertNoProblems(problems, assert);
    await context.close();

    // No file: the alert says why, and the picker still names the kernel
    // whose run the panes show.
    const failing = await openApp(browser, server, "#s=hotplug-cpu0&t=4", { serviceWorkers: "block" });
    await failing.page.route("**/builtins/**", (route) => route.fulfill({ status: 503, body: "" }));
    await failing.page.locator("#guest-pick").selectOption("v5.4");
    const alert = failing.page.locator('[role="alert"]');
    await alert.waitFor();
    assert.match(await alert.innerText(), /Linux v5\.4.*builtins\/hotplug-cpu0\.bin.*503/s);
    assert.equal(await failing.page.locator("#guest-pick").inputValue(), "wip-2019");
    assert.doesNotMatch(await failing.page.evaluate(() => location.hash), /guest=/);
    assert.equal(await failing.page.locator("[data-timeline]").getAttribute("data-current"), "4");
    assert.deepEqual(besidesLibrary(failing.problems), []);
    await failing.context.close();
  });
});

test("without its file, a link or a pick of another built-in says why and keeps the seed", async () => {
  await withBrowser(async ({ browser, server }) => {
    // No service worker: its fetches would pass the page's routes by.
    const { page, context, problems } = await openApp(browser, server, "#s=hotplug-cpu0&t=2", { serviceWorkers: "block" });
    await page.route("**/builtins/**", (route) => route.fulfill({ status: 503, body: "" }));
    // A pick: the scenario stays, and the alert names the file and the reason.
    await page.locator("#scenario-pick").selectOption("tpr-ppr");
    const alert = page.locator('[role="alert"]');
    await alert.waitFor();
    assert.match(await alert.innerText(), /builtins\/tpr-ppr\.bin.*503/s);
    assert.equal(await page.locator("[data-timeline]").getAttribute("data-current"), "2");
    assert.equal(await page.locator("#scenario-pick").inputValue(), "hotplug-cpu0");
    // A link, opened afresh: the seed and its alert, never a blank page.
    const open = async (answer) => {
      const fresh = await context.newPage();
      const freshProblems = watch(fresh, server.origin);
      await fresh.route("**/builtins/**", answer);
      await fresh.goto(server.url("/") + "#s=tpr-ppr&t=1");
      await fresh.waitForSelector('html[data-ready="1"]', { state: "attached" });
      const text = await fresh.locator('[role="alert"]').innerText();
      assert.equal(await fresh.locator("[data-profile]").count(), 4);
      assert.equal(await fresh.locator("#scenario-pick").inputValue(), "hotplug-cpu0");
      assert.deepEqual(besidesLibrary(freshProblems), []);
      await fresh.close();
      return text;
    };
    assert.match(await open((route) => route.fulfill({ status: 503, body: "" })), /tpr-ppr.*builtins\/tpr-ppr\.bin.*503/s);
    // Another build's file is refused as a whole, with the cure.
    const stale = await open((route) => route.fulfill({ status: 200, body: Buffer.from([0, 0, 0, 0]) }));
    assert.match(stale, /tpr-ppr.*builtins\/tpr-ppr\.bin.*another version of the page: reload the page/s);
    assert.deepEqual(besidesLibrary(problems), []);
    await context.close();
  });
});

test("while a built-in's file comes, the scenario picked or linked last is the one shown", async () => {
  await withBrowser(async ({ browser, server }) => {
    // What was asked for second, and the files read: the second pick's
    // own file after the first's; the seed's none.
    const cases = [
      ["a second pick", (page) => page.locator("#scenario-pick").selectOption("level-tmr"), "#s=level-tmr&", /^Level-triggered/, "0", ["tpr-ppr.bin", "level-tmr.bin"]],
      ["a link to the seed", (page) => page.evaluate(() => (location.hash = "#s=hotplug-cpu0&t=5")), "#s=hotplug-cpu0&", /^CPU0 offline/, "5", ["tpr-ppr.bin"]],
    ];
    for (const [what, second, hash, title, step, files] of cases) {
      const { page, context, problems } = await openApp(browser, server, "#s=hotplug-cpu0&t=2", { serviceWorkers: "block" });
      // The files are held until both have been asked for.
      let release;
      const held = new Promise((resolve) => (release = resolve));
      const asked = [];
      await page.route("**/builtins/**", async (route) => {
        asked.push(new URL(route.request().url()).pathname.split("/").pop());
        await held;
        await route.continue();
      });
      await page.locator("#scenario-pick").selectOption("tpr-ppr");
      await page.locator('[role="status"]', { hasText: "Loading the scenario" }).waitFor();
      await second(page);
      release();
      // Once the file is in, what waited runs, and the status says so.
      await page.waitForFunction(() => !document.querySelector('[role="status"]')?.textContent.includes("Loading the scenario"));
      await page.waitForFunction((hash) => location.hash.startsWith(hash) && location.hash.includes("&p="), hash);
      assert.match(await page.title(), title, what);
      assert.equal(await page.locator("[data-timeline]").getAttribute("data-current"), step, what);
      assert.deepEqual(asked, files, `${what}: the files read`);
      assertNoProblems(problems, assert);
      await context.close();
    }
  });
});

// The viewer stays interactive while the full playground loads (an
// exercise asks for it), and a pick made then may wait for its built-in's
// file. The full playground asks the viewer whether it has settled
// (src/handoff.rs) and takes over only once that pick is shown: it opens
// the view picked last, not the one it was asked for with.
test("a pick made while the full playground loads, its file still coming, is the view the full playground opens", async () => {
  await withBrowser(async ({ browser, server }) => {
    const { page, context, problems } = await openApp(browser, server, "#s=hotplug-cpu0&t=2", { serviceWorkers: "block" });
    // The full playground's module and the second pick's file are held.
    const hold = async (pattern) => {
      let release;
      const held = new Promise((resolve) => (release = resolve));
      await page.route(pattern, async (route) => {
        await held;
        await route.continue();
      });
      return release;
    };
    const releasePlay = await hold("**/play_bg.wasm");
    const releaseFile = await hold("**/builtins/level-tmr.bin*");
    await page.locator("#scenario-pick").selectOption("exercise-tpr");
    // The viewer has asked for the full playground: count its questions
    // to the viewer.
    await page.waitForFunction(() => typeof window.apicHandoff?.settled === "function");
    await page.evaluate(() => {
      const settled = window.apicHandoff.settled;
      window.apicHandoff.settled = () => {
        window.settledAsked = (window.settledAsked ?? 0) + 1;
        return settled();
      };
    });
    await page.locator("#scenario-pick").selectOption("level-tmr");
    await page.locator('[role="status"]', { hasText: "Loading the scenario" }).waitFor();
    releasePlay();
    await page.waitForFunction(() => window.settledAsked >= 1);
    // The full playground has started and waits: the viewer is still
    // there (taking over ends the hand-off, src/handoff.rs take_over).
    assert.ok(await page.evaluate(() => window.apicHandoff !== undefined), "the full playground waits for the viewer");
    releaseFile();
    await page.waitForFunction(() => window.apicHandoff === undefined);
    await page.waitForSelector('html[data-ready="1"]', { state: "attached" });
    await page.waitForFunction(() => location.hash.includes("s=level-tmr&"));
    assert.match(await page.title(), /^Level-triggered/);
    assert.equal(await page.locator("#scenario-pick").inputValue(), "level-tmr");
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

test("the full playground renders once its stylesheet is in: the help opened from the viewer scrolls nothing, and closed gives focus back", async () => {
  await withBrowser(async ({ browser, server }) => {
    const { page, context, problems } = await openApp(browser, server, "#s=hotplug-cpu0&t=16", { viewport: { width: 1280, height: 720 }, serviceWorkers: "block" });
    // How the dialog's overlay stood when the dialog first came into the
    // page: fixed over it once play.css is in, else in the page's flow.
    await page.evaluate(() => {
      new MutationObserver((_, watcher) => {
        const overlay = document.querySelector(".overlay");
        if (!overlay) return;
        window.__overlayFirst = getComputedStyle(overlay).position;
        watcher.disconnect();
      }).observe(document.body, { childList: true, subtree: true });
    });
    // play.css reaches the page only after a frame of the page has been
    // drawn since it was asked for: whatever renders without it renders
    // before it comes.
    await page.route("**/play.css", async (route) => {
      await page.evaluate(() => new Promise((drawn) => requestAnimationFrame(() => setTimeout(drawn, 0))));
      await route.continue();
    });
    const step = page.locator("[data-timeline] li:nth-child(17) button");
    await step.focus();
    const scrolled = await page.evaluate(() => scrollY);
    await page.keyboard.press("?");
    await page.locator('[role="dialog"]').waitFor();
    assert.equal(await page.evaluate(() => window.__overlayFirst), "fixed", "the dialog came before its style");
    assert.equal(await page.evaluate(() => scrollY), scrolled, "opening the help scrolled the page");
    await page.keyboard.press("Escape");
    await page.locator('[role="dialog"]').waitFor({ state: "detached" });
    // Closed, focus is back on the control it was opened from: the
    // viewer's step 16, now the full playground's.
    const onStep16 = () => page.evaluate(() => document.activeElement?.closest("[data-timeline] li")?.querySelector(".num")?.textContent === "16");
    assert.ok(await onStep16(), "focus went back to step 16");
    // The same, opened in the full playground.
    await step.focus();
    await page.keyboard.press("?");
    await page.locator('[role="dialog"]').waitFor();
    await page.keyboard.press("Escape");
    await page.locator('[role="dialog"]').waitFor({ state: "detached" });
    assert.ok(await onStep16(), "focus went back to step 16");
    assert.equal(await page.evaluate(() => scrollY), scrolled);
    assertNoProblems(problems, assert);
    await context.close();
  });
});

test("the control a keyboard user opens the full playground from has focus in it: Edit a copy, a what-if", async () => {
  await withBrowser(async ({ browser, server }) => {
    const cases = [
      ["button[data-fork]", (control) => control.press("Enter")],
      ['select[data-what-if="after"]', (control) => control.selectOption("sti")],
    ];
    for (const [selector, use] of cases) {
      const { page, context, problems } = await openApp(browser, server, "#s=hotplug-cpu0&t=6", { serviceWorkers: "block" });
      const control = page.locator(selector);
      await control.focus();
      await use(control);
      // The full playground has taken over, and rendered.
      await page.waitForFunction(() => window.apicHandoff === undefined && document.documentElement.dataset.ready === "1");
      await page.waitForFunction((selector) => document.activeElement?.matches(selector), selector, { timeout: 10000 });
      assertNoProblems(problems, assert);
      await context.close();
    }
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
