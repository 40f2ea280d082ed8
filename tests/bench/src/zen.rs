//! Peer engine: GoRules' zen-engine running the benchmark pack written as a
//! JDM decision graph (`tests/bench/zen/bench.json`).
//!
//! The graph is `request → rules → response`: one decision table, hit
//! policy `collect`, one row per rule in the pack's order. A row's condition
//! reads the customer and works out the aggregates it needs itself, with
//! zen's closures over the input (`sum(map(filter(transactions, …), #.cny))`,
//! `count(…)`, `some(holdings, …)`, `none(accounts, …)`); each row that
//! matches emits `{ "rule": "<id>" }`. Two idioms stand in for what zen
//! lacks: "the largest in the window ≥ x" is `some(…, #.cny >= x)` (zen's
//! `max` of an empty list is an error), and products held, a count of
//! distinct ids, is the rounded sum over the held ids of 1 / (how often that
//! id occurs), zen having no `unique`.
//!
//! Why one table and no expression node working out the aggregates first:
//! that is as idiomatic in zen but was slower here. An expression node with
//! the 27 aggregates the rules read, feeding the same table, measured about
//! 35 µs per customer (p50) against about 22 µs for this graph on the same
//! customers: every aggregate is then computed for every customer, where a
//! row computes its own only when the `and`s before it hold, and each node
//! and expression has a fixed cost in zen.
//!
//! The thresholds are written into the JDM where they are used (`< 30` days
//! in a window, `>= 50000` in a row's condition), as a bank's zen user writes
//! them: in GoRules the JDM is the business-owned artefact, versioned and
//! edited in the GoRules editor, where an analyst changes a threshold in the
//! cell that uses it and publishes; the calling system sends only the facts
//! about the customer. Passing the params in every input, or keeping them in
//! an expression node the rules read from, would each cost zen time per
//! evaluation that a real deployment does not spend (a 29-expression
//! thresholds node measured about 10 µs more per customer). So that the
//! embedded values cannot drift from `pack.json`, the tests hold where each
//! param is used (`USES` in the tests) and check that every use shows the
//! param's current value and that no other number appears in the graph.
//!
//! The set-up is the fastest path zen offers a Rust user: the JDM is parsed
//! once, made into a `Decision` by `DecisionEngine::create_decision`, and
//! precompiled (`Decision::compile`: expression bytecode and decision-table
//! indexes cached), as zen's own `decision/8k/precompiled` benchmark does.
//! `Decision::evaluate` is async only for nodes that do I/O (functions, HTTP,
//! sub-decisions); this graph has none, so `pollster::block_on` drives it.

use std::path::Path;
use std::sync::Arc;

use nextbest::{Customer, Manifest};
use serde_json::Value;
use zen_engine::model::DecisionContent;
use zen_engine::{Decision, DecisionEngine, Variable};

use crate::handwritten::Fired;

/// The compiled decision, and the FX rates used to prepare inputs.
pub struct Zen {
    decision: Decision,
    fx: Vec<(String, f64)>,
}

/// One customer as zen's input: the customer in nextbest's JSON contract,
/// plus `today` (the branch day number of the evaluation).
///
/// Two things are worked out in Rust while the input is prepared, outside the
/// timing, because zen has no cheap way to do them; both favour zen:
/// - every transaction gets `day`, its branch day number (`Stamp::day`), and
///   `cny`, its amount × the pack's FX rate (`null` for a currency the pack
///   has no rate for, which nextbest ignores, as the JDM does);
/// - every holding gets `matures_day`, the branch day number of `matures_on`
///   (`null` when absent).
///
/// Everything the rules aggregate (sums, counts, maxima over windows, holds,
/// accounts) is left to the JDM. zen reads every number as a decimal
/// (`rust_decimal`), so its sums are exact where the baseline's `f64` sums
/// may be off in the last bit; on the tests' customers no sum lands that close
/// to a threshold.
pub struct ZenInput(Variable);

impl Zen {
    /// Loads and compiles the JDM once (set-up, timed by the caller).
    pub fn new(jdm_path: &Path, manifest: &Manifest) -> Result<Zen, String> {
        let text = std::fs::read_to_string(jdm_path).map_err(|e| format!("{}: {e}", jdm_path.display()))?;
        let content: DecisionContent =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", jdm_path.display()))?;
        let mut decision = DecisionEngine::default()
            .create_decision(Arc::new(content))
            .map_err(|e| format!("{}: {e}", jdm_path.display()))?;
        decision
            .validate()
            .map_err(|e| format!("{}: {e}", jdm_path.display()))?;
        decision.compile();
        let fx = manifest.fx_rates.iter().map(|(k, v)| (k.clone(), *v)).collect();
        Ok(Zen { decision, fx })
    }

