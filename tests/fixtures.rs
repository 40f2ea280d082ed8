//! The bundled pack's fixtures pass, cover every rule and every routing
//! destination, and the harness really fails on a wrong expectation.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeSet;

use nextbest::{run_fixtures, Engine, PackSource};

#[test]
fn the_bundled_pack_compiles_lints_clean_and_has_thirty_rules_or_more() {
    let pack = PackSource::bundled();
    let engine = Engine::new(&pack).expect("bundled pack loads");
    assert_eq!(nextbest::lint(&engine, &pack), vec![]);
    assert!(engine.rules().len() >= 30, "{} rules", engine.rules().len());
}

#[test]
fn every_bundled_fixture_passes() {
    let pack = PackSource::bundled();
    let engine = Engine::new(&pack).expect("bundled pack loads");
    let report = run_fixtures(&engine, &pack);
    let failures: Vec<String> = report
        .cases
        .iter()
        .filter(|c| !c.passed)
        .map(|c| format!("{} :: {}: {:?}", c.file, c.name, c.failures))
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(report.passed >= 60, "{} cases", report.passed);
}

fn fixture_values(pack: &PackSource) -> Vec<serde_json::Value> {
    pack.files
        .iter()
        .filter(|(name, _)| name.starts_with("fixtures/"))
        .flat_map(|(_, text)| {
            let v: serde_json::Value = serde_json::from_str(text).expect("fixture JSON");
            v["cases"].as_array().expect("cases").clone()
        })
        .collect()
}

#[test]
fn every_rule_fires_in_some_fixture() {
    let pack = PackSource::bundled();
    let engine = Engine::new(&pack).expect("bundled pack loads");
    let fired: BTreeSet<String> = fixture_values(&pack)
        .iter()
        .flat_map(|c| c["expect"]["fired"].as_array().cloned().unwrap_or_default())
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    let missing: Vec<&str> = engine
        .rules()
        .iter()
        .map(|r| r.id.as_str())
        .filter(|id| !fired.contains(*id))
        .collect();
    assert!(missing.is_empty(), "rules no fixture expects to fire: {missing:?}");
}

#[test]
fn every_destination_and_routing_line_has_a_fixture() {
    let pack = PackSource::bundled();
    let engine = Engine::new(&pack).expect("bundled pack loads");
    let cases = fixture_values(&pack);
    let routes: BTreeSet<&str> = cases.iter().filter_map(|c| c["expect"]["route"].as_str()).collect();
    for dest in engine.manifest().destinations.keys() {
        assert!(routes.contains(dest.as_str()), "no fixture routes to {dest}");
    }
    let names: Vec<&str> = cases.iter().filter_map(|c| c["name"].as_str()).collect();
    for line in 1..=14 {
        let tag = format!("R{line} ");
        assert!(
            names.iter().any(|n| n.starts_with(&tag)),
            "no fixture named for routing line R{line}"
        );
    }
}

#[test]
fn a_wrong_expectation_fails_with_a_readable_difference() {
    let mut pack = PackSource::bundled();
    pack.files.retain(|name, _| !name.starts_with("fixtures/"));
    pack.files.insert(
        "fixtures/wrong.json".into(),
        r#"{"about": "deliberately wrong", "cases": [{
            "name": "wrong route",
            "customer": {"id": "W", "visit": {"purpose": "balance_inquiry", "at": "2026-11-24T10:00:00"}},
            "expect": {"route": "vip_area", "high_value": true, "top": "wm.product"}
        }]}"#
            .into(),
    );
    let engine = Engine::new(&pack).expect("loads");
    let report = run_fixtures(&engine, &pack);
    assert_eq!((report.passed, report.failed), (0, 1));
    let f = &report.cases[0].failures;
    assert!(
        f.iter()
            .any(|x| x.contains("route: expected vip_area, got self_service")),
        "{f:?}"
    );
    assert!(f.iter().any(|x| x.starts_with("high_value")), "{f:?}");
    assert!(f.iter().any(|x| x.starts_with("top")), "{f:?}");
}

#[test]
fn a_threshold_change_in_pack_json_changes_behaviour_without_a_rebuild() {
    let mut pack = PackSource::bundled();
    let customer = r#"{"id": "T", "segment": "mass", "risk_rating": 3,
        "transactions": [{"kind": "cash_withdrawal", "amount": 30000, "at": "2026-11-24"}],
        "visit": {"purpose": "cash_withdrawal", "at": "2026-11-24T10:00:00"},
        "consent": {"marketing": true, "record": true}}"#;
    let before = Engine::new(&pack)
        .expect("loads")
        .evaluate_json(customer, &Default::default())
        .expect("ok");
    assert!(!before.high_value.flag);
    let m = pack.files.get_mut("pack.json").expect("pack.json");
    *m = m.replace("\"large_cash_cny\": 50000", "\"large_cash_cny\": 20000");
    let after = Engine::new(&pack)
        .expect("loads")
        .evaluate_json(customer, &Default::default())
        .expect("ok");
    assert!(after.high_value.flag);
}

