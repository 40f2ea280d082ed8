//! Properties over generated customers (proptest): every field of the
//! customer contract (src/signals.rs), with hostile values among the
//! ordinary ones: huge, tiny, negative and out-of-range numbers written as
//! JSON numbers, long and odd strings, unknown currencies, dates far out,
//! empty and long lists.
//!
//! - the same input gives the same output, from two engines built apart;
//! - the order of transactions, accounts and holdings changes nothing;
//! - no suggestion breaks suitability, consent, pacing or wording, also when
//!   hostile rules pitch every product with boosts, forbidden phrases and
//!   referrals;
//! - a rule that fails contributes nothing.
//!
//! Every pack here has its time budgets raised to the most pack.json allows,
//! so a slow debug build on a busy machine never stops a rule on the clock
//! (which would make two runs differ for a reason that is not the engine's);
//! operations and output budgets are the bundled ones.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeSet;

use nextbest::{Customer, Engine, Evaluation, Options, PackSource, RuleStatus, Stamp};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Map, Value};

// ---------------------------------------------------------------- packs

/// The bundled pack with time budgets that never stop a rule in a test.
fn bundled() -> PackSource {
    let mut pack = PackSource::bundled();
    let manifest = pack.files.get_mut("pack.json").expect("pack.json");
    let mut v: Value = serde_json::from_str(manifest).expect("pack.json is JSON");
    v["budgets"]["rule_ms"] = json!(10_000);
    v["budgets"]["customer_ms"] = json!(60_000);
    *manifest = v.to_string();
    pack
}

fn header(kind: &str, priority: i64) -> String {
    format!("//! kind: {kind}\n//! priority: {priority}\n//! zh: 测试\n//! en: test\n")
}

/// What a hostile pack does to every catalogue product, one trick a pack so
/// that no trick hides another (policy holds a product back for the first
/// reason it finds, and the pitch limit keeps only the best few).
#[derive(Debug, Clone, Copy)]
enum Trick {
    /// Pitch everything, the riskiest first (largest boost), clean words.
    Risky,
    /// Refer everything elsewhere with `.to(...)`.
    Refer,
    /// Promise what the bank cannot: forbidden phrases in pitches and reasons.
    Promise,
    /// The customer's own text as pitch and reasons; what they declined or
    /// accepted today pitched again.
    Echo,
}

const TRICKS: [Trick; 4] = [Trick::Risky, Trick::Refer, Trick::Promise, Trick::Echo];

/// The rules of one hostile pack, at most 8 results a rule
/// (budgets.results_per_rule), all at the highest priority.
fn hostile_rules(trick: Trick, catalogue: &[(String, u8)]) -> Vec<(String, String)> {
    let top = |kind: &str| header(kind, 1_000_000);
    let boost = |risk: u8| if risk >= 2 { 50 } else { -50 };
    let chunked = |name: &str, kind: &str, call: &dyn Fn(&str, u8) -> String| -> Vec<(String, String)> {
        catalogue
            .chunks(8)
            .enumerate()
            .map(|(i, chunk)| {
                let calls: Vec<String> = chunk.iter().map(|(p, r)| call(p, *r)).collect();
                (
                    format!("zz_{name}_{i}.rhai"),
                    format!("{}[{}]\n", top(kind), calls.join(", ")),
                )
            })
            .collect()
    };
    match trick {
        Trick::Risky => chunked("risky", "cross_sell", &|p, r| {
            format!("suggest(\"{p}\", \"总是推介\", \"always pitched\").boost({})", boost(r))
        }),
        Trick::Refer => chunked("refer", "referral", &|p, r| {
            format!("suggest(\"{p}\", \"转介\", \"refer\").to(\"relationship_manager\").boost({})", boost(r))
        }),
        Trick::Promise => {
            let mut rules = chunked("promise_pitch", "cross_sell", &|p, r| {
                format!("suggest(\"{p}\", \"推介\", \"pitch\").pitch(\"零风险，保证收益\", \"risk-free\").boost({})", boost(r))
            });
            rules.extend(chunked("promise_reason", "up_sell", &|p, _| {
                format!("suggest(\"{p}\", \"保本稳赚\", \"guaranteed\")")
            }));
            rules
        }
        Trick::Echo => vec![
            (
                "zz_echo.rhai".into(),
                format!(
                    "{}[suggest(\"wm.product\", c.name, c.occupation).pitch(c.address_area, c.purpose).boost(50),\n suggest(\"sec.bank_link\", c.id, c.segment).pitch(c.name, c.id).boost(50),\n suggest(\"inv.fund\", `${{c.stated_needs}}`, `${{c.applications}}`)]\n",
                    top("up_sell")
                ),
            ),
            (
                "zz_again.rhai".into(),
                format!(
                    "{}let out = [];\nfor d in [c.declined_today(), c.accepted_today()] {{\n  if d != \"\" && product_risk(d) != () {{ out.push(suggest(d, \"再推一次\", \"once more\").boost(50)); }}\n}}\nout\n",
                    top("cross_sell")
                ),
            ),
        ],
    }
}

