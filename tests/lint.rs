//! `nextbest check` as a rule author meets it (issue 10): each mistake is
//! named where it was made, with a line and column an editor can jump to.
#![cfg(not(target_arch = "wasm32"))]

use nextbest::{Engine, PackSource, RuleError, Stage};

fn pack_with(extra: &[(&str, &str)]) -> PackSource {
    let mut pack = PackSource::bundled();
    for (name, text) in extra {
        pack.files.insert((*name).to_owned(), (*text).to_owned());
    }
    pack
}

/// A rule file: four header lines, so the body starts on line 5.
fn rule(kind: &str, body: &str) -> String {
    format!("//! kind: {kind}\n//! priority: 50\n//! zh: 测试\n//! en: test\n{body}\n")
}

/// What `nextbest check` reports about one rule of the bundled pack plus `extra`.
fn check(extra: &[(&str, &str)], rule_id: &str) -> Vec<RuleError> {
    let pack = pack_with(extra);
    let engine = Engine::new(&pack).expect("loads");
    nextbest::lint(&engine, &pack)
        .into_iter()
        .filter(|p| p.rule == rule_id)
        .collect()
}

#[test]
fn a_missing_semicolon_points_at_the_end_of_the_line_that_lacks_it() {
    // rhai stops at `if` on line 7; the `;` belongs after line 5's last character.
    let body = "let big = c.aum > 100000.0   // 大客户\n// 注释 / a comment\n\nif big { suggest(\"wm.product\", \"a\", \"b\") }";
    let src = rule("cross_sell", body);
    let problems = check(&[("zz_semi.rhai", &src)], "zz_semi");
    assert_eq!(problems.len(), 1, "{problems:#?}");
    let p = &problems[0];
    assert_eq!(p.stage, Stage::Compile, "{p:?}");
    assert!(p.message.contains("';'"), "{p:?}");
    let code = "let big = c.aum > 100000.0";
    assert_eq!((p.line, p.column), (5, code.chars().count() + 1), "{p:?}");

    // Two statements on one line: rhai's own position is already the place.
    let src = rule("cross_sell", "let a = 1 let b = 2;\n()");
    let p = &check(&[("zz_semi2.rhai", &src)], "zz_semi2")[0];
    assert!(p.message.contains("';'"), "{p:?}");
    assert_eq!((p.line, p.column), (5, 11), "{p:?}");
}

#[test]
fn a_misspelt_helper_is_refused_at_load_with_its_position_and_a_did_you_mean() {
    // Not a lint of its own: the whitelist refuses it when the pack loads,
    // and check reports what loading found.
    let src = rule(
        "cross_sell",
        "let amount = yaun(c.aum);\nsuggest(\"wm.product\", amount, \"b\")",
    );
    let problems = check(&[("zz_yaun.rhai", &src)], "zz_yaun");
    assert_eq!(problems.len(), 1, "{problems:#?}");
    let p = &problems[0];
    assert_eq!(p.stage, Stage::Compile, "{p:?}");
    assert_eq!((p.line, p.column), (5, 14), "{p:?}");
    assert!(
        p.message.contains("yaun()") && p.message.contains("did you mean yuan()?"),
        "{p:?}"
    );
}

#[test]
fn a_misspelt_parameter_product_or_destination_names_the_nearest_of_the_pack() {
    // The studio offers the named one as a quick fix (www/js/authoring.js): the
    // hint is only ever a name the pack has.
    let src = rule(
        "referral",
        "if c.aum > p.large_cash_cnv && c.aum > p.launch_missiles {\n    suggest(\"dep.depost\", \"a\", \"b\").to(\"vip_aera\")\n}",
    );
    let problems = check(&[("zz_near.rhai", &src)], "zz_near");
    let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    let has = |want: &str| messages.iter().any(|m| m.contains(want));
    assert!(
        has("unknown parameter p.large_cash_cnv: not in pack.json params: did you mean p.large_cash_cny?"),
        "{messages:#?}"
    );
    assert!(
        has("unknown product \"dep.depost\": not in products.json: did you mean \"dep.deposit\"?"),
        "{messages:#?}"
    );
    assert!(
        has("unknown destination \"vip_aera\": not in pack.json destinations: did you mean \"vip_area\"?"),
        "{messages:#?}"
    );
    let far = messages
        .iter()
        .find(|m| m.contains("p.launch_missiles"))
        .expect("reported");
    assert!(!far.contains("did you mean"), "{far}");
}