    /// CNY per unit, as nextbest converts (`CNY` in any case is 1).
    fn rate(&self, currency: &str) -> Option<f64> {
        if currency.eq_ignore_ascii_case("CNY") {
            return Some(1.0);
        }
        let find = |code: &str| self.fx.iter().find(|(k, _)| k == code).map(|(_, r)| *r);
        find(currency).or_else(|| find(&currency.to_ascii_uppercase()))
    }

    /// Converts one customer into zen's input once, outside the timing.
    pub fn input(&self, c: &Customer, today: i64) -> Result<ZenInput, String> {
        let mut v = serde_json::to_value(c).map_err(|e| format!("customer {}: {e}", c.id))?;
        let obj = v
            .as_object_mut()
            .ok_or_else(|| format!("customer {} is not a JSON object", c.id))?;
        obj.insert("today".into(), Value::from(today));
        if let Some(Value::Array(txns)) = obj.get_mut("transactions") {
            for (json, t) in txns.iter_mut().zip(&c.transactions) {
                if let Value::Object(o) = json {
                    o.insert("day".into(), Value::from(t.at.day()));
                    let cny = self.rate(&t.currency).map(|r| t.amount.0 * r);
                    o.insert("cny".into(), cny.map_or(Value::Null, Value::from));
                }
            }
        }
        if let Some(Value::Array(holdings)) = obj.get_mut("holdings") {
            for (json, h) in holdings.iter_mut().zip(&c.holdings) {
                if let Value::Object(o) = json {
                    let day = h.matures_on.as_ref().map(|m| m.day());
                    o.insert("matures_day".into(), day.map_or(Value::Null, Value::from));
                }
            }
        }
        Ok(ZenInput(Variable::from(v)))
    }

    /// Evaluates one customer (this is what gets timed) and returns the fired set.
    pub fn evaluate(&self, input: &ZenInput) -> Result<Fired, String> {
        let response = pollster::block_on(self.decision.evaluate(input.0.clone())).map_err(|e| e.to_string())?;
        let rows = response
            .result
            .as_array()
            .ok_or_else(|| format!("zen returned {} instead of a list of rows", response.result))?;
        let mut fired = Fired::default();
        for row in rows.borrow().iter() {
            let id = row
                .dot("rule")
                .ok_or_else(|| format!("zen returned a row without a rule id: {row}"))?;
            let id = id
                .as_str()
                .ok_or_else(|| format!("zen returned a rule id that is not text: {row}"))?;
            fired.0 |= Fired::from_ids([id])?.0;
        }
        Ok(fired)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customers;
    use crate::handwritten::{Baseline, RULES};

    const PACK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/pack");
    const JDM: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/zen/bench.json");

    fn manifest() -> Manifest {
        let path = Path::new(PACK).join("pack.json");
        let text = std::fs::read_to_string(&path).expect("pack.json");
        Manifest::parse("pack.json", &text).expect("pack.json parses")
    }

    fn jdm() -> Value {
        serde_json::from_str(&std::fs::read_to_string(JDM).expect("bench.json")).expect("bench.json is JSON")
    }

    fn node<'a>(jdm: &'a Value, name: &str) -> &'a Value {
        jdm["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .find(|n| n["name"] == name)
            .unwrap_or_else(|| panic!("the JDM has no node {name}"))
    }

    /// Every expression of the graph, as (where: the expression's key or the
    /// decision-table row's rule id, source, whether it is a unary test).
    fn expressions(jdm: &Value) -> Vec<(String, String, bool)> {
        let mut out = Vec::new();
        for n in jdm["nodes"].as_array().expect("nodes") {
            let c = &n["content"];
            for e in c["expressions"].as_array().into_iter().flatten() {
                let key = e["key"].as_str().unwrap_or_default().to_owned();
                out.push((key, e["value"].as_str().unwrap_or_default().to_owned(), false));
            }
            for row in c["rules"].as_array().into_iter().flatten() {
                let id = row["_id"].as_str().unwrap_or_default();
                for col in c["inputs"].as_array().into_iter().flatten() {
                    let cell = row[col["id"].as_str().unwrap_or_default()].as_str().unwrap_or_default();
                    let unary = col["field"].as_str().is_some_and(|f| !f.is_empty());
                    out.push((id.to_owned(), cell.to_owned(), unary));
                }
                for col in c["outputs"].as_array().into_iter().flatten() {
                    let cell = row[col["id"].as_str().unwrap_or_default()].as_str().unwrap_or_default();
                    out.push((id.to_owned(), cell.to_owned(), false));
                }
            }
        }
        out
    }

