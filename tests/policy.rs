//! Policy runs after the rules and no rule can talk its way past it:
//! suitability, consent, complaints and contact pacing each hold back what
//! they must, and ranking is deterministic.
#![cfg(not(target_arch = "wasm32"))]

use nextbest::{Engine, Evaluation, HoldReason, Options, PackSource};

/// A pack whose only rule pitches everything it is given, whatever the customer.
fn greedy_pack(products: &[&str]) -> PackSource {
    let mut pack = PackSource::bundled();
    pack.files.retain(|name, _| !name.ends_with(".rhai"));
    let calls: Vec<String> = products
        .iter()
        .map(|p| format!("suggest(\"{p}\", \"总是推介\", \"always pitched\")"))
        .collect();
    let src = format!(
        "//! kind: cross_sell\n//! priority: 50\n//! zh: 全推\n//! en: pitch all\n[{}]\n",
        calls.join(", ")
    );
    pack.files.insert("greedy.rhai".into(), src);
    pack
}

fn run(pack: &PackSource, customer: serde_json::Value, channel: &str) -> Evaluation {
    let engine = Engine::new(pack).expect("pack loads");
    let c = nextbest::Customer::from_value(&customer).expect("valid customer");
    engine
        .evaluate(
            c,
            &Options {
                now: None,
                channel: channel.into(),
                ..Options::default()
            },
        )
        .expect("evaluates")
}

fn customer(extra: serde_json::Value) -> serde_json::Value {
    let mut v = serde_json::json!({
        "id": "P", "segment": "mass", "risk_rating": 2,
        "visit": {"purpose": "transfer", "at": "2026-11-24T10:00:00"},
        "consent": {"marketing": true, "record": true}
    });
    for (k, x) in extra.as_object().expect("object") {
        v[k] = x.clone();
    }
    v
}

fn held(out: &Evaluation, product: &str) -> Option<HoldReason> {
    out.suppressed.iter().find(|s| s.product == product).map(|s| s.reason)
}

/// What the rules proposed and policy let through; substitutes policy
/// offered in place of a held product (R14) are checked on their own.
fn products(out: &Evaluation) -> Vec<&str> {
    out.suggestions
        .iter()
        .filter(|s| s.substitute_for.is_none())
        .map(|s| s.product.as_str())
        .collect()
}

#[test]
fn suitability_holds_back_products_above_the_rating() {
    // risk levels: sec.bank_link 4, inv.fund 3, wm.product 2, dep.deposit 1
    let pack = greedy_pack(&["sec.bank_link", "inv.fund", "wm.product", "dep.deposit"]);
    let out = run(&pack, customer(serde_json::json!({})), "cm");
    assert_eq!(held(&out, "sec.bank_link"), Some(HoldReason::Suitability));
    assert_eq!(held(&out, "inv.fund"), Some(HoldReason::Suitability));
    let mut got = products(&out);
    got.sort_unstable();
    assert_eq!(got, ["dep.deposit", "wm.product"]);
    let reason = out.suppressed.iter().find(|s| s.product == "inv.fund").expect("held");
    assert!(reason.zh.contains("R3") && reason.zh.contains("C2"), "{}", reason.zh);
    // Whatever policy offered instead is within the rating too.
    for s in out.suggestions.iter().filter(|s| s.substitute_for.is_some()) {
        assert!(s.risk <= 2, "{} (R{}) offered to a C2 customer", s.product, s.risk);
    }
}

#[test]
fn an_unrated_customer_gets_no_risk_product() {
    let pack = greedy_pack(&["wm.product", "dep.deposit"]);
    let out = run(&pack, customer(serde_json::json!({"risk_rating": null})), "cm");
    assert_eq!(held(&out, "wm.product"), Some(HoldReason::Suitability));
    assert_eq!(products(&out), ["dep.deposit"]);
}

#[test]
fn without_marketing_consent_nothing_is_pitched_but_routing_stays() {
    let pack = greedy_pack(&["dep.deposit", "card.gold"]);
    let out = run(
        &pack,
        customer(serde_json::json!({"consent": {"marketing": false, "record": true}})),
        "cm",
    );
    assert!(out.suggestions.is_empty());
    assert_eq!(held(&out, "dep.deposit"), Some(HoldReason::Consent));
    assert_eq!(held(&out, "card.gold"), Some(HoldReason::Consent));
    assert_eq!(out.route.destination, "teller_queue", "service routing still happens");
    assert!(out.lead_allowed);
}

