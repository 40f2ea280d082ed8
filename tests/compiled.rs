//! The compiled path (src/eval/compiled.rs) must say exactly what rhai's
//! interpreter says: for the bundled and the benchmark pack, over generated,
//! fixture and hostile customers, on every channel, the whole evaluation of an
//! engine that compiles its rules equals that of one that interprets them all,
//! apart from the operation counts in the trace (the compiled path counts
//! nodes, not rhai operations).
#![cfg(not(target_arch = "wasm32"))]

use std::path::Path;

use nextbest::{Customer, Engine, Options, PackSource};
use serde_json::Value;

fn without_operations(mut v: Value) -> Value {
    if let Some(trace) = v.get_mut("trace").and_then(Value::as_array_mut) {
        for e in trace {
            if let Some(o) = e.as_object_mut() {
                o.remove("operations");
            }
        }
    }
    v
}

fn fixture_customers(pack: &PackSource) -> Vec<Value> {
    pack.files
        .iter()
        .filter(|(name, _)| name.starts_with("fixtures/"))
        .flat_map(|(_, text)| {
            let v: Value = serde_json::from_str(text).expect("fixture JSON");
            v["cases"]
                .as_array()
                .map(|cases| cases.iter().map(|c| c["customer"].clone()).collect::<Vec<_>>())
                .unwrap_or_default()
        })
        .collect()
}

/// Evaluates every customer on every channel with both engines; returns how many evaluations matched.
fn agree(pack: &PackSource, customers: &[Value]) -> usize {
    let fast = Engine::new(pack).expect("pack compiles");
    let slow = Engine::interpreted(pack).expect("pack compiles");
    assert!(
        fast.compiled_rules().len() * 2 >= fast.rules().len(),
        "most rules should compile; compiled only {:?}",
        fast.compiled_rules()
    );
    let mut n = 0;
    for (i, value) in customers.iter().enumerate() {
        let Ok(customer) = Customer::from_value(value) else {
            continue;
        };
        for channel in ["teller", "vip_teller", "lobby", "psm", "cm"] {
            let options = Options {
                now: None,
                channel: channel.to_owned(),
            };
            let a = fast.evaluate(customer.clone(), &options);
            let b = slow.evaluate(customer.clone(), &options);
            match (a, b) {
                (Ok(a), Ok(b)) => {
                    let a = without_operations(serde_json::to_value(&a).expect("serialises"));
                    let b = without_operations(serde_json::to_value(&b).expect("serialises"));
                    assert_eq!(a, b, "customer #{i} ({}) on {channel}", customer.id);
                }
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
                (a, b) => panic!("customer #{i}: compiled {a:?}, interpreted {b:?}"),
            }
            n += 1;
        }
    }
    n
}

#[test]
fn bundled_pack_compiled_equals_interpreted() {
    let pack = PackSource::bundled();
    let mut customers = nextbest::samples::generate(11, 1500);
    customers.extend(fixture_customers(&pack));
    let bundled: Vec<Value> = serde_json::from_str(nextbest::bundled_samples()).expect("samples");
    customers.extend(bundled);
    assert!(agree(&pack, &customers) > 5000);
}

#[test]
fn benchmark_pack_compiled_equals_interpreted() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bench/pack");
    let pack = PackSource::from_dir(&dir).expect("benchmark pack");
    let fast = Engine::new(&pack).expect("compiles");
    assert_eq!(
        fast.compiled_rules().len(),
        fast.rules().len(),
        "every benchmark rule is in the compiled subset"
    );
    let customers = nextbest::samples::generate(3, 1500);
    assert!(agree(&pack, &customers) > 5000);
}

