// The page under failure, in headless Chromium, one browser context per
// device: a rule that runs forever (the watchdog stops it, the screen stays
// usable, the last good pack comes back), a trap in the module (a new worker
// answers), corrupt or old stored data (kept what can be kept, the rest set
// aside and said), and a full storage (said, and the record stays on screen).
//
// The worker's test hooks (www/js/worker.js testHook) work only when the page
// is opened with ?test-hooks; a hang stands for a rule that defeats the
// engine's operation limit, which the engine itself is built to prevent.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { start, SHOTS } from "./harness.mjs";

let env;
before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  env = await start();
});
after(async () => env?.stop());

const KEY = "nextbest.v1";
const CASH = {
  id: "F1",
  name: "故障测试客户",
  segment: "mass",
  risk_rating: 3,
  transactions: [{ kind: "cash_withdrawal", amount: 80000, at: "2026-11-24" }],
  visit: { purpose: "cash_withdrawal", at: "2026-11-24T10:00:00+08:00" },
  consent: { marketing: true, record: true },
};

/** A device: its own context (storage, cache), and a page that records errors. */
async function device({ init } = {}) {
  const ctx = await env.browser.newContext({ viewport: { width: 1366, height: 768 } });
  if (init) await ctx.addInitScript(init);
  const page = await ctx.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  return { ctx, page, errors };
}

/** Puts `value` (a string, as stored) under the page's key before the page runs. */
async function seed(page, raw) {
  await page.goto(`${env.base}css/app.css`); // same origin, no page script
  await page.evaluate(([k, v]) => {
    localStorage.clear();
    localStorage.setItem(k, v);
  }, [KEY, raw]);
}

async function paste(page, customer) {
  await page.locator("details.paste").evaluate((d) => (d.open = true));
  await page.getByTestId("paste").fill(JSON.stringify(customer));
  await page.getByTestId("paste-go").click();
  await page.waitForFunction((id) => document.querySelector("[data-testid=customer]")?.value === id, customer.id);
}

/** Packs built in the page from the bundled one: A pitches its own words; B is A plus a rule that never ends. */
async function makePacks(page) {
  return page.evaluate(async () => {
    const glue = await import("./pkg/nextbest.js");
    await glue.default();
    const a = glue.bundledPack();
    const f = "xs_large_cash_wealth.rhai";
    a.files[f] = a.files[f].replace(
      'suggest("wm.product", "大额取现且无理财产品", "Large cash withdrawal, no wealth product")',
      'suggest("wm.product", "大额取现且无理财产品", "Large cash withdrawal, no wealth product").pitch("A版话术：稳健理财", "Pack A pitch")',
    );
    const b = { files: { ...a.files, "zz_loop.rhai": "//! kind: signal\n//! priority: 1\n//! zh: 死循环\n//! en: Never ends\nloop { }\n" } };
    return { a, b };
  });
}

