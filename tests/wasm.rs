//! The JS boundary (`src/wasm.rs`) in headless Chromium, through the same
//! calls the page makes: values in and out are plain JS objects, errors are
//! JS `Error`s carrying the core error's fields.
//!
//! Run: `CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown --no-default-features --tests`
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Object, Reflect};
use nextbest::{branch_board, bundled_pack, check_pack, generate_customers, version, BacktestAcc, Customers, NextBest};
use serde_json::json;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// JSON to a plain JS object, as a page would build it.
fn js(value: serde_json::Value) -> JsValue {
    serde::Serialize::serialize(&value, &serde_wasm_bindgen::Serializer::json_compatible()).expect("to JS")
}

/// A JS value back to JSON, for asserting on it.
fn json_of(value: &JsValue) -> serde_json::Value {
    serde_wasm_bindgen::from_value(value.clone()).expect("from JS")
}

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(key)).expect("Reflect.get")
}

fn is_plain_object(value: &JsValue) -> bool {
    value.is_object() && Object::get_prototype_of(value) == Object::get_prototype_of(&Object::new())
}

fn options() -> JsValue {
    js(json!({"now": "2026-11-24T10:00:00+08:00", "channel": "teller"}))
}

fn customer() -> serde_json::Value {
    json!({
        "id": "w1",
        "name": "王女士",
        "segment": "mass_affluent",
        "risk_rating": 3,
        "consent": {"marketing": true, "record": true},
        "visit": {"purpose": "cash_withdrawal", "at": "2026-11-24T10:00:00+08:00"},
        "transactions": [{"kind": "cash_withdrawal", "amount": 80000, "at": "2026-11-24T09:55:00+08:00"}]
    })
}

/// The bundled pack's manifest and catalogue with the given rules only, so
/// these tests do not depend on what the bundled rules say.
fn pack_with(rules: &[(&str, &str)]) -> JsValue {
    let bundled = json_of(&bundled_pack().expect("bundledPack"));
    let mut files = serde_json::Map::new();
    for name in ["pack.json", "products.json"] {
        files.insert(name.into(), bundled["files"][name].clone());
    }
    for (name, text) in rules {
        files.insert((*name).into(), json!(text));
    }
    js(json!({ "files": files }))
}

const ALWAYS: &str = "//! kind: signal\n//! priority: 50\n//! zh: 总是触发\n//! en: Always fires\n\nhigh_value(\"always\", \"测试信号\", \"Test signal\")\n";
/// Line 6, column 9: the missing expression after `=`.
const BROKEN: &str =
    "//! kind: signal\n//! priority: 40\n//! zh: 语法错误\n//! en: Syntax error\n\nlet x = ;\nhigh_value(\"x\", \"x\", \"x\")\n";
const ENDLESS: &str = "//! kind: signal\n//! priority: 60\n//! zh: 死循环\n//! en: Endless loop\n\nloop {}\n";

#[wasm_bindgen_test]
fn bundled_pack_loads() {
    let nb = NextBest::new(JsValue::UNDEFINED).expect("the bundled pack compiles");
    let rules = nb.rules().expect("rules()");
    assert!(Array::is_array(&rules));
    assert!(Array::from(&rules).length() > 0, "the bundled pack has rules");
    let problems = json_of(&nb.problems().expect("problems()"));
    assert_eq!(problems, json!([]), "the bundled pack has no problems");
    assert!(json_of(&nb.products().expect("products()"))
        .as_array()
        .is_some_and(|p| !p.is_empty()));
    assert!(json_of(&nb.manifest().expect("manifest()"))["policy"].is_object());
    let files = json_of(&bundled_pack().expect("bundledPack()"));
    assert!(files["files"]["pack.json"].is_string());
    assert_eq!(version(), env!("CARGO_PKG_VERSION"));
}

