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