test("a rule that runs forever: stopped within the deadline, the screen stays usable, the last good pack is restored", async () => {
  const { ctx, page, errors } = await device();
  await page.goto(`${env.base}?test-hooks#teller`);
  await page.getByTestId("pitch").waitFor();
  const { a, b } = await makePacks(page);

  // Pack A live, and evaluating: it is the last good pack.
  await page.evaluate(([k, pack]) => {
    const s = JSON.parse(localStorage.getItem(k) ?? "{}");
    s.live = pack;
    localStorage.setItem(k, JSON.stringify(s));
  }, [KEY, a]);
  await page.reload();
  await paste(page, CASH);
  assert.equal(await page.getByTestId("pitch-zh").textContent(), "A版话术：稳健理财");
  // The deadline the pack's budget gives: max(2 s, 8 × budgets.customer_ms), 250 ms when absent.
  const customerMs = JSON.parse(a.files["pack.json"]).budgets?.customer_ms ?? 250;
  const deadline = Math.max(2000, 8 * customerMs);
  assert.equal(await page.evaluate(() => window.__nextbest.deadline()), deadline);
  // From here on, any worker whose pack has zz_loop hangs in evaluate, as a rule past the operation limit would.
  await page.evaluate(() => window.__nextbest.hook({ hang: "evaluate", rule: "zz_loop" }));

  // The studio in another tab of this device makes B live.
  const other = await ctx.newPage();
  await other.goto(`${env.base}css/app.css`);
  const t0 = Date.now();
  await other.evaluate(([k, pack]) => {
    const s = JSON.parse(localStorage.getItem(k) ?? "{}");
    s.live = pack;
    localStorage.setItem(k, JSON.stringify(s));
  }, [KEY, b]);

  // While the worker spins, the page answers and its tabs work.
  await page.waitForTimeout(300);
  const pingStart = Date.now();
  await page.evaluate(() => 1);
  assert.ok(Date.now() - pingStart < 500, "the page's own thread answers during the hang");
  assert.equal(await page.getByTestId("notice-engine").count(), 0, "not stopped before the deadline");
  await page.locator('[data-tab="lobby"]').click();
  await page.locator("#lobby:not([hidden])").waitFor({ timeout: 500 });
  assert.equal(await page.locator("#teller").isHidden(), true);
  await page.locator('[data-tab="teller"]').click();
  await page.locator("#teller:not([hidden])").waitFor({ timeout: 500 });

  // Stopped, and said, within the deadline (and some slack for a busy machine).
  const notice = page.getByTestId("notice-engine");
  await notice.waitFor({ timeout: deadline + 3000 });
  const took = Date.now() - t0;
  assert.ok(took < deadline + 3000, `stopped after ${took} ms`);
  assert.match(await notice.textContent(), /规则运行超时，已停止并恢复上一版规则.*A rule ran too long/);

  // The last good pack (A) is live again, here and in storage, and the next customer gets its pitch.
  await paste(page, { ...CASH, id: "F2" });
  await page.locator('[data-testid=pitch][data-product="wm.product"]').waitFor();
  assert.equal(await page.getByTestId("pitch-zh").textContent(), "A版话术：稳健理财");
  const stored = await page.evaluate((k) => JSON.parse(localStorage.getItem(k)).live?.files ?? null, KEY);
  assert.ok(stored && !("zz_loop.rhai" in stored), "storage holds the restored pack, not the one that hung");
  assert.ok(stored["xs_large_cash_wealth.rhai"].includes("A版话术"));
  await page.screenshot({ path: `${SHOTS}/teller-watchdog.png` });
  assert.deepEqual(errors, []);
  await ctx.close();
});

test("a trap in the module: the worker is replaced and later calls work", async () => {
  const { ctx, page, errors } = await device();
  await page.goto(`${env.base}?test-hooks#teller`);
  await page.getByTestId("pitch").waitFor();
  const ids = await page.locator("[data-testid=customer] option").evaluateAll((os) => os.map((o) => o.value));
  // This worker traps on the next evaluation, and every one after it (its memory is not to be trusted).
  assert.equal(await page.evaluate(() => window.__nextbest.hook({ trap: "evaluate" })), true);
  await page.getByTestId("customer").selectOption(ids[1]);
  const failed = page.locator("[data-testid=engine-error][data-kind=trap]");
  await failed.waitFor();
  assert.match(await failed.textContent(), /规则引擎出错，已重新启动.*The rule engine failed and was restarted/);
  await page.getByTestId("notice-engine").waitFor();

  // The next customers are evaluated, by a new worker.
  await page.getByTestId("customer").selectOption(ids[2]);
  await page.waitForFunction((id) => document.querySelector("[data-testid=customer]")?.value === id && document.querySelector("[data-testid=pitch]"), ids[2]);
  await paste(page, CASH);
  await page.locator('[data-testid=pitch][data-product="wm.product"]').waitFor();
  assert.deepEqual(errors, []);
  await ctx.close();
});

