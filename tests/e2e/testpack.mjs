// A pack of the tests' own, built in the page from the bundled pack's
// pack.json and products.json with a few rules whose every answer the tests
// know, so they pin the page's behaviour and not whichever product the
// bundled rules pitch today. Installed as the live pack (as the studio would
// publish it) and the page reloaded.
//
//   visit purpose cash_deposit    → 定期存款 dep.deposit (R1, simple)
//   visit purpose wealth_inquiry  → 理财产品 wm.product (R2, complex; a risk disclosure)
//   accepted a complex product    → product_sales, then a second step
//   at a counter (teller)         → relationship_manager
//   in the lobby                  → self_service, then a second step
//   screening                     → can_pay passed, can_decide failed; grade B
//   labels                        → purpose cash_deposit is "测试存现 Test deposit";
//                                   with { unlabelled: true } the pack has no purpose
//                                   names at all (the engine refuses a list that
//                                   names only some, so that is how a page meets one)

export const LABEL_DEPOSIT = { zh: "测试存现", en: "Test deposit" };
export const THEN_ACCEPTED = "然后到高柜取号办理取现";
export const THEN_LOBBY = "然后回大堂登记";

const RULES = {
  "xs_t_simple.rhai": `//! kind: cross_sell
//! priority: 50
//! zh: 测试：存现推定期
//! en: test: a cash deposit gets a time deposit
if c.visit_for("cash_deposit") { suggest("dep.deposit", "测试：存现推定期", "test: a time deposit") }`,
  "xs_t_complex.rhai": `//! kind: cross_sell
//! priority: 50
//! zh: 测试：理财咨询推理财
//! en: test: a wealth inquiry gets a wealth product
if c.visit_for("wealth_inquiry") { suggest("wm.product", "测试：理财咨询推理财", "test: a wealth product") }`,
  "route_t_accepted.rhai": `//! kind: route
//! priority: 100
//! zh: 测试：接受复杂产品，转低柜
//! en: test: an accepted complex product goes to product sales
let product = c.accepted_today();
if product != "" && !product_simple(product) {
    route("product_sales", "测试：复杂产品转低柜", "test: complex to product sales").then("${THEN_ACCEPTED}", "Then take a number for the withdrawal")
}`,
  "route_t_counter.rhai": `//! kind: route
//! priority: 10
//! zh: 测试：柜员转客户经理
//! en: test: from a counter to the relationship manager
if c.channel == "teller" || c.channel == "vip_teller" { route("relationship_manager", "测试：柜员转客户经理", "test: counter to the relationship manager") }`,
  "route_t_lobby.rhai": `//! kind: route
//! priority: 10
//! zh: 测试：大堂引导至自助区
//! en: test: the lobby sends to self-service
if c.channel == "lobby" { route("self_service", "测试：大堂引导至自助区", "test: lobby to self-service").then("${THEN_LOBBY}", "Then back to the lobby desk") }`,
  "screen_t.rhai": `//! kind: screen
//! priority: 10
//! zh: 测试筛选
//! en: test screening
[screen("can_pay", true, "测试：有支付能力", "test: can pay"), screen("can_decide", false, "测试：不能决定", "test: cannot decide")]`,
  "grade_t.rhai": `//! kind: grade
//! priority: 10
//! zh: 测试等级
//! en: test grade
if c.passes("can_pay") { grade("B", "测试：有钱待跟进", "test: funds, follow up") }`,
};

/** Makes the test pack the live pack of `page`'s origin and reloads; resolves with its pack.json (parsed). */
export async function installTestPack(page, { unlabelled = false } = {}) {
  const manifest = await page.evaluate(
    async ([rules, label, unlabelled]) => {
      const glue = await import("./pkg/nextbest.js");
      await glue.default();
      const bundled = glue.bundledPack();
      const files = {};
      for (const [name, text] of Object.entries(bundled.files)) {
        if (name === "pack.json" || name === "products.json") files[name] = text;
      }
      const pack = JSON.parse(files["pack.json"]);
      pack.labels.purpose.cash_deposit = label;
      if (unlabelled) delete pack.labels.purpose;
      files["pack.json"] = JSON.stringify(pack, null, 2);
      Object.assign(files, rules);
      new glue.NextBest({ files }).free(); // compiles, or throws here rather than fall back in the page
      const s = JSON.parse(localStorage.getItem("nextbest.v1") ?? "{}");
      s.live = { files };
      localStorage.setItem("nextbest.v1", JSON.stringify(s));
      return pack;
    },
    [RULES, LABEL_DEPOSIT, unlabelled],
  );
  await page.reload();
  return manifest;
}
