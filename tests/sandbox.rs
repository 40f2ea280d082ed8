//! The sandbox, tried as a hostile rule author would (issue 9): every rule
//! here once hung, crashed or flooded an evaluation. Each must now be
//! stopped with its id and position, contribute nothing, and leave the
//! bundled rules answering.
#![cfg(not(target_arch = "wasm32"))]

use std::sync::mpsc;
use std::time::Duration;

use nextbest::{Engine, Evaluation, Options, PackSource, RuleError, RuleStatus, Stage};

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

fn rule(kind: &str, body: &str) -> String {
    format!("//! kind: {kind}\n//! priority: 50\n//! zh: 测试\n//! en: test\n{body}\n")
}

fn with_budgets(pack: &mut PackSource, budgets: &str) {
    let text = pack.files.get("pack.json").expect("pack.json").clone();
    let mut v: serde_json::Value = serde_json::from_str(&text).expect("json");
    v["budgets"] = serde_json::from_str(budgets).expect("budgets json");
    pack.files.insert("pack.json".into(), v.to_string());
}

fn error_of<'a>(errors: &'a [RuleError], rule: &str) -> &'a RuleError {
    errors
        .iter()
        .find(|e| e.rule == rule)
        .unwrap_or_else(|| panic!("no error reported for {rule}: {errors:#?}"))
}

/// Runs `f` on its own thread and fails the test if it has not finished in
/// 60 s: a hang is a failure here, not a stuck CI run. (Not a speed claim:
/// every case below stops in milliseconds; the benchmark measures that.)
fn finishes<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("the evaluation hung (no answer in 60 s)")
}