#[test]
fn a_result_the_rule_kind_may_not_return_is_flagged_where_it_is_called() {
    let cases = [
        (
            "cross_sell",
            "if c.waiting {\n    route(\"vip_area\", \"贵宾\", \"VIP\")\n}",
            "route",
            "交叉销售规则不能调用 route() / route() in a cross_sell rule: only route rules choose a route",
        ),
        (
            "up_sell",
            "if c.waiting {\n    route(\"vip_area\", \"贵宾\", \"VIP\")\n}",
            "route",
            "提升销售规则不能调用 route() / route() in a up_sell rule",
        ),
        (
            "referral",
            "if c.waiting {\n    route(\"vip_area\", \"贵宾\", \"VIP\")\n}",
            "route",
            "转介规则不能调用 route()",
        ),
        (
            "route",
            "if c.waiting {\n    suggest(\"wm.product\", \"a\", \"b\")\n}",
            "suggest",
            "分流规则不能调用 suggest() / suggest() in a route rule",
        ),
        (
            "cross_sell",
            "if c.waiting {\n    high_value(\"x\", \"a\", \"b\")\n}",
            "high_value",
            "交叉销售规则不能调用 high_value()",
        ),
        (
            "route",
            "if c.waiting {\n    screen(\"can_pay\", true, \"a\", \"b\")\n}",
            "screen",
            "分流规则不能调用 screen() / screen() in a route rule",
        ),
        (
            "signal",
            "if c.waiting {\n    grade(\"A\", \"a\", \"b\")\n}",
            "grade",
            "信号规则不能调用 grade() / grade() in a signal rule",
        ),
    ];
    for (kind, body, name, message) in cases {
        let id = format!("zz_{kind}_{name}");
        let file = format!("{id}.rhai");
        let problems = check(&[(file.as_str(), rule(kind, body).as_str())], &id);
        assert_eq!(problems.len(), 1, "{kind}: {problems:#?}");
        let p = &problems[0];
        assert_eq!((p.stage, p.line, p.column), (Stage::Lint, 6, 5), "{p:?}");
        assert!(p.message.starts_with(message), "{p:?}");
    }
    // Each kind's own result, and note() anywhere, are fine.
    for (kind, body) in [
        ("route", "route(\"vip_area\", \"贵宾\", \"VIP\")"),
        (
            "cross_sell",
            "[suggest(\"wm.product\", \"a\", \"b\"), note(\"提示\", \"hint\")]",
        ),
        ("signal", "high_value(\"x\", \"a\", \"b\")"),
        ("grade", "if c.grade == \"\" { grade(\"A\", \"a\", \"b\") }"),
    ] {
        let problems = check(&[("zz_ok.rhai", rule(kind, body).as_str())], "zz_ok");
        assert!(problems.is_empty(), "{kind}: {problems:#?}");
    }
}

#[test]
fn the_flagged_result_is_what_fails_the_rule_at_run_time() {
    // Lint and the engine agree: the rule errors when it reaches route(), the others still answer.
    let src = rule("cross_sell", "route(\"vip_area\", \"贵宾\", \"VIP\")");
    let pack = pack_with(&[("zz_route.rhai", &src)]);
    let engine = Engine::new(&pack).expect("loads");
    let out = engine
        .evaluate_json(
            r#"{"id": "L1", "visit": {"purpose": "cash_deposit", "at": "2026-11-24T10:00:00"}}"#,
            &Default::default(),
        )
        .expect("evaluates");
    let e = out
        .errors
        .iter()
        .find(|e| e.rule == "zz_route")
        .expect("the rule failed");
    assert_eq!((e.stage, e.line), (Stage::Run, 5), "{e:?}");
    assert!(e.message.contains("route() belongs in a route rule"), "{e:?}");
    assert_ne!(out.route.rule.as_deref(), Some("zz_route"));
}

#[test]
fn a_pitch_a_teller_cannot_say_in_one_breath_is_flagged_where_it_is_written() {
    let long =
        "这是一段非常非常长的推介话术，柜员在两个业务步骤之间根本说不完，客户也记不住，所以检查应当指出它太长了。";
    let src = rule(
        "cross_sell",
        &format!("suggest(\"wm.product\", \"a\", \"b\")\n    .pitch(\"{long}\", \"too long\")"),
    );
    let problems = check(&[("zz_pitch.rhai", &src)], "zz_pitch");
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].line, 6, "{:?}", problems[0]);
    assert!(problems[0].message.contains("max_pitch_chars"), "{:?}", problems[0]);

    let two = rule(
        "cross_sell",
        "suggest(\"wm.product\", \"a\", \"b\").pitch(\"理财收益稳健。现在就买吧！\", \"two\")",
    );
    let problems = check(&[("zz_two.rhai", &two)], "zz_two");
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(problems[0].message.contains("one sentence"), "{:?}", problems[0]);

    // The catalogue's default pitches are held to the same.
    let mut pack = PackSource::bundled();
    let products = pack.files["products.json"].replace(
        "金卡首年免年费，您可以现在申请，额度以审批为准。",
        "金卡首年免年费。您可以现在申请。",
    );
    assert!(products != pack.files["products.json"], "the fixture edit applies");
    pack.files.insert("products.json".into(), products);
    let engine = Engine::new(&pack).expect("loads");
    let problems: Vec<RuleError> = nextbest::lint(&engine, &pack)
        .into_iter()
        .filter(|p| p.rule == "card.gold")
        .collect();
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(problems[0].message.contains("pitch_zh"), "{:?}", problems[0]);
}

