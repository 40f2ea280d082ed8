// The customer manager's and the branch head's screens (issue 11, one device):
// a lead saved in the lobby reaches the customer manager's inbox; the contact
// plan names products, never ids; a follow-up recorded there holds the product
// back at the counter (pacing); the head's board charts close rates and exports
// the unmet needs; nothing leaves the origin. Screenshots at 1280×800 go to
// /tmp/shots11/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { start, openPage, foreignRequests, scrollsSideways } from "./harness.mjs";

const SHOTS11 = "/tmp/shots11";
const VIEW = { width: 1280, height: 800 };
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const PRODUCT_IDS = JSON.parse(readFileSync(path.join(root, "rules/products.json"), "utf8")).map((p) => p.id);

let env;
before(async () => {
  mkdirSync(SHOTS11, { recursive: true });
  env = await start();
});
after(async () => env?.stop());

/** Writes into the page's store (as other tests do), then reloads. */
async function seed(page, fn, arg) {
  await page.evaluate(
    ([body, a]) => {
      const s = JSON.parse(localStorage.getItem("nextbest.v1") ?? "{}");
      new Function("s", "a", body)(s, a);
      localStorage.setItem("nextbest.v1", JSON.stringify(s));
    },
    [fn, arg],
  );
  await page.reload();
}

/** No catalogue id (wm.product, inv.fund…) in what staff read. */
function assertNoIds(text, where) {
  const found = PRODUCT_IDS.filter((id) => text.includes(id));
  assert.deepEqual(found, [], `${where} shows product ids instead of names`);
}

test("a lead saved in the lobby is in the customer manager's inbox, by name, with who referred it", async () => {
  const { page, ctx, requests, errors } = await openPage(env, "lobby", { viewport: VIEW });
  await page.getByTestId("queue-card").first().waitFor();
  await seed(
    page,
    `s.customers = {...(s.customers ?? {}), [a.id]: a}; s.queue = [a.id, ...(s.queue ?? [])]; s.seen = [a.id, ...(s.seen ?? [])];`,
    {
      id: "R1",
      name: "商机客户",
      segment: "mass",
      risk_rating: 3,
      contact: "139****1111",
      stated_needs: ["insurance"],
      consent: { marketing: true, record: true },
      visit: { purpose: "transfer", at: "2026-11-24T10:00:00+08:00", waiting: true },
    },
  );
  const card = page.locator("[data-testid=queue-card][data-customer=R1]");
  await card.getByTestId("lead").click();
  await page.getByTestId("lobby-tab-leads").filter({ hasText: "商机与未满足需求 1" }).waitFor();

  await page.goto(`${env.base}#cm`);
  const lead = page.locator("[data-testid=cm-lead][data-customer=R1]");
  await lead.waitFor();
  const text = await lead.textContent();
  assert.match(text, /商机客户/);
  assert.match(text, /保险保障/, "the stated need, by the pack's name");
  assert.match(await lead.getByTestId("cm-lead-by").textContent(), /大堂经理/, "referred by the lobby manager, by role");
  const products = await lead.getByTestId("cm-lead-products").textContent();
  assert.notEqual(products.trim(), "—", "the products of interest are listed");
  assertNoIds(text, "the inbox");
  await page.getByTestId("plan-line").first().waitFor();
  await page.screenshot({ path: `${SHOTS11}/cm-inbox-1280.png` });
  assert.deepEqual(errors, []);
  assert.deepEqual(foreignRequests(requests, env.base), []);
  await ctx.close();
});

