//! The customer manager's contact plan (issue 11): the book ranked by
//! opportunity, each with its reasons and what pacing holds back.
#![cfg(not(target_arch = "wasm32"))]

use nextbest::plan::{contact_plan, plan_csv};
use nextbest::{Customer, Engine, PackSource, Stamp};

fn customer(v: serde_json::Value) -> Customer {
    Customer::from_value(&v).expect("a customer")
}

fn now() -> i64 {
    Stamp::parse("2026-11-24T09:00:00+08:00").expect("time").unix
}

#[test]
fn the_book_is_ranked_by_opportunity_with_reasons_and_pacing() {
    let engine = Engine::new(&PackSource::bundled()).expect("bundled pack");
    let book = vec![
        // Little money, a small product: low.
        customer(
            serde_json::json!({"id": "low", "segment": "mass", "risk_rating": 2, "aum": 3000,
            "accounts": [{"type": "savings", "balance": 3000}],
            "consent": {"marketing": true, "record": true}}),
        ),
        // A wealth product maturing within the window, well funded: high.
        customer(
            serde_json::json!({"id": "high", "name": "王敏", "segment": "mass_affluent", "risk_rating": 3, "age": 50,
            "aum": 600000, "accounts": [{"type": "savings", "balance": 200000}, {"type": "wealth"}],
            "holdings": [{"product": "wm.product", "amount": 300000, "matures_on": "2026-12-05"}],
            "consent": {"marketing": true, "record": true}}),
        ),
        // The same, but declined the wealth product last week: paced.
        customer(
            serde_json::json!({"id": "paced", "segment": "mass_affluent", "risk_rating": 3, "age": 50,
            "aum": 600000, "accounts": [{"type": "savings", "balance": 200000}, {"type": "wealth"}],
            "holdings": [{"product": "wm.product", "amount": 300000, "matures_on": "2026-12-05"}],
            "contact_history": [{"product": "wm.product", "at": "2026-11-20T10:00:00", "outcome": "declined", "by": "cm"}],
            "consent": {"marketing": true, "record": true}}),
        ),
    ];
    let plan = contact_plan(&engine, &book, now()).expect("plan");
    let pos = |id: &str| plan.iter().position(|l| l.customer == id);
    let high = &plan[pos("high").expect("high is in the plan")];
    assert_eq!(pos("high"), Some(0), "{plan:#?}");
    assert_eq!(high.name, "王敏");
    assert!(high.reasons.iter().any(|r| r.zh.contains("到期")), "{:?}", high.reasons);
    assert!(high.offers.iter().any(|o| o.product == "wm.product"));
    if let Some(i) = pos("low") {
        assert!(plan[i].score < high.score);
    }
    let paced = &plan[pos("paced").expect("paced has other offers")];
    assert!(
        !paced.offers.iter().any(|o| o.product == "wm.product"),
        "{:?}",
        paced.offers
    );
    assert!(
        paced
            .paced
            .iter()
            .any(|p| p.zh.contains("婉拒") && p.product == "wm.product" && p.product_zh == "理财产品"),
        "{:?}",
        paced.paced
    );
    assert!(
        high.offers.iter().all(|o| !o.rules.is_empty()),
        "each offer names the rules behind it"
    );
}

#[test]
fn the_plan_csv_is_data_never_a_formula() {
    let engine = Engine::new(&PackSource::bundled()).expect("bundled pack");
    let book = vec![customer(
        serde_json::json!({"id": "f1", "name": "=HYPERLINK(\"x\")", "segment": "mass_affluent",
        "risk_rating": 3, "aum": 600000, "accounts": [{"type": "savings", "balance": 200000}, {"type": "wealth"}],
        "holdings": [{"product": "wm.product", "amount": 300000, "matures_on": "2026-12-05"}],
        "consent": {"marketing": true, "record": true}}),
    )];
    let csv = plan_csv(&contact_plan(&engine, &book, now()).expect("plan"));
    assert!(csv.contains("\"'=HYPERLINK(\"\"x\"\")\""), "{csv}");
    assert!(!csv.contains("wm.product"), "products by name: {csv}");
}

#[test]
fn a_customer_the_engine_refuses_is_named() {
    let engine = Engine::new(&PackSource::bundled()).expect("bundled pack");
    let book = vec![customer(serde_json::json!({"id": "bad1",
        "contact_history": [{"product": "wm.product", "at": "2026-12-20T10:00:00", "outcome": "declined"}]}))];
    let err = contact_plan(&engine, &book, now())
        .expect_err("a contact after the plan's day")
        .to_string();
    assert!(err.contains("bad1"), "{err}");
}
