// The page as `nextbest serve` serves it, under its Content-Security-Policy:
// the real release binary on a free loopback port, each screen loaded in
// headless Chromium. Nothing may be refused by the policy (no
// securitypolicyviolation event, no "Refused to ..." console message), nothing
// may log an error, every request stays on the page's origin, and the teller's
// first pitch appears. Needs `cargo build --release`, scripts/build-wasm.sh and
// scripts/build-web.sh first (scripts/test.sh runs them).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { ARGS, BIN, freePort, foreignRequests, PASSWORD, run, serveWith } from "./harness.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const serve = serveWith;

const ACCOUNTS = { teller1: "teller", lobby1: "lobby", author1: "author", head1: "head" };
const AS = { teller: "teller1", lobby: "lobby1", studio: "author1", head: "head1" };

let server, browser;
// The server's data (SQLite) in a scratch folder, not branch-data/ in the repo.
const data = mkdtempSync(path.join(os.tmpdir(), "nextbest-e2e-"));
before(async () => {
  assert.ok(existsSync(BIN), `${BIN} is missing: run cargo build --release`);
  assert.ok(existsSync(path.join(root, "www/pkg/nextbest_bg.wasm")), "www/pkg is missing: run scripts/build-wasm.sh");
  assert.ok(existsSync(path.join(root, "www/dist/app.js")), "www/dist is missing: run scripts/build-web.sh");
  // One account per screen, and the sample customers in the hall, as a branch's IT would set it up.
  for (const [name, role] of Object.entries(ACCOUNTS)) await run(["user", "add", "--data", data, name, "--role", role, "--password-stdin"], `${PASSWORD}\n`);
  const hall = path.join(data, "hall.jsonl");
  writeFileSync(hall, JSON.parse(readFileSync(path.join(root, "www/samples/customers.json"), "utf8")).map((c) => JSON.stringify(c)).join("\n"));
  await run(["import", "--data", data, "--hall", hall]);
  server = await serve(["--addr", `127.0.0.1:${await freePort()}`, "--www", "www", "--data", data, "--no-demo"]);
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ARGS });
});
after(async () => {
  await browser?.close();
  server?.child.kill("SIGTERM");
  rmSync(data, { recursive: true, force: true });
});

/** A fresh page, signed in as the account for `hash`'s screen, that records requests, console errors, CSP refusals and the document's headers. */
async function open(hash, name = AS[hash]) {
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const signed = await ctx.request.post(`${server.base}api/session`, { data: { name, password: PASSWORD } });
  assert.equal(signed.status(), 200, `sign-in as ${name}`);
  const page = await ctx.newPage();
  page.setDefaultTimeout(15_000);
  const requests = [];
  const errors = [];
  const refused = [];
  page.on("request", (r) => requests.push(r.url()));
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
    if (/Refused to|Content Security Policy|Permissions-Policy/i.test(m.text())) refused.push(m.text());
  });
  // Collected in the page from its first script on, before any of the page's own.
  await ctx.addInitScript(() => {
    window.__violations = [];
    document.addEventListener(
      "securitypolicyviolation",
      (e) => window.__violations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`),
      true,
    );
  });
  const response = await page.goto(`${server.base}#${hash}`);
  const violations = async () => [...refused, ...(await page.evaluate(() => window.__violations))];
  return { ctx, page, requests, errors, response, violations };
}

async function check({ page, requests, errors, violations }) {
  // Give late reports (lazy styles, timers) a moment to arrive.
  await page.waitForTimeout(300);
  assert.deepEqual(await violations(), [], "CSP violations");
  assert.deepEqual(errors, [], "console errors");
  assert.deepEqual(foreignRequests(requests, server.base), [], "requests to other origins");
}

test("the document carries the policy", async () => {
  const s = await open("teller");
  const h = s.response.headers();
  assert.match(h["content-security-policy"], /script-src 'self' 'wasm-unsafe-eval';/);
  assert.match(h["content-security-policy"], /frame-ancestors 'none'/);
  assert.equal(h["x-content-type-options"], "nosniff");
  await s.ctx.close();
});

test("teller: the first pitch appears, nothing refused", async () => {
  const s = await open("teller");
  await s.page.getByTestId("pitch").waitFor();
  assert.match(await s.page.getByTestId("pitch-zh").textContent(), /\S/);
  await check(s);
  await s.ctx.close();
});

test("lobby: the queue and the chart draw, nothing refused", async () => {
  const s = await open("lobby");
  await s.page.getByTestId("queue-card").first().waitFor();
  await s.page.getByTestId("lobby-tab-day").click();
  await s.page.getByTestId("day-chart").locator("svg rect").first().waitFor();
  await check(s);
  await s.ctx.close();
});

test("studio: CodeMirror edits with live diagnostics, nothing refused", async () => {
  const s = await open("studio");
  const { page } = s;
  await page.locator(".studio-file").first().waitFor();
  await page.locator('.studio-file[data-file="hv_large_cash.rhai"]').click();
  await page.locator(".cm-content", { hasText: "large_cash" }).waitFor();
  // Break the rule: the lint gutter, the error range and its tooltip are drawn.
  await page.locator(".cm-content .cm-line").nth(6).click();
  await page.keyboard.press("End");
  await page.keyboard.type("if true {");
  await page.keyboard.press("Delete");
  await page.locator(".cm-lint-marker-error").first().waitFor();
  // The editor shows its tooltip after a hover pause; on a busy machine the
  // diagnostics may be redrawn under the pointer first, so hover again.
  for (let i = 0; i < 5; i++) {
    await page.locator(".cm-lintRange-error").first().hover();
    try {
      await page.locator(".cm-tooltip").first().waitFor({ timeout: 4000 });
      break;
    } catch (e) {
      if (i === 4) throw e;
      await page.mouse.move(0, 0);
    }
  }
  await check(s);
  await s.ctx.close();
});

test("each of the branch head's screens in turn on one page, by its tab", async () => {
  const s = await open("head");
  await s.page.getByTestId("head-referrals").waitFor();
  await s.page.locator('[data-tab="lobby"]').click();
  await s.page.getByTestId("queue-card").first().waitFor();
  await s.page.locator('[data-tab="cm"]').click();
  await s.page.getByTestId("plan-line").first().waitFor();
  await s.page.locator('[data-tab="head"]').click();
  await s.page.getByTestId("head-referrals").waitFor();
  await s.page.locator('[data-tab="studio"]').click();
  await s.page.locator(".cm-content").first().waitFor();
  await check(s);
  await s.ctx.close();
});
