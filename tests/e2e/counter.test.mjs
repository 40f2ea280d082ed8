// The counter and the hall (issue 10): what the teller sees after an
// answer (the next step, Undo), a bad paste, the labelled risk badge, the
// risk disclosure and grade; what the lobby sees (purpose and arrival time
// on each card, the hand-off's purpose and answers, the destination a
// confirmed hand-off shows), names from the pack rather than the page, and
// leads and the day's chart within reach on a tablet. Most tests run on the
// tests' own pack (testpack.mjs), so they do not depend on what the bundled
// rules pitch.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { start, openPage, scrollsSideways, SHOTS } from "./harness.mjs";
import { installTestPack, LABEL_DEPOSIT, THEN_ACCEPTED, THEN_LOBBY } from "./testpack.mjs";

let env;
before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  env = await start();
});
after(async () => env?.stop());

const AT = "2026-11-24T09:07:00+08:00";
const customer = (id, purpose, more = {}) => ({
  id,
  name: `客户${id}`,
  segment: "mass",
  risk_rating: 3,
  visit: { purpose, at: AT },
  consent: { marketing: true, record: true },
  ...more,
});

async function paste(page, c) {
  await page.locator("details.paste").evaluate((d) => (d.open = true));
  await page.getByTestId("paste").fill(typeof c === "string" ? c : JSON.stringify(c));
  await page.getByTestId("paste-go").click();
}

/** Pastes a customer and waits for the screen drawn for them. */
async function serve(page, c) {
  await paste(page, c);
  await page.waitForFunction((id) => document.querySelector("[data-testid=customer]")?.value === id, c.id);
  await page.getByTestId("pitch").waitFor();
}

const stored = (page) => page.evaluate(() => JSON.parse(localStorage.getItem("nextbest.v1")));

test("accepted, complex product: the next step names the lobby's destination by the pack's name; the hand-off goes there; Undo takes the answer back", async () => {
  const { page, ctx, errors } = await openPage(env, "teller");
  await page.getByTestId("pitch").waitFor();
  const pack = await installTestPack(page);
  const c = customer("K1", "wealth_inquiry");
  await serve(page, c);
  const pitch = page.getByTestId("pitch");
  assert.equal(await pitch.getAttribute("data-product"), "wm.product");
  const pitchText = await page.getByTestId("pitch-zh").textContent();

  // The risk badge says which side is which; the disclosure is in the pitch's own card; the grade is there, compact.
  const risk = page.getByTestId("risk");
  assert.match(await risk.textContent(), /产品风险 R2 · 客户评级 C3/);
  assert.match(await risk.textContent(), /C3 ≥ R2/);
  assert.match(await risk.textContent(), /Product risk R2 · customer rating C3/);
  const disclosure = pitch.getByTestId("disclosure");
  assert.match(await disclosure.textContent(), new RegExp(pack.policy.risk_disclosure.zh));
  assert.match(await disclosure.textContent(), /须告知客户/);
  assert.ok(await disclosure.isVisible());
  const grade = page.getByTestId("grade");
  assert.equal(await grade.getAttribute("data-grade"), "B");
  assert.match(await grade.locator("summary").textContent(), new RegExp(`B\\s*${pack.grading.grades.B.zh}`));
  await grade.locator("summary").click();
  assert.match(await grade.textContent(), new RegExp(`✓ ${pack.grading.tests.can_pay.zh}`));
  assert.match(await grade.textContent(), new RegExp(`✗ ${pack.grading.tests.can_decide.zh}`));

  await page.getByTestId("record-accepted").click();
  const next = page.getByTestId("next-step");
  await next.waitFor();
  assert.equal(await next.getAttribute("data-next"), "handoff");
  assert.equal(await next.getAttribute("data-destination"), "product_sales");
  const nextText = await next.textContent();
  assert.match(nextText, new RegExp(`引导客户至 ${pack.destinations.product_sales.zh}`), "the destination by its pack name");
  assert.match(nextText, new RegExp(pack.destinations.product_sales.en));
  assert.doesNotMatch(nextText, /product_sales/, "never the id");
  assert.match(nextText, new RegExp(THEN_ACCEPTED), "the route's second step");
  assert.match(nextText, new RegExp(pack.policy.risk_disclosure.zh), "the disclosure still stands with the product");
  assert.equal(await page.getByTestId("pitch").count(), 0, "the pitch is done");
  assert.equal((await stored(page)).outcomes.K1.length, 1);

  // The hand-off carries the same destination the teller was shown.
  await next.getByTestId("call-lobby").click();
  await page.getByTestId("flash").filter({ hasText: "已呼叫大堂经理" }).waitFor();
  const handoffs = (await stored(page)).handoffs.filter((x) => x.customer === "K1");
  assert.equal(handoffs.length, 1);
  assert.equal(handoffs[0].destination, "product_sales");
  assert.equal(handoffs[0].accepted, "wm.product");
  assert.equal(handoffs[0].purpose, "wealth_inquiry");

  // Undo: the answer is gone from storage and the screen is as it was.
  await next.getByTestId("undo").click();
  await page.locator('[data-testid=pitch][data-product="wm.product"]').waitFor();
  assert.equal(await page.getByTestId("next-step").count(), 0);
  assert.equal(await page.getByTestId("pitch-zh").textContent(), pitchText);
  assert.equal(await page.getByTestId("recorded").count(), 0, "nothing recorded any more");
  assert.equal((await stored(page)).outcomes.K1, undefined);
  await page.reload();
  await page.locator('[data-testid=pitch][data-product="wm.product"]').waitFor();
  assert.equal(await page.getByTestId("next-step").count(), 0, "still undone after a reload");
  assert.deepEqual(errors, []);
  await ctx.close();
});

