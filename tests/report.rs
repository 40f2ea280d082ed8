//! The branch head's board, worked out from records (issue 11): referrals by
//! role with close rates, outcomes per product and rule, unmet needs and the
//! referral chain behind each sale.
#![cfg(not(target_arch = "wasm32"))]

use nextbest::records::read_jsonl;
use nextbest::report::board;

const DAY: &str = r#"
{"id": "1", "customer": "c1", "author": "t1", "role": "teller", "at": 100, "pack_version": 1, "kind": "handoff", "body": {"to": "product_sales", "products": ["wm.product"], "purpose": "cash_withdrawal"}}
{"id": "2", "customer": "c1", "author": "l1", "role": "lobby", "at": 110, "pack_version": 1, "kind": "handoff", "body": {"to": "relationship_manager", "products": ["wm.product"]}}
{"id": "3", "customer": "c1", "author": "m1", "role": "cm", "at": 120, "pack_version": 1, "kind": "outcome", "body": {"product": "wm.product", "outcome": "accepted", "rules": ["xs_large_cash_wealth"]}}
{"id": "4", "customer": "c2", "author": "t1", "role": "teller", "at": 130, "pack_version": 2, "kind": "handoff", "body": {"to": "product_sales", "products": ["inv.fund"]}}
{"id": "5", "customer": "c2", "author": "p1", "role": "psm", "at": 140, "pack_version": 2, "kind": "outcome", "body": {"product": "inv.fund", "outcome": "declined", "rules": ["xs_salary_fund_plan"]}}
{"id": "6", "customer": "c3", "author": "p1", "role": "psm", "at": 150, "kind": "unmet_need", "body": {"need": "overseas_property"}}
{"id": "7", "customer": "c4", "author": "p1", "role": "psm", "at": 160, "kind": "unmet_need", "body": {"need": "overseas_property"}}
{"id": "8", "customer": "c0", "author": "t2", "role": "teller", "at": 90, "kind": "outcome", "body": {"product": "wm.product", "outcome": "accepted", "rules": ["xs_large_cash_wealth"]}}
"#;

#[test]
fn the_board_counts_what_the_records_say() {
    let records = read_jsonl(DAY).expect("records");
    let b = board(&records);
    let teller = b
        .referrals
        .iter()
        .find(|r| r.role == "teller")
        .expect("teller referrals");
    assert_eq!(
        (teller.handoffs, teller.closed),
        (2, 1),
        "c1's hand-off closed, c2's did not"
    );
    assert!((teller.close_rate - 0.5).abs() < 1e-9);
    let lobby = b.referrals.iter().find(|r| r.role == "lobby").expect("lobby referrals");
    assert_eq!((lobby.handoffs, lobby.closed), (1, 1));
    let wm = b.products.iter().find(|t| t.key == "wm.product").expect("wm tally");
    assert_eq!((wm.accepted, wm.declined), (2, 0));
    let rule = b
        .rules
        .iter()
        .find(|t| t.key == "xs_salary_fund_plan")
        .expect("rule tally");
    assert_eq!(rule.declined, 1);
    assert_eq!(b.unmet_needs[0].need, "overseas_property");
    assert_eq!(b.unmet_needs[0].count, 2);
    // c1's sale came through the teller, then the lobby; c0's had no hand-off.
    let sale = b.sales.iter().find(|s| s.customer == "c1").expect("c1's sale");
    let roles: Vec<&str> = sale.chain.iter().map(|l| l.role.as_str()).collect();
    assert_eq!(roles, ["teller", "lobby"]);
    assert_eq!(sale.closed_role, "cm");
    assert!(b
        .sales
        .iter()
        .find(|s| s.customer == "c0")
        .expect("c0")
        .chain
        .is_empty());
    assert_eq!(b.pack_versions.get("1"), Some(&3));
    assert_eq!(b.pack_versions.get("2"), Some(&2));
}

#[test]
fn a_broken_record_is_refused_with_its_line_and_field() {
    let bad = "{\"id\": \"1\", \"customer\": \"c1\", \"author\": \"t\", \"role\": \"teller\", \"at\": 1, \"kind\": \"outcome\", \"body\": {\"product\": \"wm.product\", \"outcom\": \"accepted\"}}";
    let err = read_jsonl(&format!("\n{bad}\n"))
        .expect_err("misspelt field")
        .to_string();
    assert!(err.contains("line 2"), "{err}");
    assert!(err.contains("outcom"), "{err}");
    let unknown = bad.replace("\"outcome\", \"body\"", "\"sale\", \"body\"");
    let err = read_jsonl(&unknown).expect_err("unknown kind").to_string();
    assert!(err.contains("sale"), "{err}");
}