#[wasm_bindgen_test]
fn evaluate_returns_a_plain_object() {
    let nb = NextBest::new(JsValue::UNDEFINED).expect("bundled pack");
    let out = nb.evaluate(js(customer()), options()).expect("evaluate");
    assert!(is_plain_object(&out), "a plain object, not a Map");
    assert!(Array::is_array(&get(&out, "suggestions")));
    let route = get(&out, "route");
    assert!(is_plain_object(&route));
    assert!(get(&route, "destination").is_string());
    let v = json_of(&out);
    assert_eq!(v["customer"], "w1");
    assert_eq!(v["channel"], "teller");
    assert_eq!(v["today"], "2026-11-24");
    assert_eq!(v["errors"], json!([]), "no rule errors on a valid customer");
    // Options may be left out: the customer's visit.at is the time.
    nb.evaluate(js(customer()), JsValue::UNDEFINED)
        .expect("evaluate without options");
}

#[wasm_bindgen_test]
fn malformed_customer_rejects_with_the_field_path() {
    let nb = NextBest::new(JsValue::UNDEFINED).expect("bundled pack");
    let mut bad = customer();
    bad["transactions"][0]["amount"] = json!("abc");
    let err = nb
        .evaluate(js(bad), options())
        .expect_err("a string amount is rejected");
    assert!(err.is_instance_of::<js_sys::Error>(), "a JS Error");
    assert_eq!(get(&err, "type"), "input");
    assert_eq!(get(&err, "path"), "transactions[0].amount");
    let message = String::from(err.unchecked_ref::<js_sys::Error>().message());
    assert!(
        message.starts_with("transactions[0].amount: "),
        "the message names the field: {message}"
    );
    let detail = get(&err, "detail").as_string().unwrap_or_default();
    assert!(detail.contains("invalid type"), "the bare reason is kept too: {detail}");
}

#[wasm_bindgen_test]
fn broken_rule_is_reported_and_the_others_still_run() {
    let pack = pack_with(&[("always.rhai", ALWAYS), ("broken.rhai", BROKEN)]);
    let nb = NextBest::new(pack).expect("a broken rule does not stop the pack");
    let problems = json_of(&nb.problems().expect("problems()"));
    let p = problems
        .as_array()
        .and_then(|a| a.iter().find(|p| p["rule"] == "broken"))
        .unwrap_or_else(|| panic!("problems() reports the broken rule: {problems}"));
    assert_eq!(p["file"], "broken.rhai");
    assert_eq!(p["stage"], "compile");
    assert_eq!(p["line"], 6);
    assert!(p["column"].as_u64().is_some_and(|c| c > 0), "a column: {p}");

    let out = json_of(&nb.evaluate(js(customer()), options()).expect("evaluate"));
    let e = out["errors"]
        .as_array()
        .and_then(|a| a.iter().find(|e| e["rule"] == "broken"))
        .unwrap_or_else(|| panic!("the evaluation reports the broken rule: {out}"));
    assert_eq!(e["line"], 6);
    assert!(e["column"].as_u64().is_some_and(|c| c > 0));
    assert_eq!(out["high_value"]["flag"], true, "the good rule still fired: {out}");
}

#[wasm_bindgen_test]
fn endless_loop_is_stopped_and_the_others_fire() {
    let pack = pack_with(&[("always.rhai", ALWAYS), ("endless.rhai", ENDLESS)]);
    let nb = NextBest::new(pack).expect("pack");
    let t0 = js_sys::Date::now();
    let out = json_of(&nb.evaluate(js(customer()), options()).expect("evaluate"));
    let ms = js_sys::Date::now() - t0;
    assert!(ms < 2_000.0, "stopped by the operations limit, not a timeout ({ms} ms)");
    let e = out["errors"]
        .as_array()
        .and_then(|a| a.iter().find(|e| e["rule"] == "endless"))
        .unwrap_or_else(|| panic!("the endless rule is reported: {out}"));
    assert_eq!(e["stage"], "run");
    assert_eq!(e["file"], "endless.rhai");
    assert!(e["line"].as_u64().is_some_and(|l| l > 0), "a line: {e}");
    assert_eq!(out["high_value"]["flag"], true);
    let status = |rule: &str| {
        out["trace"]
            .as_array()
            .and_then(|t| t.iter().find(|t| t["rule"] == rule))
            .map(|t| t["status"].clone())
    };
    assert_eq!(status("always"), Some(json!("fired")));
    assert_eq!(status("endless"), Some(json!("error")));
}