/// Rules that build results and then fail, each in another way. None may
/// leave anything behind.
fn failing_rules() -> Vec<(String, String)> {
    let nine: Vec<String> = (0..9)
        .map(|_| "suggest(\"dep.deposit\", \"九条\", \"nine\")".to_owned())
        .collect();
    [
        (
            "zz_fail_throw",
            header("cross_sell", 1_000_000)
                + "let s = [suggest(\"dep.deposit\", \"a\", \"b\").boost(50), suggest(\"wm.product\", \"a\", \"b\").to(\"relationship_manager\")];\nif s.len() > 0 { throw \"boom\"; }\ns\n",
        ),
        (
            "zz_fail_index",
            header("up_sell", 1_000_000) + "let s = [suggest(\"card.gold\", \"a\", \"b\")];\nlet t = s[5];\ns\n",
        ),
        (
            "zz_fail_loop",
            header("cross_sell", 1_000_000)
                + "let s = [suggest(\"dep.large_cd\", \"a\", \"b\")];\nlet n = 0;\nwhile n >= 0 { n += 1; }\ns\n",
        ),
        (
            "zz_fail_too_many",
            format!("{}[{}]\n", header("cross_sell", 1_000_000), nine.join(", ")),
        ),
        (
            "zz_fail_type",
            header("referral", 1_000_000) + "[suggest(\"pb.service\", \"a\", \"b\").to(\"private_banking\"), 42]\n",
        ),
        (
            "zz_fail_text",
            header("cross_sell", 1_000_000)
                + "let r = \"长\";\nwhile r.len() < 400 { r += r; }\n[suggest(\"bond.treasury\", r, \"long\")]\n",
        ),
        (
            "zz_fail_signal",
            header("signal", 1_000_000) + "let h = high_value(\"zz_signal\", \"a\", \"b\");\nif true { throw \"boom\"; }\nh\n",
        ),
        (
            "zz_fail_route",
            header("route", 1_000_000) + "let r = route(\"private_banking\", \"a\", \"b\");\nif true { throw \"boom\"; }\nr\n",
        ),
        (
            "zz_fail_note",
            header("cross_sell", 1_000_000) + "let n = [note(\"提示\", \"hint\"), suggest(\"fx.exchange\", \"a\", \"b\")];\nn[0] / 0\n",
        ),
    ]
    .into_iter()
    .map(|(id, src)| (format!("{id}.rhai"), src))
    .collect()
}

fn with_rules(mut pack: PackSource, rules: Vec<(String, String)>) -> PackSource {
    pack.files.extend(rules);
    pack
}

fn engine(pack: &PackSource) -> Engine {
    let engine = Engine::new(pack).expect("pack loads");
    assert!(engine.problems().is_empty(), "{:?}", engine.problems());
    engine
}

fn catalogue() -> Vec<(String, u8)> {
    engine(&bundled())
        .catalogue()
        .values()
        .map(|p| (p.id.clone(), p.risk))
        .collect()
}

fn hostile_pack(trick: Trick) -> PackSource {
    with_rules(bundled(), hostile_rules(trick, &catalogue()))
}

// ---------------------------------------------------------------- customers

/// A JSON number written as it stands (serde_json's `Value` cannot hold
/// 1e309 or keep `-0.0` apart), put into the text after serialising.
fn raw(token: &str) -> Value {
    Value::String(format!("@@RAW:{token}@@"))
}

fn to_text(v: &Value) -> String {
    let text = v.to_string();
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(i) = rest.find("\"@@RAW:") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 7..];
        let end = after.find("@@\"").expect("raw token closed");
        out.push_str(&after[..end]);
        rest = &after[end + 3..];
    }
    out.push_str(rest);
    out
}

/// Weight out of 1,000 of a value the contract refuses, among values it
/// reads: a customer carries up to a few hundred of them, most should parse.
const REFUSED: u32 = 1;