#[test]
fn without_record_consent_no_lead_may_be_recorded_and_no_referral_is_made() {
    // A referral hands the customer on: without record consent policy holds
    // it back, whatever the rule says. (Not just the copied consent flag.)
    let mut pack = greedy_pack(&[]);
    pack.files.insert(
        "greedy.rhai".into(),
        "//! kind: referral\n//! priority: 50\n//! zh: 转介\n//! en: refer\nsuggest(\"loan.loan\", \"转介\", \"refer\").to(\"relationship_manager\")\n".into(),
    );
    let consenting = run(&pack, customer(serde_json::json!({"risk_rating": 5})), "lobby");
    assert_eq!(products(&consenting), vec!["loan.loan"]);
    assert!(consenting.lead_allowed);
    let out = run(
        &pack,
        customer(serde_json::json!({"risk_rating": 5, "consent": {"marketing": true, "record": false}})),
        "lobby",
    );
    assert!(!out.lead_allowed);
    assert!(out.suggestions.is_empty(), "{:?}", products(&out));
    assert_eq!(held(&out, "loan.loan"), Some(HoldReason::RecordConsent));
}

fn pack_with_rule(kind: &str, body: &str) -> PackSource {
    let mut pack = PackSource::bundled();
    pack.files.insert(
        "zz_words.rhai".into(),
        format!("//! kind: {kind}\n//! priority: 99\n//! zh: 话术\n//! en: words\n{body}\n"),
    );
    pack
}

#[test]
fn forbidden_wording_is_caught_however_it_is_written() {
    for pitch in [
        "Guaranteed",
        "GUARANTEED",
        "保\u{200b}本",
        "保 本，零 风险",
        "ＧＵＡＲＡＮＴＥＥＤ",
        "risk free",
    ] {
        let pack = pack_with_rule(
            "cross_sell",
            &format!("suggest(\"dep.deposit\", \"理由\", \"reason\").pitch(\"{pitch}\", \"ok\")"),
        );
        let out = run(&pack, customer(serde_json::json!({})), "lobby");
        assert_eq!(
            held(&out, "dep.deposit"),
            Some(HoldReason::Wording),
            "{pitch:?} got through: {:?}",
            products(&out)
        );
    }
}

#[test]
fn notes_route_reasons_and_signal_texts_are_held_to_the_wording_policy() {
    let pack = pack_with_rule(
        "signal",
        "[high_value(\"x\", \"稳 赚\", \"sure win\"), note(\"零风险，放心\", \"no risk\")]",
    );
    let out = run(&pack, customer(serde_json::json!({})), "lobby");
    assert!(out.notes.iter().all(|n| n.rule != "zz_words"), "{:?}", out.notes);
    let s = out
        .high_value
        .signals
        .iter()
        .find(|s| s.rule == "zz_words")
        .expect("signal kept");
    assert!(!s.zh.contains('稳'), "{s:?}");
    assert!(out
        .withheld
        .iter()
        .any(|w| w.rule == "zz_words" && w.message.contains("forbidden")));
    assert!(
        out.errors.iter().all(|e| e.rule != "zz_words"),
        "withholding a text is not a rule failure"
    );

    let pack = pack_with_rule(
        "route",
        "route(\"vip_area\", \"保本理财，请到VIP区\", \"guaranteed returns\")",
    );
    let out = run(&pack, customer(serde_json::json!({})), "lobby");
    assert_eq!(out.route.destination, "vip_area", "the customer is still routed");
    assert!(!out.route.reason_zh.contains("保本"), "{:?}", out.route);
}

#[test]
fn without_marketing_consent_no_note_or_reason_names_a_product() {
    let pack = pack_with_rule(
        "route",
        "[route(\"vip_area\", \"请到VIP区了解理财产品\", \"see our wealth management product\"), note(\"推荐定期存款\", \"offer a time deposit\")]",
    );
    let names = |p: &PackSource| {
        let engine = Engine::new(p).expect("loads");
        engine
            .catalogue()
            .values()
            .map(|x| (x.zh.clone(), x.en.clone()))
            .collect::<Vec<_>>()
    };
    let catalogue = names(&pack);
    let no_consent = customer(serde_json::json!({"consent": {"marketing": false, "record": true}}));
    let out = run(&pack, no_consent, "lobby");
    for text in out
        .notes
        .iter()
        .flat_map(|n| [&n.zh, &n.en])
        .chain([&out.route.reason_zh, &out.route.reason_en])
    {
        for (zh, en) in &catalogue {
            assert!(
                !text.contains(zh.as_str()) && !text.to_lowercase().contains(&en.to_lowercase()),
                "{text:?} names {zh}"
            );
        }
    }
    assert_eq!(out.route.destination, "vip_area");
    // With consent the same words stand.
    let out = run(&pack, customer(serde_json::json!({})), "lobby");
    assert_eq!(out.route.reason_zh, "请到VIP区了解理财产品");
}