#[wasm_bindgen_test]
fn check_pack_returns_diagnostics_with_positions() {
    let clean = json_of(&check_pack(pack_with(&[("always.rhai", ALWAYS)])).expect("checkPack"));
    assert_eq!(clean, json!([]));
    let diags = check_pack(pack_with(&[("always.rhai", ALWAYS), ("broken.rhai", BROKEN)])).expect("checkPack");
    assert!(Array::is_array(&diags));
    let diags = json_of(&diags);
    let d = diags
        .as_array()
        .and_then(|a| a.iter().find(|d| d["file"] == "broken.rhai"))
        .unwrap_or_else(|| panic!("a diagnostic for broken.rhai: {diags}"));
    assert_eq!(d["line"], 6);
    assert!(d["column"].as_u64().is_some_and(|c| c > 0));
    assert!(d["message"].as_str().is_some_and(|m| !m.is_empty()));
    // Not a pack at all: a JS Error naming `pack`.
    let err = check_pack(JsValue::from_str("not a pack")).expect_err("rejected");
    assert!(err.is_instance_of::<js_sys::Error>());
    assert_eq!(get(&err, "path"), "pack");
}

/// Customers cross into wasm once; evaluating one by index gives what
/// evaluating the object gives, and a bad one is refused by index and field.
#[wasm_bindgen_test]
fn loaded_customers_evaluate_like_objects() {
    let nb = NextBest::new(JsValue::UNDEFINED).expect("bundled pack");
    let mut second = customer();
    second["id"] = json!("w2");
    second["aum"] = json!(900000);
    let list = js(json!([customer(), second.clone()]));
    let loaded = Customers::new(list).expect("customers load");
    assert_eq!(loaded.length(), 2);
    for (i, c) in [customer(), second].into_iter().enumerate() {
        let by_index = json_of(&nb.evaluate_loaded(&loaded, i, options()).expect("evaluateLoaded"));
        let by_object = json_of(&nb.evaluate(js(c), options()).expect("evaluate"));
        assert_eq!(by_index, by_object);
    }
    let past = nb
        .evaluate_loaded(&loaded, 2, options())
        .expect_err("index past the end");
    assert_eq!(get(&past, "path"), JsValue::from_str("index"));

    let mut bad = customer();
    bad["transactions"][0]["amount"] = json!("lots");
    let err = Customers::new(js(json!([customer(), bad])))
        .err()
        .expect("a bad customer is refused");
    let path = get(&err, "path").as_string().unwrap_or_default();
    assert!(path.starts_with("[1].transactions[0].amount"), "{path}");
}

/// A customer nested 5,000 deep or referring to itself once trapped the
/// module ("memory access out of bounds") and every later call failed.
#[wasm_bindgen_test]
fn deep_or_cyclic_customers_are_refused_and_the_module_keeps_working() {
    let nb = NextBest::new(JsValue::UNDEFINED).expect("bundled");
    let cyclic = js(customer());
    Reflect::set(&cyclic, &JsValue::from_str("self"), &cyclic).expect("set");
    let err = nb.evaluate(cyclic, options()).expect_err("a cycle is refused");
    assert_eq!(get(&err, "path").as_string().as_deref(), Some("customer"));
    // Built in JS: serde_json's own nesting limit would stop a json! value.
    let c = js(customer());
    let mut inner: JsValue = JsValue::from_f64(1.0);
    for _ in 0..5000 {
        let a = Array::new();
        a.push(&inner);
        inner = a.into();
    }
    Reflect::set(&c, &JsValue::from_str("extra"), &inner).expect("set");
    let err = nb.evaluate(c, options()).expect_err("too deep is refused");
    let path = get(&err, "path").as_string().unwrap_or_default();
    assert!(path.starts_with("extra[0][0]") || path == "customer", "{path}");
    // The module still answers.
    let out = json_of(&nb.evaluate(js(customer()), options()).expect("still works"));
    assert_eq!(out["customer"], "w1");
    let list = Array::new();
    let cyc = js(customer());
    Reflect::set(&cyc, &JsValue::from_str("self"), &cyc).expect("set");
    list.push(&cyc);
    assert!(Customers::new(list.into()).is_err());
}