    /// Where the JDM uses each of `pack.json`'s params: the rows of the
    /// `rules` table, by rule id.
    pub(super) const USES: &[(&str, &[&str])] = &[
        (
            "window_days",
            &[
                "b01_sig_large_cash",
                "b03_sig_large_inflow",
                "b12_xs_cash_wealth",
                "b13_xs_cash_deposit_td",
                "b19_xs_mobile_channel",
                "b27_xs_card_for_spenders",
            ],
        ),
        (
            "history_days",
            &["b06_sig_large_fx", "b15_xs_fx_account", "b22_xs_prepay_wealth"],
        ),
        (
            "salary_window_days",
            &["b14_xs_salary_fund", "b24_xs_pension_deposit", "b25_xs_corp_payroll"],
        ),
        ("maturity_days", &["b23_xs_maturity_reinvest"]),
        ("large_cash_cny", &["b01_sig_large_cash"]),
        ("mid_cash_cny", &["b12_xs_cash_wealth", "b13_xs_cash_deposit_td"]),
        ("large_fx_cny", &["b06_sig_large_fx"]),
        ("large_inflow_30d_cny", &["b03_sig_large_inflow"]),
        ("large_loan_prepayment_cny", &["b22_xs_prepay_wealth"]),
        ("vip_aum_cny", &["b02_sig_high_aum"]),
        (
            "private_banking_aum_cny",
            &["b10_route_private_banking", "b32_ref_private_banking"],
        ),
        ("planning_aum_cny", &["b31_up_planning"]),
        ("platinum_aum_cny", &["b29_up_card_platinum"]),
        ("gold_card_balance_cny", &["b28_up_card_gold"]),
        ("large_cd_savings_cny", &["b30_up_large_cd"]),
        ("high_registered_capital_cny", &["b05_sig_corporate_capital"]),
        ("pension_savings_cny", &["b24_xs_pension_deposit"]),
        ("payroll_sum_cny", &["b25_xs_corp_payroll"]),
        ("card_spend_cny", &["b27_xs_card_for_spenders"]),
        ("complex_advice_aum_cny", &["b33_ref_complex_advice"]),
        ("senior_age", &["b17_xs_retirement_bond"]),
        ("min_fund_risk", &["b14_xs_salary_fund"]),
        ("min_complex_risk", &["b33_ref_complex_advice"]),
        ("min_products_for_planning", &["b31_up_planning"]),
        ("frequent_payments", &["b19_xs_mobile_channel"]),
        ("digital_purposes", &["b08_route_self_service"]),
        ("vip_segments", &["b07_route_vip"]),
        ("high_end_areas", &["b04_sig_premium_profile"]),
        ("high_income_occupations", &["b04_sig_premium_profile"]),
    ];

    /// The rules' own constants, not params: 0 (no registered capital), 1 (in
    /// b31's distinct count) and 2 (b14's "at least two salary credits").
    const CONSTANTS: &[f64] = &[0.0, 1.0, 2.0];

    /// The numbers in an expression, outside quoted strings and names.
    fn numbers(source: &str) -> Vec<f64> {
        let chars: Vec<char> = source.chars().collect();
        let mut out = Vec::new();
        let (mut i, mut quote) = (0, None);
        while i < chars.len() {
            let ch = chars[i];
            let after_name = i > 0 && (chars[i - 1].is_alphanumeric() || matches!(chars[i - 1], '_' | '.' | '#' | '$'));
            match quote {
                Some(q) if ch == q => quote = None,
                Some(_) => {}
                None if ch == '\'' || ch == '"' => quote = Some(ch),
                None if ch.is_ascii_digit() && !after_name => {
                    let start = i;
                    while i + 1 < chars.len() && (chars[i + 1].is_ascii_digit() || chars[i + 1] == '.') {
                        i += 1;
                    }
                    let text: String = chars[start..=i].iter().collect();
                    out.push(text.parse().expect("a number"));
                }
                None => {}
            }
            i += 1;
        }
        out
    }