#[test]
fn a_misspelt_id_in_an_expectation_fails_instead_of_passing_vacuously() {
    let mut pack = PackSource::bundled();
    pack.files.retain(|name, _| !name.starts_with("fixtures/"));
    pack.files.insert(
        "fixtures/typo.json".into(),
        r#"{"cases": [{
            "name": "typos",
            "customer": {"id": "W", "visit": {"purpose": "balance_inquiry", "at": "2026-11-24T10:00:00"}},
            "expect": {"not_fired": ["route_vipp"], "not_suggested": ["wm.prodct"], "route": "vip"}
        }]}"#
            .into(),
    );
    let engine = Engine::new(&pack).expect("loads");
    let report = run_fixtures(&engine, &pack);
    let f = &report.cases[0].failures;
    assert_eq!(f.len(), 4, "three unknown ids and the route mismatch: {f:?}");
    assert!(
        f[0].contains("route_vipp") && f[1].contains("wm.prodct") && f[2].contains("vip"),
        "{f:?}"
    );
}

// ---- A small pack of its own, so what is tested does not move with the bundled rules ----

fn small_rule(kind: &str, body: &str) -> String {
    format!("//! kind: {kind}\n//! priority: 50\n//! zh: 测试\n//! en: test\n{body}\n")
}

/// The bundled pack.json and products.json with only `rules` and one fixture file of `cases`.
fn small_pack(rules: &[(&str, String)], cases: &str) -> PackSource {
    let mut pack = PackSource::bundled();
    pack.files
        .retain(|name, _| name == "pack.json" || name == "products.json");
    for (id, text) in rules {
        pack.files.insert(format!("{id}.rhai"), text.clone());
    }
    pack.files.insert(
        "fixtures/small.json".into(),
        format!(r#"{{"about": "a small pack", "cases": [{cases}]}}"#),
    );
    pack
}

/// A case named `name` whose customer comes for `purpose` (and waits, when asked).
fn case(name: &str, purpose: &str, waiting: bool, expect: &str) -> String {
    format!(
        r#"{{"name": "{name}", "customer": {{"id": "{name}", "risk_rating": 3,
            "consent": {{"marketing": true, "record": true}},
            "visit": {{"purpose": "{purpose}", "waiting": {waiting}, "at": "2026-11-24T10:00:00"}}}},
          "expect": {expect}}}"#
    )
}

fn route_and_deposit_rules() -> Vec<(&'static str, String)> {
    vec![
        (
            "zz_route_waiting",
            small_rule("route", "if c.waiting { route(\"vip_area\", \"等候\", \"waiting\") }"),
        ),
        (
            "zz_xs_deposit",
            small_rule(
                "cross_sell",
                "if c.visit_for(\"cash_deposit\") { suggest(\"dep.deposit\", \"存款\", \"deposit\") }",
            ),
        ),
    ]
}