/// Amounts: ordinary ones, the pack's thresholds exactly, huge and tiny
/// finite ones, and rarely some the contract refuses.
fn amount() -> impl Strategy<Value = Value> + Clone {
    prop_oneof![
        400 => (0u32..5_000).prop_map(|x| json!(x)),
        400 => (1_000.0f64..10_000_000.0).prop_map(|x| json!(x)),
        120 => prop::sample::select(vec![0.0, 10_000.0, 35_000.0, 50_000.0, 100_000.0, 200_000.0, 500_000.0, 6_000_000.0, 10_000_000.0])
            .prop_map(|x| json!(x)),
        40 => (1e15f64..1e300).prop_map(|x| json!(x)),
        10 => Just(raw("1.7976931348623157e308")),
        10 => Just(raw("5e-324")),
        10 => Just(raw("-0.0")),
        10 => Just(json!(u64::MAX)),
        // Refused by the contract: rare, since a customer has dozens of amounts.
        REFUSED => Just(json!(-5)),
        REFUSED => Just(raw("1e309")),
    ]
}

/// Short words, any printable text, control characters and quotes, the
/// forbidden phrases, and now and then a long string.
fn text() -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        10 => "[a-z_]{0,12}",
        4 => "\\PC{0,24}",
        1 => "[\\x00-\\x1f\"\\\\/]{0,6}",
        1 => prop::sample::select(vec!["保本", "guaranteed", "稳赚，零风险", "risk-free"]).prop_map(str::to_owned),
        1 => "[a-z\u{4e00}-\u{4e80}]{400,3000}",
    ]
}

fn word(vocabulary: &'static [&'static str]) -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        9 => prop::sample::select(vocabulary).prop_map(str::to_owned),
        1 => text(),
    ]
}

/// A value of a vocabulary the pack enforces (transaction kinds, visit
/// purposes): anything else is refused, so other text comes as rarely as
/// the other refused values.
fn enforced_word(vocabulary: &'static [&'static str]) -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        1000 - REFUSED => prop::sample::select(vocabulary).prop_map(str::to_owned),
        REFUSED => text(),
    ]
}

const TXN_KINDS: &[&str] = &[
    "cash_deposit",
    "cash_withdrawal",
    "transfer_in",
    "transfer_out",
    "fx_exchange",
    "loan_prepayment",
    "deposit_certificate",
    "cd_loss_report",
    "bond_purchase",
    "gold_purchase",
    "fund_purchase",
    "insurance_purchase",
    "wealth_purchase",
    "salary_credit",
    "time_deposit_maturity",
    "pos_payment",
];
const ACCOUNT_TYPES: &[&str] = &[
    "savings",
    "checking",
    "credit_card",
    "fx",
    "gold",
    "wealth",
    "fund",
    "securities_link",
    "safe_deposit",
    "payroll",
    "mortgage",
    "loan",
    "settlement",
    "special_fund",
    "mobile_banking",
];
const PRODUCTS: &[&str] = &[
    "dep.deposit",
    "dep.large_cd",
    "wm.product",
    "wm",
    "inv.fund",
    "inv",
    "ins.policy",
    "sec.bank_link",
    "card.gold",
    "card.platinum",
    "fx.trading_acct",
    "pm.metal",
    "bond.treasury",
    "pb.service",
    "dep",
    "card",
];
const APPLICATIONS: &[&str] = &[
    "fx_account",
    "gold_account",
    "wealth_account",
    "credit_card_gold",
    "credit_card_platinum",
    "settlement_account",
    "special_fund_account",
    "safe_deposit_box",
    "loan",
    "acceptance_bill",
    "letter_of_credit",
];
const NEEDS: &[&str] = &[
    "child_education",
    "retirement",
    "home_purchase",
    "overseas_study",
    "business_loan",
    "wealth_management",
    "insurance",
    "fx_remittance",
    "complex_investment_advice",
];
const PURPOSES: &[&str] = &[
    "cash_deposit",
    "cash_withdrawal",
    "transfer",
    "fx_exchange",
    "bill_payment",
    "balance_inquiry",
    "passbook_update",
    "card_application",
    "account_opening",
    "loan_inquiry",
    "loan_prepayment",
    "wealth_inquiry",
    "safe_deposit_box",
    "cd_loss_report",
    "complaint",
];
const CHANNELS: &[&str] = &["teller", "vip_teller", "lobby", "psm", "cm"];
const CURRENCIES: &[&str] = &["CNY", "USD", "EUR", "HKD", "JPY", "GBP", "usd", "cny"];

/// The branch day the generated customers mostly visit on: 2026-11-24.
const VISIT_DAY: &str = "2026-11-24";