    /// A `pack.json` list as the JDM writes it: `['a', 'b']`.
    fn zen_list(v: &Value) -> Option<String> {
        let items: Vec<String> = v
            .as_array()?
            .iter()
            .map(|x| x.as_str().map(|s| format!("'{s}'")))
            .collect::<Option<_>>()?;
        Some(format!("[{}]", items.join(", ")))
    }

    #[test]
    fn zen_thresholds_equal_pack_params() {
        let m = manifest();
        let exprs = expressions(&jdm());
        let source_of = |place: &str| -> &str {
            exprs
                .iter()
                .find(|(w, s, _)| w == place && !s.is_empty())
                .map(|(_, s, _)| s.as_str())
                .unwrap_or_else(|| panic!("the JDM has no expression {place}"))
        };
        for name in m.params.keys() {
            assert!(
                USES.iter().any(|(p, _)| p == name),
                "pack.json param {name} is used nowhere in the JDM (add it to USES)"
            );
        }
        for (name, places) in USES {
            let value = m
                .params
                .get(*name)
                .unwrap_or_else(|| panic!("USES names {name}, pack.json has no such param"));
            for place in *places {
                let source = source_of(place);
                match (value.as_f64(), zen_list(value)) {
                    (Some(x), _) => assert!(
                        numbers(source).contains(&x),
                        "{place} should use {name} = {x} (pack.json): {source}"
                    ),
                    (None, Some(list)) => assert!(
                        source.contains(&list),
                        "{place} should use {name} = {list} (pack.json): {source}"
                    ),
                    _ => panic!("pack.json param {name} is neither a number nor a list of strings"),
                }
            }
        }
        // No number in the graph that is not a rule's constant or the value of
        // a param used there: a threshold written in the JDM must be in USES.
        for (place, source, _) in &exprs {
            for x in numbers(source) {
                let param = USES
                    .iter()
                    .filter(|(_, places)| places.contains(&place.as_str()))
                    .any(|(name, _)| m.params.get(*name).and_then(Value::as_f64) == Some(x));
                assert!(
                    param || CONSTANTS.contains(&x),
                    "{place} has the number {x}, which is no param used there (USES): {source}"
                );
            }
        }
    }

    #[test]
    fn zen_numbers_are_found() {
        assert_eq!(numbers("a >= 50000 or b2 < 30 and 'x 7' == c.d1"), vec![50000.0, 30.0]);
        assert_eq!(numbers("max(flatten([[0], x])) >= 1.5"), vec![0.0, 1.5]);
    }

