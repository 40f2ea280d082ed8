#![cfg(not(target_arch = "wasm32"))]
//! The synthetic sample customers: the committed file is the generator's
//! output, every sample is a valid customer the engine can evaluate, and the
//! 200 samples cover every signal, scenario and visit the pack deals with.

use std::collections::{BTreeMap, BTreeSet};

use nextbest::samples::generate;
use nextbest::{Customer, CustomerKind, Engine, Options, Outcome, PackSource, Tier};

const SEED: u64 = 20261124;
const COUNT: usize = 200;
/// "At least a few": every listed case appears at least this often in the 200.
const FEW: usize = 3;

fn committed_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/samples/customers.json")
}

/// What `nextbest samples --count 200 --seed 20261124` prints.
fn cli_output(seed: u64, count: usize) -> String {
    let text = serde_json::to_string_pretty(&generate(seed, count)).expect("JSON values serialize");
    format!("{text}\n")
}

fn samples() -> Vec<Customer> {
    generate(SEED, COUNT)
        .iter()
        .enumerate()
        .map(|(i, v)| Customer::from_value(v).unwrap_or_else(|e| panic!("sample {i} is not a customer: {e}")))
        .collect()
}

fn engine() -> Engine {
    Engine::new(&PackSource::bundled()).expect("the bundled pack loads")
}

fn param(engine: &Engine, name: &str) -> f64 {
    engine
        .manifest()
        .params
        .get(name)
        .and_then(serde_json::Value::as_f64)
        .unwrap_or_else(|| panic!("pack.json params has no number {name}"))
}

fn param_list(engine: &Engine, name: &str) -> Vec<String> {
    engine
        .manifest()
        .params
        .get(name)
        .and_then(serde_json::Value::as_array)
        .unwrap_or_else(|| panic!("pack.json params has no list {name}"))
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect()
}

fn to_cny(engine: &Engine, amount: f64, currency: &str) -> f64 {
    if currency == "CNY" {
        return amount;
    }
    amount * engine.manifest().fx_rates.get(currency).copied().unwrap_or(f64::NAN)
}

fn visit_day(c: &Customer) -> i64 {
    nextbest::Stamp::parse(&c.visit.as_ref().and_then(|v| v.at.as_ref()).expect("visit.at").text)
        .expect("visit.at parses")
        .day()
}

/// Customers with a transaction of `kind` of at least `cny` within the pack's window.
fn large(engine: &Engine, all: &[Customer], kind: &str, cny: f64, currency: Option<&str>) -> usize {
    let window = param(engine, "window_days") as i64;
    all.iter()
        .filter(|c| {
            let today = visit_day(c);
            c.transactions.iter().any(|t| {
                t.kind == kind
                    && currency.is_none_or(|cur| t.currency == cur)
                    && today - t.at.day() < window
                    && to_cny(engine, t.amount.0, &t.currency) >= cny
            })
        })
        .count()
}

fn at_least(what: &str, got: usize) {
    assert!(got >= FEW, "{what}: {got} samples, expected at least {FEW}");
}

#[test]
fn committed_file_is_the_generator_output() {
    let committed = std::fs::read_to_string(committed_path()).expect("rules/samples/customers.json is readable");
    let expected = cli_output(SEED, COUNT);
    assert!(
        committed == expected,
        "rules/samples/customers.json is stale: regenerate it with \
         `cargo run -q -- samples --count 200 --seed 20261124 > rules/samples/customers.json`"
    );
    assert_eq!(
        nextbest::bundled_samples(),
        expected,
        "the bundled samples are the committed file"
    );
    assert!(
        committed.len() < 420_000,
        "the samples are embedded in the wasm module; keep them small ({} bytes)",
        committed.len()
    );
}

#[test]
fn generator_is_deterministic_seed_sensitive_and_prefix_stable() {
    assert_eq!(generate(7, 60), generate(7, 60));
    assert_eq!(cli_output(SEED, 20), cli_output(SEED, 20));
    assert_ne!(generate(7, 60), generate(8, 60));
    assert_ne!(generate(SEED, 5), generate(SEED + 1, 5));
    let long = generate(SEED, COUNT);
    assert_eq!(
        generate(SEED, 10).as_slice(),
        &long[..10],
        "customer i depends only on (seed, i)"
    );
    assert!(generate(SEED, 0).is_empty());
    assert_eq!(nextbest::samples::scenario(0), Some("large_cash_withdrawal"));
    assert_eq!(nextbest::samples::scenario(COUNT - 1), None);
}