test("the contact plan names products; a follow-up there holds the product back at the counter", async () => {
  const { page, ctx, requests, errors } = await openPage(env, "teller", { viewport: VIEW });
  // At the counter first: what the teller would pitch to 钟子鑫 (C0048) now.
  await page.getByTestId("pitch").waitFor();
  await page.getByTestId("customer").selectOption("C0048");
  await page.locator("[data-testid=pitch][data-product]:not([data-product=''])").waitFor();
  await page.waitForFunction(() => document.querySelector("[data-testid=customer]")?.value === "C0048" && !document.querySelector(".teller-main.stale"));
  const product = await page.getByTestId("pitch").getAttribute("data-product");
  assert.ok(product, "the teller pitches something to C0048");

  await page.goto(`${env.base}#cm`);
  const lines = page.getByTestId("plan-line");
  await lines.first().waitFor();
  assert.equal(await lines.count(), 20, "the top 20 first");
  const plan = page.getByTestId("cm-plan");
  assertNoIds(await plan.textContent(), "the contact plan");
  const firstOffer = (await lines.first().getByTestId("offer-name").first().textContent()).trim();
  assert.match(firstOffer, /^[\u4e00-\u9fff]/, "an offer is a product's Chinese name");
  await page.screenshot({ path: `${SHOTS11}/cm-1280.png` });
  assert.equal(await scrollsSideways(page), false);

  const total = Number((await plan.locator("h2").textContent()).match(/(\d+) customers/)[1]);
  await page.getByTestId("plan-more").click();
  await page.waitForFunction((n) => document.querySelectorAll("[data-testid=plan-line]").length === n, Math.min(40, total));

  // Show more until the customer's line is there.
  const line = page.locator("[data-testid=plan-line][data-customer=C0048]");
  while (!(await line.count()) && (await page.getByTestId("plan-more").count())) await page.getByTestId("plan-more").click();
  assert.equal(await line.count(), 1, "C0048 is in the plan");
  assert.equal(await line.locator(`[data-testid=plan-offers] li[data-product="${product}"]`).count(), 1, "the plan offers what the counter pitches");

  // The CSV: the whole plan, products by name, no formula.
  const [csv] = await Promise.all([page.waitForEvent("download"), page.getByTestId("plan-csv").click()]);
  const text = readFileSync(await csv.path(), "utf8");
  assert.match(text, /^\uFEFF"排名 rank","客户号 customer","姓名 name"/);
  assert.match(text, /"C0048","钟子鑫"/);
  assertNoIds(text, "the plan CSV");

  // Record a follow-up: phone, declined.
  await line.getByTestId("followup-open").click();
  await line.getByTestId("followup-product").selectOption(product);
  await line.getByTestId("followup-channel").selectOption("phone");
  await line.getByTestId("followup-declined").click();
  const after = page.locator("[data-testid=plan-line][data-customer=C0048]");
  await after.getByTestId("plan-followups").waitFor();
  assert.match(await after.getByTestId("plan-followups").textContent(), /电话 · .+ · 婉拒/);
  assert.equal(await after.locator(`[data-testid=plan-offers] li[data-product="${product}"]`).count(), 0, "no longer offered in the plan");
  assert.equal(await after.locator(`[data-testid=plan-paced] [data-product="${product}"]`).count(), 1, "said to be held back, by name");
  assert.match(await after.getByTestId("plan-paced").textContent(), /暂不提及/);
  await page.setViewportSize({ width: 1280, height: 800 });
  await after.scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS11}/cm-followup-1280.png` });

  // Back at the counter: the same customer is not pitched that product again.
  await page.goto(`${env.base}#teller`);
  await page.getByTestId("recorded").filter({ hasText: "客户经理" }).waitFor();
  const pitched = await page.getByTestId("pitch").getAttribute("data-product");
  assert.notEqual(pitched, product, "pacing holds the declined product back at the counter");
  assert.match(await page.getByTestId("recorded").textContent(), /婉拒/);
  assert.deepEqual(errors, []);
  assert.deepEqual(foreignRequests(requests, env.base), []);
  await ctx.close();
});

