// The benchmark pack (tests/bench/pack/*.rhai) as json-rules-engine 7 rules,
// equivalent to the hand-written Rust (tests/bench/src/handwritten.rs).
//
// As a json-rules-engine user would write it: each rule is `all`/`any`
// conditions over facts with the stock operators. The customer object is
// the run's facts (`engine.run(customer)`: aum, segment, stated_needs, …);
// the windowed aggregates and the holdings/accounts look-ups are dynamic
// facts with params (`txnMax {kind, days}`, `holds {product}`, …) that the
// engine computes during `run`, each once per run per distinct params (the
// almanac's fact cache). Thresholds and lists come from pack.json's params
// when the engine is built; the rules hold no number of their own except the
// `>= 2` / `>= 1` counts that the .rhai files also spell out.
//
// Input preparation, once per customer and outside the timing (the same
// allowance every peer engine gets): each transaction gains its branch day
// number (`day`, UTC+8 as nextbest counts days) and its amount in CNY (`cny`,
// amount × the pack's fx rate; null for a currency the pack has no rate for,
// which nextbest and the hand-written rules also leave out). Everything else,
// including today's day from visit.at and the holdings' maturity days, is
// worked out inside `run`.
//
// "Fired" is a rule whose conditions held: its event is in `events`.

import { Engine } from "json-rules-engine";
import { branchDay } from "./dates.mjs";

const TIERS = { standard: 0, gold: 1, platinum: 2 };

/** `wm` matches `wm.product`; an id matches itself (nextbest's `holds`). */
function productMatches(id, what) {
  return id === what || (id.length > what.length && id.startsWith(what) && id[what.length] === ".");
}

/** A kind param is one transaction kind or a list of them. */
const kindTest = (kind) => (Array.isArray(kind) ? (k) => kind.includes(k) : (k) => k === kind);

/** The transactions of `kind` from the last `days` branch days, today included. */
async function windowed(params, almanac) {
  const [txns, today] = await Promise.all([almanac.factValue("transactions"), almanac.factValue("today")]);
  const isKind = kindTest(params.kind);
  return txns.filter((t) => {
    const ago = today - t.day;
    return ago >= 0 && ago < params.days && t.cny != null && isKind(t.kind);
  });
}

/** The facts the rules read besides the customer's own fields, and the defaults of those fields. */
function addFacts(engine) {
  // The customer contract's defaults, for a field a customer leaves out
  // (runtime facts replace these).
  const defaults = {
    kind: "individual",
    segment: "mass",
    aum: 0,
    avg_daily_balance: 0,
    accounts: [],
    holdings: [],
    transactions: [],
    applications: [],
    stated_needs: [],
    visit: {},
  };
  for (const [id, value] of Object.entries(defaults)) engine.addFact(id, value);

  // Today, in branch days: the visit's day (nextbest's default "now").
  engine.addFact("today", async (_params, almanac) => {
    const visit = await almanac.factValue("visit");
    return branchDay(visit?.at ?? new Date().toISOString());
  });

  engine.addFact("txnMax", async (params, almanac) =>
    (await windowed(params, almanac)).reduce((m, t) => Math.max(m, t.cny), 0),
  );
  engine.addFact("txnSum", async (params, almanac) =>
    (await windowed(params, almanac)).reduce((s, t) => s + t.cny, 0),
  );
  engine.addFact("txnCount", async (params, almanac) => (await windowed(params, almanac)).length);

  engine.addFact("holds", async ({ product }, almanac) =>
    (await almanac.factValue("holdings")).some((h) => productMatches(h.product, product)),
  );
  engine.addFact("maturesWithin", async ({ product, days }, almanac) => {
    const [holdings, today] = await Promise.all([almanac.factValue("holdings"), almanac.factValue("today")]);
    return holdings.some((h) => {
      if (!h.matures_on || !productMatches(h.product, product)) return false;
      const left = branchDay(h.matures_on) - today;
      return left >= 0 && left <= days;
    });
  });

  engine.addFact("hasAccount", async ({ type }, almanac) =>
    (await almanac.factValue("accounts")).some((a) => a.type === type),
  );
  engine.addFact("accountBalance", async ({ type }, almanac) =>
    (await almanac.factValue("accounts")).reduce((s, a) => (a.type === type ? s + (a.balance ?? 0) : s), 0),
  );
  // The highest tier among the customer's accounts of `type`; null when none.
  engine.addFact("accountTier", async ({ type }, almanac) => {
    let best = null;
    for (const a of await almanac.factValue("accounts")) {
      if (a.type !== type) continue;
      const tier = a.tier ?? "standard";
      if (best === null || TIERS[tier] > TIERS[best]) best = tier;
    }
    return best;
  });
  // Distinct products held: holding product ids and account types together.
  engine.addFact("productsHeld", async (_params, almanac) => {
    const [holdings, accounts] = await Promise.all([almanac.factValue("holdings"), almanac.factValue("accounts")]);
    return new Set([...holdings.map((h) => h.product), ...accounts.map((a) => a.type)]).size;
  });
}