#[test]
fn other_seeds_give_valid_customers() {
    for seed in [0, 1, 42, u64::MAX] {
        for (i, v) in generate(seed, 120).iter().enumerate() {
            Customer::from_value(v).unwrap_or_else(|e| panic!("seed {seed} sample {i}: {e}"));
        }
    }
}

#[test]
fn samples_are_well_formed() {
    let engine = engine();
    let all = samples();
    assert_eq!(all.len(), COUNT);
    let products: BTreeSet<&str> = engine.catalogue().keys().map(String::as_str).collect();
    let monday = nextbest::Stamp::parse("2026-11-23").expect("date").day();
    for (i, c) in all.iter().enumerate() {
        assert_eq!(c.id, format!("C{:04}", i + 1));
        let name = c.name.as_deref().unwrap_or_default();
        assert!(
            !name.is_empty() && !name.is_ascii(),
            "{}: Chinese name, got {name:?}",
            c.id
        );
        let contact = c.contact.as_deref().unwrap_or_default();
        assert!(
            contact.len() == 11 && contact.contains("****"),
            "{}: masked phone, got {contact:?}",
            c.id
        );
        assert!(c.aum.0 >= 0.0 && c.avg_daily_balance.0 >= 0.0);

        let visit = c.visit.as_ref().expect("every sample has a visit");
        assert!(visit.purpose.is_some(), "{}: visit purpose", c.id);
        let at = visit.at.as_ref().expect("visit.at");
        assert!(at.text.ends_with("+08:00"), "{}: branch time, got {}", c.id, at.text);
        let day = at.day();
        assert!(
            (monday..monday + 5).contains(&day),
            "{}: visit in the week of 2026-11-23, got {}",
            c.id,
            at.text
        );
        let minute = (at.unix + 8 * 3600).rem_euclid(86_400) / 60;
        assert!(
            (9 * 60..17 * 60).contains(&minute),
            "{}: visit in opening hours, got {}",
            c.id,
            at.text
        );

        assert!(c.transactions.len() <= 30, "{}: at most 30 transactions", c.id);
        for t in &c.transactions {
            assert!(
                t.at.unix < at.unix,
                "{}: transaction at {} is after the visit",
                c.id,
                t.at.text
            );
            assert!(
                day - t.at.day() <= 60,
                "{}: transaction at {} is more than 60 days back",
                c.id,
                t.at.text
            );
            assert!(
                t.currency == "CNY" || engine.manifest().fx_rates.contains_key(&t.currency),
                "{}: currency {} has no rate in pack.json",
                c.id,
                t.currency
            );
        }
        for h in &c.holdings {
            assert!(
                products.contains(h.product.as_str()),
                "{}: unknown product {}",
                c.id,
                h.product
            );
            if let Some(m) = &h.matures_on {
                assert!(m.day() >= day, "{}: {} matured before the visit", c.id, h.product);
            }
        }
        for h in &c.contact_history {
            assert!(
                products.contains(h.product.as_str()),
                "{}: unknown product {}",
                c.id,
                h.product
            );
            assert!(h.at.unix <= at.unix, "{}: contact after the visit", c.id);
            let by = h.by.as_deref().unwrap_or_default();
            assert!(
                ["teller", "vip_teller", "lobby", "psm", "cm"].contains(&by),
                "{}: by {by:?}",
                c.id
            );
        }
        match c.kind {
            CustomerKind::Individual => {
                assert!(
                    c.age.is_some() && c.occupation.is_some(),
                    "{}: individuals have age and job",
                    c.id
                );
                assert!(c.registered_capital.is_none());
            }
            CustomerKind::Corporate => {
                assert!(
                    c.registered_capital.is_some(),
                    "{}: corporates have registered capital",
                    c.id
                );
                assert!(
                    c.extra.get("industry").and_then(|v| v.as_str()).is_some(),
                    "{}: industry",
                    c.id
                );
                assert!(
                    name.ends_with("公司") || name.contains('区'),
                    "{}: company name {name}",
                    c.id
                );
            }
        }
    }
}