test("accepted, simple product: completed at the counter; a decline can be undone too", async () => {
  const { page, ctx, errors } = await openPage(env, "teller");
  await page.getByTestId("pitch").waitFor();
  await installTestPack(page);
  await serve(page, customer("K2", "cash_deposit"));
  assert.equal(await page.getByTestId("pitch").getAttribute("data-product"), "dep.deposit");
  assert.equal(await page.getByTestId("pitch").getByTestId("disclosure").count(), 0, "an R1 product has no disclosure");
  await page.getByTestId("record-accepted").click();
  const next = page.getByTestId("next-step");
  await next.waitFor();
  assert.equal(await next.getAttribute("data-next"), "counter");
  assert.match(await next.textContent(), /在柜台当场办理.*complete it at the counter/s);
  await next.getByTestId("undo").click();
  await page.locator('[data-testid=pitch][data-product="dep.deposit"]').waitFor();

  await page.getByTestId("record-declined").click();
  await page.getByTestId("last-recorded").waitFor();
  assert.notEqual(await page.getByTestId("pitch").getAttribute("data-product"), "dep.deposit", "declined: held back");
  await page.getByTestId("last-recorded").getByTestId("undo").click();
  await page.locator('[data-testid=pitch][data-product="dep.deposit"]').waitFor();
  assert.equal((await stored(page)).outcomes.K2, undefined);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test("the risk badge of an unrated customer says so", async () => {
  const { page, ctx } = await openPage(env, "teller");
  await page.getByTestId("pitch").waitFor();
  await installTestPack(page);
  await serve(page, customer("K3", "cash_deposit", { risk_rating: null }));
  const risk = page.getByTestId("risk");
  assert.match(await risk.textContent(), /产品风险 R1 · 客户未评级/);
  assert.match(await risk.textContent(), /unrated/);
  assert.doesNotMatch(await risk.textContent(), /C\d/);
  await ctx.close();
});

test("a bad paste clears the previous customer's pitch and names the field, in Chinese with English beside it", async () => {
  const { page, ctx, errors } = await openPage(env, "teller");
  const good = {
    id: "K4",
    name: "上一位客户",
    segment: "mass",
    risk_rating: 3,
    transactions: [{ kind: "cash_withdrawal", amount: 80000, at: "2026-11-24" }],
    visit: { purpose: "cash_withdrawal", at: "2026-11-24T10:00:00+08:00" },
    consent: { marketing: true, record: true },
  };
  await serve(page, good);
  const error = page.getByTestId("paste-error");

  // A record the engine refuses: the field named both ways; nobody's pitch, name or buttons left on screen.
  await paste(page, { ...good, id: "K5", transactions: [{ kind: "cash_withdrawal", amount: "lots", at: "2026-11-24" }] });
  await error.waitFor();
  assert.equal(await page.getByTestId("pitch").count(), 0, "the previous customer's pitch is gone");
  assert.equal(await page.locator(".who").count(), 0, "and their name");
  assert.equal(await page.getByTestId("record-accepted").count(), 0, "and the buttons that would record for them");
  assert.equal(await error.getAttribute("data-field"), "transactions[0].amount");
  const text = await error.textContent();
  assert.match(text, /第1笔交易的金额（transactions\[0\]\.amount）——应为数字/);
  assert.match(text, /transactions\[0\]\.amount: invalid type/);
  assert.match(text, /无法使用粘贴的客户.*The pasted customer cannot be used/s);
  assert.notEqual(await page.getByTestId("customer").inputValue(), "K4", "the list no longer shows the previous customer as served");

  // Not JSON at all.
  await serve(page, good);
  await paste(page, '{"id": "K6", "name": }');
  await error.waitFor();
  assert.equal(await page.getByTestId("pitch").count(), 0);
  assert.match(await error.textContent(), /粘贴的内容不是有效的 JSON.*请检查括号、引号和逗号/);
  assert.match(await error.textContent(), /Not valid JSON/);

  // A visit purpose the pack does not know, and a misspelt field.
  await paste(page, { ...good, id: "K7", visit: { purpose: "shopping", at: good.visit.at } });
  await error.filter({ hasText: "visit.purpose" }).waitFor();
  assert.match(await error.textContent(), /来访目的（visit\.purpose）——不在规则包的来访目的列表中/);
  await paste(page, { ...good, id: "K8", Visit: good.visit });
  await error.filter({ hasText: "「Visit」" }).waitFor();
  assert.match(await error.textContent(), /是否应为「visit」/);

  // Picking a customer ends the error.
  await page.getByTestId("customer").selectOption("K4");
  await page.getByTestId("pitch").waitFor();
  assert.equal(await error.count(), 0);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test("visit purposes come from the pack: its names in the teller's list and the lobby's cards", async () => {
  const { page, ctx } = await openPage(env, "teller");
  await page.getByTestId("pitch").waitFor();
  const pack = await installTestPack(page);
  await serve(page, customer("K9", "cash_deposit"));
  const options = await page.getByTestId("purpose").locator("option").allTextContents();
  assert.ok(options.includes(`${LABEL_DEPOSIT.zh} ${LABEL_DEPOSIT.en}`), options.join("|"));
  assert.ok(options.includes(`${pack.labels.purpose.cash_withdrawal.zh} ${pack.labels.purpose.cash_withdrawal.en}`));
  assert.ok(options.includes(`${pack.labels.purpose.safe_deposit_box.zh} ${pack.labels.purpose.safe_deposit_box.en}`));
  assert.equal(options.length, pack.vocabulary.purpose.length + 1, "the pack's vocabulary, and none");
  assert.match(await page.getByTestId("visit-purpose").textContent(), new RegExp(LABEL_DEPOSIT.zh));
  // The teller's counter buttons by the pack's channel names.
  assert.match(await page.locator('[data-channel="vip_teller"]').textContent(), new RegExp(pack.labels.channel.vip_teller.zh));
  await ctx.close();
});

test("a pack that names no visit purposes shows each id marked as unlabelled, never as if it were a name", async () => {
  const { page, ctx } = await openPage(env, "teller");
  await page.getByTestId("pitch").waitFor();
  await installTestPack(page, { unlabelled: true });
  await serve(page, customer("K10", "cash_withdrawal"));
  const options = await page.getByTestId("purpose").locator("option").allTextContents();
  assert.ok(options.some((o) => /^⚠safe_deposit_box（未命名 unlabelled）$/.test(o)), options.join("|"));
  await ctx.close();
});

/** Puts customers into the store (as pasted at a counter) and into the hall. */
async function intoHall(page, ...cs) {
  await page.evaluate((list) => {
    const s = JSON.parse(localStorage.getItem("nextbest.v1") ?? "{}");
    s.customers = { ...(s.customers ?? {}) };
    s.queue = s.queue ?? [];
    for (const c of list) {
      s.customers[c.id] = c;
      s.queue = [c.id, ...s.queue.filter((id) => id !== c.id)];
    }
    s.seen = [...new Set([...list.map((c) => c.id), ...(s.seen ?? [])])];
    localStorage.setItem("nextbest.v1", JSON.stringify(s));
  }, cs);
}

test("a queue card shows the visit purpose by the pack's name, the arrival time, the grade and the route's second step", async () => {
  const { page, ctx, errors } = await openPage(env, "lobby", { viewport: { width: 1024, height: 768 } });
  await page.getByTestId("queue-card").first().waitFor();
  await installTestPack(page);
  await intoHall(page, customer("H1", "cash_deposit"), customer("H2", "complaint", { visit: { purpose: "complaint", at: "2026-11-24T14:32:00+08:00" } }));
  await page.reload();
  const card = page.locator("[data-testid=queue-card][data-customer=H1]");
  await card.waitFor();
  assert.match(await card.getByTestId("card-purpose").textContent(), new RegExp(`${LABEL_DEPOSIT.zh}\\s*${LABEL_DEPOSIT.en}`));
  assert.doesNotMatch(await card.textContent(), /cash_deposit/, "never the id");
  assert.match(await card.getByTestId("card-arrived").textContent(), /09:07/);
  assert.equal(await card.getByTestId("card-grade").textContent(), "B");
  assert.match(await card.getByTestId("card-then").textContent(), new RegExp(THEN_LOBBY));
  const complaint = page.locator("[data-testid=queue-card][data-customer=H2]");
  assert.match(await complaint.getByTestId("card-purpose").textContent(), /⚠ 投诉.*不做营销/);
  assert.match(await complaint.getByTestId("card-arrived").textContent(), /14:32/);
  assert.equal(await scrollsSideways(page), false);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test("a hand-off carries the visit purpose and the customer's answers; confirmed, its destination is the one the card shows", async () => {
  const { page, ctx, errors } = await openPage(env, "teller");
  await page.getByTestId("pitch").waitFor();
  const pack = await installTestPack(page);
  // At the counter the test pack routes to the relationship manager; in the hall, to self-service.
  const c = customer("H3", "wealth_inquiry");
  await serve(page, c);
  await page.getByTestId("record-declined").click();
  await page.getByTestId("last-recorded").waitFor();
  await page.getByTestId("call-lobby").click();
  await page.getByTestId("flash").filter({ hasText: "已呼叫大堂经理" }).waitFor();

  await page.goto(`${env.base}#lobby`);
  await page.getByTestId("handoff").first().waitFor();
  await intoHall(page, c);
  await page.reload();
  const handoff = page.locator("[data-testid=handoff][data-customer=H3]");
  await handoff.waitFor();
  assert.equal(await handoff.getAttribute("data-destination"), "relationship_manager");
  assert.match(await handoff.getByTestId("handoff-purpose").textContent(), new RegExp(pack.labels.purpose.wealth_inquiry.zh));
  const answers = await handoff.getByTestId("handoff-answers").textContent();
  assert.match(answers, /婉拒 理财产品/, "the declined product by its name");
  assert.doesNotMatch(answers, /wm\.product/);
  assert.equal(await handoff.getByTestId("handoff-complaint").count(), 0);

  const card = page.locator("[data-testid=queue-card][data-customer=H3]");
  await card.waitFor();
  assert.equal(await card.getAttribute("data-destination"), "relationship_manager", "an open hand-off: the card shows where it goes");
  await handoff.getByTestId("handoff-confirm").click();
  await card.getByTestId("confirmed").waitFor();
  assert.equal(await card.getAttribute("data-destination"), "relationship_manager", "confirmed: the card shows the hand-off's destination");
  assert.match(await card.getByTestId("card-destination").textContent(), new RegExp(pack.destinations.relationship_manager.zh));
  assert.doesNotMatch(await card.getByTestId("card-route").textContent(), new RegExp(pack.destinations.self_service.zh), "not the hall's own route");
  const s = await stored(page);
  assert.equal(s.confirmed.H3.destination, "relationship_manager");
  assert.equal(s.day.customers.H3.destination, "relationship_manager", "the day's chart counts the same");
  await page.reload();
  await card.getByTestId("confirmed").waitFor();
  assert.equal(await card.getAttribute("data-destination"), "relationship_manager");
  assert.deepEqual(errors, []);
  await ctx.close();
});

test("a complaint handed to the lobby is said to be a complaint", async () => {
  const { page, ctx } = await openPage(env, "teller");
  await page.getByTestId("pitch").waitFor();
  await installTestPack(page);
  await paste(page, customer("H4", "complaint"));
  await page.waitForFunction(() => document.querySelector("[data-testid=customer]")?.value === "H4");
  await page.getByTestId("call-lobby").click();
  await page.getByTestId("flash").filter({ hasText: "已呼叫大堂经理" }).waitFor();
  await page.goto(`${env.base}#lobby`);
  const handoff = page.locator("[data-testid=handoff][data-customer=H4]");
  await handoff.waitFor();
  assert.equal(await handoff.getAttribute("data-purpose"), "complaint");
  assert.match(await handoff.getByTestId("handoff-complaint").textContent(), /投诉客户.*不做营销.*Complaint/s);
  assert.match(await handoff.locator(".intro").textContent(), /来办理投诉/);
  await ctx.close();
});

for (const viewport of [
  { width: 1024, height: 768 },
  { width: 768, height: 1024 },
]) {
  test(`leads and the day's chart are within reach at ${viewport.width}×${viewport.height}, with a hand-off waiting`, async () => {
    const { page, ctx, errors } = await openPage(env, "teller", { viewport });
    await page.getByTestId("pitch").waitFor();
    await page.getByTestId("call-lobby").click(); // a hand-off waits at the top of the hall
    await page.getByTestId("flash").filter({ hasText: "已呼叫大堂经理" }).waitFor();
    await page.goto(`${env.base}#lobby`);
    await page.getByTestId("handoff").first().waitFor();
    const top = (testid) =>
      page.evaluate((t) => {
        const el = document.querySelector(`[data-testid=${t}]`);
        return el && el.getClientRects().length ? Math.round(el.getBoundingClientRect().top + scrollY) : null;
      }, testid);
    // One tap at the top of the screen, not a scroll down past the hall.
    const tabs = await top("lobby-tab-leads");
    assert.ok(tabs !== null && tabs < viewport.height / 2, `the tabs at ${tabs} px`);
    assert.match(await page.getByTestId("handoffs-waiting").textContent(), /转介 1/);
    await page.getByTestId("lobby-tab-leads").click();
    await page.getByTestId("leads").waitFor();
    const leads = await top("leads");
    await page.getByTestId("lobby-tab-day").click();
    await page.getByTestId("day-chart").waitFor();
    const chart = await top("day-chart");
    console.log(`# ${viewport.width}×${viewport.height}: leads at ${leads} px, day chart at ${chart} px (before the tabs: 1522 and 1808 px at 1024×768)`);
    assert.ok(leads < viewport.height / 2, `leads at ${leads} px`);
    assert.ok(chart < viewport.height / 2, `day chart at ${chart} px`);
    assert.equal(await page.evaluate(() => scrollY), 0, "nothing scrolled to get there");
    assert.equal(await scrollsSideways(page), false);
    // The hand-off still waits on the hall's tab.
    await page.getByTestId("lobby-tab-hall").click();
    await page.getByTestId("handoff").first().waitFor();
    await page.screenshot({ path: `${SHOTS}/lobby-tabs-${viewport.width}.png` });
    assert.deepEqual(errors, []);
    await ctx.close();
  });
}
