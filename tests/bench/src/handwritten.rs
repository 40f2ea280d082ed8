//! The benchmark pack (`tests/bench/pack/*.rhai`) written as plain Rust over
//! `nextbest::Customer`: the floor any rule engine is measured against.
//!
//! Per customer, everything the rules read is worked out in one pass over the
//! transactions, holdings and accounts ([`Aggregates`]); each rule is then a
//! boolean expression over those figures. Thresholds come from the pack's
//! `pack.json` params, read once at set-up, so changing a threshold there
//! changes both engines alike.
//!
//! "Fires" means what nextbest's trace calls `Fired`: the rule returned a
//! result. A rule whose triggers are all absent is skipped by nextbest; every
//! rule here is written so that its condition implies one of its triggers, so
//! skipped and not fired agree.

use nextbest::{Customer, CustomerKind, Manifest, Segment, Tier};

/// The rule ids, in bit order of [`Fired`]. Must equal the pack's `.rhai` files.
pub const RULES: &[&str] = &[
    "b01_sig_large_cash",
    "b02_sig_high_aum",
    "b03_sig_large_inflow",
    "b04_sig_premium_profile",
    "b05_sig_corporate_capital",
    "b06_sig_large_fx",
    "b07_route_vip",
    "b08_route_self_service",
    "b09_route_product_sales",
    "b10_route_private_banking",
    "b11_route_loan_rm",
    "b12_xs_cash_wealth",
    "b13_xs_cash_deposit_td",
    "b14_xs_salary_fund",
    "b15_xs_fx_account",
    "b16_xs_insurance_need",
    "b17_xs_retirement_bond",
    "b18_xs_overseas_proof",
    "b19_xs_mobile_channel",
    "b20_xs_gold_metal",
    "b21_xs_safe_box",
    "b22_xs_prepay_wealth",
    "b23_xs_maturity_reinvest",
    "b24_xs_pension_deposit",
    "b25_xs_corp_payroll",
    "b26_xs_corp_financing",
    "b27_xs_card_for_spenders",
    "b28_up_card_gold",
    "b29_up_card_platinum",
    "b30_up_large_cd",
    "b31_up_planning",
    "b32_ref_private_banking",
    "b33_ref_complex_advice",
    "b34_ref_home_loan",
];

/// The set of rules that fired, one bit per entry of [`RULES`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fired(pub u64);

impl Fired {
    fn set(&mut self, rule: usize, fired: bool) {
        if fired {
            self.0 |= 1 << rule;
        }
    }

    /// The set from rule ids; an id not in [`RULES`] is returned as an error.
    pub fn from_ids<'a>(ids: impl IntoIterator<Item = &'a str>) -> Result<Fired, String> {
        let mut f = Fired::default();
        for id in ids {
            let i = RULES
                .iter()
                .position(|r| *r == id)
                .ok_or_else(|| format!("rule {id} is not in the hand-written baseline"))?;
            f.set(i, true);
        }
        Ok(f)
    }

    pub fn contains(self, rule: usize) -> bool {
        self.0 & (1 << rule) != 0
    }

    /// The rule ids in the set, in [`RULES`] order.
    pub fn ids(self) -> impl Iterator<Item = &'static str> {
        RULES
            .iter()
            .enumerate()
            .filter(move |(i, _)| self.contains(*i))
            .map(|(_, id)| *id)
    }
}

/// The pack's params the rules read, and its FX rates.
#[derive(Debug, Clone)]
struct Params {
    window_days: i64,
    history_days: i64,
    salary_window_days: i64,
    large_cash_cny: f64,
    mid_cash_cny: f64,
    large_fx_cny: f64,
    large_inflow_30d_cny: f64,
    large_loan_prepayment_cny: f64,
    vip_aum_cny: f64,
    private_banking_aum_cny: f64,
    planning_aum_cny: f64,
    platinum_aum_cny: f64,
    gold_card_balance_cny: f64,
    large_cd_savings_cny: f64,
    high_registered_capital_cny: f64,
    pension_savings_cny: f64,
    payroll_sum_cny: f64,
    card_spend_cny: f64,
    complex_advice_aum_cny: f64,
    maturity_days: i64,
    senior_age: i64,
    min_fund_risk: i64,
    min_complex_risk: i64,
    min_products_for_planning: i64,
    frequent_payments: i64,
    digital_purposes: Vec<String>,
    vip_segments: Vec<String>,
    high_end_areas: Vec<String>,
    high_income_occupations: Vec<String>,
}

