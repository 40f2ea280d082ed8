//! Regression tests for an attacker's pass over the hardened engine
//! (issue 9 review): each case once got through.
#![cfg(not(target_arch = "wasm32"))]

use nextbest::{Engine, Error, Evaluation, HoldReason, Options, PackSource};
use serde_json::{json, Value};

fn pack_with(files: &[(&str, &str)]) -> PackSource {
    let mut pack = PackSource::bundled();
    for (name, text) in files {
        pack.files.insert((*name).to_owned(), (*text).to_owned());
    }
    pack
}

fn rule(kind: &str, body: &str) -> String {
    format!("//! kind: {kind}\n//! priority: 99\n//! zh: 测试\n//! en: test\n{body}\n")
}

fn customer(extra: Value) -> Value {
    let mut v = json!({
        "id": "A", "segment": "mass", "risk_rating": 1,
        "visit": {"purpose": "transfer", "at": "2026-11-24T10:00:00"},
        "consent": {"marketing": true, "record": true}
    });
    for (k, x) in extra.as_object().expect("object") {
        v[k] = x.clone();
    }
    v
}

fn eval(pack: &PackSource, c: Value) -> Result<Evaluation, Error> {
    let engine = Engine::new(pack)?;
    let c = engine.customer_from_value(&c)?;
    engine.evaluate(c, &Options::default())
}

#[test]
fn f01_a_rules_own_function_cannot_open_a_door_to_rhais_built_ins() {
    let src = rule("signal", "fn sleep(a, b) { 0 }\nsleep(3600);");
    let engine = Engine::new(&pack_with(&[("zz_sleep.rhai", &src)])).expect("loads");
    let msgs: Vec<&str> = engine
        .problems()
        .iter()
        .filter(|p| p.rule == "zz_sleep")
        .map(|p| p.message.as_str())
        .collect();
    assert!(
        msgs.iter().any(|m| m.contains("may not define a function named sleep")),
        "{msgs:?}"
    );
    // Arity decides: an own `pad(x)` does not admit rhai's `s.pad(n, c)`.
    let src = rule("signal", "fn pad(x) { x }\nlet s = \"a\"; s.pad(100000, \"b\");");
    let engine = Engine::new(&pack_with(&[("zz_pad.rhai", &src)])).expect("loads");
    assert!(engine
        .problems()
        .iter()
        .any(|p| p.rule == "zz_pad" && p.message.contains("pad()")));
    // A rule's own function with its own arity still works.
    let src = rule(
        "signal",
        "fn double(x) { x * 2 }\nif double(2) == 4 { high_value(\"t\", \"测试\", \"test\") }",
    );
    let engine = Engine::new(&pack_with(&[("zz_own.rhai", &src)])).expect("loads");
    assert!(
        engine.problems().iter().all(|p| p.rule != "zz_own"),
        "{:?}",
        engine.problems()
    );
}

#[test]
fn f02_sort_with_a_comparison_function_is_refused() {
    let src = rule("signal", "let a = [3, 1, 2]; a.sort(|x, y| 1);");
    let engine = Engine::new(&pack_with(&[("zz_sort.rhai", &src)])).expect("loads");
    assert!(engine
        .problems()
        .iter()
        .any(|p| p.rule == "zz_sort" && p.message.contains("sort()")));
    let src = rule("signal", "let a = [3, 1, 2]; a.sort();");
    let engine = Engine::new(&pack_with(&[("zz_sort2.rhai", &src)])).expect("loads");
    assert!(engine.problems().iter().all(|p| p.rule != "zz_sort2"));
}

#[test]
fn f03_a_negative_max_boost_is_refused_not_a_panic() {
    let mut pack = PackSource::bundled();
    let t = pack.files["pack.json"].replace("\"max_boost\": 50", "\"max_boost\": -1");
    pack.files.insert("pack.json".into(), t);
    match Engine::new(&pack) {
        Err(Error::Pack { message, line, .. }) => {
            assert!(message.contains("policy.max_boost") && line > 0, "{message}")
        }
        other => panic!("expected a pack error, got {:?}", other.err()),
    }
}

#[test]
fn f04_a_record_from_the_future_is_refused_not_taken_as_the_clock() {
    let declined = json!({"product": "ins.policy", "at": "2026-11-21", "outcome": "declined", "by": "teller"});
    let future = json!({"product": "dep.deposit", "at": "2026-12-31", "outcome": "no_answer", "by": "cm"});
    let c = customer(json!({"risk_rating": 3, "stated_needs": ["insurance"], "contact_history": [declined, future]}));
    match eval(&PackSource::bundled(), c) {
        Err(Error::Input { path, .. }) => assert_eq!(path, "contact_history[1].at"),
        other => panic!("expected the future contact refused, got {other:?}"),
    }
}

