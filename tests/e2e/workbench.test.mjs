// The rule author's workbench (issue 12), one device in headless Chromium:
// a backtest of a draft that lowers a threshold moves exactly the expected
// customers, and `nextbest backtest` gives the same counts on the same file;
// a 10,000-customer run shows progress and Stop ends it; a draft seeded with
// problems shows them (never fires, always held back, colliding routes,
// competing pitches, a protected attribute read without a reason, groups).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { start, openPage, foreignRequests, SHOTS, BIN } from "./harness.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

let env;
before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  env = await start();
});
after(async () => env?.stop());

/** The bundled pack's files, as the studio holds a draft ({path: text}). */
function bundledFiles() {
  const files = {};
  const walk = (dir, prefix = "") => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const rel = prefix + e.name;
      if (e.isDirectory()) {
        if (e.name === "fixtures") walk(path.join(dir, e.name), `${rel}/`);
      } else if (e.name === "pack.json" || e.name === "products.json" || e.name.endsWith(".rhai") || rel.startsWith("fixtures/")) {
        files[rel] = readFileSync(path.join(dir, e.name), "utf8");
      }
    }
  };
  walk(path.join(root, "rules"));
  return files;
}

const withdrew = (id, amount) => ({
  id,
  name: `取现${amount / 10000}万`,
  segment: "mass",
  risk_rating: 3,
  transactions: [{ kind: "cash_withdrawal", amount, at: "2026-11-24" }],
  visit: { purpose: "cash_withdrawal", at: "2026-11-24T10:00:00+08:00" },
  consent: { marketing: true, record: true },
});
const SAMPLE = [withdrew("W30", 30000), withdrew("W40", 40000), withdrew("W60", 60000), withdrew("W80", 80000)];

/** Opens the studio with `files` as the author's draft. */
async function studioWith(files) {
  const opened = await openPage(env, "studio", { viewport: { width: 1366, height: 900 } });
  const { page } = opened;
  // Once the studio has drawn (and saved its own first draft), the author's draft replaces it.
  await page.locator(".studio-file").first().waitFor();
  await page.evaluate((f) => {
    const s = JSON.parse(localStorage.getItem("nextbest.v1") ?? "{}");
    localStorage.setItem("nextbest.v1", JSON.stringify({ ...s, draft: { files: f }, draftEdited: true }));
  }, files);
  await page.reload();
  await page.locator(".studio-file").first().waitFor();
  return opened;
}

async function runOnFile(page, customers, { timing = false } = {}) {
  await page.getByTestId("bt-sample").selectOption("file");
  await page.getByTestId("bt-file").setInputFiles({ name: "sample.jsonl", mimeType: "application/x-ndjson", buffer: Buffer.from(customers.map((c) => JSON.stringify(c)).join("\n")) });
  if (!timing) await page.getByTestId("bt-timing").uncheck();
  await page.getByTestId("bt-run").click();
  await page.getByTestId("bt-status").filter({ hasText: /完成|失败/ }).waitFor({ timeout: 60_000 });
  const status = await page.getByTestId("bt-status").textContent();
  assert.match(status, /完成/, status);
}

const n = async (page, id) => Number(await page.getByTestId(`bt-${id}`).getAttribute("data-n"));

test("a lowered threshold moves exactly the customers between the two lines; the CLI agrees on the same file", async () => {
  const files = bundledFiles();
  const pack = JSON.parse(files["pack.json"]);
  assert.equal(pack.params.large_cash_cny, 50000, "the bundled line this test moves");
  pack.params.large_cash_cny = 35000;
  files["pack.json"] = JSON.stringify(pack, null, 2);
  const { page, ctx, errors, requests } = await studioWith(files);
  await runOnFile(page, SAMPLE);
  const changed = await page.getByTestId("bt-changed").evaluateAll((rows) => rows.map((r) => r.dataset.customer));
  assert.deepEqual(changed, ["W40"], "only the customer between 35,000 and 50,000 changes");
  assert.equal(await page.getByTestId("bt-warnings").count(), 0, "nothing refused or stopped by a time budget");
  const page_ = {
    customers: await n(page, "customers"),
    changed_route: await n(page, "changed-route"),
    changed_top: await n(page, "changed-top"),
    changed_grade: await n(page, "changed-grade"),
    routes: await page.getByTestId("bt-routes").locator("tr[data-id]").evaluateAll((rows) => rows.map((r) => [r.dataset.id, +r.dataset.before, +r.dataset.after]).sort()),
    products: await page.getByTestId("bt-products").locator("tr[data-id]").evaluateAll((rows) => rows.map((r) => [r.dataset.id, +r.dataset.before, +r.dataset.after]).sort()),
  };
  // Open the changed customer: both outputs side by side, with their traces.
  await page.getByTestId("bt-changed").first().locator("button").click();
  await page.getByTestId("bt-side").waitFor();
  assert.match(await page.getByTestId("bt-side").textContent(), /理财产品/);
  await page.getByTestId("backtest").screenshot({ path: `${SHOTS}/workbench-backtest.png` });

  // The same file and draft through the CLI.
  const dir = mkdtempSync(path.join(os.tmpdir(), "nextbest-bt-"));
  try {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, "draft", name)), { recursive: true });
      writeFileSync(path.join(dir, "draft", name), text);
    }
    writeFileSync(path.join(dir, "sample.jsonl"), SAMPLE.map((c) => JSON.stringify(c)).join("\n"));
    const r = spawnSync(BIN, ["backtest", "--draft", path.join(dir, "draft"), "--no-timing", "--json", path.join(dir, "sample.jsonl")], { cwd: root, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const cli = JSON.parse(r.stdout);
    const shown = (rows, key) => rows.filter((x) => x.before || x.after).map((x) => [x[key], x.before, x.after]).sort();
    assert.deepEqual(page_, {
      customers: cli.customers,
      changed_route: cli.changed_route,
      changed_top: cli.changed_top,
      changed_grade: cli.changed_grade,
      routes: shown(cli.routes, "destination"),
      products: shown(cli.products, "product"),
    });
    assert.deepEqual(cli.changed_customers.map((c) => c.customer), changed);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual(errors, []);
  assert.deepEqual(foreignRequests(requests, env.base), []);
  await ctx.close();
});