fn date_of(days_from_visit: i64) -> time::Date {
    let visit = time::Date::parse(VISIT_DAY, time::macros::format_description!("[year]-[month]-[day]")).expect("date");
    visit
        .checked_add(time::Duration::days(days_from_visit))
        .expect("in range")
}

/// A date or date-time in every form the contract reads, mostly near the
/// visit, sometimes far out or malformed.
fn stamp(before: i64, after: i64) -> impl Strategy<Value = Value> + Clone {
    let near = (-before..=after, 0u32..86_400, 0u8..5).prop_map(|(d, secs, form)| {
        let date = date_of(d);
        let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
        json!(match form {
            0 => date.to_string(),
            1 => format!("{date}T{h:02}:{m:02}:{s:02}"),
            2 => format!("{date}T{h:02}:{m:02}:{s:02}+08:00"),
            3 => format!("{date}T{h:02}:{m:02}:{s:02}Z"),
            _ => format!("{date}T{h:02}:{m:02}"),
        })
    });
    prop_oneof![
        1000 - 15 - REFUSED => near,
        15 => prop::sample::select(vec!["0001-01-01", "9999-12-31T23:59:59Z", "1970-01-01T00:00:00+14:00", "2026-02-28T23:59:59.999999999-12:00"])
            .prop_map(|s| json!(s)),
        REFUSED => prop::sample::select(vec!["2026-13-45", "tomorrow", "", "2026-11-24T25:00:00"]).prop_map(|s| json!(s)),
    ]
}

/// A list: usually short, sometimes empty, now and then long.
fn list<S: Strategy<Value = Value> + Clone>(item: S, usual: usize, long: usize) -> impl Strategy<Value = Value> {
    prop_oneof![
        2 => Just(json!([])),
        12 => prop::collection::vec(item.clone(), 1..=usual).prop_map(Value::Array),
        1 => prop::collection::vec(item, usual..=long).prop_map(Value::Array),
    ]
}

fn transaction() -> impl Strategy<Value = Value> + Clone {
    (
        enforced_word(TXN_KINDS),
        amount(),
        prop_oneof![
            800 => prop::sample::select(CURRENCIES).prop_map(|c| Some(c.to_owned())),
            200 - REFUSED => Just(None),
            REFUSED => Just(Some("XYZ".to_owned())),
        ],
        stamp(200, 0),
        prop::option::of(word(&["counter", "mobile", "online", "atm", "batch"])),
    )
        .prop_map(|(kind, amount, currency, at, channel)| {
            let mut m = Map::new();
            m.insert("kind".into(), json!(kind));
            m.insert("amount".into(), amount);
            if let Some(c) = currency {
                m.insert("currency".into(), json!(c));
            }
            m.insert("at".into(), at);
            if let Some(ch) = channel {
                m.insert("channel".into(), json!(ch));
            }
            Value::Object(m)
        })
}

fn account() -> impl Strategy<Value = Value> + Clone {
    (
        word(ACCOUNT_TYPES),
        prop::option::of(prop::sample::select(vec!["standard", "gold", "platinum"])),
        prop::option::of(stamp(20_000, 0)),
        prop::option::of(amount()),
    )
        .prop_map(|(kind, tier, opened_on, balance)| {
            let mut m = Map::new();
            m.insert("type".into(), json!(kind));
            if let Some(t) = tier {
                m.insert("tier".into(), json!(t));
            }
            if let Some(o) = opened_on {
                m.insert("opened_on".into(), o);
            }
            if let Some(b) = balance {
                m.insert("balance".into(), b);
            }
            Value::Object(m)
        })
}

fn holding() -> impl Strategy<Value = Value> + Clone {
    (
        word(PRODUCTS),
        prop::option::of(amount()),
        prop::option::of(stamp(30, 400)),
    )
        .prop_map(|(product, amount, matures_on)| {
            let mut m = Map::new();
            m.insert("product".into(), json!(product));
            if let Some(a) = amount {
                m.insert("amount".into(), a);
            }
            if let Some(d) = matures_on {
                m.insert("matures_on".into(), d);
            }
            Value::Object(m)
        })
}

/// A contact on a day at the edge of a pacing window (declined 30, not now
/// 7, accepted 1 in the bundled pack).
fn contact_day() -> impl Strategy<Value = Value> + Clone {
    (
        prop::sample::select(vec![0i64, 1, 2, 6, 7, 8, 29, 30, 31]),
        0u32..86_400,
    )
        .prop_map(|(d, secs)| {
            let (h, m) = (secs / 3600, secs / 60 % 60);
            json!(format!("{}T{h:02}:{m:02}:00", date_of(-d)))
        })
}