#[test]
fn f05_wording_in_traditional_characters_look_alike_letters_or_with_fillers_is_caught() {
    for pitch in [
        "穩賺不賠",
        "零風險",
        "guаranteed",
        "nο risk",
        "保\u{3164}本",
        "g\u{3164}uaranteed",
        "剛性兌付",
    ] {
        let src = rule(
            "cross_sell",
            &format!("suggest(\"dep.deposit\", \"理由\", \"reason\").pitch(\"{pitch}\", \"ok\")"),
        );
        let out = eval(&pack_with(&[("zz_words.rhai", &src)]), customer(json!({}))).expect("evaluates");
        let held = out
            .suppressed
            .iter()
            .find(|s| s.product == "dep.deposit")
            .map(|s| s.reason);
        assert_eq!(held, Some(HoldReason::Wording), "{pitch:?} got through");
    }
}

#[test]
fn f06_without_consent_products_are_not_named_by_alias_traditional_form_or_glued_id() {
    for text in [
        "请介绍稳健理财",
        "顺便办张白金卡",
        "請向客戶介紹理財產品",
        "大額存單利率不错",
        "try wmproduct",
        "理\u{3164}财产品",
    ] {
        let src = rule("route", &format!("note(\"{text}\", \"x\")"));
        let c = customer(json!({"consent": {"marketing": false, "record": true}}));
        let out = eval(&pack_with(&[("zz_note.rhai", &src)]), c).expect("evaluates");
        assert!(
            out.notes.iter().all(|n| n.rule != "zz_note"),
            "{text:?} reached staff: {:?}",
            out.notes
        );
    }
}

#[test]
fn f07_a_withheld_signal_text_is_not_replaced_by_another_unchecked_one() {
    let src = "//! kind: signal\n//! priority: 99\n//! zh: 请推荐理财产品\n//! en: pitch wealth\nhigh_value(\"x\", \"推荐理财产品\", \"wealth management product\")\n";
    let c = customer(json!({"consent": {"marketing": false, "record": true}}));
    let out = eval(&pack_with(&[("zz_sig.rhai", src)]), c).expect("evaluates");
    let s = out
        .high_value
        .signals
        .iter()
        .find(|s| s.rule == "zz_sig")
        .expect("signal kept");
    assert!(!s.zh.contains("理财产品") && !s.en.contains("wealth"), "{s:?}");
}

#[test]
fn f08_a_note_or_route_reason_naming_an_unsuitable_product_is_withheld() {
    // C1 customer, R4 product named in a note and a route reason.
    let src = rule(
        "route",
        "[note(\"推荐银证通\", \"offer the Bank–securities link\"), route(\"relationship_manager\", \"请客户经理介绍银证通\", \"securities link\")]",
    );
    let out = eval(&pack_with(&[("zz_r4.rhai", &src)]), customer(json!({}))).expect("evaluates");
    assert!(out.notes.iter().all(|n| n.rule != "zz_r4"), "{:?}", out.notes);
    assert!(!out.route.reason_zh.contains("银证通"), "{:?}", out.route);
    // During a complaint, no text names a product either.
    let c = customer(json!({"risk_rating": 5, "visit": {"purpose": "complaint", "at": "2026-11-24T10:00:00"}}));
    let out = eval(&pack_with(&[("zz_r4.rhai", &src)]), c).expect("evaluates");
    assert!(out.notes.iter().all(|n| n.rule != "zz_r4"), "{:?}", out.notes);
}

#[test]
fn f09_a_misspelt_contract_field_at_the_top_is_refused_not_ignored() {
    for key in [
        "Visit",
        "contactHistory",
        "contact_history ",
        "\u{feff}visit",
        "risk-rating",
    ] {
        let mut c = customer(json!({}));
        c[key] = json!(null);
        match eval(&PackSource::bundled(), c) {
            Err(Error::Input { path, message }) => {
                assert_eq!(path, key);
                assert!(message.contains("did you mean"), "{message}");
            }
            other => panic!("{key:?}: expected a refusal, got {other:?}"),
        }
    }
    // A genuinely extra field stays readable by rules.
    let mut c = customer(json!({}));
    c["industry"] = json!("healthcare");
    assert!(eval(&PackSource::bundled(), c).is_ok());
}

#[test]
fn f10_product_ids_in_history_and_holdings_are_folded() {
    let c = customer(json!({
        "risk_rating": 3,
        "transactions": [{"kind": "cash_withdrawal", "amount": 80000, "at": "2026-11-24"}],
        "contact_history": [{"product": " WM.Product ", "at": "2026-11-14", "outcome": "declined", "by": "teller"}]
    }));
    let out = eval(&PackSource::bundled(), c).expect("evaluates");
    assert!(
        out.suggestions.iter().all(|s| s.product != "wm.product"),
        "{:?}",
        out.suggestions
    );
}