test("10,000 generated customers: progress shows and Stop ends the run with no result", async () => {
  const { page, ctx, errors } = await studioWith(bundledFiles());
  // A finished run first (the bundled samples): what a stopped run leaves on screen is that, whole.
  await page.getByTestId("bt-run").click();
  await page.getByTestId("bt-status").filter({ hasText: /完成/ }).waitFor({ timeout: 60_000 });
  const before = await n(page, "customers");
  assert.ok(before > 0);
  await page.getByTestId("bt-sample").selectOption("generated");
  await page.getByTestId("bt-run").click();
  await page.waitForFunction(() => Number(document.querySelector("[data-testid=bt-progress]")?.value) > 0, null, { timeout: 60_000 });
  await page.getByTestId("bt-stop").click();
  await page.getByTestId("bt-status").filter({ hasText: "已停止" }).waitFor();
  assert.equal(await n(page, "customers"), before, "the stopped run's partial counts are never shown");
  assert.equal(await page.getByTestId("bt-run").isDisabled(), false, "it can run again");
  assert.deepEqual(errors, []);
  await ctx.close();
});

const rule = (kind, priority, body, extra = "") => `//! kind: ${kind}\n//! priority: ${priority}\n//! zh: 测试规则\n//! en: A test rule\n${extra}${body}\n`;

test("a draft seeded with problems shows them: never fires, always held back, colliding routes, competing pitches, a protected attribute without a reason", async () => {
  const files = bundledFiles();
  const pack = JSON.parse(files["pack.json"]);
  pack.protected_attributes = ["age"];
  files["pack.json"] = JSON.stringify(pack, null, 2);
  Object.assign(files, {
    "zz_never.rhai": rule("cross_sell", 50, 'if c.aum > 1.0e15 { suggest("dep.deposit", "甲", "a") }'),
    "zz_held.rhai": rule("cross_sell", 50, 'suggest("sec.bank_link", "乙", "b")'),
    "zz_route_vip.rhai": rule("route", 999000, 'route("vip_area", "去贵宾区", "To the VIP area")'),
    "zz_route_self.rhai": rule("route", 998000, 'route("self_service", "去自助区", "To self-service")'),
    "zz_pitch_a.rhai": rule("cross_sell", 777, 'suggest("card.gold", "丙", "c")'),
    "zz_pitch_b.rhai": rule("cross_sell", 777, 'suggest("dep.proof", "丁", "d")'),
    "zz_age.rhai": rule("cross_sell", 40, 'if c.age != () && c.age > 200 { suggest("dep.deposit", "戊", "e") }'),
  });
  const { page, ctx } = await studioWith(files);
  const sample = [...SAMPLE.map((c, i) => ({ ...c, age: 25 + 15 * i })), { ...withdrew("W90", 90000), age: 70 }];
  await runOnFile(page, sample);
  const flags = async (id) => page.locator(`[data-testid=bt-rule][data-rule=${id}]`).getAttribute("data-flags");
  assert.match(await flags("zz_never"), /never_fired/);
  assert.match(await flags("zz_held"), /all_suppressed/);
  await page.locator("[data-testid=bt-conflict][data-kind=route][data-rules='zz_route_self zz_route_vip']").waitFor();
  await page.locator("[data-testid=bt-conflict][data-kind=pitch][data-rules='zz_pitch_a zz_pitch_b']").waitFor();
  assert.match(await page.getByTestId("bt-warnings").textContent(), /zz_age/, "the protected attribute read without a justification");
  assert.ok((await page.locator("[data-testid=bt-group][data-attribute=age]").count()) > 1, "groups by age band");
  await page.getByTestId("backtest").screenshot({ path: `${SHOTS}/workbench-findings.png` });
  // In the editor: the rule that never fired carries a warning in the gutter.
  await page.locator('.studio-file[data-file="zz_never.rhai"]').click();
  await page.locator(".cm-content", { hasText: "1.0e15" }).waitFor();
  await page.locator(".cm-lint-marker-warning").first().waitFor();
  await page.locator('.studio-file[data-file="zz_pitch_a.rhai"]').click();
  await page.locator(".cm-content", { hasText: "card.gold" }).waitFor();
  await page.waitForTimeout(800); // the linter runs after its delay: count once it has
  assert.equal(await page.locator(".cm-lint-marker-warning").count(), 0, "a rule that fired and was shown has no warning");
  // And back: the warning is the finding's, not a leftover of the first file.
  await page.locator('.studio-file[data-file="zz_never.rhai"]').click();
  await page.locator(".cm-lint-marker-warning").first().waitFor();
  // Edited since the backtest: the finding is not claimed for text it never measured.
  await page.locator(".cm-content .cm-line").last().click();
  await page.keyboard.press("End");
  await page.keyboard.type(" // edited");
  await page.waitForFunction(() => document.querySelectorAll(".cm-lint-marker-warning").length === 0, null, { timeout: 5000 });
  await page.getByTestId("bt-status").filter({ hasText: "结果针对修改前的草稿" }).waitFor();
  await ctx.close();
});