#[test]
fn every_sample_evaluates() {
    let engine = engine();
    // Rule errors inside an evaluation are the pack's business; the samples
    // only have to be customers the engine accepts, whoever serves them.
    for c in samples() {
        for channel in ["lobby", "teller", "vip_teller", "psm", "cm"] {
            let options = Options {
                channel: channel.to_owned(),
                ..Options::default()
            };
            let out = engine.evaluate(c.clone(), &options);
            assert!(out.is_ok(), "{} as {channel}: {:?}", c.id, out.err());
        }
    }
}

#[test]
fn samples_cover_segments_kinds_purposes_applications_and_needs() {
    let all = samples();
    let count = |f: &dyn Fn(&Customer) -> bool| all.iter().filter(|c| f(c)).count();

    for segment in ["mass", "mass_affluent", "affluent", "private"] {
        at_least(&format!("segment {segment}"), count(&|c| c.segment.as_str() == segment));
    }
    for kind in [CustomerKind::Individual, CustomerKind::Corporate] {
        at_least(&format!("kind {}", kind.as_str()), count(&|c| c.kind == kind));
    }
    let purposes: BTreeMap<&str, usize> =
        all.iter()
            .filter_map(|c| c.visit.as_ref()?.purpose.as_deref())
            .fold(BTreeMap::new(), |mut m, p| {
                *m.entry(p).or_default() += 1;
                m
            });
    for purpose in [
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
    ] {
        at_least(
            &format!("visit purpose {purpose}"),
            purposes.get(purpose).copied().unwrap_or(0),
        );
    }
    for app in [
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
    ] {
        at_least(
            &format!("application {app}"),
            count(&|c| c.applications.iter().any(|a| a == app)),
        );
    }
    for need in [
        "child_education",
        "retirement",
        "home_purchase",
        "overseas_study",
        "business_loan",
        "wealth_management",
        "insurance",
        "fx_remittance",
        "complex_investment_advice",
    ] {
        at_least(
            &format!("stated need {need}"),
            count(&|c| c.stated_needs.iter().any(|n| n == need)),
        );
    }
    // A card applicant with nothing else asked for (lobby manager takes it directly).
    at_least(
        "card-only applicant",
        count(&|c| {
            c.stated_needs.is_empty() && c.applications.len() == 1 && c.applications[0].starts_with("credit_card_")
        }),
    );
}

#[test]
fn samples_cover_high_value_signals() {
    let engine = engine();
    let all = samples();
    let count = |f: &dyn Fn(&Customer) -> bool| all.iter().filter(|c| f(c)).count();
    let p = |name: &str| param(&engine, name);

    let cash = p("large_cash_cny");
    at_least("large cash deposit", large(&engine, &all, "cash_deposit", cash, None));
    at_least(
        "large cash withdrawal",
        large(&engine, &all, "cash_withdrawal", cash, None),
    );
    for currency in ["USD", "EUR", "HKD"] {
        let got = large(&engine, &all, "fx_exchange", p("large_fx_cny"), Some(currency));
        at_least(&format!("large FX exchange in {currency}"), got);
    }
    let prepay = large(&engine, &all, "loan_prepayment", p("large_loan_prepayment_cny"), None);
    at_least("large loan prepayment", prepay);
    let cert = p("large_deposit_certificate_cny");
    at_least(
        "deposit certificate",
        large(&engine, &all, "deposit_certificate", cert, None),
    );
    at_least(
        "lost large CD",
        large(&engine, &all, "cd_loss_report", p("large_cd_cny"), None),
    );
    for kind in param_list(&engine, "investment_kinds") {
        let got = large(&engine, &all, &kind, p("large_investment_cny"), None);
        at_least(&format!("large {kind}"), got);
    }
    at_least("salary credit", large(&engine, &all, "salary_credit", 0.0, None));
    at_least(
        "time deposit maturity",
        large(&engine, &all, "time_deposit_maturity", 0.0, None),
    );
    let window = p("window_days") as i64;
    let inflow = p("large_inflow_30d_cny");
    at_least(
        "large inflows",
        count(&|c| {
            let today = visit_day(c);
            let sum: f64 = c
                .transactions
                .iter()
                .filter(|t| t.kind == "transfer_in" && today - t.at.day() < window)
                .map(|t| to_cny(&engine, t.amount.0, &t.currency))
                .sum();
            sum >= inflow
        }),
    );

    let capital = p("corp_high_registered_capital_cny");
    at_least(
        "settlement account with high registered capital",
        count(&|c| {
            c.applications.iter().any(|a| a == "settlement_account")
                && c.registered_capital.is_some_and(|r| r.0 >= capital)
        }),
    );
    let key = param_list(&engine, "key_industries");
    at_least(
        "corporate in a key industry",
        count(&|c| {
            c.extra
                .get("industry")
                .and_then(|v| v.as_str())
                .is_some_and(|i| key.iter().any(|k| k == i))
        }),
    );
    for area in param_list(&engine, "high_end_areas") {
        at_least(
            &format!("address {area}"),
            count(&|c| c.address_area.as_deref() == Some(&area)),
        );
    }
    for job in ["doctor", "lawyer", "executive", "business_owner"] {
        at_least(
            &format!("occupation {job}"),
            count(&|c| c.occupation.as_deref() == Some(job)),
        );
    }
    let daily = p("high_daily_balance_cny");
    at_least("high average daily balance", count(&|c| c.avg_daily_balance.0 >= daily));
    let private = p("private_banking_aum_cny");
    at_least("private-banking AUM", count(&|c| c.aum.0 >= private));
}