fn contact() -> impl Strategy<Value = Value> + Clone {
    (
        word(PRODUCTS),
        prop_oneof![stamp(60, 0), contact_day()],
        prop::sample::select(vec!["accepted", "declined", "not_now", "no_answer"]),
        prop::option::of(word(CHANNELS)),
    )
        .prop_map(|(product, at, outcome, by)| {
            let mut m = Map::new();
            m.insert("product".into(), json!(product));
            m.insert("at".into(), at);
            m.insert("outcome".into(), json!(outcome));
            if let Some(b) = by {
                m.insert("by".into(), json!(b));
            }
            Value::Object(m)
        })
}

fn strings(vocabulary: &'static [&'static str]) -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => Just(json!([])),
        8 => prop::collection::vec(word(vocabulary), 1..4).prop_map(|v| json!(v)),
        1 => prop::collection::vec(word(vocabulary), 4..60).prop_map(|v| json!(v)),
    ]
}

/// A consent: mostly given (policy has more to do then), else refused or absent.
fn consent() -> impl Strategy<Value = Option<bool>> {
    prop_oneof![3 => Just(Some(true)), 1 => Just(Some(false)), 1 => Just(None)]
}

/// A field present with a value, present as null, or absent.
fn maybe(v: Option<Value>, null: bool) -> Option<Value> {
    match v {
        Some(v) => Some(v),
        None if null => Some(Value::Null),
        None => None,
    }
}

/// One customer as the branch system might send it, every contract field
/// covered, plus a field the contract does not name.
fn customer() -> impl Strategy<Value = Value> {
    let identity = (
        text(),
        prop::option::of(text()),
        prop::option::of(text()),
        prop::option::of(prop::sample::select(vec!["individual", "corporate"])),
        prop::option::of(prop::sample::select(vec![
            "mass",
            "mass_affluent",
            "affluent",
            "private",
        ])),
        prop_oneof![
            3 => Just(None),
            12 => (0u32..110).prop_map(|a| Some(json!(a))),
            1 => prop::sample::select(vec![json!(u32::MAX), json!(0)]).prop_map(Some),
            REFUSED => prop::sample::select(vec![json!(-1), json!(1e10)]).prop_map(Some),
        ],
        prop_oneof![
            4 => Just(None),
            12 => (1u8..=5).prop_map(|r| Some(json!(r))),
            REFUSED => prop::sample::select(vec![json!(0), json!(6), json!(-1)]).prop_map(Some),
        ],
        any::<bool>(),
    );
    let money = (
        prop::option::of(amount()),
        prop::option::of(amount()),
        prop::option::of(amount()),
        prop::option::of(word(&[
            "doctor",
            "lawyer",
            "executive",
            "business_owner",
            "teacher",
            "pilot",
        ])),
        prop::option::of(word(&["high_end_residential", "cbd_office", "old_town", "suburb"])),
    );
    let lists = (
        list(account(), 4, 40),
        list(holding(), 4, 40),
        list(transaction(), 30, 300),
        strings(APPLICATIONS),
        strings(NEEDS),
        list(contact(), 4, 40),
    );
    let visit = (
        prop_oneof![1 => Just(None), 12 => prop::option::of(enforced_word(PURPOSES)).prop_map(Some)],
        prop_oneof![1 => Just(None), 12 => stamp(0, 0).prop_map(Some)],
        any::<bool>(),
        consent(),
        consent(),
        prop_oneof![3 => Just(None), 1 => text().prop_map(|t| Some(json!({"note": t, "n": 1e300})))],
    );
    (identity, money, lists, visit).prop_map(|(identity, money, lists, visit)| {
        let (id, name, contact, kind, segment, age, rating, null_for_absent) = identity;
        let (aum, adb, capital, occupation, area) = money;
        let (accounts, holdings, transactions, applications, needs, history) = lists;
        let (purpose, at, waiting, marketing, record, extra) = visit;
        let n = null_for_absent;
        let mut m = Map::new();
        m.insert("id".into(), json!(id));
        // Optional fields (Option in src/signals.rs) may be null; the others only absent.
        let mut put = |k: &str, v: Option<Value>, optional: bool| {
            if let Some(v) = maybe(v, n && optional) {
                m.insert(k.into(), v);
            }
        };
        put("name", name.map(|x| json!(x)), true);
        put("contact", contact.map(|x| json!(x)), true);
        put("kind", kind.map(|x| json!(x)), false);
        put("segment", segment.map(|x| json!(x)), false);
        put("age", age, true);
        put("risk_rating", rating, true);
        put("aum", aum, false);
        put("avg_daily_balance", adb, false);
        put("registered_capital", capital, true);
        put("occupation", occupation.map(|x| json!(x)), true);
        put("address_area", area.map(|x| json!(x)), true);
        put("accounts", Some(accounts), false);
        put("holdings", Some(holdings), false);
        put("transactions", Some(transactions), false);
        put("applications", Some(applications), false);
        put("stated_needs", Some(needs), false);
        put("contact_history", Some(history), false);
        let mut visit = Map::new();
        if let Some(p) = purpose {
            visit.insert("purpose".into(), json!(p));
        }
        if let Some(a) = at {
            visit.insert("at".into(), a);
        }
        visit.insert("waiting".into(), json!(waiting));
        let mut consent = Map::new();
        if let Some(x) = marketing {
            consent.insert("marketing".into(), json!(x));
        }
        if let Some(x) = record {
            consent.insert("record".into(), json!(x));
        }
        put("visit", Some(Value::Object(visit)), true);
        put("consent", Some(Value::Object(consent)), false);
        put("x_branch_note", extra, true);
        Value::Object(m)
    })
}