/// Rules that reach the edges of the compiled path: each must agree with rhai,
/// whether the compiled path answers or hands the rule back.
#[test]
fn edge_cases_agree() {
    let mut pack = PackSource::bundled();
    pack.files.retain(|name, _| !name.ends_with(".rhai"));
    let rules = [
        (
            "mixed_compare",
            "signal",
            r#"if c.aum >= 500000 && c.age != () && c.age > 30.5 { high_value("x", "甲", "a") }"#,
        ),
        (
            "unit_compare",
            "signal",
            r#"if c.risk_rating == () || c.risk_rating < "3" { high_value("y", "乙", "b") }"#,
        ),
        (
            "overflow",
            "signal",
            r#"let big = 9223372036854775807; if c.aum > 0.0 && big + 1 > 0 { high_value("z", "丙", "c") }"#,
        ),
        (
            "div_zero",
            "signal",
            r#"if c.txn_count("cash_deposit", 30) / 0 > 1 { high_value("d", "丁", "d") }"#,
        ),
        (
            "float_text",
            "cross_sell",
            r#"if c.aum > 0.0 { suggest("wm.product", `资产${c.aum}`, "x") }"#,
        ),
        (
            "text_join",
            "cross_sell",
            r#"suggest("wm.product", "资产" + yuan(c.aum) + c.age, "AUM " + c.products_held)"#,
        ),
        (
            "unknown_product",
            "cross_sell",
            r#"if c.aum > 100.0 { suggest("no.such", "x", "y") }"#,
        ),
        ("wrong_kind", "signal", r#"suggest("wm.product", "x", "y")"#),
        ("bad_value", "cross_sell", r#"if c.aum > 100.0 { 42 }"#),
        (
            "array_mix",
            "cross_sell",
            r#"[suggest("wm.product", "a", "b").pitch("话", "pitch").boost(2), (), if c.aum > 1e6 { suggest("dep.large_cd", "c", "d").to("vip_area") }]"#,
        ),
        (
            "bad_dest",
            "cross_sell",
            r#"if c.aum > 1000.0 { suggest("wm.product", "a", "b").to("moon") }"#,
        ),
        (
            "big_boost",
            "cross_sell",
            r#"suggest("wm.product", "a", "b").boost(1e9)"#,
        ),
        (
            "in_ops",
            "signal",
            r#"if c.segment in ["affluent", "private"] || "cbd" in c.address_area || 2.0 in [1, 2] { high_value("in", "在", "in") }"#,
        ),
        (
            "index",
            "signal",
            r#"let xs = [1, 2, 3]; if xs[-1] == 3 && xs[5] == 1 { high_value("ix", "索", "ix") }"#,
        ),
        (
            "coalesce",
            "signal",
            r#"let m = #{a: 1}; note(`值${m["b"] ?? "无"}`, "v")"#,
        ),
        (
            "negation",
            "signal",
            r#"if !(c.kind == "corporate") && -c.aum < 0.0 && !c.waiting { high_value("neg", "负", "neg") }"#,
        ),
        ("non_bool_if", "signal", r#"if c.age { high_value("nb", "非", "nb") }"#),
        (
            "strings_len",
            "signal",
            r#"if c.id.len() > 3 && c.applications.len() >= 0 { high_value("len", "长", "len") }"#,
        ),
        (
            "shadow",
            "signal",
            r#"let c2 = c.aum; let x = 1; { let x = "inner"; } if x == 1 && c2 >= 0.0 { high_value("sh", "影", "sh") }"#,
        ),
        (
            "methods",
            "referral",
            r#"if c.has_account("debit_card") || c.holds("wm") || c.matures_within("dep", 30) || c.account_tier("credit_card") == "gold" || c.accepted_today() != "" || c.declined_today() != "" || c.visit_for("deposit") || c.needs("retirement") || c.applies("loan") { note("m", "m") }"#,
        ),
    ];
    for (id, kind, body) in rules {
        let text = format!("//! kind: {kind}\n//! priority: 50\n//! zh: 测试\n//! en: test\n\n{body}\n");
        pack.files.insert(format!("{id}.rhai"), text);
    }
    let fast = Engine::new(&pack).expect("pack");
    assert!(fast.problems().is_empty(), "{:?}", fast.problems());
    let compiled = fast.compiled_rules();
    for (id, _, _) in rules {
        assert!(compiled.contains(&id), "{id} should be in the compiled subset");
    }
    let mut customers = nextbest::samples::generate(5, 300);
    customers.extend(fixture_customers(&PackSource::bundled()));
    agree(&pack, &customers);
}

/// Which bundled rules stay in rhai: each uses a loop, a closure, `push` or
/// the like. A rule leaving this list (or joining it) is a deliberate change.
#[test]
fn bundled_rules_outside_the_compiled_subset() {
    let e = Engine::new(&PackSource::bundled()).expect("pack");
    let compiled = e.compiled_rules();
    let interpreted: Vec<&str> = e
        .rules()
        .iter()
        .map(|r| r.id.as_str())
        .filter(|id| !compiled.contains(id))
        .collect();
    assert_eq!(
        interpreted,
        [
            "corp_trade_settlement",
            "fu_maturity_reinvest",
            "hv_account_opening",
            "hv_business_need",
            "hv_corporate",
            "hv_large_cash",
            "hv_large_cd_loss",
            "hv_large_investment",
            "hv_profile",
            "route_card_only",
            "up_large_cd",
            "xs_account_opening_bundle",
        ]
    );
}
