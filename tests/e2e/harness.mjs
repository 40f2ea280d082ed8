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

// ---------------------------------------------------------------------------
// The branch server as a real process: `nextbest serve` on loopback with its
// SQLite file in a scratch folder, accounts made with `nextbest user add` and
// the hall loaded with `nextbest import`, as a branch's IT would.

export const BIN = path.join(process.env.CARGO_TARGET_DIR ?? path.join(root, "target"), "release", "nextbest");
export const PASSWORD = "correct horse battery staple 11";

/** Runs a nextbest command to its end (set-up: accounts, the hall); resolves with its output. */
export function run(args, input) {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { cwd: root, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`nextbest ${args.join(" ")}: exit ${code}: ${out}`))));
    child.stdin.end(input ?? "");
  });
}

/** Starts `nextbest serve ARGS`; resolves {base, child} once it prints its URL. */
export function serveWith(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, ["serve", ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const timer = setTimeout(() => reject(new Error(`nextbest serve printed no URL in 20 s: ${out}`)), 20_000);
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/http:\/\/127\.0\.0\.1:\d+\//);
      if (m) {
        clearTimeout(timer);
        resolve({ base: m[0], child });
      }
    });
    child.stderr.on("data", (d) => (out += d));
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`nextbest serve exited with ${code}: ${out}`));
    });
  });
}

/** The branch server on `port` over `data`, loopback, no demo accounts. */
export const serveBranch = (data, port) => serveWith(["--addr", `127.0.0.1:${port}`, "--www", "www", "--data", data, "--no-demo"]);

/**
 * A branch: accounts {name: role} (password PASSWORD), the hall loaded with
 * `hall` (customers), the server started. {base, data, browser, stop(),
 * kill(), restart()}: restart brings the same server back on the same port.
 */
export async function startBranch({ accounts, hall }) {
  const { mkdtempSync, writeFileSync, rmSync } = await import("node:fs");
  const os = await import("node:os");
  const data = mkdtempSync(path.join(os.tmpdir(), "nextbest-branch-e2e-"));
  for (const [name, role] of Object.entries(accounts)) await run(["user", "add", "--data", data, name, "--role", role, "--password-stdin"], `${PASSWORD}\n`);
  const file = path.join(data, "hall.jsonl");
  writeFileSync(file, hall.map((c) => JSON.stringify(c)).join("\n") + "\n");
  await run(["import", "--data", data, "--hall", file]);
  const port = await freePort();
  let server = await serveBranch(data, port);
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ARGS });
  const exited = (child) => new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
  return {
    base: server.base,
    data,
    browser,
    /** Stops the server (as a crash would: SIGKILL). */
    async kill() {
      server.child.kill("SIGKILL");
      await exited(server.child);
    },
    async restart() {
      server = await serveBranch(data, port);
    },
    async stop() {
      await browser.close();
      server.child.kill("SIGTERM");
      await exited(server.child);
      rmSync(data, { recursive: true, force: true });
    },
  };
}

/**
 * One device: its own browser context (its own cookies and storage), signed in
 * as `name` through the API, the page open at `hash`. Records console errors.
 */
export async function device(branch, name, hash, { viewport = { width: 1280, height: 800 } } = {}) {
  const ctx = await branch.browser.newContext({ viewport });
  const r = await ctx.request.post(`${branch.base}api/session`, { data: { name, password: PASSWORD } });
  if (!r.ok()) throw new Error(`sign-in as ${name}: HTTP ${r.status()} ${await r.text()}`);
  const page = await ctx.newPage();
  page.setDefaultTimeout(15_000);
  const errors = [];
  const requests = [];
  page.on("request", (q) => requests.push(q.url()));
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.goto(`${branch.base}#${hash}`);
  return { ctx, page, errors, requests, csrf: (await r.json()).csrf };
}