/// Who is serving, sometimes an explicit evaluation time (2026-11-24
/// plus up to two days, or far out), and often a branch context (who is
/// free, queues, VIP seats), often none.
fn options() -> impl Strategy<Value = Options> {
    (
        prop::sample::select(CHANNELS),
        prop_oneof![
            6 => Just(None),
            3 => (0i64..172_800).prop_map(|s| Some(1_795_449_600 + s)),
            1 => prop::sample::select(vec![-62_135_596_800i64, 253_402_300_799, 0, i64::MAX]).prop_map(Some),
        ],
        prop_oneof![1 => Just(None), 2 => branch().prop_map(Some)],
    )
        .prop_map(|(channel, now, branch)| Options {
            now,
            channel: channel.to_owned(),
            branch,
        })
}

/// A branch context: staff in any role and state, queues and VIP seats
/// known or not, down to zero and up to the largest count.
fn branch() -> impl Strategy<Value = nextbest::BranchContext> {
    use nextbest::{Presence, Queues, Role, StaffState};
    let count = || prop_oneof![2 => Just(None), 2 => (0u32..20).prop_map(Some), 1 => Just(Some(u32::MAX))];
    let member = (
        prop::sample::select(Role::ALL.to_vec()),
        prop::sample::select(vec![Presence::Available, Presence::Busy, Presence::Away]),
    )
        .prop_map(|(role, state)| StaffState {
            role,
            name: None,
            state,
        });
    (prop::collection::vec(member, 0..8), count(), count(), count(), count()).prop_map(
        |(staff, teller, vip_teller, psm, vip_seats_free)| nextbest::BranchContext {
            staff,
            queues: Queues {
                teller,
                vip_teller,
                psm,
            },
            vip_seats_free,
        },
    )
}

// ---------------------------------------------------------------- checks

fn outcome(r: &Result<Evaluation, nextbest::Error>) -> String {
    match r {
        Ok(e) => serde_json::to_string(e).expect("serialises"),
        Err(e) => format!("error: {e:?}"),
    }
}

/// What order must not change: everything but the trace and the errors.
fn decision(e: &Evaluation) -> Value {
    json!({
        "suggestions": e.suggestions,
        "route": e.route,
        "high_value": e.high_value,
        "suppressed": e.suppressed,
        "unmet_needs": e.unmet_needs,
    })
}

/// Permutes the transactions, accounts and holdings with `seed`.
fn shuffled(customer: &Value, seed: u64) -> Value {
    let mut c = customer.clone();
    let mut state = seed | 1;
    for field in ["transactions", "accounts", "holdings"] {
        if let Some(items) = c.get_mut(field).and_then(Value::as_array_mut) {
            // Fisher–Yates with xorshift: any permutation, reproducible from the seed.
            for i in (1..items.len()).rev() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                items.swap(i, (state % (i as u64 + 1)) as usize);
            }
        }
    }
    c
}

fn same_family(a: &str, b: &str) -> bool {
    let within = |id: &str, what: &str| {
        id == what || (id.len() > what.len() && id.starts_with(what) && id.as_bytes()[what.len()] == b'.')
    };
    within(a, b) || within(b, a)
}