test("the plan's CSV cannot carry a spreadsheet formula", async () => {
  const { page, ctx } = await openPage(env, "cm", { viewport: VIEW });
  await page.getByTestId("plan-line").first().waitFor();
  // A customer of the book (as if pasted at the counter) whose name is a formula.
  const sample = await page.evaluate(async () => (await (await fetch("samples/customers.json")).json()).find((c) => c.id === "C0048"));
  await seed(page, `s.customers = {...(s.customers ?? {}), [a.id]: a};`, { ...sample, id: "X1", name: '=HYPERLINK("http://x","a")', contact: "@x" });
  await page.locator("[data-testid=plan-line][data-customer=X1]").waitFor();
  const [csv] = await Promise.all([page.waitForEvent("download"), page.getByTestId("plan-csv").click()]);
  const text = readFileSync(await csv.path(), "utf8");
  assert.match(text, /"X1","'=HYPERLINK\(""http:\/\/x"",""a""\)","'@x"/, "a leading apostrophe defuses the formula");
  assert.doesNotMatch(text, /(^|,)"[=+\-@]/m, "no cell starts with a formula character");
  await ctx.close();
});

test("the branch head sees close rates as a chart and exports the unmet needs", async () => {
  const { page, ctx, requests, errors } = await openPage(env, "head", { viewport: VIEW });
  await page.getByTestId("head-referrals").waitFor();
  assert.match(await page.getByTestId("head-referrals").textContent(), /暂无转介记录/);
  await seed(
    page,
    `
    s.handoffs = [
      {id: "h1", at: "2026-11-30T09:00:00+08:00", from: "teller", customer: "C0048", name: "钟子鑫", need: "大额存款", destination: "product_sales", products: ["dep.large_cd"], status: "done"},
      {id: "h2", at: "2026-11-30T09:30:00+08:00", from: "teller", customer: "C0001", name: "高凯鹏", need: "理财", destination: "product_sales", products: ["wm.product"], status: "open"},
      {id: "h3", at: "2026-11-30T09:40:00+08:00", from: "vip_teller", customer: "C0015", name: "严伟国", need: "理财", destination: "private_banking", products: [], status: "open"},
    ];
    s.outcomes = {C0048: [{product: "dep.large_cd", at: "2026-11-30T09:20:00+08:00", outcome: "accepted", by: "psm", rules: ["up_large_cd"]}],
                  C0001: [{product: "wm.product", at: "2026-11-30T09:35:00+08:00", outcome: "declined", by: "teller", rules: []}]};
    s.unmet = [{at: "2026-11-30T10:00:00+08:00", customer: "C0001", name: "高凯鹏", need: "insurance", by: "lobby"},
               {at: "2026-11-30T10:05:00+08:00", customer: "C0015", name: "严伟国", need: "insurance", by: "lobby"}];
    `,
  );
  const chart = page.getByTestId("close-rate-chart");
  await chart.waitFor();
  assert.ok((await chart.locator("rect.closed").count()) >= 1, "a closed share is drawn");
  assert.match(await chart.getAttribute("aria-label"), /成交率/);
  const teller = page.locator("[data-testid=referral-row][data-role=teller]");
  assert.match(await teller.textContent(), /高柜柜员.*2.*1.*50%/, "teller: 2 hand-offs, 1 closed");
  assert.match(await page.locator("[data-testid=referral-row][data-role=vip_teller]").textContent(), /0%/);
  const board = await page.locator("#head").textContent();
  assertNoIds(board, "the board");
  assert.match(await page.getByTestId("head-products").textContent(), /大额存单/);
  assert.match(await page.getByTestId("sale").first().textContent(), /钟子鑫.*大额存单/);
  assert.match(await page.getByTestId("sale-chain").first().textContent(), /高柜柜员/);
  assert.match(await page.getByTestId("head-versions").textContent(), /2026\.11/);
  await page.screenshot({ path: `${SHOTS11}/head-1280.png`, fullPage: true });
  assert.equal(await scrollsSideways(page), false);

  const [csv] = await Promise.all([page.waitForEvent("download"), page.getByTestId("unmet-csv").click()]);
  const text = readFileSync(await csv.path(), "utf8");
  assert.match(text, /^\uFEFF"未满足需求","需求代码","次数"/);
  assert.match(text, /"保险保障","insurance","2","高凯鹏、严伟国"/);
  assert.deepEqual(errors, []);
  assert.deepEqual(foreignRequests(requests, env.base), []);
  await ctx.close();
});
