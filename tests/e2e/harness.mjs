// Shared set-up for the page tests: a plain static server on loopback over
// www/ (as scripts/start.sh serves it), Debian's Chromium through
// playwright-core, and a record of every request the page makes.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { chromium } from "playwright-core";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const SHOTS = path.join(root, "target", "e2e");

export const ARGS = [
  "--no-sandbox",
  "--disable-dev-shm-usage",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
];

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

async function waitFor(url, ms = 10_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server at ${url} did not start`);
}

/** A static server on loopback over `dir`: {base, stop()}. */
export async function serveDir(dir) {
  const port = await freePort();
  const server = spawn("python3", ["-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", dir], {
    stdio: "ignore",
  });
  const base = `http://127.0.0.1:${port}/`;
  await waitFor(base);
  return { base, stop: () => server.kill() };
}

/** Starts the server and the browser; call stop() in after(). */
export async function start() {
  const { base, stop: stopServer } = await serveDir(path.join(root, "www"));
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ARGS });
  return {
    base,
    browser,
    async stop() {
      await browser.close();
      stopServer();
    },
  };
}

/**
 * A fresh page (new context: empty storage) that records every request and
 * every console error. `viewport` defaults to the 1366×768 teller screen.
 */
export async function openPage(env, hash = "teller", { viewport = { width: 1366, height: 768 }, context } = {}) {
  const ctx = context ?? (await env.browser.newContext({ viewport }));
  const page = await ctx.newPage();
  const requests = [];
  const errors = [];
  page.on("request", (r) => requests.push(r.url()));
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.goto(`${env.base}#${hash}`);
  return { page, ctx, requests, errors };
}

/** Every request stayed on the local origin (data: and blob: URLs are local). */
export function foreignRequests(requests, base) {
  const origin = new URL(base).origin;
  return requests.filter((u) => !(u.startsWith(origin + "/") || u.startsWith("data:") || u.startsWith("blob:")));
}

/** Whether the page scrolls sideways at its current size. */
export async function scrollsSideways(page) {
  return page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
}