/// Suitability, consent, pacing and wording, read straight off the
/// customer, the pack and the result.
fn check_policy(engine: &Engine, customer: &Customer, out: &Evaluation) -> Result<(), TestCaseError> {
    let policy = &engine.manifest().policy;
    if out.suggestions.is_empty() {
        return Ok(());
    }
    prop_assert!(customer.consent.marketing, "pitched without marketing consent");
    let complaint = customer.visit.as_ref().and_then(|v| v.purpose.as_deref());
    prop_assert!(
        !complaint.is_some_and(|p| policy.no_pitch_purposes.iter().any(|x| x == p)),
        "pitched during a complaint"
    );
    let max_risk = customer.risk_rating.map_or(policy.unrated_max_risk, |r| r.0);
    // `today` is the day number itself past the year 9999 in branch time
    // (a visit at 9999-12-31T23:59:59Z): left as it is, see the report.
    let today = Stamp::parse(&out.today)
        .map(|s| s.day())
        .or_else(|_| out.today.parse::<i64>())
        .expect("today is a date or a day number");
    for s in &out.suggestions {
        let product = engine
            .catalogue()
            .get(&s.product)
            .expect("suggested products are in the catalogue");
        prop_assert!(
            product.risk <= max_risk,
            "{} (risk {}) suggested to a customer rated {:?}",
            s.product,
            product.risk,
            customer.risk_rating
        );
        prop_assert!(
            s.to.is_none() || customer.consent.record,
            "referral {} without record consent",
            s.product
        );
        for t in [&s.pitch_zh, &s.pitch_en]
            .into_iter()
            .chain(s.reasons.iter().flat_map(|r| [&r.zh, &r.en]))
        {
            for phrase in &policy.forbidden_phrases {
                prop_assert!(
                    !t.contains(phrase.as_str()),
                    "forbidden {phrase:?} in {t:?} ({})",
                    s.product
                );
            }
        }
        // Pacing: no product (or one of its family) the customer answered
        // about within that answer's pacing_days, declined above all.
        for c in &customer.contact_history {
            let days = policy.pacing_days.get(c.outcome.as_str()).copied().unwrap_or(0);
            prop_assert!(
                !(today - c.at.day() < days && same_family(&c.product, &s.product)),
                "{} suggested though the answer was {:?} on {} (today {}, pacing {} days)",
                s.product,
                c.outcome.as_str(),
                c.at.text,
                out.today,
                days
            );
        }
    }
    Ok(())
}

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

// ---------------------------------------------------------------- properties

#[test]
fn generated_customers_mostly_evaluate() {
    // The properties below say little about customers that fail to parse:
    // keep most generated customers valid, and some of them invalid.
    let engine = engine(&bundled());
    let mut runner = TestRunner::new(config(1));
    let (mut ok, mut suggested, total) = (0, 0, 300);
    for _ in 0..total {
        let c = customer().new_tree(&mut runner).expect("tree").current();
        if let Ok(out) = engine.evaluate_json(&to_text(&c), &Options::default()) {
            ok += 1;
            suggested += usize::from(!out.suggestions.is_empty());
        }
    }
    assert!(
        ok * 10 >= total * 6,
        "only {ok} of {total} generated customers evaluate"
    );
    assert!(
        ok < total,
        "no generated customer is refused: the hostile values are missing"
    );
    assert!(
        suggested * 10 >= total * 2,
        "only {suggested} of {total} get a suggestion"
    );
}

#[test]
fn same_input_same_output_from_two_engines() {
    let pack = bundled();
    let (a, b) = (engine(&pack), engine(&pack));
    TestRunner::new(config(128))
        .run(&(customer(), options()), |(c, opts)| {
            let text = to_text(&c);
            let first = outcome(&a.evaluate_json(&text, &opts));
            let second = outcome(&b.evaluate_json(&text, &opts));
            prop_assert_eq!(&first, &second);
            // And again on the first engine: nothing carried over from the last customer.
            prop_assert_eq!(first, outcome(&a.evaluate_json(&text, &opts)));
            Ok(())
        })
        .expect("deterministic");
}

#[test]
fn order_of_transactions_accounts_and_holdings_changes_nothing() {
    let engine = engine(&bundled());
    TestRunner::new(config(128))
        .run(&(customer(), options(), any::<u64>()), |(c, opts, seed)| {
            let before = engine.evaluate_json(&to_text(&c), &opts);
            let after = engine.evaluate_json(&to_text(&shuffled(&c, seed)), &opts);
            match (before, after) {
                (Ok(x), Ok(y)) => prop_assert_eq!(decision(&x), decision(&y)),
                (Err(_), Err(_)) => {}
                (x, y) => prop_assert!(
                    false,
                    "one order evaluates, the other not: {:?} / {:?}",
                    x.is_ok(),
                    y.is_ok()
                ),
            }
            Ok(())
        })
        .expect("order-independent");
}