#[test]
fn a_misspelt_label_list_screening_test_or_grade_is_flagged_before_any_customer_meets_it() {
    let src = rule(
        "route",
        "if c.purpose == \"zz\" { route(\"vip_area\", label(\"purpsoe\", c.purpose), \"x\") }",
    );
    let problems = check(&[("zz_label.rhai", &src)], "zz_label");
    assert!(
        problems
            .iter()
            .any(|p| p.message.contains("unknown label list \"purpsoe\"")),
        "{problems:#?}"
    );
    let src = rule("screen", "if false { screen(\"can_decid\", true, \"a\", \"b\") }");
    let problems = check(&[("zz_screen.rhai", &src)], "zz_screen");
    assert!(
        problems.iter().any(|p| p.message.contains("can_decid")),
        "{problems:#?}"
    );
    let src = rule("grade", "if false { grade(\"E\", \"a\", \"b\") }");
    let problems = check(&[("zz_grade.rhai", &src)], "zz_grade");
    assert!(
        problems.iter().any(|p| p.message.contains("unknown grade \"E\"")),
        "{problems:#?}"
    );
}

#[test]
fn a_misspelt_label_id_or_list_fails_the_pack() {
    for (from, to, expect) in [
        (
            r#""cash_withdrawal": {"zh": "取现", "en": "Cash withdrawal"},"#,
            r#""cash_withdrawl": {"zh": "取现", "en": "Cash withdrawal"},"#,
            "cash_withdraw",
        ),
        (r#""outcome": {"#, r#""outcomes": {"#, "labels.outcomes"),
    ] {
        let mut pack = PackSource::bundled();
        let manifest = pack.files["pack.json"].replacen(from, to, 1);
        assert!(manifest != pack.files["pack.json"], "the fixture edit applies: {from}");
        pack.files.insert("pack.json".into(), manifest);
        let err = Engine::new(&pack).err().expect("refused").to_string();
        assert!(err.contains(expect), "{err}");
    }
}

#[test]
fn a_protected_attribute_read_without_a_justification_is_flagged_where_first_read() {
    let mut manifest: serde_json::Value =
        serde_json::from_str(&PackSource::bundled().files["pack.json"]).expect("pack.json");
    manifest["protected_attributes"] = serde_json::json!(["age", "gender"]);
    let manifest = manifest.to_string();
    let by_gender = rule(
        "cross_sell",
        "let g = c.field(\"gender\");\nif g == \"f\" { suggest(\"wm.product\", \"a\", \"b\") }",
    );
    let justified = format!(
        "//! justification: 测试 a test\n{}",
        rule(
            "cross_sell",
            "if c.field(\"gender\") == \"f\" { suggest(\"wm.product\", \"a\", \"b\") }"
        )
    );
    let extra = [
        ("pack.json", manifest.as_str()),
        ("zz_gender.rhai", by_gender.as_str()),
        ("zz_justified.rhai", justified.as_str()),
    ];
    let p = check(&extra, "zz_gender");
    assert_eq!(p.len(), 1, "{p:#?}");
    assert_eq!((p[0].line, p[0].column, p[0].stage), (5, 18, Stage::Lint), "{p:?}");
    assert!(p[0].message.contains("protected attribute gender"), "{p:?}");
    assert!(check(&extra, "zz_justified").is_empty());
    // The bundled rules that read c.age say why (age is protected in the bundled pack):
    // their justification is honoured; without it the same rule is named.
    assert!(check(&extra, "xs_elderly_treasury").is_empty());
    let bare: String = PackSource::bundled().files["xs_elderly_treasury.rhai"]
        .lines()
        .filter(|l| !l.starts_with("//! justification:"))
        .map(|l| format!("{l}\n"))
        .collect();
    let unjustified = [
        ("pack.json", manifest.as_str()),
        ("xs_elderly_treasury.rhai", bare.as_str()),
    ];
    let flagged: Vec<String> = check(&unjustified, "xs_elderly_treasury")
        .into_iter()
        .map(|p| p.message)
        .collect();
    assert!(flagged.iter().any(|m| m.contains("c.age")), "{flagged:?}");
    // Without protected_attributes nothing is flagged.
    let mut none: serde_json::Value =
        serde_json::from_str(&PackSource::bundled().files["pack.json"]).expect("pack.json");
    none["protected_attributes"] = serde_json::json!([]);
    let none = none.to_string();
    assert!(check(
        &[("pack.json", none.as_str()), ("zz_gender.rhai", by_gender.as_str())],
        "zz_gender"
    )
    .is_empty());

    // An empty justification is a header error.
    let empty = format!("//! justification:\n{}", rule("cross_sell", "()"));
    let p = check(&[("zz_empty.rhai", empty.as_str())], "zz_empty");
    assert!(p.iter().any(|p| p.message.contains("justification is empty")), "{p:#?}");
}
