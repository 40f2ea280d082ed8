// The teller screen in headless Chromium: the expected pitch for a customer,
// a decline held back at once, a hand-off to the lobby, pitch text that
// contains markup shown as text, reload keeps everything, no foreign requests.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { start, serveDir, openPage, foreignRequests, scrollsSideways, SHOTS } from "./harness.mjs";

let env;
before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  env = await start();
});
after(async () => env?.stop());

/** A customer whose expected pitch the bundled pack pins (rules/fixtures/teller.json). */
const CASH = {
  id: "E2E1",
  name: "测试客户",
  segment: "mass",
  risk_rating: 3,
  transactions: [{ kind: "cash_withdrawal", amount: 80000, at: "2026-11-24" }],
  visit: { purpose: "cash_withdrawal", at: "2026-11-24T10:00:00+08:00" },
  consent: { marketing: true, record: true },
};

async function paste(page, customer, { valid = true } = {}) {
  await page.locator("details.paste").evaluate((d) => (d.open = true));
  await page.getByTestId("paste").fill(JSON.stringify(customer));
  await page.getByTestId("paste-go").click();
  // The engine answers from its worker: wait for the screen drawn for this customer.
  if (valid) await page.waitForFunction((id) => document.querySelector("[data-testid=customer]")?.value === id, customer.id);
}

test("navigation to the first pitch, measured", async () => {
  const { page, ctx, requests, errors } = await openPage(env, "teller");
  const t0 = Date.now();
  await page.getByTestId("pitch").waitFor();
  const ms = await page.evaluate(() => performance.now());
  console.log(`# first pitch ${Math.round(ms)} ms after navigation start (wall ${Date.now() - t0} ms after load)`);
  assert.deepEqual(errors, []);
  assert.deepEqual(foreignRequests(requests, env.base), []);
  await ctx.close();
});

test("a customer gets the expected pitch; a decline is held back at once and survives reload", async () => {
  const { page, ctx, requests, errors } = await openPage(env, "teller");
  await paste(page, CASH);
  const pitch = page.getByTestId("pitch");
  await assert.doesNotReject(pitch.waitFor());
  assert.equal(await pitch.getAttribute("data-product"), "wm.product");
  assert.match(await page.getByTestId("reason").textContent(), /大额取现且无理财产品/);
  assert.equal(await page.getByTestId("route").getAttribute("data-destination"), "relationship_manager");
  await page.screenshot({ path: `${SHOTS}/teller-1366.png` });
  assert.equal(await scrollsSideways(page), false);

  await page.getByTestId("record-declined").click();
  await page.waitForFunction(() => document.querySelector("[data-testid=pitch]")?.dataset.product !== "wm.product");
  assert.notEqual(await pitch.getAttribute("data-product"), "wm.product", "declined product not pitched again");
  assert.match(await page.getByTestId("recorded").textContent(), /理财产品 · 婉拒 Declined · 高柜柜员/);

  await page.reload();
  await pitch.waitFor();
  assert.notEqual(await pitch.getAttribute("data-product"), "wm.product", "the decline is still there after reload");
  assert.match(await page.getByTestId("recorded").textContent(), /婉拒/);
  assert.deepEqual(errors, []);
  assert.deepEqual(foreignRequests(requests, env.base), []);
  await ctx.close();
});

test("call the lobby manager: the hand-off appears on the lobby tablet", async () => {
  const { page, ctx } = await openPage(env, "teller");
  await paste(page, CASH);
  await page.getByTestId("call-lobby").click();
  await page.goto(`${env.base}#lobby`);
  const handoff = page.getByTestId("handoff").first();
  await handoff.waitFor();
  assert.equal(await handoff.getAttribute("data-customer"), "E2E1");
  const text = await handoff.textContent();
  assert.match(text, /测试客户您好，这位是我们的客户经理/, "introduces both sides");
  assert.match(text, /大额取现且无理财产品/, "states the need");
  await handoff.getByTestId("handoff-confirm").click();
  await page.locator(`[data-testid=queue-card][data-customer=E2E1] [data-testid=confirmed]`).waitFor();
  await ctx.close();
});