/// Evaluates with time budgets far above anything here, so what stops a
/// rule is the budget under test, not a slow debug build.
fn evaluate(mut pack: PackSource, customer: String) -> Evaluation {
    with_budgets(&mut pack, r#"{"rule_ms": 10000, "customer_ms": 60000}"#);
    evaluate_as_is(pack, customer)
}

fn evaluate_as_is(pack: PackSource, customer: String) -> Evaluation {
    finishes(move || {
        let engine = Engine::new(&pack).expect("pack loads");
        engine
            .evaluate_json(&customer, &Options::default())
            .expect("valid customer")
    })
}

fn bundled_still_answer(out: &Evaluation) {
    assert!(
        out.trace
            .iter()
            .any(|t| &*t.rule == "xs_large_cash_wealth" && t.status == RuleStatus::Fired),
        "the bundled rules must still fire: {:#?}",
        out.trace
    );
}

#[test]
fn sleep_print_and_calls_by_name_are_refused_at_compile_with_their_position() {
    for (id, body, name) in [
        ("zz_sleep", "sleep(3600);", "sleep"),
        ("zz_sleep_loop", "loop { sleep(1); }", "sleep"),
        ("zz_sleep_huge", "sleep(1e300);", "sleep"),
        ("zz_print", "print(\"x\");", "print"),
        ("zz_fn", "let f = Fn(\"sleep\"); f.call(1);", "sleep"),
        ("zz_fn_filter", "let f = Fn(\"sleep\"); [1].filter(f);", "sleep"),
        ("zz_fn_array", "let f = [Fn(\"sleep\")]; [1].filter(f[0]);", "sleep"),
        ("zz_call", "call(\"x\");", "call"),
    ] {
        let file = format!("{id}.rhai");
        let src = rule("cross_sell", body);
        let pack = pack_with(&[(file.as_str(), src.as_str())]);
        let engine = Engine::new(&pack).expect("loads");
        let e = engine
            .problems()
            .iter()
            .find(|e| e.rule == id && e.message.contains(&format!("{name}()")))
            .unwrap_or_else(|| panic!("{id}: no error naming {name}(): {:#?}", engine.problems()));
        assert_eq!(e.stage, Stage::Compile, "{e:?}");
        assert_eq!(e.line, 5, "{e:?}");
        assert!(e.column > 0, "{e:?}");
        assert!(e.message.contains(&format!("{name}()")), "{}", e.message);
        assert!(e.message.contains("not available to rules"), "{}", e.message);
        let out = evaluate(pack, CUSTOMER.into());
        bundled_still_answer(&out);
        assert!(out.trace.iter().all(|t| &*t.rule != id), "a refused rule never runs");
    }
}

#[test]
fn a_misspelt_helper_gets_a_did_you_mean() {
    let src = rule("signal", "let x = yaun(5);");
    let engine = Engine::new(&pack_with(&[("zz_typo.rhai", &src)])).expect("loads");
    let e = error_of(engine.problems(), "zz_typo");
    assert!(e.message.contains("did you mean yuan()"), "{}", e.message);
    assert_eq!((e.line, e.column), (5, 9), "{e:?}");
    let src = rule("signal", "let x = c.txn_summ(\"cash_deposit\", 30);");
    let engine = Engine::new(&pack_with(&[("zz_typo2.rhai", &src)])).expect("loads");
    let e = error_of(engine.problems(), "zz_typo2");
    assert!(e.message.contains("did you mean txn_sum()"), "{}", e.message);
}

#[test]
fn work_inside_closures_that_native_functions_call_back_is_counted() {
    // Once: millions of operations while the trace said 22, for minutes.
    let body = "let a = []; for i in 0..1000 { a.push(i); } let b = a; let d = a;\n\
                let r = a.index_of(|x| b.index_of(|y| d.index_of(|z| z == -1) == -2) == -3);\n\
                suggest(\"dep.deposit\", \"a\", \"b\")";
    let src = rule("cross_sell", body);
    let out = evaluate(pack_with(&[("zz_closures.rhai", &src)]), CUSTOMER.into());
    let e = error_of(&out.errors, "zz_closures");
    assert!(e.message.contains("operations"), "{}", e.message);
    assert_eq!(e.line, 6, "{e:?}");
    let t = out.trace.iter().find(|t| &*t.rule == "zz_closures").expect("traced");
    assert_eq!(t.status, RuleStatus::Error);
    assert!(
        t.operations > 20_000,
        "the trace counts the closures' work: {}",
        t.operations
    );
    assert!(out
        .suggestions
        .iter()
        .all(|s| !s.rules.iter().any(|r| r == "zz_closures")));
    bundled_still_answer(&out);
}

/// A customer with `n` holdings and `n` / 100 transactions.
fn big_customer(n: usize) -> String {
    let holdings: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"product": "bond.p{i}", "amount": 1000}}"#))
        .collect();
    let txns: Vec<String> = (0..n / 100)
        .map(|_| r#"{"kind": "transfer_in", "amount": 10, "at": "2026-11-20"}"#.to_owned())
        .collect();
    format!(
        r#"{{"id": "BIG", "risk_rating": 3, "holdings": [{}],
            "transactions": [{{"kind": "cash_withdrawal", "amount": 80000, "at": "2026-11-24"}}, {}],
            "visit": {{"purpose": "cash_withdrawal", "at": "2026-11-24T10:00:00"}},
            "consent": {{"marketing": true, "record": true}}}}"#,
        holdings.join(","),
        txns.join(",")
    )
}

#[test]
fn helpers_that_walk_a_long_list_charge_for_it() {
    // Once 41 s before the operation limit stopped it.
    for (id, body) in [
        ("zz_held", "let n = 0; loop { n += c.products_held; }"),
        ("zz_holds", "let n = 0; loop { if c.holds(\"bond\") { n += 1; } }"),
        ("zz_txns", "let n = 0.0; loop { n += c.txn_sum(\"transfer_in\", 30); }"),
        ("zz_field", "let n = 0; loop { n += 1; c.applications; }"),
    ] {
        let file = format!("{id}.rhai");
        let src = rule("cross_sell", body);
        let out = evaluate(pack_with(&[(file.as_str(), src.as_str())]), big_customer(100_000));
        let e = error_of(&out.errors, id);
        assert!(e.message.contains("operations"), "{id}: {}", e.message);
        bundled_still_answer(&out);
    }
}

