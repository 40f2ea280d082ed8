//! Issue 10's core: screen and grade rules run in their own stages, policy
//! attaches the risk disclosure and offers substitutes (R14), and a route
//! may carry a second step. Each test builds on the bundled pack with one
//! rule added or one catalogue field changed, so it fails if the feature does.
#![cfg(not(target_arch = "wasm32"))]

use nextbest::{Engine, Options, PackSource};

fn pack_with(id: &str, kind: &str, body: &str) -> PackSource {
    let mut pack = PackSource::bundled();
    pack.files.insert(
        format!("{id}.rhai"),
        format!("//! kind: {kind}\n//! priority: 999\n//! zh: 测试\n//! en: test\n{body}\n"),
    );
    pack
}

fn eval(pack: &PackSource, customer: &str, channel: &str) -> nextbest::Evaluation {
    let engine = Engine::new(pack).expect("pack loads");
    let options = Options {
        channel: channel.into(),
        ..Options::default()
    };
    engine.evaluate_json(customer, &options).expect("evaluates")
}

const WEALTHY: &str = r#"{"id": "T1", "segment": "mass", "risk_rating": 3, "aum": 90000,
  "accounts": [{"type": "savings", "balance": 90000}], "stated_needs": ["retirement"],
  "visit": {"purpose": "transfer", "at": "2026-11-24T10:00:00"},
  "consent": {"marketing": true, "record": true}}"#;

#[test]
fn a_route_rule_reads_the_grade_and_a_grade_rule_reads_the_screens() {
    // A route rule that only fires when the grade is already known: if
    // grades ran after routes, c.grade would be "" and nothing would fire.
    let pack = pack_with(
        "zz_route_on_grade",
        "route",
        r#"if c.grade == "B" && c.passes("can_pay") && c.decided("good_customer") { route("vip_area", `等级${c.grade}`, "graded") }"#,
    );
    let out = eval(&pack, WEALTHY, "lobby");
    assert_eq!(out.grade.grade, "B", "{:?}", out.grade);
    assert_eq!(out.route.rule.as_deref(), Some("zz_route_on_grade"));
    assert_eq!(out.route.reason_zh, "等级B");
    assert_eq!(out.grade.tests.len(), 5, "the five screening tests are reported");
}

