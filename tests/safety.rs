//! A faulty rule never takes the others down: compile errors, run-time
//! errors and endless loops are reported with rule id, line and column, and
//! the remaining rules still fire.
#![cfg(not(target_arch = "wasm32"))]

use nextbest::{Engine, Options, PackSource, RuleError, RuleStatus, Stage};

/// A customer that makes the bundled `hv_large_cash` and `xs_large_cash_wealth` rules fire.
const CUSTOMER: &str = r#"{
  "id": "S1", "segment": "mass", "risk_rating": 3,
  "transactions": [{"kind": "cash_withdrawal", "amount": 80000, "at": "2026-11-24"}],
  "visit": {"purpose": "cash_withdrawal", "at": "2026-11-24T10:00:00"},
  "consent": {"marketing": true, "record": true}
}"#;

fn pack_with(extra: &[(&str, &str)]) -> PackSource {
    let mut pack = PackSource::bundled();
    for (name, text) in extra {
        pack.files.insert((*name).to_owned(), (*text).to_owned());
    }
    pack
}

fn header(kind: &str) -> String {
    format!("//! kind: {kind}\n//! priority: 50\n//! zh: 测试\n//! en: test\n")
}

fn error_of<'a>(errors: &'a [RuleError], rule: &str) -> &'a RuleError {
    errors
        .iter()
        .find(|e| e.rule == rule)
        .unwrap_or_else(|| panic!("no error reported for {rule}: {errors:?}"))
}

fn evaluate(pack: &PackSource) -> nextbest::Evaluation {
    let engine = Engine::new(pack).expect("pack.json and products.json are fine");
    engine
        .evaluate_json(CUSTOMER, &Options::default())
        .expect("customer is valid")
}

#[test]
fn a_rule_failing_at_run_time_is_reported_with_its_position_and_the_others_still_fire() {
    let src = format!(
        "{}\nlet x = 1;\nlet y = x / 0;\nsuggest(\"wm.product\", \"a\", \"b\")\n",
        header("cross_sell")
    );
    let out = evaluate(&pack_with(&[("zz_divide.rhai", &src)]));
    let e = error_of(&out.errors, "zz_divide");
    assert_eq!(e.stage, Stage::Run);
    assert_eq!((e.line, e.file.as_str()), (7, "zz_divide.rhai"), "{e:?}");
    assert!(e.column > 0, "{e:?}");
    assert!(out
        .trace
        .iter()
        .any(|t| &*t.rule == "zz_divide" && t.status == RuleStatus::Error));
    assert!(out
        .trace
        .iter()
        .any(|t| &*t.rule == "xs_large_cash_wealth" && t.status == RuleStatus::Fired));
    assert_eq!(out.suggestions[0].product, "wm.product");
}

#[test]
fn an_endless_loop_is_stopped_and_reported_while_the_others_fire() {
    let src = format!("{}\nlet n = 0;\nloop {{\n    n += 1;\n}}\n", header("cross_sell"));
    let out = evaluate(&pack_with(&[("zz_endless.rhai", &src)]));
    let e = error_of(&out.errors, "zz_endless");
    assert_eq!(e.stage, Stage::Run);
    assert!(e.message.contains("operations"), "{}", e.message);
    assert!((6..=8).contains(&e.line), "the loop is on lines 6-8: {e:?}");
    let t = out.trace.iter().find(|t| &*t.rule == "zz_endless").expect("traced");
    assert!(t.operations >= nextbest::default_limits::MAX_OPERATIONS, "{t:?}");
    assert!(out.high_value.flag, "signal rules still ran");
    assert_eq!(out.suggestions[0].product, "wm.product");
}

#[test]
fn a_rule_that_does_not_compile_is_reported_with_line_and_column_and_the_others_fire() {
    let src = format!(
        "{}\nif c.aum > 1 {{\n    suggest(\"wm.product\", \"a\" \"b\")\n}}\n",
        header("cross_sell")
    );
    let engine = Engine::new(&pack_with(&[("zz_syntax.rhai", &src)])).expect("pack loads");
    let e = error_of(engine.problems(), "zz_syntax");
    assert_eq!((e.stage, e.line), (Stage::Compile, 7), "{e:?}");
    assert!(e.column > 20, "points into the call: {e:?}");
    let out = engine.evaluate_json(CUSTOMER, &Options::default()).expect("valid");
    assert!(
        out.errors.iter().any(|x| x.rule == "zz_syntax"),
        "compile errors travel with every evaluation"
    );
    assert_eq!(out.suggestions[0].product, "wm.product");
}

