//! A malformed customer record is an error that names the field path,
//! never a crash and never a silent default.
#![cfg(not(target_arch = "wasm32"))]

use nextbest::{Customer, Engine, Error, Options, PackSource};

fn base() -> serde_json::Value {
    serde_json::json!({
        "id": "I1",
        "segment": "mass",
        "risk_rating": 3,
        "transactions": [
            {"kind": "cash_deposit", "amount": 100, "at": "2026-11-20"},
            {"kind": "cash_deposit", "amount": 200, "at": "2026-11-21"},
            {"kind": "fx_exchange", "amount": 300, "currency": "USD", "at": "2026-11-22T09:00:00+08:00"}
        ],
        "contact_history": [{"product": "wm.product", "at": "2026-11-01", "outcome": "declined", "by": "teller"}],
        "visit": {"purpose": "transfer", "at": "2026-11-24T10:00:00"},
        "consent": {"marketing": true, "record": true}
    })
}

/// Applies `edit` to a valid customer and returns the error's path and message.
fn fails_at(edit: impl FnOnce(&mut serde_json::Value)) -> (String, String) {
    let mut v = base();
    edit(&mut v);
    let engine = Engine::new(&PackSource::bundled()).expect("bundled");
    let err = Customer::from_value(&v).and_then(|c| engine.evaluate(c, &Options::default()));
    match err {
        Err(Error::Input { path, message }) => (path, message),
        other => panic!("expected an input error, got {other:?}"),
    }
}

#[test]
fn the_valid_base_customer_evaluates() {
    let engine = Engine::new(&PackSource::bundled()).expect("bundled");
    let c = Customer::from_value(&base()).expect("valid");
    assert!(engine.evaluate(c, &Options::default()).is_ok());
}

#[test]
fn a_string_amount_names_its_path() {
    let (path, msg) = fails_at(|v| v["transactions"][2]["amount"] = "abc".into());
    assert_eq!(path, "transactions[2].amount");
    assert!(msg.contains("invalid type"), "{msg}");
}

#[test]
fn a_negative_amount_names_its_path() {
    let (path, msg) = fails_at(|v| v["transactions"][1]["amount"] = (-5).into());
    assert_eq!(path, "transactions[1].amount");
    assert!(msg.contains("≥ 0"), "{msg}");
}

#[test]
fn a_risk_rating_outside_c1_to_c5_is_refused() {
    let (path, msg) = fails_at(|v| v["risk_rating"] = 7.into());
    assert_eq!(path, "risk_rating");
    assert!(msg.contains("1 to 5"), "{msg}");
}

#[test]
fn a_bad_date_names_its_path() {
    let (path, msg) = fails_at(|v| v["contact_history"][0]["at"] = "24/11/2026".into());
    assert_eq!(path, "contact_history[0].at");
    assert!(msg.contains("2026-11-24"), "says what is expected: {msg}");
}

#[test]
fn an_unknown_segment_lists_the_known_ones() {
    let (path, msg) = fails_at(|v| v["segment"] = "vip".into());
    assert_eq!(path, "segment");
    assert!(msg.contains("mass_affluent"), "{msg}");
}

#[test]
fn an_unknown_outcome_names_its_path() {
    let (path, _) = fails_at(|v| v["contact_history"][0]["outcome"] = "maybe".into());
    assert_eq!(path, "contact_history[0].outcome");
}

#[test]
fn a_missing_id_is_named() {
    let (path, msg) = fails_at(|v| {
        v.as_object_mut().expect("object").remove("id");
    });
    assert_eq!(path, "customer");
    assert!(msg.contains("id"), "{msg}");
}

#[test]
fn a_currency_without_a_rate_names_its_path() {
    let (path, msg) = fails_at(|v| v["transactions"][2]["currency"] = "XYZ".into());
    assert_eq!(path, "transactions[2].currency");
    assert!(msg.contains("USD"), "lists the known currencies: {msg}");
}

#[test]
fn an_unknown_channel_is_named() {
    let engine = Engine::new(&PackSource::bundled()).expect("bundled");
    let c = Customer::from_value(&base()).expect("valid");
    let opts = Options {
        now: None,
        channel: "atm".into(),
        ..Options::default()
    };
    match engine.evaluate(c, &opts) {
        Err(Error::Input { path, .. }) => assert_eq!(path, "channel"),
        other => panic!("expected a channel error, got {other:?}"),
    }
}

#[test]
fn no_time_at_all_is_an_error_not_the_clock() {
    let (path, _) = fails_at(|v| {
        v["visit"].as_object_mut().expect("visit").remove("at");
    });
    assert_eq!(path, "visit.at");
}