#[test]
fn samples_cover_visits_consent_history_accounts_and_holdings() {
    let all = samples();
    let count = |f: &dyn Fn(&Customer) -> bool| all.iter().filter(|c| f(c)).count();
    let visit = |c: &Customer| c.visit.clone().unwrap_or_default();

    at_least("waiting customer", count(&|c| visit(c).waiting));
    at_least("not waiting", count(&|c| !visit(c).waiting));
    at_least("no marketing consent", count(&|c| !c.consent.marketing));
    at_least("no record consent", count(&|c| !c.consent.record));
    at_least("full consent", count(&|c| c.consent.marketing && c.consent.record));
    at_least("unrated", count(&|c| c.risk_rating.is_none()));
    for rating in 1..=5 {
        at_least(
            &format!("risk rating {rating}"),
            count(&|c| c.risk_rating.is_some_and(|r| r.0 == rating)),
        );
    }

    for outcome in [Outcome::Declined, Outcome::NotNow, Outcome::Accepted] {
        let got = count(&|c| c.contact_history.iter().any(|h| h.outcome == outcome));
        at_least(&format!("contact {}", outcome.as_str()), got);
    }
    for by in ["teller", "vip_teller", "lobby", "psm", "cm"] {
        at_least(
            &format!("contact by {by}"),
            count(&|c| c.contact_history.iter().any(|h| h.by.as_deref() == Some(by))),
        );
    }
    for by in ["teller", "vip_teller"] {
        let got = count(&|c| {
            let today = visit_day(c);
            c.contact_history
                .iter()
                .any(|h| h.outcome == Outcome::Accepted && h.at.day() == today && h.by.as_deref() == Some(by))
        });
        at_least(&format!("accepted today by {by}"), got);
    }
    at_least(
        "declined today",
        count(&|c| {
            let today = visit_day(c);
            c.contact_history
                .iter()
                .any(|h| h.outcome == Outcome::Declined && h.at.day() == today)
        }),
    );

    for tier in [Tier::Standard, Tier::Gold, Tier::Platinum] {
        let got = count(&|c| c.accounts.iter().any(|a| a.kind == "credit_card" && a.tier == tier));
        at_least(&format!("{} credit card", tier.as_str()), got);
        let got = count(&|c| c.accounts.iter().any(|a| a.tier == tier && a.kind == "savings"));
        at_least(&format!("{} savings account", tier.as_str()), got);
    }
    let maturing = |lo: i64, hi: i64| {
        count(&|c| {
            let today = visit_day(c);
            c.holdings.iter().any(|h| {
                h.matures_on
                    .as_ref()
                    .is_some_and(|m| (lo..=hi).contains(&(m.day() - today)))
            })
        })
    };
    at_least("holding maturing within 7 days", maturing(0, 7));
    at_least("holding maturing in 8 to 30 days", maturing(8, 30));
    for product in ["wm.product", "dep.large_cd", "bond.treasury", "inv.fund", "ins.policy"] {
        at_least(
            &format!("holding {product}"),
            count(&|c| c.holdings.iter().any(|h| h.product == product)),
        );
    }
    at_least("no transactions", count(&|c| c.transactions.is_empty()));
    assert!(
        count(&|c| c.transactions.len() >= 20) > 0,
        "some long transaction histories"
    );
}