#[test]
fn an_undeclared_variable_is_a_compile_error_not_a_silent_unit() {
    let src = format!(
        "{}\nif costomer.aum > 1 {{ suggest(\"wm.product\", \"a\", \"b\") }}\n",
        header("cross_sell")
    );
    let engine = Engine::new(&pack_with(&[("zz_typo.rhai", &src)])).expect("pack loads");
    let e = error_of(engine.problems(), "zz_typo");
    assert_eq!((e.line, e.column), (6, 4), "{e:?}");
    assert!(e.message.contains("costomer"), "{}", e.message);
}

#[test]
fn a_bad_header_is_reported_at_its_line() {
    let src = "//! kind: cross_sel\n//! priority: 1\n//! zh: a\n//! en: b\n()\n";
    let engine = Engine::new(&pack_with(&[("zz_header.rhai", src)])).expect("pack loads");
    let e = error_of(engine.problems(), "zz_header");
    assert_eq!((e.line, e.column), (1, 5), "{e:?}");
}

#[test]
fn misplaced_results_and_unknown_ids_fail_where_they_are_written() {
    let route_in_sell = format!("{}\n\nroute(\"vip_area\", \"a\", \"b\")\n", header("cross_sell"));
    let unknown_product = format!("{}\nsuggest(\"no.such\", \"a\", \"b\")\n", header("cross_sell"));
    let wrong_type = format!("{}\n42\n", header("cross_sell"));
    let missing_param = format!("{}\nif c.aum > p.no_such_param {{ () }}\n", header("cross_sell"));
    let pack = pack_with(&[
        ("zz_route.rhai", &route_in_sell),
        ("zz_product.rhai", &unknown_product),
        ("zz_type.rhai", &wrong_type),
        ("zz_param.rhai", &missing_param),
    ]);
    let out = evaluate(&pack);
    let e = error_of(&out.errors, "zz_route");
    assert_eq!((e.line, e.column), (7, 1), "{e:?}");
    assert!(e.message.contains("route rule"), "{}", e.message);
    let e = error_of(&out.errors, "zz_product");
    assert_eq!(e.line, 6);
    assert!(e.message.contains("no.such"), "{}", e.message);
    let e = error_of(&out.errors, "zz_type");
    assert_eq!(e.line, 6);
    assert!(e.message.contains("i64"), "{}", e.message);
    let e = error_of(&out.errors, "zz_param");
    assert_eq!(e.line, 6);
    assert!(e.message.contains("no_such_param"), "{}", e.message);
    assert_eq!(out.suggestions[0].product, "wm.product");
}

#[test]
fn the_sandbox_has_no_eval_no_import_and_bounded_data() {
    let cases = [
        ("zz_eval", "eval(\"1\")"),
        ("zz_import", "import \"x\" as y;"),
        ("zz_string", "let s = \"x\"; for i in 0..20 { s += s; } s"),
        ("zz_array", "let a = []; for i in 0..100000 { a.push(i); } a"),
        ("zz_recurse", "fn f(n) { f(n + 1) } f(0)"),
    ];
    let files: Vec<(String, String)> = cases
        .iter()
        .map(|(id, body)| (format!("{id}.rhai"), format!("{}\n{body}\n", header("cross_sell"))))
        .collect();
    let refs: Vec<(&str, &str)> = files.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let pack = pack_with(&refs);
    let engine = Engine::new(&pack).expect("pack loads");
    let out = engine.evaluate_json(CUSTOMER, &Options::default()).expect("valid");
    for (id, _) in cases {
        let e = error_of(&out.errors, id);
        assert!(e.line > 0, "{e:?}");
    }
    assert_eq!(out.suggestions[0].product, "wm.product");
}

#[test]
fn rule_output_is_deterministic_across_engines_and_orders() {
    // Two engines built separately, fed the samples in opposite orders: any
    // state carried from one customer to the next (caches, budgets, params),
    // or any order that depends on hashing, shows up as a difference.
    let customers: Vec<serde_json::Value> = serde_json::from_str(nextbest::bundled_samples()).expect("samples");
    let run = |order: Vec<usize>| {
        let engine = Engine::new(&PackSource::bundled()).expect("bundled");
        let mut out = vec![String::new(); customers.len()];
        for i in order {
            let c = engine.customer_from_value(&customers[i]).expect("valid sample");
            let e = engine.evaluate(c, &Options::default()).expect("evaluates");
            out[i] = serde_json::to_string(&e).expect("json");
        }
        out
    };
    let forward = run((0..customers.len()).collect());
    let backward = run((0..customers.len()).rev().collect());
    assert!(forward.len() >= 100);
    for (i, (a, b)) in forward.iter().zip(&backward).enumerate() {
        assert_eq!(a, b, "sample {i} differs with the order it was evaluated in");
    }
}