#[test]
fn a_complaint_visit_pitches_nothing() {
    let pack = greedy_pack(&["dep.deposit"]);
    let out = run(
        &pack,
        customer(serde_json::json!({"visit": {"purpose": "complaint", "at": "2026-11-24T10:00:00"}})),
        "cm",
    );
    assert_eq!(held(&out, "dep.deposit"), Some(HoldReason::Complaint));
}

#[test]
fn a_declined_product_is_not_pitched_again_within_the_window() {
    let pack = greedy_pack(&["dep.deposit", "card.gold"]);
    let history = |at: &str| serde_json::json!({"contact_history": [{"product": "dep.deposit", "at": at, "outcome": "declined", "by": "teller"}]});
    let out = run(&pack, customer(history("2026-11-04")), "cm");
    assert_eq!(
        held(&out, "dep.deposit"),
        Some(HoldReason::Pacing),
        "20 days ago, window 30"
    );
    assert_eq!(products(&out), ["card.gold"]);
    let out = run(&pack, customer(history("2026-10-20")), "cm");
    assert_eq!(held(&out, "dep.deposit"), None, "35 days ago is outside the window");
}

#[test]
fn the_pacing_window_is_pack_data() {
    let mut pack = greedy_pack(&["dep.deposit"]);
    let manifest = pack.files.get_mut("pack.json").expect("pack.json");
    *manifest = manifest.replace("\"declined\": 30", "\"declined\": 60");
    let out = run(
        &pack,
        customer(
            serde_json::json!({"contact_history": [{"product": "dep.deposit", "at": "2026-10-20", "outcome": "declined"}]}),
        ),
        "cm",
    );
    assert_eq!(
        held(&out, "dep.deposit"),
        Some(HoldReason::Pacing),
        "35 days ago, window now 60"
    );
}

#[test]
fn the_teller_gets_one_line_and_the_rest_wait() {
    let pack = greedy_pack(&["dep.deposit", "card.gold", "bond.treasury"]);
    let out = run(&pack, customer(serde_json::json!({})), "teller");
    assert_eq!(out.suggestions.len(), 1);
    let limited = out
        .suppressed
        .iter()
        .filter(|s| s.reason == HoldReason::PitchLimit)
        .count();
    assert_eq!(limited, 2);
}

#[test]
fn duplicate_products_merge_and_keep_every_reason() {
    let mut pack = greedy_pack(&["wm.product"]);
    pack.files.insert(
        "second.rhai".into(),
        "//! kind: up_sell\n//! priority: 10\n//! zh: 二\n//! en: two\nsuggest(\"wm.product\", \"第二个理由\", \"second reason\")\n".into(),
    );
    let out = run(&pack, customer(serde_json::json!({})), "cm");
    assert_eq!(out.suggestions.len(), 1);
    let s = &out.suggestions[0];
    assert_eq!(s.rules, ["greedy", "second"], "best rule first");
    assert_eq!(s.reasons.len(), 2);
    assert_eq!(s.kind, nextbest::RuleKind::CrossSell, "the best rule's kind");
}

#[test]
fn ranking_uses_priority_value_and_segment_and_breaks_ties_by_product_id() {
    // Same rule, so same priority: the product value decides, then the id.
    let pack = greedy_pack(&["ch.channel", "card.gold", "bond.treasury", "dep.proof", "fx.exchange"]);
    let out = run(&pack, customer(serde_json::json!({})), "cm");
    // values: bond.treasury 6, card.gold 6, dep.proof 3, fx.exchange 3, ch.channel 2
    assert_eq!(
        products(&out),
        ["bond.treasury", "card.gold", "dep.proof", "fx.exchange", "ch.channel"]
    );
    let mass = out.suggestions[0].score;
    let out = run(&pack, customer(serde_json::json!({"segment": "private"})), "cm");
    assert!(out.suggestions[0].score > mass, "segment weight raises the score");
}