/// The bundled samples look like one ordinary day at an urban retail branch,
/// as the bundled pack sees it: mostly mass customers at the counter, a
/// minority of VIPs, a few private-banking clients and firms, and a high-value
/// flag on a fifth to a third of them, not on most. (The generator once
/// flagged 157 of 200; this is what keeps the mix from drifting back.)
#[test]
fn bundled_samples_mix_looks_like_a_branch_day() {
    let engine = engine();
    let values: Vec<serde_json::Value> = serde_json::from_str(nextbest::bundled_samples()).expect("samples");
    let all: Vec<Customer> = values
        .iter()
        .map(|v| engine.customer_from_value(v).expect("a sample is a customer"))
        .collect();
    let n = all.len();
    assert_eq!(n, COUNT);
    let share = |k: usize| k as f64 / n as f64;
    let count = |f: &dyn Fn(&Customer) -> bool| all.iter().filter(|c| f(c)).count();
    let individual = |c: &Customer| c.kind == CustomerKind::Individual;
    let purpose = |c: &Customer| c.visit.as_ref().and_then(|v| v.purpose.clone()).unwrap_or_default();

    let high_value = all
        .iter()
        .filter(|c| {
            let out = engine.evaluate((*c).clone(), &Options::default()).expect("evaluates");
            out.high_value.flag
        })
        .count();
    assert!(
        (0.15..=0.40).contains(&share(high_value)),
        "high value: {high_value} of {n}; a branch day flags a fifth to a third, not most"
    );

    let corporate = count(&|c| c.kind == CustomerKind::Corporate);
    assert!(
        (0.03..=0.12).contains(&share(corporate)),
        "corporate: {corporate} of {n}, expected a handful (3–12%)"
    );

    let mass = count(&|c| c.segment.as_str() == "mass");
    assert!(
        share(mass) >= 0.45,
        "mass segment: {mass} of {n}, expected most visitors"
    );
    const COUNTER: [&str; 6] = [
        "cash_deposit",
        "cash_withdrawal",
        "transfer",
        "bill_payment",
        "passbook_update",
        "balance_inquiry",
    ];
    let mass_counter =
        count(&|c| individual(c) && c.segment.as_str() == "mass" && COUNTER.contains(&purpose(c).as_str()));
    assert!(
        share(mass_counter) >= 0.35,
        "mass customers on counter business: {mass_counter} of {n}, expected at least 35%"
    );

    let vip = count(&|c| individual(c) && matches!(c.segment.as_str(), "affluent" | "private"));
    assert!(
        (0.06..=0.20).contains(&share(vip)),
        "affluent and private individuals: {vip} of {n}, expected a minority (about 10–15%)"
    );
    let private = count(&|c| individual(c) && c.segment.as_str() == "private");
    assert!(
        (1..=n * 3 / 100).contains(&private),
        "private-banking individuals: {private} of {n}, expected a few (1–3%)"
    );
    let elderly = count(&|c| individual(c) && c.age.is_some_and(|a| a >= 60));
    assert!(share(elderly) >= 0.15, "customers 60 and over: {elderly} of {n}");

    // Small FX for tourists beside a few large exchanges.
    let large_fx = param(&engine, "large_fx_cny");
    let window = param(&engine, "window_days") as i64;
    let fx = |c: &Customer| -> Vec<f64> {
        let today = visit_day(c);
        c.transactions
            .iter()
            .filter(|t| t.kind == "fx_exchange" && today - t.at.day() < window)
            .map(|t| to_cny(&engine, t.amount.0, &t.currency))
            .collect()
    };
    let small_fx = count(&|c| purpose(c) == "fx_exchange" && !fx(c).is_empty() && fx(c).iter().all(|&a| a < large_fx));
    let big_fx = count(&|c| fx(c).iter().any(|&a| a >= large_fx));
    assert!(small_fx >= FEW, "FX visitors changing small sums: {small_fx}");
    assert!(
        (FEW..=n / 10).contains(&big_fx),
        "large FX exchanges: {big_fx}, expected a few"
    );

    // Amounts fit the customer: a mass customer's cash business is a few thousand.
    for c in all.iter().filter(|c| individual(c) && c.segment.as_str() == "mass") {
        for t in &c.transactions {
            if matches!(t.kind.as_str(), "cash_deposit" | "cash_withdrawal") {
                assert!(
                    t.amount.0 <= 20_000.0,
                    "{}: a mass customer with {} of ¥{}",
                    c.id,
                    t.kind,
                    t.amount.0
                );
            }
        }
    }
}