#[test]
fn a_rule_cannot_change_the_params_for_later_rules_or_customers() {
    let attempts = [
        ("zz_assign", "p = 5;"),
        ("zz_set", "p.large_cash_cny = 1e12;"),
        ("zz_index", "p[\"large_cash_cny\"] = 1e12;"),
        (
            "zz_push",
            "let v = p.vip_segments; v.push(\"mass\"); p.vip_segments.push(\"mass\");",
        ),
        ("zz_mixin", "p.mixin(#{large_cash_cny: 1e12});"),
    ];
    let files: Vec<(String, String)> = attempts
        .iter()
        .map(|(id, body)| (format!("{id}.rhai"), format!("{}\n{body}\n()\n", header("signal"))))
        .collect();
    let refs: Vec<(&str, &str)> = files.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let engine = Engine::new(&pack_with(&refs)).expect("pack loads");
    let clean = Engine::new(&PackSource::bundled()).expect("bundled");
    let mass = r#"{"id": "M", "segment": "mass", "risk_rating": 3,
        "transactions": [{"kind": "cash_withdrawal", "amount": 60000, "at": "2026-11-24"}],
        "visit": {"purpose": "cash_withdrawal", "at": "2026-11-24T10:00:00"},
        "consent": {"marketing": true, "record": true}}"#;
    for _ in 0..3 {
        let out = engine.evaluate_json(mass, &Options::default()).expect("valid");
        let want = clean.evaluate_json(mass, &Options::default()).expect("valid");
        assert_eq!(out.route, want.route, "params unchanged: still not a VIP");
        assert_eq!(out.high_value, want.high_value, "params unchanged: still large cash");
        assert_eq!(out.suggestions, want.suggestions);
    }
}

#[test]
fn priorities_out_of_range_and_bad_boosts_are_refused() {
    let huge = "//! kind: route\n//! priority: -9223372036854775808\n//! zh: a\n//! en: b\nroute(\"vip_area\", \"a\", \"b\")\n";
    let boost = format!(
        "{}\nsuggest(\"card.gold\", \"a\", \"b\").boost(1.0 / 0.0)\n",
        header("cross_sell")
    );
    let engine = Engine::new(&pack_with(&[("zz_huge.rhai", huge), ("zz_boost.rhai", &boost)])).expect("loads");
    let e = error_of(engine.problems(), "zz_huge");
    assert_eq!(e.line, 2, "{e:?}");
    let out = engine.evaluate_json(CUSTOMER, &Options::default()).expect("valid");
    let e = error_of(&out.errors, "zz_boost");
    assert!(e.message.contains("max_boost"), "{}", e.message);
    assert!(out.suggestions.iter().all(|s| s.score.is_finite()));
}

#[test]
fn an_evaluation_time_out_of_range_is_bad_input_not_a_panic() {
    let engine = Engine::new(&PackSource::bundled()).expect("bundled");
    for now in [i64::MAX, i64::MIN, 300_000_000_000] {
        let opts = Options {
            now: Some(now),
            channel: "lobby".into(),
            ..Options::default()
        };
        match engine.evaluate_json(CUSTOMER, &opts) {
            Err(nextbest::Error::Input { path, .. }) => assert_eq!(path, "now"),
            other => panic!("{now}: expected an input error, got {other:?}"),
        }
    }
    // An explicit time earlier the same day is raised to the visit; a visit
    // dated a later day than the evaluation time is a wrong record, refused.
    let same_day = Options {
        now: Some(nextbest::Stamp::parse("2026-11-24T08:00:00").expect("time").unix),
        channel: "lobby".into(),
        ..Options::default()
    };
    let out = engine.evaluate_json(CUSTOMER, &same_day).expect("raised to visit.at");
    assert_eq!(out.today, "2026-11-24");
    let day_before = Options {
        now: Some(nextbest::Stamp::parse("2026-11-23T10:00:00").expect("time").unix),
        channel: "lobby".into(),
        ..Options::default()
    };
    match engine.evaluate_json(CUSTOMER, &day_before) {
        Err(nextbest::Error::Input { path, .. }) => assert_eq!(path, "visit.at"),
        other => panic!("expected the visit refused, got {other:?}"),
    }
}

#[test]
fn limits_of_zero_are_refused_because_rhai_reads_zero_as_unlimited() {
    let limits = nextbest::Limits {
        max_operations: 0,
        ..nextbest::Limits::default()
    };
    assert!(Engine::with_limits(&PackSource::bundled(), limits).is_err());
}