#[test]
fn unknown_fields_are_kept_for_rules() {
    let mut v = base();
    v["industry"] = "healthcare".into();
    let c = Customer::from_value(&v).expect("valid");
    assert_eq!(c.extra.get("industry"), Some(&serde_json::Value::from("healthcare")));
}

#[test]
fn bad_json_text_names_the_position_not_a_panic() {
    for text in [
        "",
        "{",
        "[]",
        "null",
        "{\"id\": 5}",
        "{\"id\": \"x\", \"transactions\": {}}",
    ] {
        match Customer::from_json(text) {
            Err(Error::Input { .. }) => {}
            other => panic!("{text:?}: expected an input error, got {other:?}"),
        }
    }
}

#[test]
fn dates_with_and_without_offsets_mean_the_same_branch_day() {
    let a = nextbest::Stamp::parse("2026-11-24T00:30:00+08:00").expect("rfc3339");
    let b = nextbest::Stamp::parse("2026-11-24T00:30:00").expect("branch-local");
    let c = nextbest::Stamp::parse("2026-11-23T16:30:00Z").expect("utc");
    assert_eq!(a.unix, b.unix);
    assert_eq!(a.unix, c.unix);
    assert_eq!(a.day(), nextbest::Stamp::parse("2026-11-24").expect("date").day());
}

#[test]
fn pack_json_errors_count_columns_in_characters() {
    let mut pack = nextbest::PackSource::bundled();
    pack.files.insert(
        "products.json".into(),
        "[{\"id\": \"x\", \"zh\": \"理财\", \"en\": 5}]".into(),
    );
    match Engine::new(&pack) {
        Err(Error::Pack { file, line, column, .. }) => {
            assert_eq!((file.as_str(), line), ("products.json", 1));
            // `5` is the 32nd character and the 36th byte (理财 are three bytes each).
            assert_eq!(column, 32);
        }
        Err(e) => panic!("expected a pack error, got {e:?}"),
        Ok(_) => panic!("expected a pack error"),
    }
}

// ---- Strict input (issue 9): each of these was once read silently wrong. ----

fn engine() -> Engine {
    Engine::new(&PackSource::bundled()).expect("bundled")
}

fn input_error(text: &str) -> (String, String) {
    match engine().evaluate_json(text, &Options::default()) {
        Err(Error::Input { path, message }) => (path, message),
        other => panic!("expected an input error for {text}, got {other:?}"),
    }
}

const VISIT: &str = r#""visit": {"purpose": "cash_withdrawal", "at": "2026-11-24T10:00:00"}"#;

#[test]
fn a_duplicate_key_is_an_error_naming_it_not_the_last_one_silently() {
    let (path, msg) = input_error(&format!(
        r#"{{"id": "D", "risk_rating": 1, "risk_rating": 5, {VISIT}}}"#
    ));
    assert_eq!(path, "risk_rating");
    assert!(msg.contains("twice"), "{msg}");
    let (path, _) = input_error(&format!(
        r#"{{"id": "D", "consent": {{"marketing": false, "marketing": true}}, {VISIT}}}"#
    ));
    assert_eq!(path, "consent.marketing");
}

#[test]
fn an_unknown_field_inside_a_transaction_is_refused_with_a_did_you_mean() {
    let (path, msg) = input_error(&format!(
        r#"{{"id": "D", "transactions": [{{"kind": "fx_exchange", "amount": 5000, "currency_code": "USD", "at": "2026-11-24"}}], {VISIT}}}"#
    ));
    assert_eq!(path, "transactions[0].currency_code");
    assert!(msg.contains("did you mean \"currency\""), "{msg}");
    assert!(msg.contains("extra_fields.transaction"), "{msg}");
}

#[test]
fn a_field_the_pack_declares_is_accepted() {
    let mut pack = PackSource::bundled();
    let mut m: serde_json::Value = serde_json::from_str(&pack.files["pack.json"]).expect("json");
    m["extra_fields"] = serde_json::json!({"transaction": ["branch_code"]});
    pack.files.insert("pack.json".into(), m.to_string());
    let engine = Engine::new(&pack).expect("loads");
    let text = format!(
        r#"{{"id": "D", "transactions": [{{"kind": "cash_deposit", "amount": 5, "at": "2026-11-24", "branch_code": "0451"}}], {VISIT}}}"#
    );
    assert!(engine.evaluate_json(&text, &Options::default()).is_ok());
    assert!(Engine::new(&PackSource::bundled())
        .expect("bundled")
        .evaluate_json(&text, &Options::default())
        .is_err());
}