test("test hooks are inert without ?test-hooks", async () => {
  const { ctx, page } = await device();
  await page.goto(`${env.base}#teller`);
  await page.getByTestId("pitch").waitFor();
  assert.equal(await page.evaluate(() => typeof window.__nextbest), "undefined");
  await ctx.close();
});

test("stored data that is not JSON: set aside as it was, never written over, and staff are told where", async () => {
  const { ctx, page, errors } = await device();
  const raw = '{"outcomes": {"F1": [{"product": "wm.product", "at": "2026-11-24T10:00:00Z", "outcome": "decl';
  await seed(page, raw);
  await page.goto(`${env.base}#teller`);
  await page.getByTestId("pitch").waitFor();
  const notice = page.getByTestId("notice-quarantine");
  await notice.waitFor();
  const text = await notice.textContent();
  assert.match(text, /已存数据无法读取，已原样移到一旁.*could not be read/);
  const key = /nextbest:quarantine:[\dTZ:.-]+/.exec(text)?.[0];
  assert.ok(key, "the notice names the key");
  const aside = await page.evaluate((k) => JSON.parse(localStorage.getItem(k)), key);
  assert.equal(aside.raw, raw, "the unreadable blob, exactly as it was");

  // The page works on, and saves, without losing the copy.
  await paste(page, CASH);
  await page.getByTestId("record-accepted").click();
  await page.getByTestId("recorded").waitFor();
  const now = await page.evaluate((k) => JSON.parse(localStorage.getItem(k)), KEY);
  assert.equal(now.schema, 2);
  assert.equal(now.outcomes.F1.length, 1);
  assert.equal(await page.evaluate((k) => JSON.parse(localStorage.getItem(k)).raw, key), raw);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test("stored data that cannot be read nor copied aside is never written over", async () => {
  const { ctx, page, errors } = await device({
    init: () => {
      const setItem = Storage.prototype.setItem;
      Storage.prototype.setItem = function (k, v) {
        if (String(k).startsWith("nextbest:quarantine:")) throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
        return setItem.call(this, k, v);
      };
    },
  });
  const raw = "not json at all {";
  await seed(page, raw);
  await page.goto(`${env.base}#teller`);
  await page.getByTestId("pitch").waitFor();
  const notice = page.getByTestId("notice-save");
  await notice.waitFor();
  assert.match(await notice.textContent(), /为免覆盖，本页暂不保存.*to avoid overwriting it/);
  await paste(page, CASH);
  await page.getByTestId("record-accepted").click();
  await page.getByTestId("recorded").filter({ hasText: "接受" }).waitFor();
  assert.equal(await page.evaluate((k) => localStorage.getItem(k), KEY), raw, "the unreadable blob is still there, untouched");
  assert.deepEqual(errors, []);
  await ctx.close();
});

test("stored records that fail their check are set aside one by one; the rest are kept", async () => {
  const { ctx, page, errors } = await device();
  const good = { id: "l1", at: "2026-11-24T02:00:00Z", customer: "F1", name: "留下的商机", contact: "138", need: "理财", products: "稳健理财", by: "lobby" };
  const blob = {
    schema: 2,
    leads: [good, 42, { id: "l2", customer: "F1" }],
    outcomes: { F1: [{ product: "wm.product", at: "2026-11-24T02:00:00Z", outcome: "declined", by: "teller" }, { product: "x", at: "soon", outcome: "maybe" }] },
    handoffs: "oops",
    customers: { F1: CASH, F9: "not a customer" },
    unmet: [],
  };
  await seed(page, JSON.stringify(blob));
  await page.goto(`${env.base}#lobby`);
  await page.getByTestId("lobby-tab-leads").click();
  await page.getByTestId("leads").filter({ hasText: "留下的商机" }).waitFor();
  const notice = page.getByTestId("notice-quarantine");
  await notice.waitFor();
  const text = await notice.textContent();
  assert.match(text, /有 5 条记录无法读取，已移到一旁.*商机记录 2 条.*5 record\(s\) could not be read/);
  const key = /nextbest:quarantine:[\dTZ:.-]+/.exec(text)[0];
  const aside = await page.evaluate((k) => JSON.parse(localStorage.getItem(k)), key);
  assert.deepEqual(aside.items.map((i) => i.field).sort(), ["customers", "handoffs", "leads", "leads", "outcomes"]);
  assert.deepEqual(aside.items.find((i) => i.field === "customers").value, "not a customer");
  const kept = await page.evaluate((k) => JSON.parse(localStorage.getItem(k)), KEY);
  assert.equal(kept.schema, 2);
  assert.deepEqual(kept.leads, [good]);
  assert.equal(kept.outcomes.F1.length, 1);
  assert.deepEqual(kept.handoffs, []);
  assert.deepEqual(Object.keys(kept.customers), ["F1"]);

  // A reload finds nothing more to set aside: one copy, one notice.
  await page.reload();
  await page.getByTestId("lobby-tab-leads").waitFor();
  assert.equal(await page.getByTestId("lobby-tab-leads").getAttribute("aria-selected"), "true", "the lobby's tab is kept");
  await page.getByTestId("leads").filter({ hasText: "留下的商机" }).waitFor();
  assert.equal(await page.getByTestId("notice-quarantine").count(), 0);
  assert.equal(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("nextbest:quarantine:")).length), 1);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test("unversioned data from the previous version migrates, nothing set aside", async () => {
  const { ctx, page, errors } = await device();
  const old = {
    outcomes: { F1: [{ product: "wm.product", at: "2026-11-24T02:00:00Z", outcome: "declined", by: "teller" }] },
    handoffs: [],
    leads: [{ id: "l1", at: "2026-11-24T02:00:00Z", customer: "F1", name: "旧版商机", contact: "", need: "理财", products: "", by: "lobby" }],
    unmet: [],
    confirmed: {},
    queue: null,
    customers: { F1: CASH },
    draft: null,
    live: null,
    studio: {},
    teller: { customer: "F1" },
  };
  await seed(page, JSON.stringify(old));
  await page.goto(`${env.base}#teller`);
  await page.getByTestId("recorded").filter({ hasText: "婉拒" }).waitFor();
  const now = await page.evaluate((k) => JSON.parse(localStorage.getItem(k)), KEY);
  assert.equal(now.schema, 2);
  assert.deepEqual(now.leads, old.leads);
  assert.deepEqual(now.outcomes, old.outcomes);
  assert.equal(await page.getByTestId("notice-quarantine").count(), 0);
  assert.equal(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("nextbest:quarantine:")).length), 0);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test("storage full: said plainly, and the record stays on screen", async () => {
  const { ctx, page, errors } = await device({
    init: () => {
      Storage.prototype.setItem = function () {
        throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
      };
    },
  });
  await page.goto(`${env.base}#teller`);
  await page.getByTestId("pitch").waitFor();
  await paste(page, CASH);
  await page.getByTestId("record-accepted").click();
  const notice = page.getByTestId("notice-save");
  await notice.waitFor();
  assert.match(await notice.textContent(), /存储空间已满.*仍显示在屏幕上.*Storage is full/);
  await page.getByTestId("recorded").filter({ hasText: "接受" }).waitFor();
  // Another change (the counter) is made: the unsaved record is still there, still on screen.
  await page.locator("button[aria-pressed=false]").first().click();
  await page.waitForFunction(() => document.querySelector("button[aria-pressed=true]")?.textContent.includes("VIP"));
  await page.getByTestId("recorded").filter({ hasText: "接受" }).waitFor();
  assert.equal(await page.evaluate((k) => localStorage.getItem(k), KEY), null, "nothing was stored");
  assert.deepEqual(errors, []);
  await ctx.close();
});

test("under the server's Content-Security-Policy: the worker starts, the teller and the studio's run work, nothing is refused", async () => {
  const { ctx, page, errors } = await device();
  const CSP = "script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; style-src 'self'";
  // As the branch server will send it (its index.html drops the inline onerror fallback).
  await ctx.route(`${env.base}`, async (route) => {
    const res = await route.fetch();
    const body = (await res.text()).replace(/ onerror="[^"]*"/, "");
    await route.fulfill({ response: res, body, headers: { ...res.headers(), "content-security-policy": CSP } });
  });
  await ctx.addInitScript(() => {
    window.__violations = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__violations.push(`${e.violatedDirective} ${e.sourceFile}:${e.lineNumber}:${e.columnNumber} ${e.sample}`));
  });
  await page.goto(`${env.base}#teller`);
  await paste(page, CASH);
  await page.locator('[data-testid=pitch][data-product="wm.product"]').waitFor();
  assert.deepEqual(await page.evaluate(() => window.__violations), [], "the teller screen");
  await page.goto(`${env.base}#studio`);
  await page.getByTestId("run").click();
  await page.getByTestId("trace").waitFor();
  // CodeMirror (dist/editor.js) adds <style> elements, which style-src 'self' refuses: the
  // editor's own styling, not this page's code, and left to whoever owns the CSP (see the report).
  const violations = await page.evaluate(() => window.__violations);
  assert.deepEqual(violations.filter((v) => !v.includes("/dist/editor.js:")), []);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test("the studio's run of a draft that runs forever is stopped and said; the next run works", async () => {
  const { ctx, page, errors } = await device();
  await page.goto(`${env.base}?test-hooks#studio`);
  await page.getByTestId("run").waitFor();
  assert.equal(await page.evaluate(() => window.__nextbest.hook({ hang: "run" }, "studio")), true);
  const t0 = Date.now();
  await page.getByTestId("run").click();
  await page.getByTestId("run-busy").waitFor();
  // The editor still takes keys while the run spins.
  await page.locator(".cm-content").click();
  await page.keyboard.press("Control+End");
  await page.keyboard.type("\n// x");
  await page.locator(".cm-content", { hasText: "// x" }).waitFor({ timeout: 1000 });
  const stopped = page.locator("[data-testid=run-error][data-kind=timeout]");
  await stopped.waitFor({ timeout: 5000 });
  assert.ok(Date.now() - t0 < 5000);
  assert.match(await stopped.textContent(), /规则运行超时，已停止.*A rule ran too long/);
  await page.evaluate(() => window.__nextbest.hook({}, "studio"));
  await page.getByTestId("run").click();
  await page.getByTestId("trace").waitFor();
  assert.deepEqual(errors, []);
  await ctx.close();
});

test("no worker can be made: the page evaluates in itself", async () => {
  const { ctx, page, errors } = await device({
    init: () => {
      window.Worker = function () {
        throw new DOMException("Workers are not allowed here", "SecurityError");
      };
    },
  });
  await page.goto(`${env.base}#teller`);
  await paste(page, CASH);
  await page.locator('[data-testid=pitch][data-product="wm.product"]').waitFor();
  await page.goto(`${env.base}#lobby`);
  await page.getByTestId("queue-card").first().waitFor();
  assert.deepEqual(errors, []);
  await ctx.close();
});

test("the worker's script does not load: the page evaluates in itself", async () => {
  const { ctx, page, errors } = await device();
  await ctx.route(/\/worker\.js$/, (route) => route.fulfill({ status: 404, body: "" }));
  await page.goto(`${env.base}#teller`);
  await paste(page, CASH);
  await page.locator('[data-testid=pitch][data-product="wm.product"]').waitFor();
  assert.deepEqual(errors, []);
  await ctx.close();
});
