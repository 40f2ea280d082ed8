//! Every field of the customer contract and of each pack file, broken in
//! turn: each must be refused naming that field (customers) or the file,
//! line and field (packs). A value read as a silent default fails here.
#![cfg(not(target_arch = "wasm32"))]

use nextbest::{Engine, Error, Options, PackSource};
use serde_json::{json, Value};

fn base() -> Value {
    json!({
        "id": "K1", "name": "客户", "kind": "individual", "segment": "mass", "age": 40,
        "risk_rating": 3, "aum": 1000, "avg_daily_balance": 500, "registered_capital": 0,
        "occupation": "doctor", "address_area": "cbd_office",
        "accounts": [{"type": "savings", "tier": "gold", "opened_on": "2020-01-01", "balance": 10}],
        "holdings": [{"product": "wm.product", "amount": 100, "matures_on": "2026-12-01"}],
        "transactions": [{"kind": "cash_deposit", "amount": 100, "currency": "CNY", "at": "2026-11-20", "channel": "counter"}],
        "applications": ["fx_account"], "stated_needs": ["retirement"],
        "visit": {"purpose": "transfer", "at": "2026-11-24T10:00:00", "waiting": true},
        "consent": {"marketing": true, "record": true},
        "contact_history": [{"product": "wm.product", "at": "2026-11-01", "outcome": "declined", "by": "teller"}]
    })
}

/// Sets (or, with `None`, removes) the value at a `/`-separated path.
fn edit(v: &mut Value, path: &str, value: Option<Value>) {
    let parts: Vec<&str> = path.split('/').collect();
    let (last, parents) = parts.split_last().expect("path");
    let mut cur = v;
    for p in parents {
        cur = match p.parse::<usize>() {
            Ok(i) => &mut cur[i],
            Err(_) => &mut cur[*p],
        };
    }
    match (value, last.parse::<usize>()) {
        (Some(x), Ok(i)) => cur[i] = x,
        (Some(x), Err(_)) => cur[*last] = x,
        (None, _) => {
            cur.as_object_mut().expect("object").remove(*last);
        }
    }
}

