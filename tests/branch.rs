//! The branch context (issue 11): who is free at the branch, the queues and
//! the VIP seats, as its own input beside the customer. Rules read it as `b`;
//! unknown is no information, never "everyone free"; the customer contract no
//! longer carries `visit.lobby_busy` and says where it went.
#![cfg(not(target_arch = "wasm32"))]

use nextbest::{BranchContext, Engine, Error, Options, PackSource, RuleStatus};
use serde_json::json;

fn engine() -> Engine {
    Engine::new(&PackSource::bundled()).expect("bundled pack loads")
}

fn with_rule(body: &str) -> Engine {
    let mut pack = PackSource::bundled();
    pack.files.insert(
        "zz_branch.rhai".into(),
        format!("//! kind: route\n//! priority: 1000\n//! zh: 测试\n//! en: test\n{body}\n"),
    );
    let engine = Engine::new(&pack).expect("loads");
    assert!(engine.problems().is_empty(), "{:#?}", engine.problems());
    engine
}

const CUSTOMER: &str = r#"{"id": "B", "visit": {"purpose": "cash_deposit", "at": "2026-11-24T10:00:00"}}"#;

fn options(branch: Option<&str>) -> Options {
    Options {
        branch: branch.map(|b| BranchContext::from_json(b).expect("valid branch context")),
        ..Options::default()
    }
}

/// What the test rule routed with: its reason text.
fn said(engine: &Engine, branch: Option<&str>) -> String {
    let out = engine.evaluate_json(CUSTOMER, &options(branch)).expect("evaluates");
    assert!(out.errors.is_empty(), "{:#?}", out.errors);
    out.route.reason_zh
}