/** The 34 rules, thresholds from `p` (pack.json params). */
export function rules(p) {
  const ge = (fact, value, params) => ({ fact, params, operator: "greaterThanInclusive", value });
  const is = (fact, value, params) => ({ fact, params, operator: "equal", value });
  const need = (x) => ({ fact: "stated_needs", operator: "contains", value: x });
  const applies = (x) => ({ fact: "applications", operator: "contains", value: x });
  const purpose = (x) => ({ fact: "visit", path: "$.purpose", operator: "equal", value: x });
  const notHolds = (product) => is("holds", false, { product });
  const w = p.window_days;
  const h = p.history_days;
  const s = p.salary_window_days;
  const rule = (name, conditions, params) => ({ name, conditions, event: { type: name, params } });

  return [
    // Signals.
    rule("b01_sig_large_cash", {
      any: [
        ge("txnMax", p.large_cash_cny, { kind: "cash_withdrawal", days: w }),
        ge("txnMax", p.large_cash_cny, { kind: "cash_deposit", days: w }),
      ],
    }, { high_value: "large_cash" }),
    rule("b02_sig_high_aum", { all: [ge("aum", p.vip_aum_cny)] }, { high_value: "high_aum" }),
    rule("b03_sig_large_inflow", {
      all: [ge("txnSum", p.large_inflow_30d_cny, { kind: ["transfer_in", "salary_credit"], days: w })],
    }, { high_value: "large_inflow" }),
    rule("b04_sig_premium_profile", {
      any: [
        { fact: "address_area", operator: "in", value: p.high_end_areas },
        { fact: "occupation", operator: "in", value: p.high_income_occupations },
      ],
    }, { high_value: "premium_profile" }),
    rule("b05_sig_corporate_capital", {
      all: [is("kind", "corporate"), ge("registered_capital", p.high_registered_capital_cny)],
    }, { high_value: "large_capital" }),
    rule("b06_sig_large_fx", {
      all: [ge("txnSum", p.large_fx_cny, { kind: "fx_exchange", days: h })],
    }, { high_value: "large_fx" }),

    // Routes.
    rule("b07_route_vip", {
      all: [{ fact: "segment", operator: "in", value: p.vip_segments }],
    }, { route: "vip_area" }),
    rule("b08_route_self_service", {
      all: [{ fact: "visit", path: "$.purpose", operator: "in", value: p.digital_purposes }, is("segment", "mass")],
    }, { route: "self_service" }),
    rule("b09_route_product_sales", {
      any: [purpose("wealth_inquiry"), purpose("card_application"), purpose("account_opening")],
    }, { route: "product_sales" }),
    rule("b10_route_private_banking", { all: [ge("aum", p.private_banking_aum_cny)] }, { route: "private_banking" }),
    rule("b11_route_loan_rm", {
      any: [purpose("loan_inquiry"), need("business_loan"), need("home_purchase")],
    }, { route: "relationship_manager" }),

    // Cross-sell.
    rule("b12_xs_cash_wealth", {
      all: [ge("txnMax", p.mid_cash_cny, { kind: "cash_withdrawal", days: w }), notHolds("wm")],
    }, { suggest: "wm.product" }),
    rule("b13_xs_cash_deposit_td", {
      all: [ge("txnSum", p.mid_cash_cny, { kind: "cash_deposit", days: w }), notHolds("dep")],
    }, { suggest: "dep.deposit" }),
    rule("b14_xs_salary_fund", {
      all: [
        ge("txnCount", 2, { kind: "salary_credit", days: s }),
        notHolds("inv"),
        ge("risk_rating", p.min_fund_risk),
      ],
    }, { suggest: "inv.fund" }),
    rule("b15_xs_fx_account", {
      all: [
        { any: [ge("txnCount", 1, { kind: "fx_exchange", days: h }), need("fx_remittance")] },
        is("hasAccount", false, { type: "fx" }),
      ],
    }, { suggest: "fx.trading_acct" }),
    rule("b16_xs_insurance_need", {
      all: [{ any: [need("insurance"), need("child_education")] }, notHolds("ins")],
    }, { suggest: "ins.policy" }),
    rule("b17_xs_retirement_bond", {
      all: [{ any: [need("retirement"), ge("age", p.senior_age)] }, notHolds("bond")],
    }, { suggest: "bond.treasury" }),
    rule("b18_xs_overseas_proof", { all: [need("overseas_study")] }, { suggest: "dep.proof" }),
    rule("b19_xs_mobile_channel", {
      all: [ge("txnCount", p.frequent_payments, { kind: ["pos_payment", "bill_payment"], days: w })],
    }, { suggest: "ch.channel" }),
    rule("b20_xs_gold_metal", {
      all: [{ any: [is("hasAccount", true, { type: "gold" }), applies("gold_account")] }, notHolds("pm.metal")],
    }, { suggest: "pm.metal" }),
    rule("b21_xs_safe_box", {
      any: [applies("safe_deposit_box"), purpose("safe_deposit_box")],
    }, { suggest: "svc.safe_box" }),
    rule("b22_xs_prepay_wealth", {
      all: [ge("txnSum", p.large_loan_prepayment_cny, { kind: "loan_prepayment", days: h })],
    }, { suggest: "wm.product" }),
    rule("b23_xs_maturity_reinvest", {
      any: [
        is("maturesWithin", true, { product: "wm", days: p.maturity_days }),
        is("maturesWithin", true, { product: "bond", days: p.maturity_days }),
        is("maturesWithin", true, { product: "dep", days: p.maturity_days }),
      ],
    }, { suggest: "wm.product" }),
    rule("b24_xs_pension_deposit", {
      all: [
        ge("txnCount", 1, { kind: "pension_credit", days: s }),
        ge("accountBalance", p.pension_savings_cny, { type: "savings" }),
      ],
    }, { suggest: "dep.deposit" }),
    rule("b25_xs_corp_payroll", {
      all: [is("kind", "corporate"), ge("txnSum", p.payroll_sum_cny, { kind: "payroll", days: s })],
    }, { suggest: "corp.payroll" }),
    rule("b26_xs_corp_financing", {
      all: [
        is("kind", "corporate"),
        { any: [need("business_loan"), applies("loan"), applies("acceptance_bill"), applies("letter_of_credit")] },
      ],
    }, { suggest: "loan.financing" }),
    rule("b27_xs_card_for_spenders", {
      all: [
        is("hasAccount", false, { type: "credit_card" }),
        ge("txnSum", p.card_spend_cny, { kind: "pos_payment", days: w }),
      ],
    }, { suggest: "card.gold" }),

    // Up-sell.
    rule("b28_up_card_gold", {
      all: [is("accountTier", "standard", { type: "credit_card" }), ge("avg_daily_balance", p.gold_card_balance_cny)],
    }, { suggest: "card.gold" }),
    rule("b29_up_card_platinum", {
      any: [
        { all: [is("accountTier", "gold", { type: "credit_card" }), ge("aum", p.platinum_aum_cny)] },
        applies("credit_card_platinum"),
      ],
    }, { suggest: "card.platinum" }),
    rule("b30_up_large_cd", {
      all: [ge("accountBalance", p.large_cd_savings_cny, { type: "savings" }), notHolds("dep.large_cd")],
    }, { suggest: "dep.large_cd" }),
    rule("b31_up_planning", {
      all: [ge("aum", p.planning_aum_cny), ge("productsHeld", p.min_products_for_planning)],
    }, { suggest: "plan.financial" }),

    // Referrals.
    rule("b32_ref_private_banking", {
      all: [ge("aum", p.private_banking_aum_cny), is("segment", "private")],
    }, { suggest: "pb.service", to: "private_banking" }),
    rule("b33_ref_complex_advice", {
      all: [
        { any: [need("complex_investment_advice"), { all: [need("wealth_management"), ge("aum", p.complex_advice_aum_cny)] }] },
        ge("risk_rating", p.min_complex_risk),
      ],
    }, { suggest: "sec.bank_link", to: "relationship_manager" }),
    rule("b34_ref_home_loan", {
      all: [is("kind", "individual"), { any: [need("home_purchase"), applies("loan")] }],
    }, { suggest: "loan.loan", to: "relationship_manager" }),
  ];
}

/**
 * Builds the engine from pack.json's text: {engine, prepare(customer), run(facts) → fired ids}.
 * `prepare` is the once-per-customer input preparation described above.
 */
export function makeEngine(packJsonText) {
  const pack = JSON.parse(packJsonText);
  const fx = pack.fx_rates ?? {};
  const engine = new Engine(rules(pack.params), { allowUndefinedFacts: true });
  addFacts(engine);

  const rate = (currency = "CNY") =>
    currency.toUpperCase() === "CNY" ? 1 : (fx[currency] ?? fx[currency.toUpperCase()] ?? null);

  function prepare(customer) {
    if (!Array.isArray(customer.transactions)) return { ...customer };
    return {
      ...customer,
      transactions: customer.transactions.map((t) => {
        const r = rate(t.currency);
        return { ...t, day: branchDay(t.at), cny: r === null ? null : t.amount * r };
      }),
    };
  }

  async function run(facts) {
    const { events } = await engine.run(facts);
    return events.map((e) => e.type);
  }

  return { engine, prepare, run };
}