#[test]
fn a_teller_who_records_the_acceptance_before_calling_the_lobby_still_closed_the_referral() {
    // 2026-11-24 10:00 and 10:01 (+08:00): the answer first, then the hand-off.
    let day = r#"
{"id": "a", "customer": "c5", "author": "t1", "role": "teller", "at": 1763949600, "kind": "outcome", "body": {"product": "inv.fund", "outcome": "accepted"}}
{"id": "b", "customer": "c5", "author": "t1", "role": "teller", "at": 1763949660, "kind": "handoff", "body": {"to": "product_sales", "products": ["inv.fund"]}}
{"id": "c", "customer": "c6", "author": "t1", "role": "teller", "at": 1763949660, "kind": "handoff", "body": {"to": "product_sales", "products": ["inv.fund"]}}
{"id": "d", "customer": "c6", "author": "p1", "role": "psm", "at": 1764036060, "kind": "outcome", "body": {"product": "inv.fund", "outcome": "accepted"}}
"#;
    let b = board(&read_jsonl(day).expect("records"));
    let teller = b.referrals.iter().find(|r| r.role == "teller").expect("teller");
    assert_eq!(
        (teller.handoffs, teller.closed),
        (2, 1),
        "c5 closed the same day; c6 bought the next day"
    );
    let sale = b.sales.iter().find(|s| s.customer == "c5").expect("c5's sale");
    assert_eq!(sale.chain.len(), 1, "the same day's hand-off is in its chain");
}

#[test]
fn a_retracted_record_counts_as_nothing() {
    // t1 declines for c7, then takes it back (撤销); a retraction of a record
    // not in the input, and one of someone else's record, change nothing.
    let day = r#"
{"id": "d1", "customer": "c7", "author": "t1", "role": "teller", "at": 1763949600, "pack_version": 1, "kind": "outcome", "body": {"product": "inv.fund", "outcome": "declined", "rules": ["xs_salary_fund_plan"]}}
{"id": "d2", "customer": "c7", "author": "t1", "role": "teller", "at": 1763949610, "kind": "retraction", "body": {"record": "d1"}}
{"id": "d3", "customer": "c7", "author": "t1", "role": "teller", "at": 1763949620, "kind": "retraction", "body": {"record": "nowhere"}}
{"id": "h1", "customer": "c8", "author": "t1", "role": "teller", "at": 1763949630, "kind": "handoff", "body": {"to": "product_sales", "products": ["wm.product"], "name": "王丽"}}
{"id": "h2", "customer": "c8", "author": "t2", "role": "teller", "at": 1763949640, "kind": "retraction", "body": {"record": "h1"}}
{"id": "u1", "customer": "c9", "author": "p1", "role": "psm", "at": 1763949650, "kind": "unmet_need", "body": {"need": "overseas_property"}}
{"id": "u2", "customer": "c9", "author": "p1", "role": "psm", "at": 1763949660, "kind": "retraction", "body": {"record": "u1"}}
{"id": "s1", "customer": "c8", "author": "p1", "role": "psm", "at": 1763949700, "kind": "outcome", "body": {"product": "wm.product", "outcome": "accepted"}}
{"id": "s2", "customer": "c8", "author": "p1", "role": "psm", "at": 1763949710, "kind": "retraction", "body": {"record": "s1"}}
"#;
    let b = board(&read_jsonl(day).expect("records"));
    assert!(
        b.products.iter().all(|t| t.key != "inv.fund"),
        "the retracted decline: {:?}",
        b.products
    );
    assert!(b.rules.is_empty(), "{:?}", b.rules);
    assert!(b.unmet_needs.is_empty(), "{:?}", b.unmet_needs);
    assert!(b.sales.is_empty(), "the retracted sale: {:?}", b.sales);
    // t2 cannot take back t1's hand-off: it still counts, now unclosed.
    let teller = b.referrals.iter().find(|r| r.role == "teller").expect("teller");
    assert_eq!((teller.handoffs, teller.closed), (1, 0));
    // Neither retracted records nor retractions count under a pack version.
    assert_eq!(b.pack_versions.get("1"), None);
    assert_eq!(b.pack_versions.get("—"), Some(&1), "h1 alone");
}

#[test]
fn a_retraction_of_an_unknown_record_changes_nothing() {
    let unknown = r#"{"id": "x1", "customer": "c1", "author": "t1", "role": "teller", "at": 125, "kind": "retraction", "body": {"record": "not-in-this-file"}}"#;
    let with = board(&read_jsonl(&format!("{DAY}\n{unknown}\n")).expect("records"));
    assert_eq!(with, board(&read_jsonl(DAY).expect("records")));
}