#[test]
fn every_customer_field_broken_in_turn_is_named() {
    let engine = Engine::new(&PackSource::bundled()).expect("bundled");
    let ok = engine.customer_from_value(&base()).expect("the base customer is valid");
    engine.evaluate(ok, &Options::default()).expect("and evaluates");
    let cases: Vec<(&str, Option<Value>, &str)> = vec![
        ("id", None, "customer"),
        ("id", Some(json!(5)), "id"),
        ("name", Some(json!(5)), "name"),
        ("kind", Some(json!("alien")), "kind"),
        ("segment", Some(json!("vip")), "segment"),
        ("age", Some(json!(-1)), "age"),
        ("age", Some(json!("forty")), "age"),
        ("risk_rating", Some(json!(0)), "risk_rating"),
        ("risk_rating", Some(json!(6)), "risk_rating"),
        ("risk_rating", Some(json!("C3")), "risk_rating"),
        ("aum", Some(json!(-1)), "aum"),
        ("aum", Some(json!("lots")), "aum"),
        ("avg_daily_balance", Some(json!(-5)), "avg_daily_balance"),
        ("registered_capital", Some(json!(-1)), "registered_capital"),
        ("occupation", Some(json!(5)), "occupation"),
        ("address_area", Some(json!([])), "address_area"),
        ("accounts", Some(json!({})), "accounts"),
        ("accounts/0", Some(json!(5)), "accounts[0]"),
        ("accounts/0/type", None, "accounts[0]"),
        ("accounts/0/tier", Some(json!("diamond")), "accounts[0].tier"),
        (
            "accounts/0/opened_on",
            Some(json!("last year")),
            "accounts[0].opened_on",
        ),
        ("accounts/0/balance", Some(json!(-1)), "accounts[0].balance"),
        ("accounts/0/balanse", Some(json!(1)), "accounts[0].balanse"),
        ("holdings/0/product", None, "holdings[0]"),
        ("holdings/0/amount", Some(json!(-1)), "holdings[0].amount"),
        ("holdings/0/matures_on", Some(json!("soon")), "holdings[0].matures_on"),
        ("holdings/0/maturity", Some(json!("2026-12-01")), "holdings[0].maturity"),
        ("transactions/0/kind", None, "transactions[0]"),
        ("transactions/0/kind", Some(json!("teleport")), "transactions[0].kind"),
        ("transactions/0/amount", None, "transactions[0]"),
        ("transactions/0/amount", Some(json!("100")), "transactions[0].amount"),
        (
            "transactions/0/currency",
            Some(json!("XYZ")),
            "transactions[0].currency",
        ),
        ("transactions/0/at", Some(json!("yesterday")), "transactions[0].at"),
        ("transactions/0/channel", Some(json!(5)), "transactions[0].channel"),
        (
            "transactions/0/currency_code",
            Some(json!("USD")),
            "transactions[0].currency_code",
        ),
        ("applications", Some(json!("fx_account")), "applications"),
        ("applications/0", Some(json!(5)), "applications[0]"),
        ("stated_needs/0", Some(json!(null)), "stated_needs[0]"),
        ("visit", Some(json!(5)), "visit"),
        ("visit/purpose", Some(json!("shopping")), "visit.purpose"),
        ("visit/at", Some(json!("10am")), "visit.at"),
        ("visit/waiting", Some(json!("yes")), "visit.waiting"),
        ("visit/lobby_busy", Some(json!(1)), "visit.lobby_busy"),
        ("visit/purpse", Some(json!("transfer")), "visit.purpse"),
        ("consent/marketing", Some(json!("yes")), "consent.marketing"),
        ("consent/record", Some(json!(1)), "consent.record"),
        ("consent/sms", Some(json!(true)), "consent.sms"),
        ("contact_history/0/product", None, "contact_history[0]"),
        ("contact_history/0/at", Some(json!("then")), "contact_history[0].at"),
        (
            "contact_history/0/outcome",
            Some(json!("maybe")),
            "contact_history[0].outcome",
        ),
        ("contact_history/0/by", Some(json!(5)), "contact_history[0].by"),
        (
            "contact_history/0/result",
            Some(json!("declined")),
            "contact_history[0].result",
        ),
    ];
    let mut failures = Vec::new();
    for (path, value, expected) in &cases {
        let mut v = base();
        edit(&mut v, path, value.clone());
        let got = engine
            .customer_from_value(&v)
            .and_then(|c| engine.evaluate(c, &Options::default()));
        match got {
            Err(Error::Input { path: p, message }) if p == *expected => {
                assert!(!message.is_empty());
            }
            other => failures.push(format!(
                "{path} = {value:?}: expected an error at {expected}, got {other:?}"
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Applies a JSON edit to one pack file and expects a pack error naming it.
fn pack_case(file: &str, path: &str, value: Option<Value>, mention: &str) -> Result<(), String> {
    let mut pack = PackSource::bundled();
    let mut v: Value = serde_json::from_str(&pack.files[file]).expect("json");
    edit(&mut v, path, value.clone());
    pack.files
        .insert(file.into(), serde_json::to_string_pretty(&v).expect("json"));
    match Engine::new(&pack) {
        Err(Error::Pack {
            file: f, line, message, ..
        }) if f == file && message.contains(mention) && line > 0 => Ok(()),
        Err(e) => Err(format!(
            "{file} {path} = {value:?}: expected a positioned error mentioning {mention:?}, got {e}"
        )),
        Ok(_) => Err(format!("{file} {path} = {value:?}: accepted")),
    }
}

#[test]
fn every_pack_json_field_broken_in_turn_is_named_with_its_line() {
    let cases: Vec<(&str, Option<Value>, &str)> = vec![
        ("name", None, "name"),
        ("name", Some(json!(5)), "name"),
        ("version", Some(json!(5)), "version"),
        ("params", Some(json!("x")), "params"),
        ("fx_rates/USD", Some(json!(-1)), "fx_rates.USD"),
        ("fx_rates/USD", Some(json!("7")), "fx_rates.USD"),
        ("destinations", None, "destinations"),
        ("destinations/vip_area/zh", None, "destinations.vip_area"),
        (
            "default_route/destination",
            Some(json!("nowhere")),
            "default_route.destination",
        ),
        ("default_route/zh", Some(json!(5)), "default_route.zh"),
        ("policy/unrated_max_risk", Some(json!(9)), "policy.unrated_max_risk"),
        ("policy/pacing_days/maybe", Some(json!(3)), "policy.pacing_days.maybe"),
        (
            "policy/pacing_days/declined",
            Some(json!(-3)),
            "policy.pacing_days.declined",
        ),
        (
            "policy/max_pitches/teller",
            Some(json!(-1)),
            "policy.max_pitches.teller",
        ),
        (
            "policy/segment_weight/mass",
            Some(json!("x")),
            "policy.segment_weight.mass",
        ),
        ("policy/max_boost", Some(json!("x")), "policy.max_boost"),
        ("policy/forbidden_phrases", Some(json!(5)), "policy.forbidden_phrases"),
        ("policy/unknown_rule", Some(json!(5)), "unknown_rule"),
        ("vocabulary", Some(json!(5)), "vocabulary"),
        (
            "budgets/operations_per_rule",
            Some(json!(0)),
            "budgets.operations_per_rule",
        ),
        ("budgets/rule_ms", Some(json!(0)), "budgets.rule_ms"),
        ("budgets/customer_ms", Some(json!(1)), "budgets.customer_ms"),
        ("budgets/results_per_rule", Some(json!(0)), "budgets.results_per_rule"),
        ("budgets/text_chars", Some(json!(0)), "budgets.text_chars"),
        ("budgets/output_chars", Some(json!(1)), "budgets.output_chars"),
        ("extra_fields/martian", Some(json!(["x"])), "extra_fields.martian"),
        ("surprise", Some(json!(1)), "surprise"),
    ];
    let failures: Vec<String> = cases
        .into_iter()
        .filter_map(|(path, value, mention)| pack_case("pack.json", path, value, mention).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_product_field_broken_in_turn_is_named_with_its_line() {
    let cases: Vec<(&str, Option<Value>, &str)> = vec![
        ("0/id", None, "id"),
        ("1/id", Some(json!("dep.deposit")), "listed twice"),
        ("0/zh", None, "zh"),
        ("0/en", Some(json!(5)), "en"),
        ("0/family", None, "family"),
        ("0/risk", Some(json!(0)), "risk"),
        ("0/risk", Some(json!(6)), "risk"),
        ("0/sold_by", Some(json!("teller")), "sold_by"),
        ("0/value", Some(json!("high")), "value"),
        ("0/simple", Some(json!("yes")), "simple"),
        ("0/pitch_zh", None, "pitch_zh"),
        ("0/serves", Some(json!(5)), "serves"),
        ("0/colour", Some(json!("red")), "colour"),
    ];
    let failures: Vec<String> = cases
        .into_iter()
        .filter_map(|(path, value, mention)| pack_case("products.json", path, value, mention).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_header_field_broken_in_turn_is_reported_with_its_line() {
    let good =
        "//! kind: cross_sell\n//! priority: 50\n//! zh: 测试\n//! en: test\n//! triggers: txn:cash_deposit\n()\n";
    let cases = [
        ("//! kind: cross_sell\n", "//! kind: sideways_sell\n", "kind"),
        ("//! kind: cross_sell\n", "", "kind"),
        ("//! priority: 50\n", "//! priority: high\n", "priority"),
        ("//! zh: 测试\n", "", "zh"),
        ("//! en: test\n", "", "en"),
        (
            "//! triggers: txn:cash_deposit\n",
            "//! triggers: txn:cash_depositt\n",
            "cash_depositt",
        ),
    ];
    for (from, to, mention) in cases {
        let mut pack = PackSource::bundled();
        pack.files.insert("zz_header.rhai".into(), good.replace(from, to));
        let engine = Engine::new(&pack).expect("a broken rule does not stop the pack");
        let problems = nextbest::lint(&engine, &pack);
        let p = problems
            .iter()
            .find(|p| p.rule == "zz_header")
            .unwrap_or_else(|| panic!("{to:?}: no problem reported"));
        assert!(p.message.contains(mention), "{to:?}: {p}");
        assert!(p.line > 0, "{to:?}: {p}");
    }
}