    #[test]
    fn zen_every_expression_compiles() {
        let mut isolate = zen_expression::Isolate::new();
        for (place, source, unary) in expressions(&jdm()) {
            if source.is_empty() {
                continue;
            }
            let r = if unary {
                isolate.compile_unary(&source).map(|_| ())
            } else {
                isolate.compile_standard(&source).map(|_| ())
            };
            assert!(r.is_ok(), "{place}: {source}: {r:?}");
        }
        let rows: Vec<String> = node(&jdm(), "rules")["content"]["rules"]
            .as_array()
            .expect("rules")
            .iter()
            .map(|r| r["_id"].as_str().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(
            rows, RULES,
            "the decision table's rows are not the pack's rules, in order"
        );
    }

    /// zen fires exactly the hand-written baseline's rules for every customer.
    fn agree(customers: &[Customer]) -> Vec<usize> {
        let m = manifest();
        let baseline = Baseline::new(&m).expect("baseline");
        let zen = Zen::new(Path::new(JDM), &m).expect("zen set-up");
        let mut fired = vec![0usize; RULES.len()];
        let mut first_diff = None;
        let mut diffs = 0;
        for c in customers {
            let today = customers::today(c).expect("visit.at");
            let input = zen.input(c, today).expect("zen input");
            let theirs = zen
                .evaluate(&input)
                .unwrap_or_else(|e| panic!("customer {}: {e}", c.id));
            // Evaluating again gives the same: the input is not changed by evaluation.
            assert_eq!(zen.evaluate(&input).expect("again"), theirs, "customer {}", c.id);
            let ours = baseline.evaluate(c, today);
            for (k, n) in fired.iter_mut().enumerate() {
                *n += usize::from(theirs.contains(k));
            }
            if theirs != ours {
                diffs += 1;
                if first_diff.is_none() {
                    let rule = (0..RULES.len()).find(|&k| theirs.contains(k) != ours.contains(k));
                    first_diff = Some(format!(
                        "customer {}: rule {}: zen {}, hand-written {}\n  zen [{}]\n  hand-written [{}]\n  customer {}",
                        c.id,
                        rule.map_or("?", |k| RULES[k]),
                        rule.is_some_and(|k| theirs.contains(k)),
                        rule.is_some_and(|k| ours.contains(k)),
                        theirs.ids().collect::<Vec<_>>().join(" "),
                        ours.ids().collect::<Vec<_>>().join(" "),
                        serde_json::to_string(c).unwrap_or_default(),
                    ));
                }
            }
        }
        if let Some(first) = first_diff {
            panic!("{diffs} of {} customers differ; first: {first}", customers.len());
        }
        fired
    }

    #[test]
    fn zen_fires_what_the_baseline_fires() {
        let customers = customers::generate(7, 300, None).expect("customers");
        let fired = agree(&customers);
        // A row whose condition always fails to evaluate would never fire and
        // still agree wherever the baseline does not fire: each rule must fire.
        let never: Vec<&str> = RULES
            .iter()
            .zip(&fired)
            .filter(|(_, n)| **n == 0)
            .map(|(r, _)| *r)
            .collect();
        assert!(never.is_empty(), "never fired on these customers: {never:?}");
    }

    #[test]
    fn zen_fires_what_the_baseline_fires_with_100_transactions() {
        let customers = customers::generate(11, 40, Some(100)).expect("customers");
        agree(&customers);
    }

    /// Not a benchmark: a quick look at zen's mean time per evaluation.
    /// `cargo test --release -p nextbest-bench zen_time -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn zen_time() {
        use std::time::Instant;
        let m = manifest();
        let t = Instant::now();
        let zen = Zen::new(Path::new(JDM), &m).expect("zen set-up");
        let setup = t.elapsed();
        let baseline = Baseline::new(&m).expect("baseline");
        for (txns, label) in [
            (None, "transactions as generated"),
            (Some(100), "100 transactions each"),
        ] {
            let customers = customers::generate(7, 1000, txns).expect("customers");
            let today: Vec<i64> = customers
                .iter()
                .map(|c| customers::today(c).expect("visit.at"))
                .collect();
            let inputs: Vec<ZenInput> = customers
                .iter()
                .zip(&today)
                .map(|(c, t)| zen.input(c, *t).expect("input"))
                .collect();
            // As main.rs measures: each engine on its own, 1 untimed pass
            // over all customers, then 10 timed passes, each evaluation timed alone.
            let mut zen_ns = Vec::new();
            for pass in 0..11 {
                for input in &inputs {
                    let t = Instant::now();
                    let f = zen.evaluate(std::hint::black_box(input));
                    let d = t.elapsed();
                    std::hint::black_box(f).ok();
                    if pass > 0 {
                        zen_ns.push(d.as_nanos() as u64);
                    }
                }
            }
            let mut hand_ns = Vec::new();
            for pass in 0..11 {
                for (c, today) in customers.iter().zip(&today) {
                    let t = Instant::now();
                    let f = baseline.evaluate(std::hint::black_box(c), std::hint::black_box(*today));
                    let d = t.elapsed();
                    std::hint::black_box(f);
                    if pass > 0 {
                        hand_ns.push(d.as_nanos() as u64);
                    }
                }
            }
            let stats = |mut v: Vec<u64>| {
                v.sort_unstable();
                let mean = v.iter().sum::<u64>() as f64 / v.len() as f64 / 1000.0;
                let p = |q: f64| v[((q * v.len() as f64) as usize).min(v.len() - 1)] as f64 / 1000.0;
                format!("mean {mean:.2} µs, p50 {:.2} µs, p99 {:.2} µs", p(0.5), p(0.99))
            };
            println!("{label}: zen {}; hand-written {}", stats(zen_ns), stats(hand_ns));
        }
        println!(
            "zen set-up (read, parse, compile the JDM): {:.2} ms",
            setup.as_secs_f64() * 1000.0
        );
    }
}