#[test]
fn the_old_lobby_busy_field_is_refused_saying_where_it_went() {
    let e = engine()
        .evaluate_json(
            r#"{"id": "B", "visit": {"purpose": "cash_deposit", "at": "2026-11-24T10:00:00", "lobby_busy": true}}"#,
            &Options::default(),
        )
        .expect_err("refused");
    match e {
        Error::Input { path, message } => {
            assert_eq!(path, "visit.lobby_busy");
            assert!(message.contains("branch context"), "{message}");
            assert!(message.contains(r#""role": "lobby""#), "{message}");
            assert!(!message.contains("did you mean"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    // Sent as false it is refused all the same: a branch system learns once.
    let e = nextbest::Customer::from_value(&json!({"id": "B", "visit": {"lobby_busy": false}})).expect_err("refused");
    assert!(e.to_string().contains("branch context"), "{e}");
}

#[test]
fn unknown_is_neither_free_nor_busy() {
    let engine = with_rule(
        r#"let q = b.queue("teller");
route("teller_queue", `known=${b.known} free=${b.free("cm")} busy=${b.busy("cm")} full=${b.vip_full} queue=${q}`, "t")"#,
    );
    assert_eq!(
        said(&engine, None),
        "known=false free=false busy=false full=false queue="
    );
    // A context that lists nobody in the role knows nothing about it either.
    assert_eq!(
        said(&engine, Some(r#"{"staff": [{"role": "lobby", "state": "busy"}]}"#)),
        "known=true free=false busy=false full=false queue="
    );
    assert_eq!(
        said(
            &engine,
            Some(
                r#"{"staff": [{"role": "cm", "state": "away"}, {"role": "cm", "state": "busy"}], "queues": {"teller": 9}, "vip_seats_free": 0}"#
            )
        ),
        "known=true free=false busy=true full=true queue=9"
    );
    assert_eq!(
        said(
            &engine,
            Some(
                r#"{"staff": [{"role": "cm", "state": "busy"}, {"role": "cm", "state": "available"}], "vip_seats_free": 2}"#
            )
        ),
        "known=true free=true busy=false full=false queue="
    );
}

#[test]
fn a_role_or_counter_the_context_does_not_have_is_unknown_not_an_error() {
    let engine =
        with_rule(r#"route("teller_queue", `${b.free("janitor")} ${b.busy("janitor")} ${b.queue("atm")}`, "t")"#);
    let ctx = r#"{"staff": [{"role": "cm", "state": "busy"}], "queues": {"teller": 1}}"#;
    assert_eq!(said(&engine, Some(ctx)), "false false ");
}

#[test]
fn rules_cannot_change_the_branch_context() {
    let mut pack = PackSource::bundled();
    pack.files.insert(
        "zz_write.rhai".into(),
        "//! kind: route\n//! priority: 1\n//! zh: t\n//! en: t\nb = 5;\n".into(),
    );
    let engine = Engine::new(&pack).expect("loads");
    let out = engine.evaluate_json(CUSTOMER, &options(Some("{}"))).expect("evaluates");
    assert!(
        engine.problems().iter().any(|p| p.rule == "zz_write") || out.errors.iter().any(|e| e.rule == "zz_write"),
        "assigning to b must fail"
    );
}

#[test]
fn the_same_customer_routes_by_who_is_free() {
    let engine = engine();
    let customer = r#"{"id": "V", "segment": "affluent", "risk_rating": 3, "aum": 700000,
        "visit": {"purpose": "cash_deposit", "at": "2026-11-24T10:00:00"},
        "contact_history": [{"product": "wm.product", "at": "2026-11-24T09:55:00", "outcome": "accepted", "by": "vip_teller"}],
        "consent": {"marketing": true, "record": true}}"#;
    let run = |branch: Option<&str>| {
        let mut o = options(branch);
        o.channel = "vip_teller".into();
        engine.evaluate_json(customer, &o).expect("evaluates").route
    };
    let unknown = run(None);
    assert_eq!(unknown.destination, "relationship_manager");
    assert!(unknown.reason_zh.contains("呼叫大堂经理"), "{}", unknown.reason_zh);
    let busy = run(Some(r#"{"staff": [{"role": "lobby", "state": "busy"}]}"#));
    assert_eq!(busy.destination, "relationship_manager");
    assert!(busy.reason_zh.contains("大堂经理繁忙"), "{}", busy.reason_zh);
    let cm_busy = run(Some(r#"{"staff": [{"role": "cm", "state": "busy"}]}"#));
    assert_eq!(cm_busy.destination, "product_sales");
    assert_eq!(cm_busy.rule.as_deref(), Some("route_cm_busy_low_counter"));
}

#[test]
fn the_branch_context_leaves_the_trace_of_rules_that_do_not_read_it_alone() {
    // Same customer, same pack: a context nobody is busy in changes nothing.
    let engine = engine();
    let c = r#"{"id": "S", "segment": "mass", "risk_rating": 3,
        "transactions": [{"kind": "cash_withdrawal", "amount": 80000, "at": "2026-11-24"}],
        "stated_needs": ["wealth_management"],
        "visit": {"purpose": "cash_withdrawal", "at": "2026-11-24T10:00:00"},
        "consent": {"marketing": true, "record": true}}"#;
    let plain = engine.evaluate_json(c, &Options::default()).expect("evaluates");
    let free = engine
        .evaluate_json(
            c,
            &options(Some(
                r#"{"staff": [{"role": "lobby", "state": "available"}, {"role": "cm", "state": "available"}]}"#,
            )),
        )
        .expect("evaluates");
    assert_eq!(plain.route, free.route);
    assert_eq!(plain.suggestions, free.suggestions);
    let fired = |e: &nextbest::Evaluation| {
        e.trace
            .iter()
            .filter(|t| t.status == RuleStatus::Fired)
            .map(|t| t.rule.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(fired(&plain), fired(&free));
}

#[test]
fn lint_checks_b_names_and_points_old_rules_at_the_branch_context() {
    let mut pack = PackSource::bundled();
    pack.files.insert(
        "zz_lint.rhai".into(),
        "//! kind: route\n//! priority: 1\n//! zh: t\n//! en: t\nif b.vip_ful || c.lobby_busy || b.aum > 0 { () }\n"
            .into(),
    );
    let engine = Engine::new(&pack).expect("loads");
    let problems: Vec<String> = nextbest::lint(&engine, &pack)
        .into_iter()
        .filter(|p| p.rule == "zz_lint")
        .map(|p| format!("{}:{}: {}", p.line, p.column, p.message))
        .collect();
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(
        problems[0].starts_with("5:6: unknown branch context property or method b.vip_ful: did you mean b.vip_full?"),
        "{problems:#?}"
    );
    assert!(
        problems[1]
            .starts_with("5:19: unknown customer property or method c.lobby_busy: it moved to the branch context"),
        "{problems:#?}"
    );
    assert!(
        problems[2].contains("b.aum") && problems[2].contains("the customer is c"),
        "{problems:#?}"
    );
}

#[test]
fn fixture_cases_with_a_branch_context_cite_the_seed() {
    let pack = PackSource::bundled();
    let mut n = 0;
    for (name, text) in pack.files.iter().filter(|(n, _)| n.starts_with("fixtures/")) {
        let v: serde_json::Value = serde_json::from_str(text).expect("fixture JSON");
        for case in v["cases"].as_array().expect("cases") {
            if case.get("branch").is_some() {
                n += 1;
                let seed = case["seed"].as_str().unwrap_or("");
                assert!(seed.starts_with("004 "), "{name} :: {}: no seed section", case["name"]);
            }
        }
    }
    assert!(n >= 8, "{n} cases with a branch context");
}

#[test]
fn a_fixture_with_a_bad_branch_context_fails_naming_the_field() {
    let mut pack = PackSource::bundled();
    pack.files.insert(
        "fixtures/zz.json".into(),
        json!({"cases": [{"name": "bad", "customer": {"id": "x", "visit": {"at": "2026-11-24T10:00:00"}},
            "branch": {"staff": [{"role": "cm", "state": "napping"}]}, "expect": {}}]})
        .to_string(),
    );
    let engine = Engine::new(&pack).expect("loads");
    let report = nextbest::run_fixtures(&engine, &pack);
    let bad = report.cases.iter().find(|c| c.name == "bad").expect("case");
    assert!(!bad.passed);
    assert!(bad.failures[0].contains("branch.staff[0].state"), "{:?}", bad.failures);
}