/// Policy holds on generated customers, each evaluated by one of `packs`.
fn policy_holds(packs: &[PackSource], cases: u32) {
    let engines: Vec<Engine> = packs.iter().map(engine).collect();
    TestRunner::new(config(cases))
        .run(&(customer(), options(), 0..engines.len()), |(c, opts, i)| {
            let text = to_text(&c);
            if let Ok(out) = engines[i].evaluate_json(&text, &opts) {
                let customer = Customer::from_json(&text).expect("evaluated, so it parses");
                check_policy(&engines[i], &customer, &out)?;
            }
            Ok(())
        })
        .expect("policy holds");
}

#[test]
fn no_suggestion_breaks_policy_with_the_bundled_rules() {
    policy_holds(&[bundled()], 256);
}

#[test]
fn no_suggestion_breaks_policy_whatever_the_rules_propose() {
    let packs: Vec<PackSource> = TRICKS.into_iter().map(hostile_pack).collect();
    policy_holds(&packs, 256);
}

#[test]
fn hostile_rules_do_propose_everything() {
    // Otherwise the property above would hold for want of proposals: every
    // hostile rule fires, and between them policy holds products back for
    // every reason it has.
    let mut held = BTreeSet::new();
    for trick in TRICKS {
        let engine = engine(&hostile_pack(trick));
        for record in [false, true] {
            let c = json!({"id": "H", "name": "保本", "risk_rating": 2, "stated_needs": ["retirement"],
                "contact_history": [{"product": "wm.product", "at": "2026-11-24T09:00:00", "outcome": "declined"}],
                "visit": {"purpose": "transfer", "at": "2026-11-24T10:00:00"}, "consent": {"marketing": true, "record": record}});
            let out = engine
                .evaluate_json(&c.to_string(), &Options::default())
                .expect("evaluates");
            for t in out.trace.iter().filter(|t| t.rule.starts_with("zz_")) {
                assert_eq!(t.status, RuleStatus::Fired, "{} did not fire: {:?}", t.rule, out.errors);
            }
            held.extend(out.suppressed.iter().map(|s| s.reason.as_str()));
        }
    }
    for reason in ["suitability", "record_consent", "wording", "pacing", "pitch_limit"] {
        assert!(held.contains(reason), "nothing held back for {reason}: {held:?}");
    }
}

#[test]
fn a_failing_rule_contributes_nothing() {
    let plain = engine(&bundled());
    let failing_rules = failing_rules();
    let ids: Vec<String> = failing_rules
        .iter()
        .map(|(f, _)| f.trim_end_matches(".rhai").to_owned())
        .collect();
    let failing = engine(&with_rules(bundled(), failing_rules));
    TestRunner::new(config(64))
        .run(&(customer(), options()), |(c, opts)| {
            let text = to_text(&c);
            let (Ok(with), Ok(without)) = (failing.evaluate_json(&text, &opts), plain.evaluate_json(&text, &opts))
            else {
                return Ok(());
            };
            for id in &ids {
                let status = with.trace.iter().find(|t| &*t.rule == id).map(|t| t.status);
                prop_assert_eq!(status, Some(RuleStatus::Error), "{} did not fail", id);
                prop_assert!(with.errors.iter().any(|e| &e.rule == id), "{} failed silently", id);
                prop_assert!(
                    !with.suggestions.iter().any(|s| s.rules.contains(id)),
                    "{} in suggestions",
                    id
                );
                prop_assert!(
                    !with.suppressed.iter().any(|s| s.rules.contains(id)),
                    "{} in suppressed",
                    id
                );
                prop_assert!(with.route.rule.as_ref() != Some(id), "{} chose the route", id);
                prop_assert!(
                    !with.high_value.signals.iter().any(|s| &s.rule == id),
                    "{} raised a signal",
                    id
                );
                prop_assert!(!with.notes.iter().any(|n| &n.rule == id), "{} left a note", id);
            }
            // Nothing at all: the result is the one without those rules.
            prop_assert_eq!(decision(&with), decision(&without));
            prop_assert_eq!(
                serde_json::to_value(&with.notes).expect("notes"),
                serde_json::to_value(&without.notes).expect("notes")
            );
            Ok(())
        })
        .expect("failing rules leave nothing");
}