#[test]
fn enumerated_values_are_trimmed_and_case_folded() {
    // "COMPLAINT" once was not a complaint, so the customer got three pitches.
    let text = r#"{"id": "C", "segment": " Affluent ", "risk_rating": 5, "aum": 900000,
        "transactions": [{"kind": "CASH_WITHDRAWAL", "amount": 90000, "currency": " usd ", "at": "2026-11-24"}],
        "visit": {"purpose": "COMPLAINT", "at": "2026-11-24T10:00:00"},
        "consent": {"marketing": true, "record": true}}"#;
    let out = engine().evaluate_json(text, &Options::default()).expect("valid");
    assert!(out.suggestions.is_empty(), "{:#?}", out.suggestions);
    assert!(out
        .suppressed
        .iter()
        .all(|s| s.reason == nextbest::HoldReason::Complaint));
    assert!(!out.suppressed.is_empty());
    let opts = Options {
        now: None,
        channel: " Teller ".into(),
        ..Options::default()
    };
    assert_eq!(engine().evaluate_json(text, &opts).expect("valid").channel, "teller");
}

#[test]
fn an_unknown_purpose_or_transaction_kind_is_refused_listing_the_known_ones() {
    let (path, msg) = input_error(r#"{"id": "U", "visit": {"purpose": "shopping", "at": "2026-11-24T10:00:00"}}"#);
    assert_eq!(path, "visit.purpose");
    assert!(
        msg.contains("cash_deposit") && msg.contains("vocabulary.purpose"),
        "{msg}"
    );
    let (path, _) = input_error(&format!(
        r#"{{"id": "U", "transactions": [{{"kind": "teleport", "amount": 5, "at": "2026-11-24"}}], {VISIT}}}"#
    ));
    assert_eq!(path, "transactions[0].kind");
}

#[test]
fn an_unknown_need_or_application_is_kept_and_never_makes_a_rule_throw() {
    let text = r#"{"id": "N", "risk_rating": 3, "applications": ["Pension_Card", "FX_ACCOUNT"],
        "stated_needs": ["overseas_property"],
        "visit": {"purpose": "safe_deposit_box", "at": "2026-11-24T10:00:00"},
        "consent": {"marketing": true, "record": true}}"#;
    let out = engine().evaluate_json(text, &Options::default()).expect("valid");
    assert!(out.errors.is_empty(), "{:#?}", out.errors);
    assert_eq!(out.unmet_needs, vec!["overseas_property".to_owned()]);
    assert!(
        out.high_value.signals.iter().any(|s| s.signal == "account_opening"),
        "FX_ACCOUNT folds to fx_account"
    );
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let text = format!("\u{feff}{{\"id\": \"B\", {VISIT}}}");
    assert!(engine().evaluate_json(&text, &Options::default()).is_ok());
}

#[test]
fn nesting_is_limited_with_the_path() {
    let deep = format!(
        r#"{{"id": "D", "extra": {}1{}, {VISIT}}}"#,
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let (path, msg) = input_error(&deep);
    assert!(path.starts_with("extra[0][0]"), "{path}");
    assert!(msg.contains("levels deep"), "{msg}");
}

#[test]
fn a_decline_recorded_after_the_visit_time_still_holds_the_product_back() {
    // The teller records the decline at 10:05; the record says the visit began at 10:00.
    let text = r#"{"id": "P", "risk_rating": 3,
        "transactions": [{"kind": "cash_withdrawal", "amount": 80000, "at": "2026-11-24"}],
        "contact_history": [{"product": "wm.product", "at": "2026-11-24T10:05:00", "outcome": "declined", "by": "teller"}],
        "visit": {"purpose": "cash_withdrawal", "at": "2026-11-24T10:00:00"},
        "consent": {"marketing": true, "record": true}}"#;
    let out = engine().evaluate_json(text, &Options::default()).expect("valid");
    assert!(
        out.suggestions.iter().all(|s| s.product != "wm.product"),
        "{:#?}",
        out.suggestions
    );
    assert!(out
        .suppressed
        .iter()
        .any(|s| s.product == "wm.product" && s.reason == nextbest::HoldReason::Pacing));
}

#[test]
fn duplicate_keys_in_pack_files_name_the_file_line_and_column() {
    let mut pack = PackSource::bundled();
    let text = pack.files["pack.json"].replace(
        "\"max_pitches\": { \"teller\": 1,",
        "\"max_pitches\": { \"teller\": 1, \"teller\": 9,",
    );
    assert_ne!(text, pack.files["pack.json"], "the edit applied");
    pack.files.insert("pack.json".into(), text);
    match Engine::new(&pack) {
        Err(Error::Pack {
            file,
            line,
            column,
            message,
        }) => {
            assert_eq!(file, "pack.json");
            assert!(line > 1 && column > 1, "{line}:{column}");
            assert!(message.contains("policy.max_pitches.teller"), "{message}");
        }
        other => panic!("expected a pack error, got {:?}", other.err()),
    }
}