/// `sleep` once trapped the module; closures called back by native array
/// methods once froze the tab for minutes.
#[wasm_bindgen_test]
fn sleep_is_refused_and_closure_loops_are_stopped_in_wasm() {
    let sleep = "//! kind: signal\n//! priority: 50\n//! zh: 睡\n//! en: sleep\nsleep(10);\n";
    let closures = "//! kind: signal\n//! priority: 50\n//! zh: 闭包\n//! en: closures\nlet a = []; for i in 0..1000 { a.push(i); } let b = a; let d = a;\na.index_of(|x| b.index_of(|y| d.index_of(|z| z == -1) == -2) == -3);\n";
    let pack = pack_with(&[
        ("always.rhai", ALWAYS),
        ("sleepy.rhai", sleep),
        ("closures.rhai", closures),
    ]);
    let nb = NextBest::new(pack).expect("pack");
    let problems = json_of(&nb.problems().expect("problems"));
    assert!(problems.to_string().contains("sleep() is not available"), "{problems}");
    let out = json_of(&nb.evaluate(js(customer()), options()).expect("evaluate"));
    let e = out["errors"]
        .as_array()
        .and_then(|a| a.iter().find(|e| e["rule"] == "closures"))
        .unwrap_or_else(|| panic!("the closures rule is stopped: {out}"));
    // Stopped by its operations, or (in this unoptimised test build) by its time first.
    let m = e["message"].as_str().unwrap_or("");
    assert!(m.contains("operations") || m.contains("rule_ms"), "{e}");
    assert_eq!(out["high_value"]["flag"], true);
}

/// The wall-clock budget reads `performance.now()` in the browser.
#[wasm_bindgen_test]
fn the_time_budget_holds_in_the_browser() {
    let slow =
        "//! kind: signal\n//! priority: 50\n//! zh: 慢\n//! en: slow\nlet n = 0; for i in 0..15000 { n += i; }\n";
    let bundled = json_of(&bundled_pack().expect("bundledPack"));
    let mut manifest: serde_json::Value =
        serde_json::from_str(bundled["files"]["pack.json"].as_str().expect("text")).expect("json");
    manifest["budgets"] = json!({"rule_ms": 0.001, "customer_ms": 10000});
    let pack = js(json!({"files": {
        "pack.json": manifest.to_string(),
        "products.json": bundled["files"]["products.json"],
        "slow.rhai": slow,
    }}));
    let nb = NextBest::new(pack).expect("pack");
    let out = json_of(&nb.evaluate(js(customer()), options()).expect("evaluate"));
    assert!(out["errors"].to_string().contains("rule_ms"), "{out}");
}

#[wasm_bindgen_test]
fn options_carry_the_branch_context_and_a_bad_one_names_its_field() {
    let nb = NextBest::new(JsValue::UNDEFINED).expect("bundled pack");
    let mut c = customer();
    c["stated_needs"] = json!(["wealth_management"]);
    let busy = js(json!({"channel": "lobby", "branch": {"staff": [{"role": "cm", "state": "busy"}]}}));
    let out = json_of(&nb.evaluate(js(c.clone()), busy).expect("evaluate"));
    assert_eq!(out["route"]["destination"], "product_sales", "{out}");
    let unknown = js(json!({"channel": "lobby", "branch": null}));
    let out = json_of(&nb.evaluate(js(c.clone()), unknown).expect("evaluate"));
    assert_eq!(out["route"]["destination"], "relationship_manager", "{out}");
    let bad = js(json!({"branch": {"staff": [{"role": "cm", "state": "napping"}]}}));
    let err = nb.evaluate(js(c), bad).expect_err("refused");
    assert_eq!(get(&err, "path"), "options.branch.staff[0].state");
}

