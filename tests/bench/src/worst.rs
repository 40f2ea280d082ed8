//! The worst a pack's budgets allow: the bundled pack plus hostile rules
//! that each spend everything they are allowed (an endless loop, an endless
//! loop inside closures called back by native code, a helper walk in a
//! loop), on the same customers. Reported, never asserted: the budgets in
//! pack.json are what bound it, and this shows what those bounds cost.

use std::time::Instant;

use nextbest::{Customer, Engine, Options, PackSource};
use serde_json::{json, Value};

const BODIES: [&str; 3] = [
    "let n = 0; loop { n += 1; }",
    "let a = []; for i in 0..500 { a.push(i); } let b = a; loop { a.index_of(|x| b.index_of(|y| y == -1) == -2); }",
    "let n = 0.0; loop { n += c.txn_sum(\"cash_deposit\", 30); }",
];

fn hostile(rules: usize) -> PackSource {
    let mut pack = PackSource::bundled();
    for i in 0..rules {
        pack.files.insert(
            format!("zz_hostile_{i:04}.rhai"),
            format!(
                "//! kind: signal\n//! priority: 1\n//! zh: 敌意\n//! en: hostile\n{}\n",
                BODIES[i % BODIES.len()]
            ),
        );
    }
    pack
}

/// One case: mean and max milliseconds per customer, and what stopped the rules.
fn case(label: &str, rules: usize, customers: &[Customer]) -> Result<Value, String> {
    let engine = Engine::new(&hostile(rules)).map_err(|e| e.to_string())?;
    let budgets = engine.manifest().budgets.clone();
    let (mut total, mut max) = (0.0f64, 0.0f64);
    let (mut by_ops, mut by_rule_ms, mut by_customer_ms, mut not_run) = (0usize, 0usize, 0usize, 0usize);
    for c in customers {
        let t = Instant::now();
        let out = engine.evaluate_ref(c, &Options::default()).map_err(|e| e.to_string())?;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        total += ms;
        max = max.max(ms);
        for e in out.errors.iter().filter(|e| e.rule.starts_with("zz_hostile")) {
            if e.message.contains("operations_per_rule") {
                by_ops += 1;
            } else if e.message.contains("budgets.rule_ms") {
                by_rule_ms += 1;
            } else if e.message.contains("customer_ms") {
                by_customer_ms += 1;
            }
        }
        not_run += out
            .trace
            .iter()
            .filter(|t| t.status == nextbest::RuleStatus::NotRun)
            .count();
    }
    let mean = total / customers.len().max(1) as f64;
    println!(
        "  {label:<44} {rules:>5} hostile rules: mean {mean:>8.2} ms, max {max:>8.2} ms per customer (stopped by operations {by_ops}, rule_ms {by_rule_ms}, customer_ms {by_customer_ms}; not run {not_run})"
    );
    Ok(json!({
        "case": label, "hostile_rules": rules, "customers": customers.len(),
        "mean_ms": mean, "max_ms": max,
        "stopped_by_operations": by_ops, "stopped_by_rule_ms": by_rule_ms,
        "stopped_by_customer_ms": by_customer_ms, "rules_not_run": not_run,
        "budgets": {"operations_per_rule": budgets.operations_per_rule, "rule_ms": budgets.rule_ms, "customer_ms": budgets.customer_ms},
    }))
}

/// The worst cases on the first `n` customers.
pub fn run(customers: &[Customer], n: usize) -> Result<Value, String> {
    let sample = &customers[..n.min(customers.len())];
    println!();
    println!(
        "worst case the bundled pack's budgets allow ({} customers):",
        sample.len()
    );
    let cases = vec![
        case("every rule spends its operations", 58, sample)?,
        case("more hostile rules than the customer's time", 2000, sample)?,
    ];
    Ok(json!(cases))
}