#[test]
fn a_rule_returning_too_much_contributes_nothing() {
    // Once: 50 such rules used 1.2 GB and printed 405 MB.
    let body = "let out = []; let s = \"x\"; for i in 0..11 { s += s; }\n\
                for i in 0..1000 { out.push(suggest(\"dep.deposit\", s, s)); }\nout";
    let src = rule("cross_sell", body);
    let pack = pack_with(&[("zz_flood.rhai", &src)]);
    let out = evaluate(pack, CUSTOMER.into());
    let e = error_of(&out.errors, "zz_flood");
    assert!(e.message.contains("results_per_rule"), "{}", e.message);
    assert!(out.suggestions.iter().all(|s| !s.rules.iter().any(|r| r == "zz_flood")));

    let body = "let s = \"长\"; for i in 0..9 { s += s; }\nsuggest(\"dep.deposit\", s, \"b\")";
    let src = rule("cross_sell", body);
    let out = evaluate(pack_with(&[("zz_long.rhai", &src)]), CUSTOMER.into());
    let e = error_of(&out.errors, "zz_long");
    assert!(e.message.contains("text_chars"), "{}", e.message);
    assert!(out.suggestions.iter().all(|s| !s.rules.iter().any(|r| r == "zz_long")));

    // Many rules each within their own budgets still cannot pass the customer's total.
    let mut files = Vec::new();
    for i in 0..20 {
        files.push((
            format!("zz_many{i:02}.rhai"),
            rule(
                "signal",
                "let s = \"x\"; for i in 0..8 { s += s; }\n[note(s, s), note(s, s), note(s, s), note(s, s), note(s, s), note(s, s), note(s, s), note(s, s)]",
            ),
        ));
    }
    let refs: Vec<(&str, &str)> = files.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let out = evaluate(pack_with(&refs), CUSTOMER.into());
    let text: usize = out
        .notes
        .iter()
        .map(|n| n.zh.chars().count() + n.en.chars().count())
        .sum();
    assert!(text <= 20_000, "{text}");
    assert!(
        out.errors.iter().any(|e| e.message.contains("output_chars")),
        "{:#?}",
        out.errors
    );
}

#[test]
fn a_rule_failing_half_way_through_its_array_pitches_nothing() {
    let src = rule("cross_sell", "[suggest(\"dep.deposit\", \"半途\", \"half way\"), 42]");
    let out = evaluate(pack_with(&[("zz_half.rhai", &src)]), CUSTOMER.into());
    let e = error_of(&out.errors, "zz_half");
    assert!(e.message.contains("item 1"), "{}", e.message);
    assert!(
        out.suggestions
            .iter()
            .chain([])
            .all(|s| !s.rules.iter().any(|r| r == "zz_half")),
        "{:#?}",
        out.suggestions
    );
    assert!(out.suppressed.iter().all(|s| !s.rules.iter().any(|r| r == "zz_half")));
}