/// The hand-written rules, ready to evaluate customers.
#[derive(Debug, Clone)]
pub struct Baseline {
    p: Params,
    fx: Vec<(String, f64)>,
}

/// What the rules read, worked out once per customer.
#[derive(Debug, Default)]
struct Aggregates {
    cash_withdrawal_max_w: f64,
    cash_deposit_max_w: f64,
    cash_deposit_sum_w: f64,
    transfer_in_sum_w: f64,
    salary_sum_w: f64,
    salary_count_salary: i64,
    fx_sum_h: f64,
    fx_count_h: i64,
    prepayment_sum_h: f64,
    pension_count_salary: i64,
    payroll_sum_salary: f64,
    pos_count_w: i64,
    pos_sum_w: f64,
    bill_count_w: i64,

    holds_wm: bool,
    holds_dep: bool,
    holds_bond: bool,
    holds_inv: bool,
    holds_ins: bool,
    holds_large_cd: bool,
    holds_pm_metal: bool,
    matures_soon: bool,

    has_fx: bool,
    has_gold: bool,
    card_tier: Option<Tier>,
    savings_balance: f64,
    products_held: i64,
}

/// `wm` matches `wm.product`; an id matches itself (nextbest's `holds`).
fn product_matches(id: &str, what: &str) -> bool {
    id == what || (id.len() > what.len() && id.starts_with(what) && id.as_bytes()[what.len()] == b'.')
}

fn param<'a>(m: &'a Manifest, name: &str) -> Result<&'a serde_json::Value, String> {
    m.params
        .get(name)
        .ok_or_else(|| format!("pack.json params has no {name}"))
}

fn num(m: &Manifest, name: &str) -> Result<f64, String> {
    param(m, name)?
        .as_f64()
        .ok_or_else(|| format!("params.{name} is not a number"))
}

fn int(m: &Manifest, name: &str) -> Result<i64, String> {
    param(m, name)?
        .as_i64()
        .ok_or_else(|| format!("params.{name} is not a whole number"))
}

fn list(m: &Manifest, name: &str) -> Result<Vec<String>, String> {
    param(m, name)?
        .as_array()
        .and_then(|a| a.iter().map(|v| v.as_str().map(str::to_owned)).collect())
        .ok_or_else(|| format!("params.{name} is not a list of strings"))
}

impl Baseline {
    /// Reads the thresholds and FX rates from the pack's manifest.
    pub fn new(m: &Manifest) -> Result<Baseline, String> {
        let p = Params {
            window_days: int(m, "window_days")?,
            history_days: int(m, "history_days")?,
            salary_window_days: int(m, "salary_window_days")?,
            large_cash_cny: num(m, "large_cash_cny")?,
            mid_cash_cny: num(m, "mid_cash_cny")?,
            large_fx_cny: num(m, "large_fx_cny")?,
            large_inflow_30d_cny: num(m, "large_inflow_30d_cny")?,
            large_loan_prepayment_cny: num(m, "large_loan_prepayment_cny")?,
            vip_aum_cny: num(m, "vip_aum_cny")?,
            private_banking_aum_cny: num(m, "private_banking_aum_cny")?,
            planning_aum_cny: num(m, "planning_aum_cny")?,
            platinum_aum_cny: num(m, "platinum_aum_cny")?,
            gold_card_balance_cny: num(m, "gold_card_balance_cny")?,
            large_cd_savings_cny: num(m, "large_cd_savings_cny")?,
            high_registered_capital_cny: num(m, "high_registered_capital_cny")?,
            pension_savings_cny: num(m, "pension_savings_cny")?,
            payroll_sum_cny: num(m, "payroll_sum_cny")?,
            card_spend_cny: num(m, "card_spend_cny")?,
            complex_advice_aum_cny: num(m, "complex_advice_aum_cny")?,
            maturity_days: int(m, "maturity_days")?,
            senior_age: int(m, "senior_age")?,
            min_fund_risk: int(m, "min_fund_risk")?,
            min_complex_risk: int(m, "min_complex_risk")?,
            min_products_for_planning: int(m, "min_products_for_planning")?,
            frequent_payments: int(m, "frequent_payments")?,
            digital_purposes: list(m, "digital_purposes")?,
            vip_segments: list(m, "vip_segments")?,
            high_end_areas: list(m, "high_end_areas")?,
            high_income_occupations: list(m, "high_income_occupations")?,
        };
        let fx = m.fx_rates.iter().map(|(k, v)| (k.clone(), *v)).collect();
        Ok(Baseline { p, fx })
    }