#[test]
fn a_rule_that_does_not_compile_fails_only_the_cases_that_expect_something_of_it() {
    let mut rules = route_and_deposit_rules();
    // Line 5 opens a block line 7 never closes.
    rules.push((
        "zz_xs_broken",
        small_rule(
            "cross_sell",
            "if c.visit_for(\"cash_withdrawal\") {\n    suggest(\"dep.large_cd\", \"取现\", \"withdrawal\")\n",
        ),
    ));
    let cases = [
        case(
            "waits",
            "balance_inquiry",
            true,
            r#"{"route": "vip_area", "fired": ["zz_route_waiting"]}"#,
        ),
        case("deposits", "cash_deposit", false, r#"{"suggests": ["dep.deposit"]}"#),
        case(
            "withdraws",
            "cash_withdrawal",
            false,
            r#"{"suggests": ["dep.large_cd"]}"#,
        ),
    ]
    .join(",");
    let pack = small_pack(&rules, &cases);
    let engine = Engine::new(&pack).expect("a broken rule does not stop the pack loading");
    let broken = engine
        .problems()
        .iter()
        .find(|p| p.rule == "zz_xs_broken")
        .expect("reported");
    let report = run_fixtures(&engine, &pack);
    let failed: Vec<&str> = report
        .cases
        .iter()
        .filter(|c| !c.passed)
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(failed, ["withdraws"], "{:#?}", report.cases);
    assert_eq!((report.passed, report.failed), (2, 1));
    let f = &report.cases[2].failures;
    let position = format!("zz_xs_broken.rhai:{}:{}:", broken.line, broken.column);
    assert!(
        f.iter().any(|x| x.starts_with(
            "expects suggests dep.large_cd of rule zz_xs_broken, which does not compile and was left out: "
        ) && x.contains(&position)),
        "{f:#?}"
    );
    // Named in an expectation, it fails the case even when the rest would pass vacuously.
    let cases = case("never", "balance_inquiry", false, r#"{"not_fired": ["zz_xs_broken"]}"#);
    let pack = small_pack(&rules, &cases);
    let report = run_fixtures(&Engine::new(&pack).expect("loads"), &pack);
    assert_eq!(report.failed, 1, "{:#?}", report.cases);
    assert!(report.cases[0].failures[0].starts_with("expects not_fired of rule zz_xs_broken"));
}

#[test]
fn a_rule_that_fails_at_run_time_fails_the_cases_it_failed_on_with_its_error() {
    let mut rules = route_and_deposit_rules();
    rules.push((
        "zz_xs_runtime",
        small_rule(
            "cross_sell",
            "if c.visit_for(\"cash_withdrawal\") {\n    suggest(\"dep.large_cd\", \"取现\", p.no_such_param)\n}",
        ),
    ));
    let cases = [
        case("deposits", "cash_deposit", false, r#"{"suggests": ["dep.deposit"]}"#),
        case("withdraws", "cash_withdrawal", false, r#"{"route": "teller_queue"}"#),
        case("expected", "cash_withdrawal", false, r#"{"errors": ["zz_xs_runtime"]}"#),
        case(
            "fires",
            "cash_withdrawal",
            false,
            r#"{"fired": ["zz_xs_runtime"], "errors": []}"#,
        ),
    ]
    .join(",");
    let pack = small_pack(&rules, &cases);
    let engine = Engine::new(&pack).expect("loads");
    assert!(engine.problems().is_empty(), "{:#?}", engine.problems());
    let report = run_fixtures(&engine, &pack);
    let failed: Vec<&str> = report
        .cases
        .iter()
        .filter(|c| !c.passed)
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(failed, ["withdraws", "fires"], "{:#?}", report.cases);
    let error = "zz_xs_runtime.rhai:6:";
    let f = &report.cases[1].failures;
    assert!(
        f.len() == 1 && f[0].starts_with("rule error: ") && f[0].contains(error) && f[0].contains("no_such_param"),
        "{f:#?}"
    );
    let f = &report.cases[3].failures;
    assert!(
        f.iter()
            .any(|x| x.starts_with("fired: expected zz_xs_runtime to fire, it failed: ")
                && x.contains(error)
                && x.contains("no_such_param")),
        "{f:#?}"
    );
    assert!(
        f.iter()
            .any(|x| x.starts_with("rule error: ") && x.contains("no_such_param")),
        "{f:#?}"
    );
}

#[test]
fn the_report_lists_the_rules_that_fire_in_no_case() {
    let mut rules = route_and_deposit_rules();
    rules.push(("zz_xs_broken", small_rule("cross_sell", "if c.aum > {")));
    let cases = case("waits", "balance_inquiry", true, r#"{"route": "vip_area"}"#);
    let pack = small_pack(&rules, &cases);
    let report = run_fixtures(&Engine::new(&pack).expect("loads"), &pack);
    assert_eq!(report.failed, 0, "{:#?}", report.cases);
    // The broken rule is reported as broken (Engine::problems), not again here.
    assert_eq!(report.unfired, ["zz_xs_deposit"]);

    let cases = [
        case("waits", "balance_inquiry", true, "{}"),
        case("deposits", "cash_deposit", false, "{}"),
    ]
    .join(",");
    let pack = small_pack(&route_and_deposit_rules(), &cases);
    let report = run_fixtures(&Engine::new(&pack).expect("loads"), &pack);
    assert!(report.unfired.is_empty(), "{:?}", report.unfired);
}

/// rules/README.md promises every rule fires in at least one fixture case:
/// this runs them and asks the trace, where `every_rule_fires_in_some_fixture`
/// only reads what the cases say.
#[test]
fn every_bundled_rule_fires_when_the_fixtures_run() {
    let pack = PackSource::bundled();
    let engine = Engine::new(&pack).expect("bundled pack loads");
    let report = run_fixtures(&engine, &pack);
    assert!(
        report.unfired.is_empty(),
        "rules that fire in no fixture case: {:?}",
        report.unfired
    );
}