#[wasm_bindgen_test]
fn the_contact_plan_and_the_board_cross_as_plain_objects() {
    let engine = NextBest::new(JsValue::UNDEFINED).expect("bundled pack");
    let book = Customers::new(js(json!([{
        "id": "p1", "segment": "mass_affluent", "risk_rating": 3, "aum": 600000,
        "accounts": [{"type": "savings", "balance": 200000}, {"type": "wealth"}],
        "holdings": [{"product": "wm.product", "amount": 300000, "matures_on": "2026-12-05"}],
        "consent": {"marketing": true, "record": true}
    }])))
    .expect("book");
    // 2026-11-24T09:00:00+08:00
    let plan = engine.contact_plan(&book, 1_763_946_000.0).expect("plan");
    let plan = json_of(&plan);
    assert_eq!(plan[0]["customer"], "p1", "{plan}");
    assert!(engine.contact_plan(&book, f64::NAN).is_err());

    let board = branch_board(
        "{\"id\": \"1\", \"customer\": \"c1\", \"author\": \"t\", \"role\": \"teller\", \"at\": 1, \"kind\": \"unmet_need\", \"body\": {\"need\": \"x\"}}",
    )
    .expect("board");
    assert!(is_plain_object(&board));
    assert_eq!(json_of(&board)["unmet_needs"][0]["need"], "x");
    let err = branch_board("{\"id\": 1}").expect_err("a bad record");
    assert!(err.is_instance_of::<js_sys::Error>());
}

#[wasm_bindgen_test]
fn the_backtest_in_chunks_equals_the_backtest_at_once() {
    let base = NextBest::new(JsValue::UNDEFINED).expect("bundled");
    // The draft: the bundled pack with the large-cash threshold lowered.
    let mut files = json_of(&bundled_pack().expect("bundledPack"));
    let mut manifest: serde_json::Value =
        serde_json::from_str(files["files"]["pack.json"].as_str().expect("pack.json")).expect("json");
    manifest["params"]["large_cash_cny"] = json!(30000);
    files["files"]["pack.json"] = json!(manifest.to_string());
    let draft = NextBest::new(js(files)).expect("draft");
    let text = generate_customers(300, 7.0).expect("customers");
    assert_eq!(text.lines().count(), 300);
    let customers = base.customers_from_jsonl(&draft, &text).expect("JSON lines");
    assert_eq!(customers.length(), 300);
    let options = js(json!({"now": "2026-11-27T18:00:00+08:00", "timing": false}));
    let whole = json_of(&base.backtest(&draft, &customers, options.clone()).expect("backtest"));
    let mut acc = BacktestAcc::new(&base, &draft, options.clone()).expect("acc");
    for start in (0..300).step_by(70) {
        acc.add(&base, &draft, &customers, start, start + 70).expect("add");
    }
    assert_eq!(acc.added(), 300);
    let chunked = json_of(&acc.finish(&base, &draft).expect("finish"));
    assert_eq!(whole, chunked);
    assert_eq!(whole["customers"], json!(300));
    assert_eq!(whole["clock"], json!("off"));
    // As natively (tests/backtest.rs, the CLI on the same 300): only C0256 changes.
    let changed: Vec<&str> = whole["changed_customers"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|c| c["customer"].as_str())
        .collect();
    assert_eq!(changed, ["C0256"]);

    // The whole outputs of a changed customer, on click.
    let one = json_of(
        &base
            .backtest_one(&draft, &customers, 255, options.clone())
            .expect("one"),
    );
    assert_eq!(one["customer"], json!("C0256"));
    assert_ne!(
        one["base_output"]["route"]["destination"],
        one["draft_output"]["route"]["destination"]
    );
    assert!(base.backtest_one(&draft, &customers, 300, options.clone()).is_err());

    // With the clock, per-rule time is there and says where it came from.
    let timed = json_of(&base.backtest(&draft, &customers, JsValue::UNDEFINED).expect("backtest"));
    assert_eq!(timed["clock"], json!("browser"));
    assert!(timed["rules"]["draft"][0]["ms"].is_object());

    // Errors cross as JS Errors naming the field.
    let bad = base
        .backtest(&draft, &customers, js(json!({"channel": "nobody"})))
        .expect_err("channel");
    assert!(bad.is_instance_of::<js_sys::Error>());
    assert_eq!(get(&bad, "path"), JsValue::from_str("channel"));
    let bad = base
        .customers_from_jsonl(&draft, "{\"id\": \"a\"}\n{\"id\": 5}\n")
        .err()
        .expect("bad line");
    assert!(get(&bad, "path").as_string().expect("path").starts_with("line 2: id"));
    assert!(generate_customers(100_001, 1.0).is_err());
    assert!(generate_customers(1, f64::NAN).is_err());
}