#[test]
fn f11_destinations_and_the_default_route_are_linted_for_wording() {
    let mut pack = PackSource::bundled();
    let t = pack.files["pack.json"].replace("\"柜面业务，取号等候\"", "\"保本理财零风险，取号等候\"");
    assert_ne!(t, pack.files["pack.json"]);
    pack.files.insert("pack.json".into(), t);
    let engine = Engine::new(&pack).expect("loads");
    let problems = nextbest::lint(&engine, &pack);
    assert!(
        problems
            .iter()
            .any(|p| p.file == "pack.json" && p.message.contains("default_route") && p.line > 0),
        "{problems:?}"
    );
}

#[test]
fn f12_duplicate_header_lines_and_a_bom_are_handled() {
    let src = "//! kind: signal\n//! kind: route\n//! priority: 1\n//! zh: t\n//! en: t\n()\n";
    let engine = Engine::new(&pack_with(&[("zz_dup.rhai", src)])).expect("loads");
    let p = engine.problems().iter().find(|p| p.rule == "zz_dup").expect("reported");
    assert!(p.message.contains("twice") && p.line == 2, "{p:?}");
    let src = "\u{feff}//! kind: signal\n//! priority: 1\n//! zh: t\n//! en: t\n()\n";
    let engine = Engine::new(&pack_with(&[("zz_bom.rhai", src)])).expect("loads");
    assert!(
        engine.problems().iter().all(|p| p.rule != "zz_bom"),
        "{:?}",
        engine.problems()
    );
}

// ---- A second review of the same change ----

#[test]
fn r1_a_method_call_or_a_named_pointer_cannot_reach_a_built_in_through_an_own_function() {
    for (id, body) in [
        (
            "zz_sortby",
            "fn sort_by(a, b) { 0 }\nlet xs = []; for i in 0..64 { xs.push(i); }\nxs.sort_by(|a, b| -1);",
        ),
        (
            "zz_method",
            "fn drain(a, b) { 0 }\nlet xs = [1, 2, 3];\nxs.drain(|x| true);",
        ),
        ("zz_pointer", "fn extract() { 0 }\n[[1, 2]].map(Fn(\"extract\"));"),
    ] {
        let file = format!("{id}.rhai");
        let src = rule("signal", body);
        let engine = Engine::new(&pack_with(&[(file.as_str(), src.as_str())])).expect("loads");
        assert!(
            engine.problems().iter().any(|p| p.rule == id),
            "{id} was admitted: {:?}",
            engine.problems()
        );
    }
    // A closure is still a closure.
    let src = rule(
        "signal",
        "let xs = [1, 2, 3].map(|x| x * 2);\nif xs[2] == 6 { high_value(\"t\", \"测试\", \"test\") }",
    );
    let engine = Engine::new(&pack_with(&[("zz_closure.rhai", &src)])).expect("loads");
    assert!(
        engine.problems().iter().all(|p| p.rule != "zz_closure"),
        "{:?}",
        engine.problems()
    );
}

#[test]
fn r2_a_pitch_naming_an_unsuitable_other_product_is_held() {
    // dep.deposit is risk 1; its pitch talks up sec.bank_link (risk 4) to a C1 customer.
    let src = rule(
        "cross_sell",
        "suggest(\"dep.deposit\", \"理由\", \"reason\").pitch(\"存定期，顺便看看银证通\", \"a deposit, and the securities link\")",
    );
    let out = eval(&pack_with(&[("zz_other.rhai", &src)]), customer(json!({}))).expect("evaluates");
    assert!(
        out.suggestions.iter().all(|s| s.product != "dep.deposit"),
        "{:?}",
        out.suggestions
    );
    assert_eq!(
        out.suppressed
            .iter()
            .find(|s| s.product == "dep.deposit")
            .map(|s| s.reason),
        Some(HoldReason::Suitability)
    );
}

#[test]
fn r3_accents_and_combining_marks_do_not_hide_a_forbidden_phrase() {
    for pitch in [
        "guarantéed",
        "nó risk",
        "rísk-free",
        "N\u{336}o\u{336} r\u{336}i\u{336}s\u{336}k\u{336}",
    ] {
        let src = rule(
            "cross_sell",
            &format!("suggest(\"dep.deposit\", \"理由\", \"reason\").pitch(\"{pitch}\", \"ok\")"),
        );
        let out = eval(&pack_with(&[("zz_acc.rhai", &src)]), customer(json!({}))).expect("evaluates");
        let held = out
            .suppressed
            .iter()
            .find(|s| s.product == "dep.deposit")
            .map(|s| s.reason);
        assert_eq!(held, Some(HoldReason::Wording), "{pitch:?} got through");
    }
}

#[test]
fn r5_a_glued_product_id_does_not_match_across_words() {
    // "each channel" holds the letters of ch.channel glued; it names no product.
    let src = rule(
        "route",
        "note(\"each channel explains policy\", \"each channel explains policy\")",
    );
    let c = customer(json!({"consent": {"marketing": false, "record": true}}));
    let out = eval(&pack_with(&[("zz_glue.rhai", &src)]), c).expect("evaluates");
    assert!(out.notes.iter().any(|n| n.rule == "zz_glue"), "{:?}", out.withheld);
}