    /// CNY per unit, as nextbest converts (`CNY` in any case is 1).
    fn rate(&self, currency: &str) -> Option<f64> {
        if currency.eq_ignore_ascii_case("CNY") {
            return Some(1.0);
        }
        let find = |code: &str| self.fx.iter().find(|(k, _)| k == code).map(|(_, r)| *r);
        find(currency).or_else(|| find(&currency.to_ascii_uppercase()))
    }

    /// One pass over the customer's records.
    fn aggregates(&self, c: &Customer, today: i64) -> Aggregates {
        let p = &self.p;
        let mut a = Aggregates::default();
        for t in &c.transactions {
            let day = t.at.day();
            if day > today {
                continue;
            }
            let ago = today - day;
            let (w, h, s) = (ago < p.window_days, ago < p.history_days, ago < p.salary_window_days);
            if !(w || h || s) {
                continue;
            }
            let Some(rate) = self.rate(&t.currency) else {
                continue;
            };
            let cny = t.amount.0 * rate;
            match t.kind.as_str() {
                "cash_withdrawal" if w => a.cash_withdrawal_max_w = a.cash_withdrawal_max_w.max(cny),
                "cash_deposit" if w => {
                    a.cash_deposit_max_w = a.cash_deposit_max_w.max(cny);
                    a.cash_deposit_sum_w += cny;
                }
                "transfer_in" if w => a.transfer_in_sum_w += cny,
                "salary_credit" => {
                    if w {
                        a.salary_sum_w += cny;
                    }
                    if s {
                        a.salary_count_salary += 1;
                    }
                }
                "fx_exchange" if h => {
                    a.fx_sum_h += cny;
                    a.fx_count_h += 1;
                }
                "loan_prepayment" if h => a.prepayment_sum_h += cny,
                "pension_credit" if s => a.pension_count_salary += 1,
                "payroll" if s => a.payroll_sum_salary += cny,
                "pos_payment" if w => {
                    a.pos_count_w += 1;
                    a.pos_sum_w += cny;
                }
                "bill_payment" if w => a.bill_count_w += 1,
                _ => {}
            }
        }

        let mut held: Vec<&str> = Vec::with_capacity(c.holdings.len() + c.accounts.len());
        for h in &c.holdings {
            let id = h.product.as_str();
            a.holds_wm |= product_matches(id, "wm");
            a.holds_dep |= product_matches(id, "dep");
            a.holds_bond |= product_matches(id, "bond");
            a.holds_inv |= product_matches(id, "inv");
            a.holds_ins |= product_matches(id, "ins");
            a.holds_large_cd |= product_matches(id, "dep.large_cd");
            a.holds_pm_metal |= product_matches(id, "pm.metal");
            if !a.matures_soon
                && (product_matches(id, "wm") || product_matches(id, "bond") || product_matches(id, "dep"))
            {
                a.matures_soon = h
                    .matures_on
                    .as_ref()
                    .is_some_and(|m| (0..=p.maturity_days).contains(&(m.day() - today)));
            }
            if !held.contains(&id) {
                held.push(id);
            }
        }
        for acct in &c.accounts {
            match acct.kind.as_str() {
                "fx" => a.has_fx = true,
                "gold" => a.has_gold = true,
                "credit_card" => a.card_tier = a.card_tier.max(Some(acct.tier)),
                "savings" => a.savings_balance += acct.balance.0,
                _ => {}
            }
            if !held.contains(&acct.kind.as_str()) {
                held.push(acct.kind.as_str());
            }
        }
        a.products_held = held.len() as i64;
        a
    }

