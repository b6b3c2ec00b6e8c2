// The page's own Content-Security-Policy (scripts/csp.mjs writes it into the
// built index.html; www/embed.html declares its own): it is strict, it is
// enforced (an injected inline script does not run), and the page, the
// embed, the embedding example page and a scenario of one's own (the reader
// worker) work under it with no violation. Every other test fails on a
// violation too (e2e/lib.mjs reports each one as a console error); the
// book's embeds are covered by book.test.mjs that way.
// Also: no console warning on load (Trunk's integrity attribute on the wasm
// preload used to cause one on every load).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { deflateRawSync } from "node:zlib";
import { assertNoProblems, distDir, launchBrowser, openApp, repoRoot, startServer } from "../lib.mjs";

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

/** The directives of the `<meta http-equiv="Content-Security-Policy">` in `html`, as a Map. */
function policyOf(html, file) {
  const m = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)"/);
  assert.ok(m, `${file} declares no Content-Security-Policy`);
  return new Map(
    m[1]
      .split(";")
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...sources]) => [name, sources]),
  );
}

function assertStrict(csp, file) {
  assert.deepEqual(csp.get("default-src"), ["'self'"], `${file}: default-src`);
  assert.deepEqual(csp.get("object-src"), ["'none'"], `${file}: object-src`);
  assert.deepEqual(csp.get("base-uri"), ["'none'"], `${file}: base-uri`);
  const scripts = csp.get("script-src") ?? csp.get("default-src");
  for (const bad of ["'unsafe-inline'", "'unsafe-eval'", "*", "data:", "blob:", "http:", "https:"]) {
    assert.ok(!scripts.includes(bad), `${file}: script-src allows ${bad}`);
  }
  const styles = csp.get("style-src") ?? csp.get("default-src");
  assert.ok(!styles.includes("'unsafe-inline'"), `${file}: style-src allows inline <style>`);
}

test("the page and embed.html declare a strict policy; the page's one inline script is allowed by its hash", () => {
  const html = readFileSync(join(distDir, "index.html"), "utf8");
  const csp = policyOf(html, "index.html");
  assertStrict(csp, "index.html");
  // The policy comes before anything it governs.
  assert.ok(html.indexOf("Content-Security-Policy") < html.search(/<(script|link)\b/), "the policy is not first in <head>");
  const inline = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)].filter((m) => !/\ssrc=/.test(m[1]));
  const hashes = csp.get("script-src").filter((s) => s.startsWith("'sha256-"));
  assert.equal(inline.length, 1, "one inline script: Trunk's start-up module");
  assert.equal(hashes.length, inline.length, "one hash per inline script");
  assertStrict(policyOf(readFileSync(join(distDir, "embed.html"), "utf8"), "embed.html"), "embed.html");
});

test("the policy is enforced: an injected inline script does not run", async () => {
  const { page, context, problems } = await openApp(browser, server);
  try {
    const ran = await page.evaluate(async () => {
      const blocked = new Promise((ok) => document.addEventListener("securitypolicyviolation", (e) => ok(e.effectiveDirective), { once: true }));
      const s = document.createElement("script");
      s.textContent = "window.__injected = true";
      document.body.append(s);
      return { ran: window.__injected === true, directive: await blocked };
    });
    assert.deepEqual(ran, { ran: false, directive: "script-src-elem" });
    assert.ok(problems.some((p) => p.startsWith("console error: CSP violation")), "the violation reaches the problem list");
  } finally {
    await context.close();
  }
});

for (const [name, hash] of [
  ["the default view", ""],
  ["the embed", "s=hotplug-cpu0&p=hardware,kvm-emulated&t=16&embed=1"],
  ["presenter mode", "s=hotplug-cpu0&t=3&present=1"],
]) {
  test(`${name} runs with no CSP violation and no console warning`, async () => {
    const { page, context, problems, warnings } = await openApp(browser, server, hash);
    try {
      // A step too: code paths beyond the first render.
      const next = Number(await page.locator("[data-timeline]").getAttribute("data-current")) + 1;
      await page.locator("[data-timeline] button").nth(next).click();
      await page.waitForFunction((k) => document.querySelector("[data-timeline]")?.dataset.current === String(k), next);
      assertNoProblems(problems, assert);
      assert.deepEqual(warnings, [], "console warnings on load");
    } finally {
      await context.close();
    }
  });
}

test("a scenario of one's own (the reader worker) runs under the policy", async () => {
  const json = readFileSync(join(repoRoot, "core", "scenarios", "tpr-ppr.json"), "utf8");
  const code = deflateRawSync(Buffer.from(json)).toString("base64url");
  const { page, context, problems } = await openApp(browser, server, `c=${code}&t=2`);
  try {
    await page.waitForFunction(() => document.querySelector("[data-timeline]")?.dataset.current === "2");
    assert.equal(await page.locator('[role="alert"]').count(), 0, "the link was rejected");
    assertNoProblems(problems, assert);
  } finally {
    await context.close();
  }
});

test("embed.html and its iframe run with no CSP violation in either frame", async () => {
  const { page, context, problems } = await openApp(browser, server, "", { path: "/embed.html", waitReady: false });
  try {
    const frame = await (await page.waitForSelector("iframe")).contentFrame();
    await frame.waitForSelector('html[data-ready="1"]', { state: "attached", timeout: 15000 });
    assert.equal(await page.evaluate(() => getComputedStyle(document.body).margin), "0px", "embed.css applies");
    assertNoProblems(problems, assert);
  } finally {
    await context.close();
  }
});
