// End-to-end harness: a static file server on loopback, headless Chromium
// through playwright-core, and a page wrapper that records every problem a
// user would suffer (console errors, page errors, failed or foreign requests).
// Each test starts and stops its own server and browser.
import { createServer } from "node:http";
import { createReadStream, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = fileURLToPath(new URL(".", import.meta.url));
export const repoRoot = resolve(here, "..");
// What the suite tests: a release build and a book of its own (`make
// e2e-build` writes them), never dist/ or docs/book/, so that a running `make
// serve`, `make build` or `make book` cannot change them mid-run. The
// defaults are the Makefile's E2E_DIST and E2E_BOOK.
export const distDir = resolve(repoRoot, process.env.E2E_DIST ?? "target/e2e/dist");
export const bookDir = resolve(repoRoot, process.env.E2E_BOOK ?? "target/e2e/book");
export const screenshotDir = resolve(repoRoot, process.env.E2E_SCREENSHOTS ?? "e2e/artifacts/screenshots");

const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".woff2": "font/woff2",
};

/** Serves `root` on 127.0.0.1 at a free port, each response with `headers` too. Returns { origin, url(path), close() }. */
export async function startServer(root = distDir, headers = {}) {
  try {
    statSync(join(root, "index.html"));
  } catch {
    throw new Error(`${root}/index.html is missing: build first (make e2e-build)`);
  }
  const server = createServer((req, res) => {
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    let file = normalize(join(root, path));
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if (statSync(file).isDirectory()) file = join(file, "index.html");
      statSync(file);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": MIME[extname(file)] ?? "application/octet-stream", ...headers });
    createReadStream(file).pipe(res);
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    url: (path = "/") => origin + path,
    // Ends open keep-alive connections too, so that after close() the
    // origin really is unreachable (the offline test relies on it).
    close: () =>
      new Promise((ok) => {
        server.close(ok);
        server.closeAllConnections();
      }),
  };
}

/** Headless Debian Chromium; playwright's own browser download cannot work here. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
}

/**
 * Opens `path#hash` on `server` in a fresh context and waits for
 * `<html data-ready="1">`. Returns { page, context, problems }: `problems`
 * collects console errors, page errors, failed requests (including HTTP
 * errors) and any request to another origin, which is also blocked.
 */
export async function openApp(browser, server, hash = "", options = {}) {
  const { path = "/", viewport = { width: 1280, height: 800 }, waitReady = true, colorScheme } = options;
  const context = await browser.newContext({
    viewport,
    colorScheme,
    reducedMotion: options.reducedMotion,
    // "block" for a test that answers the page's requests itself: a
    // service worker's fetches would pass its routes by.
    serviceWorkers: options.serviceWorkers,
  });
  const page = await context.newPage();
  const warnings = [];
  const problems = watch(page, server.origin, warnings);
  await context.addInitScript(reportCspViolations);
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (isOwn(url, server.origin)) return route.continue();
    problems.push(`foreign request blocked: ${url}`);
    return route.abort();
  });
  const target = server.url(path) + (hash ? `#${hash.replace(/^#/, "")}` : "");
  await page.goto(target);
  if (waitReady) await waitForReady(page);
  return { page, context, problems, warnings };
}

export async function waitForReady(page, timeout = 15000) {
  await page.waitForSelector('html[data-ready="1"]', { state: "attached", timeout });
}

/**
 * Runs in every frame before its own scripts: turns each violation of the
 * page's Content-Security-Policy into a console error, which `watch` records
 * as a problem, so that every test fails on one (with what was blocked).
 */
export function reportCspViolations() {
  document.addEventListener("securitypolicyviolation", (e) => {
    console.error(`CSP violation: ${e.effectiveDirective} blocked ${e.blockedURI || "(inline)"} at ${e.sourceFile || e.documentURI}:${e.lineNumber}`);
  });
}

function isOwn(url, origin) {
  return url.startsWith(origin + "/") || url === origin || /^(data|blob|about):/.test(url);
}

/** Records what goes wrong on a page, as text lines (and console warnings into `warnings`). */
export function watch(page, origin, warnings = []) {
  const problems = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console error: ${msg.text()}`);
    if (msg.type() === "warning") warnings.push(msg.text());
  });
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("requestfailed", (req) => {
    // The browser asks for the icon after the page has loaded, and drops
    // that request when the page navigates away first (a test that moves
    // on as soon as the page is ready): not a problem of the page. A
    // missing icon still shows, as an HTTP error below.
    const error = req.failure()?.errorText;
    if (error === "net::ERR_ABORTED" && /\/favicon[^/]*\.svg$/.test(new URL(req.url()).pathname)) return;
    if (isOwn(req.url(), origin)) problems.push(`request failed: ${req.url()} (${error})`);
  });
  page.on("response", (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  return problems;
}

/** Fails with the whole list when anything went wrong on the page. */
export function assertNoProblems(problems, assert) {
  assert.deepEqual(problems, [], `the page had problems:\n${problems.join("\n")}`);
}

/** Saves a full-page screenshot under screenshotDir and returns its path. */
export async function screenshot(page, name) {
  mkdirSync(screenshotDir, { recursive: true });
  const file = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Runs `body({ browser, server })` with a fresh server (on `root`) and browser, closing both. */
export async function withBrowser(body, root) {
  const server = await startServer(root);
  const browser = await launchBrowser();
  try {
    await body({ browser, server });
  } finally {
    await browser.close();
    await server.close();
  }
}

/** The sub-path the book is served under, to prove its URLs are relative. */
export const BOOK_SUB = "/some/sub/path";

/**
 * Serves the built book (E2E_BOOK, with its playground) under BOOK_SUB of a
 * static host of its own; `close()` stops it and removes the host's folder.
 */
export async function startBookServer() {
  if (!existsSync(join(bookDir, "index.html")) || !existsSync(join(bookDir, "playground", "index.html"))) {
    throw new Error(`${bookDir} has no built book with its playground: run 'make e2e-build' first`);
  }
  const root = mkdtempSync(join(tmpdir(), "apic-book-"));
  writeFileSync(join(root, "index.html"), "<!doctype html><title>host</title>");
  mkdirSync(join(root, ...BOOK_SUB.split("/").slice(1, -1)), { recursive: true });
  symlinkSync(bookDir, join(root, ...BOOK_SUB.split("/").slice(1)));
  const server = await startServer(root);
  const close = server.close.bind(server);
  server.close = async () => {
    await close();
    rmSync(root, { recursive: true, force: true });
  };
  return server;
}
