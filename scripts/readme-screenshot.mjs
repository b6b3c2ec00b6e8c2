#!/usr/bin/env node
// Regenerates the README's picture (docs/src/img/playground.png) from the
// release build the e2e suite tests (E2E_DIST, default target/e2e/dist/):
// the seed's story at the startup step, four panes.
// Usage: make e2e-build && node scripts/readme-screenshot.mjs
import { mkdirSync } from "node:fs";
import { launchBrowser, openApp, startServer, repoRoot } from "../e2e/lib.mjs";

const out = `${repoRoot}/docs/src/img/playground.png`;
const server = await startServer();
const browser = await launchBrowser();
try {
  const { page } = await openApp(browser, server, "", { viewport: { width: 1440, height: 900 } });
  // Find the startup step by its label, so the picture follows the scenario.
  const steps = await page.locator("[data-timeline] li").evaluateAll((lis) =>
    lis.map((li) => ({ num: Number(li.querySelector(".num")?.textContent), label: li.querySelector(".lbl")?.textContent ?? "" })),
  );
  const k = steps.find((s) => s.label.includes("start_secondary") && s.label.includes("setup_local_APIC"))?.num ?? -1;
  await page.goto(server.url("/") + `#s=hotplug-cpu0&t=${k < 0 ? 0 : k}`);
  await page.reload();
  await page.waitForSelector('html[data-ready="1"]', { state: "attached" });
  mkdirSync(`${repoRoot}/docs/src/img`, { recursive: true });
  await page.screenshot({ path: out });
  console.log(`written ${out} (step ${k})`);
} finally {
  await browser.close();
  await server.close();
}