test("a malformed customer names the field; markup in data is shown as text", async () => {
  const { page, ctx, errors } = await openPage(env, "teller");
  await paste(page, { ...CASH, id: "E2E2", transactions: [{ kind: "cash_withdrawal", amount: "lots", at: "2026-11-24" }] }, { valid: false });
  // The engine checks the record in its worker: the answer comes a moment later.
  await page.getByTestId("paste-error").filter({ hasText: /transactions\[0\]\.amount/ }).waitFor();

  const evil = { ...CASH, id: "E2E3", name: '<img src=x onerror="window.__pwned=1">王<b>五</b>' };
  await paste(page, evil);
  await page.getByTestId("pitch").waitFor();
  const name = await page.locator(".who .name").textContent();
  assert.equal(name, evil.name, "the name is text, markup and all");
  assert.equal(await page.locator(".who img, .who b").count(), 0);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test("fits a 1024×768 tablet without sideways scrolling", async () => {
  const { page, ctx } = await openPage(env, "teller", { viewport: { width: 1024, height: 768 } });
  await page.getByTestId("pitch").waitFor();
  assert.equal(await scrollsSideways(page), false);
  await page.screenshot({ path: `${SHOTS}/teller-1024.png` });
  await ctx.close();
});

test("pitch text from a rule is shown as text, never as HTML", async () => {
  const { page, ctx, errors } = await openPage(env, "teller");
  await page.getByTestId("pitch").waitFor();
  // A live pack whose rule pitches markup, as a rule author could write it.
  await page.evaluate(async () => {
    const glue = await import("./pkg/nextbest.js");
    await glue.default();
    const pack = glue.bundledPack();
    const file = "xs_large_cash_wealth.rhai";
    pack.files[file] = pack.files[file].replace(
      'suggest("wm.product", "大额取现且无理财产品", "Large cash withdrawal, no wealth product")',
      'suggest("wm.product", "<i>理由</i>", "reason").pitch("<img src=x onerror=\\"window.__pwned=1\\"><b>理财</b>", "<script>x</script>")',
    );
    const s = JSON.parse(localStorage.getItem("nextbest.v1") ?? "{}");
    s.live = pack;
    localStorage.setItem("nextbest.v1", JSON.stringify(s));
  });
  await page.reload();
  await paste(page, { ...CASH, id: "E2E4" });
  await page.getByTestId("pitch").waitFor();
  assert.equal(await page.getByTestId("pitch-zh").textContent(), '<img src=x onerror="window.__pwned=1"><b>理财</b>');
  assert.equal(await page.getByTestId("pitch").locator("img, b, script, i").count(), 0);
  assert.equal(await page.getByTestId("reason").textContent(), "<i>理由</i>");
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.match(await page.locator("#pack-status").textContent(), /草稿/);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test("embedded in the bank's teller system: customer in and outcome out by postMessage, allowed origins only", async (t) => {
  const ctx = await env.browser.newContext({ viewport: { width: 1366, height: 768 } });
  t.after(() => ctx.close()); // also when an assertion fails: no server left running
  // The teller system's own page, embedding ours, served from another origin on loopback.
  const dir = mkdtempSync(path.join(tmpdir(), "nextbest-host-"));
  writeFileSync(
    path.join(dir, "host.html"),
    `<!doctype html><link rel="icon" href="data:,"><iframe id="nb" src="${env.base}#teller" width="1300" height="700"></iframe>
<script>window.msgs = []; addEventListener("message", (e) => window.msgs.push({origin: e.origin, data: e.data}));</script>`,
  );
  const hostServer = await serveDir(dir);
  t.after(() => hostServer.stop());
  const host = hostServer.base;
  const hostOrigin = new URL(host).origin;
  // The deployment's configuration lists the teller system's origin.
  await ctx.route(`${env.base}config.js`, (route) =>
    route.fulfill({ contentType: "text/javascript", body: `export default { allowedOrigins: [${JSON.stringify(hostOrigin)}] };` }),
  );
  const page = await ctx.newPage();
  await page.goto(`${host}host.html`);
  await page.waitForFunction(() => window.msgs.some((m) => m.data.type === "nextbest:ready"));
  const frame = page.frameLocator("#nb");
  await page.evaluate(
    ([c, target]) => document.getElementById("nb").contentWindow.postMessage({ type: "nextbest:customer", customer: c, channel: "teller", purpose: " CASH_WITHDRAWAL " }, target),
    [{ ...CASH, id: "E2E5", name: "嵌入客户" }, new URL(env.base).origin],
  );
  await frame.locator('[data-testid=pitch][data-product="wm.product"]').waitFor();
  assert.equal(await frame.locator(".who .name").textContent(), "嵌入客户");
  await frame.getByTestId("record-accepted").click();
  await page.waitForFunction(() => window.msgs.some((m) => m.data.type === "nextbest:outcome"));
  const out = await page.evaluate(() => window.msgs.find((m) => m.data.type === "nextbest:outcome").data);
  assert.equal(out.customer_id, "E2E5");
  assert.equal(out.product, "wm.product");
  assert.equal(out.outcome, "accepted");
  // The visit purpose is checked against the live pack's vocabulary (folded as the engine folds it, above).
  assert.equal(await frame.getByTestId("purpose").inputValue(), "cash_withdrawal");
  await page.evaluate(
    ([c, target]) => document.getElementById("nb").contentWindow.postMessage({ type: "nextbest:customer", customer: c, purpose: "shopping" }, target),
    [{ ...CASH, id: "E2E9" }, new URL(env.base).origin],
  );
  await page.waitForFunction(() => window.msgs.some((m) => m.data.type === "nextbest:error"));
  const err = await page.evaluate(() => window.msgs.find((m) => m.data.type === "nextbest:error").data);
  assert.equal(err.path, "purpose");
  assert.match(err.message, /unknown visit purpose "shopping".*vocabulary\.purpose/);

  // A message from an origin that is not listed is ignored, even while the
  // page is still loading (the module held back 1.5 s): a frame of another
  // origin sends a customer, then the teller system sends another. The second
  // is taken, so the page was listening when the first was dropped, and the
  // page says (once, for IT) which origin it ignored.
  const otherDir = mkdtempSync(path.join(tmpdir(), "nextbest-other-"));
  writeFileSync(path.join(otherDir, "other.html"), `<!doctype html><link rel="icon" href="data:,"><p>another origin</p>`);
  const otherServer = await serveDir(otherDir);
  t.after(() => otherServer.stop());
  const otherOrigin = new URL(otherServer.base).origin;
  writeFileSync(
    path.join(dir, "host2.html"),
    `<!doctype html><link rel="icon" href="data:,"><iframe id="nb" src="${env.base}#teller" width="1300" height="600"></iframe>
<iframe id="other" src="${otherServer.base}other.html" width="200" height="50"></iframe>
<script>window.msgs = []; addEventListener("message", (e) => window.msgs.push({origin: e.origin, data: e.data}));</script>`,
  );
  await ctx.route(`${env.base}pkg/nextbest_bg.wasm`, async (route) => {
    await new Promise((r) => setTimeout(r, 1500));
    await route.continue();
  });
  const warnings = [];
  page.on("console", (m) => m.type() === "warning" && warnings.push(m.text()));
  await page.goto(`${host}host2.html`);
  await page.waitForFunction(() => window.msgs.some((m) => m.data.type === "nextbest:ready"));
  const nbOrigin = new URL(env.base).origin;
  const other = page.frames().find((f) => f.url().endsWith("/other.html"));
  await other.evaluate(
    ([c, target]) => parent.frames[0].postMessage({ type: "nextbest:customer", customer: c }, target),
    [{ ...CASH, id: "E2E6", name: "不该出现" }, nbOrigin],
  );
  await page.evaluate(
    ([c, target]) => document.getElementById("nb").contentWindow.postMessage({ type: "nextbest:customer", customer: c }, target),
    [{ ...CASH, id: "E2E8", name: "该出现" }, nbOrigin],
  );
  assert.equal(await frame.getByTestId("pitch").count(), 0, "sent while the page was still loading");
  await frame.locator(".who .name", { hasText: "该出现" }).waitFor();
  assert.equal(await frame.locator(".who .name").textContent(), "该出现");
  assert.equal(await frame.locator('[data-testid=customer] option[value="E2E6"]').count(), 0, "the other origin's customer never arrived");
  const nbFrame = page.frames().find((f) => f.url().startsWith(env.base));
  assert.equal(await nbFrame.evaluate(() => JSON.parse(localStorage.getItem("nextbest.v1")).customers.E2E6), undefined);
  assert.ok(warnings.some((w) => w.includes(`ignored a customer message from ${otherOrigin}`)), warnings.join("\n"));
});

test("nothing suitable is said plainly, with the reason", async () => {
  const { page, ctx } = await openPage(env, "teller");
  await paste(page, { ...CASH, id: "E2E7", consent: { marketing: false, record: false } });
  const pitch = page.getByTestId("pitch");
  await pitch.waitFor();
  assert.equal(await pitch.getAttribute("data-product"), "");
  assert.match(await pitch.textContent(), /暂无合适产品.*Nothing suitable.*未同意营销/);
  assert.equal(await page.getByTestId("record-declined").isDisabled(), true);
  await ctx.close();
});