    /// The rules that fire for this customer, `today` being the branch day of
    /// the evaluation (nextbest's default: the day of `visit.at`).
    pub fn evaluate(&self, c: &Customer, today: i64) -> Fired {
        let p = &self.p;
        let a = self.aggregates(c, today);
        let in_list = |list: &[String], v: Option<&str>| v.is_some_and(|v| list.iter().any(|x| x == v));
        let needs = |x: &str| c.stated_needs.iter().any(|n| n == x);
        let applies = |x: &str| c.applications.iter().any(|n| n == x);
        let purpose = c.visit.as_ref().and_then(|v| v.purpose.as_deref());
        let visit_for = |x: &str| purpose == Some(x);
        let corporate = c.kind == CustomerKind::Corporate;
        let aum = c.aum.0;
        let segment = c.segment.as_str();
        let risk = c.risk_rating.map(|r| i64::from(r.0));
        let age = c.age.map(i64::from);
        let capital = c.registered_capital.map_or(0.0, |x| x.0);

        let mut f = Fired::default();
        // Signals.
        f.set(
            0,
            a.cash_withdrawal_max_w >= p.large_cash_cny || a.cash_deposit_max_w >= p.large_cash_cny,
        );
        f.set(1, aum >= p.vip_aum_cny);
        f.set(2, a.transfer_in_sum_w + a.salary_sum_w >= p.large_inflow_30d_cny);
        f.set(
            3,
            in_list(&p.high_end_areas, Some(c.address_area.as_deref().unwrap_or("")))
                || in_list(&p.high_income_occupations, Some(c.occupation.as_deref().unwrap_or(""))),
        );
        f.set(4, corporate && capital >= p.high_registered_capital_cny);
        f.set(5, a.fx_sum_h >= p.large_fx_cny);
        // Routes.
        f.set(6, in_list(&p.vip_segments, Some(segment)));
        f.set(
            7,
            in_list(&p.digital_purposes, Some(purpose.unwrap_or(""))) && c.segment == Segment::Mass,
        );
        f.set(
            8,
            visit_for("wealth_inquiry") || visit_for("card_application") || visit_for("account_opening"),
        );
        f.set(9, aum >= p.private_banking_aum_cny);
        f.set(
            10,
            visit_for("loan_inquiry") || needs("business_loan") || needs("home_purchase"),
        );
        // Cross-sell.
        f.set(11, a.cash_withdrawal_max_w >= p.mid_cash_cny && !a.holds_wm);
        f.set(12, a.cash_deposit_sum_w >= p.mid_cash_cny && !a.holds_dep);
        f.set(
            13,
            a.salary_count_salary >= 2 && !a.holds_inv && risk.is_some_and(|r| r >= p.min_fund_risk),
        );
        f.set(14, (a.fx_count_h >= 1 || needs("fx_remittance")) && !a.has_fx);
        f.set(15, (needs("insurance") || needs("child_education")) && !a.holds_ins);
        f.set(
            16,
            (needs("retirement") || age.is_some_and(|x| x >= p.senior_age)) && !a.holds_bond,
        );
        f.set(17, needs("overseas_study"));
        f.set(18, a.pos_count_w + a.bill_count_w >= p.frequent_payments);
        f.set(19, (a.has_gold || applies("gold_account")) && !a.holds_pm_metal);
        f.set(20, applies("safe_deposit_box") || visit_for("safe_deposit_box"));
        f.set(21, a.prepayment_sum_h >= p.large_loan_prepayment_cny);
        f.set(22, a.matures_soon);
        f.set(
            23,
            a.pension_count_salary >= 1 && a.savings_balance >= p.pension_savings_cny,
        );
        f.set(24, corporate && a.payroll_sum_salary >= p.payroll_sum_cny);
        f.set(
            25,
            corporate
                && (needs("business_loan")
                    || applies("loan")
                    || applies("acceptance_bill")
                    || applies("letter_of_credit")),
        );
        f.set(26, a.card_tier.is_none() && a.pos_sum_w >= p.card_spend_cny);
        // Up-sell.
        f.set(
            27,
            a.card_tier == Some(Tier::Standard) && c.avg_daily_balance.0 >= p.gold_card_balance_cny,
        );
        f.set(
            28,
            (a.card_tier == Some(Tier::Gold) && aum >= p.platinum_aum_cny) || applies("credit_card_platinum"),
        );
        f.set(29, a.savings_balance >= p.large_cd_savings_cny && !a.holds_large_cd);
        f.set(
            30,
            aum >= p.planning_aum_cny && a.products_held >= p.min_products_for_planning,
        );
        // Referrals.
        f.set(31, aum >= p.private_banking_aum_cny && c.segment == Segment::Private);
        f.set(
            32,
            (needs("complex_investment_advice") || (needs("wealth_management") && aum >= p.complex_advice_aum_cny))
                && risk.is_some_and(|r| r >= p.min_complex_risk),
        );
        f.set(
            33,
            c.kind == CustomerKind::Individual && (needs("home_purchase") || applies("loan")),
        );
        f
    }
}