#[test]
fn the_time_budgets_stop_a_rule_and_then_the_customer() {
    let src = rule(
        "cross_sell",
        "let n = 0; for i in 0..15000 { n += i; }\nsuggest(\"dep.deposit\", \"a\", \"b\")",
    );
    let mut pack = pack_with(&[("zz_slow.rhai", &src)]);
    with_budgets(&mut pack, r#"{"rule_ms": 0.001, "customer_ms": 60000}"#);
    let out = evaluate_as_is(pack, CUSTOMER.into());
    let e = error_of(&out.errors, "zz_slow");
    assert!(e.message.contains("rule_ms"), "{}", e.message);
    bundled_still_answer(&out);

    let mut pack = pack_with(&[(
        "aa_slow.rhai",
        &rule("signal", "let n = 0; for i in 0..15000 { n += i; }"),
    )]);
    with_budgets(&mut pack, r#"{"rule_ms": 0.001, "customer_ms": 0.001}"#);
    let out = evaluate_as_is(pack, CUSTOMER.into());
    let e = error_of(&out.errors, "aa_slow");
    assert!(e.message.contains("customer_ms"), "{}", e.message);
    assert!(
        out.trace.iter().any(|t| t.status == RuleStatus::NotRun),
        "{:#?}",
        out.trace
    );
    assert!(out.suggestions.is_empty());
}

#[test]
fn budgets_out_of_range_are_refused_naming_the_field() {
    for (budgets, field) in [
        (r#"{"operations_per_rule": 0}"#, "operations_per_rule"),
        (r#"{"rule_ms": -1}"#, "rule_ms"),
        (r#"{"rule_ms": 100, "customer_ms": 50}"#, "customer_ms"),
        (r#"{"results_per_rule": 0}"#, "results_per_rule"),
        (r#"{"text_chars": 100, "output_chars": 10}"#, "output_chars"),
        (r#"{"rule_msec": 10}"#, "rule_msec"),
    ] {
        let mut pack = PackSource::bundled();
        with_budgets(&mut pack, budgets);
        match Engine::new(&pack) {
            Err(e) => assert!(e.to_string().contains(field), "{budgets}: {e}"),
            Ok(_) => panic!("{budgets} accepted"),
        }
    }
}

#[test]
fn boost_is_capped_per_rule_not_per_call() {
    let src = rule(
        "cross_sell",
        "[suggest(\"dep.deposit\", \"a\", \"b\").boost(50), suggest(\"dep.deposit\", \"c\", \"d\").boost(50), suggest(\"dep.deposit\", \"e\", \"f\").boost(50)]",
    );
    let base = rule("cross_sell", "suggest(\"dep.deposit\", \"a\", \"b\").boost(50)");
    let many = evaluate(pack_with(&[("zz_boost.rhai", &src)]), CUSTOMER.into());
    let one = evaluate(pack_with(&[("zz_boost.rhai", &base)]), CUSTOMER.into());
    let score = |o: &Evaluation| {
        o.suggestions
            .iter()
            .chain([])
            .find(|s| s.product == "dep.deposit")
            .map(|s| s.score)
    };
    assert_eq!(
        score(&many),
        score(&one),
        "three boosts of 50 from one rule count as 50"
    );
    let chained = rule(
        "cross_sell",
        "suggest(\"dep.deposit\", \"a\", \"b\").boost(40).boost(40)",
    );
    let out = evaluate(pack_with(&[("zz_chain.rhai", &chained)]), CUSTOMER.into());
    assert!(error_of(&out.errors, "zz_chain").message.contains("max_boost"));
}

/// `x in list` has its own path for a text or a whole number (eval.rs
/// `register_fast_in`): it must answer as rhai's `contains` does, items of
/// other types included, and cost the same operations (one per item).
#[test]
fn in_answers_and_costs_what_rhai_does() {
    let cases = [
        r#""a" in ["b", "a"]"#,
        r#""a" in ["b", "c"]"#,
        r#""a" in [1, 'a', 2.0, "a"]"#,
        r#""1" in [1, 1.0]"#,
        r#""x" in []"#,
        "1 in [1.0, 2]",
        "2 in [\"2\", 2.5]",
        "3 in [1, \"3\", 3]",
        "4 in [[4], 5]",
        "0 in []",
    ];
    let plain = rhai::Engine::new();
    let mut rules = Vec::new();
    for (i, expr) in cases.iter().enumerate() {
        let want: bool = plain.eval(expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
        let body = format!("if {expr} {{ note(\"是{i}\", \"yes {i}\") }} else {{ [] }}");
        rules.push((format!("zz_in_{i}.rhai"), rule("route", &body), want));
    }
    // The same walk over ten items: texts (the new path) and decimals (rhai's own).
    rules.push((
        "zz_cost_text.rhai".into(),
        rule(
            "route",
            r#"let l = ["q","w","e","r","t","y","u","i","o","p"]; if "z" in l { note("文", "text") } else { [] }"#,
        ),
        false,
    ));
    rules.push((
        "zz_cost_int.rhai".into(),
        rule(
            "route",
            "let l = [1,2,3,4,5,6,7,8,9,10]; if 0 in l { note(\"整\", \"int\") } else { [] }",
        ),
        false,
    ));
    rules.push((
        "zz_cost_float.rhai".into(),
        rule(
            "route",
            "let l = [1.5,2.5,3.5,4.5,5.5,6.5,7.5,8.5,9.5,10.5]; if 0.5 in l { note(\"数\", \"float\") } else { [] }",
        ),
        false,
    ));
    let extra: Vec<(&str, &str)> = rules.iter().map(|(f, t, _)| (f.as_str(), t.as_str())).collect();
    let out = evaluate(pack_with(&extra), CUSTOMER.into());
    assert!(out.errors.is_empty(), "{:#?}", out.errors);
    for (i, expr) in cases.iter().enumerate() {
        let got = out.notes.iter().any(|n| n.en == format!("yes {i}"));
        assert_eq!(got, rules[i].2, "{expr}: nextbest said {got}, rhai says {}", rules[i].2);
    }
    let ops = |id: &str| {
        out.trace
            .iter()
            .find(|t| &*t.rule == id)
            .map(|t| t.operations)
            .expect(id)
    };
    assert_eq!(
        ops("zz_cost_text"),
        ops("zz_cost_float"),
        "ten texts cost what ten decimals do"
    );
    assert_eq!(
        ops("zz_cost_int"),
        ops("zz_cost_float"),
        "ten whole numbers cost what ten decimals do"
    );
}