#[test]
fn screen_and_grade_belong_in_their_own_kinds_and_name_the_packs_grades() {
    let cases = [
        (
            "zz_bad",
            "route",
            r#"screen("can_pay", true, "a", "b")"#,
            "screen() belongs in a screen rule",
        ),
        (
            "zz_bad",
            "route",
            r#"grade("A", "a", "b")"#,
            "grade() belongs in a grade rule",
        ),
        ("zz_bad", "grade", r#"grade("E", "a", "b")"#, "unknown grade \"E\""),
        (
            "zz_bad",
            "screen",
            r#"screen("can_pya", true, "a", "b")"#,
            "unknown screening test \"can_pya\"",
        ),
    ];
    for (id, kind, body, message) in cases {
        let out = eval(&pack_with(id, kind, body), WEALTHY, "lobby");
        let e = out
            .errors
            .iter()
            .find(|e| e.rule == id)
            .unwrap_or_else(|| panic!("{body}: no error"));
        assert!(e.message.contains(message), "{body}: {}", e.message);
        assert_ne!(out.grade.grade, "E");
    }
}

#[test]
fn the_risk_disclosure_is_policys_not_the_rules() {
    // A rule pitching an R3 fund with its own words: policy adds the disclosure.
    let pack = pack_with(
        "zz_fund",
        "cross_sell",
        r#"suggest("inv.fund", "测试", "test").pitch("每月定投一点基金。", "A little into a fund each month.")"#,
    );
    let out = eval(&pack, WEALTHY, "psm");
    let fund = out
        .suggestions
        .iter()
        .find(|s| s.product == "inv.fund")
        .expect("fund pitched");
    let d = fund.disclosure.as_ref().expect("disclosure attached");
    assert!(d.zh.contains("投资须谨慎"), "{}", d.zh);
    assert_eq!(out.risk_rating, Some(3));
    // An R1 product carries none.
    let pack = pack_with("zz_bond", "cross_sell", r#"suggest("bond.treasury", "测试", "test")"#);
    let out = eval(&pack, WEALTHY, "psm");
    let bond = out
        .suggestions
        .iter()
        .find(|s| s.product == "bond.treasury")
        .expect("bond pitched");
    assert!(bond.disclosure.is_none());
}

#[test]
fn suitability_offers_the_first_suitable_substitute_or_logs_the_need() {
    // No stated need, so no bundled rule proposes a substitute itself.
    let cautious = WEALTHY
        .replace(r#""risk_rating": 3"#, r#""risk_rating": 1"#)
        .replace(r#""stated_needs": ["retirement"],"#, "");
    let pack = pack_with("zz_fund", "cross_sell", r#"suggest("inv.fund", "测试", "test")"#);
    let out = eval(&pack, &cautious, "psm");
    assert!(out.suppressed.iter().any(|s| s.product == "inv.fund"));
    // inv.fund's substitutes: wm.product (R2, unsuitable for C1), dep.large_cd
    // (from CNY 200,000: this customer has 90,000), bond.treasury.
    let sub = out
        .suggestions
        .iter()
        .find(|s| s.substitute_for.as_deref() == Some("inv.fund"))
        .expect("a substitute");
    assert_eq!(sub.product, "bond.treasury");
    assert!(sub.reasons.iter().any(|r| r.zh.contains("改推")), "{:?}", sub.reasons);
    // Without substitutes the need is logged instead.
    let mut pack = pack;
    let products = pack.files["products.json"].replace(
        r#""substitutes": ["wm.product", "dep.large_cd", "bond.treasury", "dep.deposit"]"#,
        r#""substitutes": []"#,
    );
    assert!(products != pack.files["products.json"], "the fixture edit applies");
    pack.files.insert("products.json".into(), products);
    let out = eval(&pack, &cautious, "psm");
    assert!(!out.suggestions.iter().any(|s| s.substitute_for.is_some()));
    // No stated need: a product a rule thought of is no need of the
    // customer's, and no id reaches the list staff read.
    assert!(out.unmet_needs.is_empty(), "{:?}", out.unmet_needs);
    // With a stated need the held product serves, that need is logged.
    let needing = cautious.replace(r#""accounts""#, r#""stated_needs": ["child_education"], "accounts""#);
    let out = eval(&pack, &needing, "psm");
    let serves_it = out
        .suggestions
        .iter()
        .any(|s| s.product == "ins.policy" || s.product == "plan.financial");
    assert!(
        serves_it || out.unmet_needs.contains(&"child_education".to_owned()),
        "{:?} {:?}",
        out.unmet_needs,
        out.suggestions.iter().map(|s| &s.product).collect::<Vec<_>>()
    );
}

#[test]
fn a_route_carries_its_second_step_and_policy_checks_its_words() {
    let pack = pack_with(
        "zz_then",
        "route",
        r#"route("lobby_manager_direct", "先交资料", "papers first").then("然后取号", "then take a number")"#,
    );
    let out = eval(&pack, WEALTHY, "lobby");
    assert_eq!(out.route.then_zh.as_deref(), Some("然后取号"));
    let pack = pack_with(
        "zz_then",
        "route",
        r#"route("lobby_manager_direct", "先交资料", "papers first").then("然后买保本理财", "then a guaranteed product")"#,
    );
    let out = eval(&pack, WEALTHY, "lobby");
    assert_eq!(out.route.then_zh, None, "a forbidden second step is dropped");
    assert_eq!(out.route.reason_zh, "先交资料");
    assert!(out.withheld.iter().any(|w| w.rule == "zz_then"));
}

#[test]
fn currency_and_list_helpers_answer_what_authors_ask() {
    let customer = r#"{"id": "T2", "segment": "mass", "risk_rating": 3,
      "accounts": [{"type": "savings"}, {"type": "credit_card", "tier": "platinum"}, {"type": "fx"}],
      "holdings": [{"product": "dep.deposit", "amount": 1000}],
      "transactions": [
        {"kind": "cash_withdrawal", "amount": 12000, "currency": "USD", "at": "2026-11-20"},
        {"kind": "cash_withdrawal", "amount": 50000, "at": "2026-11-21"},
        {"kind": "cash_deposit", "amount": 100, "at": "2026-11-22"}],
      "applications": ["credit_card_gold"],
      "visit": {"purpose": "transfer", "at": "2026-11-24T10:00:00"},
      "consent": {"marketing": true, "record": true}}"#;
    let body = r#"
let usd = c.txn_max_in("cash_withdrawal", "usd", 30) >= cny(10000, "USD");
let cny_only = c.txn_count_in("cash_withdrawal", "CNY", 30) == 1 && c.txn_sum_in("cash_withdrawal", "USD", 30) == cny(12000, "USD");
let all = c.txn_count_all(30) == 3;
let counts = c.account_count == 3 && c.holding_count == 1;
let tiers = c.has_tier("gold") && c.has_tier("platinum");
let lists = c.visit_for_any(p.digital_purposes) && c.applies_any(p.card_applications) && !c.needs_any(p.business_needs);
if usd && cny_only && all && counts && tiers && lists { route("vip_area", "全部正确", "all right") }
"#;
    let out = eval(&pack_with("zz_helpers", "route", body), customer, "lobby");
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(out.route.rule.as_deref(), Some("zz_helpers"));
}

#[test]
fn a_vocabulary_value_without_a_name_fails_the_pack_not_the_screen() {
    let mut pack = PackSource::bundled();
    let manifest = pack.files["pack.json"].replace(r#""loan_inquiry": {"zh": "贷款咨询", "en": "Loan inquiry"},"#, "");
    assert!(manifest != pack.files["pack.json"], "the fixture edit applies");
    pack.files.insert("pack.json".into(), manifest);
    let err = Engine::new(&pack).err().expect("refused").to_string();
    assert!(err.contains("labels.purpose") && err.contains("loan_inquiry"), "{err}");
}

#[test]
fn a_basis_must_explain_a_parameter_that_exists() {
    let mut pack = PackSource::bundled();
    let manifest = pack.files["pack.json"].replace(r#""basis": {"#, r#""basis": {"larg_cash_cny": "typo","#);
    pack.files.insert("pack.json".into(), manifest);
    let err = Engine::new(&pack).err().expect("refused").to_string();
    assert!(err.contains("basis.larg_cash_cny"), "{err}");
}

#[test]
fn a_substitute_the_customer_holds_is_not_offered_and_its_reason_is_policys_own() {
    let cautious = WEALTHY.replace(r#""risk_rating": 3"#, r#""risk_rating": 1"#).replace(
        r#""stated_needs": ["retirement"],"#,
        r#""holdings": [{"product": "bond.treasury", "amount": 5000}],"#,
    );
    let pack = pack_with(
        "zz_fund",
        "cross_sell",
        r#"suggest("inv.fund", "基金定投很适合您", "a fund plan suits you")"#,
    );
    let out = eval(&pack, &cautious, "psm");
    let sub = out
        .suggestions
        .iter()
        .find(|s| s.substitute_for.as_deref() == Some("inv.fund"))
        .expect("a substitute");
    assert_ne!(sub.product, "bond.treasury", "the customer holds it");
    assert_eq!(sub.reasons.len(), 1, "{:?}", sub.reasons);
    assert!(
        !sub.reasons[0].zh.contains("定投很适合"),
        "the held product's argument is not carried over"
    );
    // Unrated, it says so rather than quoting a rating.
    let unrated = cautious.replace(r#""risk_rating": 1,"#, "");
    let out = eval(&pack, &unrated, "psm");
    let sub = out
        .suggestions
        .iter()
        .find(|s| s.substitute_for.is_some())
        .expect("a substitute");
    assert!(sub.reasons[0].zh.contains("未做风险评估"), "{:?}", sub.reasons);
}

#[test]
fn grade_and_screen_texts_are_held_to_policy_like_any_staff_text() {
    let mut pack = pack_with(
        "zz_grade",
        "grade",
        r#"grade("A", "推荐基金，保本稳赚", "funds, guaranteed")"#,
    );
    pack.files.insert(
        "aa_screen.rhai".into(),
        "//! kind: screen\n//! priority: 1\n//! zh: t\n//! en: t\nscreen(\"can_pay\", true, \"零风险\", \"risk-free\")\n".into(),
    );
    let out = eval(&pack, WEALTHY, "lobby");
    assert_eq!(out.grade.grade, "A");
    assert!(!out.grade.zh.contains("保本"), "{}", out.grade.zh);
    assert_eq!(out.grade.zh, out.grade.grade_zh, "replaced by what the grade means");
    let t = out
        .grade
        .tests
        .iter()
        .find(|t| t.rule == "aa_screen")
        .expect("screen reported");
    assert!(!t.zh.contains("零风险"), "{}", t.zh);
    assert!(out.withheld.iter().any(|w| w.rule == "zz_grade"));
    assert!(out.withheld.iter().any(|w| w.rule == "aa_screen"));
}

#[test]
fn the_transaction_helpers_take_a_list_of_kinds() {
    let customer = r#"{"id": "T3", "segment": "mass",
      "transactions": [
        {"kind": "cash_withdrawal", "amount": 12000, "at": "2026-11-20"},
        {"kind": "cash_deposit", "amount": 30000, "at": "2026-11-21"},
        {"kind": "fund_purchase", "amount": 500, "at": "2026-11-22"}],
      "visit": {"purpose": "transfer", "at": "2026-11-24T10:00:00"},
      "consent": {"marketing": true, "record": true}}"#;
    let body = r#"
let cash = ["cash_withdrawal", "cash_deposit"];
if c.txn_max(cash, 30) == 30000.0 && c.txn_sum(cash, 30) == 42000.0 && c.txn_count(cash, 30) == 2 && c.txn_count([], 30) == 0 {
    route("vip_area", "列表正确", "lists right")
}
"#;
    let out = eval(&pack_with("zz_lists", "route", body), customer, "lobby");
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(out.route.rule.as_deref(), Some("zz_lists"));
}
