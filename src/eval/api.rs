//! The helper API rules are written against. Rule authors: this is your
//! reference; `rules/README.md` has the same list with examples.
//!
//! In scope: `c`, the customer (a `Customer`), and `p`, the pack's `params`.
//!
//! Customer properties: `id`, `name`, `kind`, `segment`, `age` (or `()`),
//! `risk_rating` (1–5 or `()`), `aum`, `avg_daily_balance`,
//! `registered_capital`, `occupation`, `address_area`, `purpose` (today's
//! visit purpose, `""` if none), `waiting`, `lobby_busy`, `channel`,
//! `marketing_consent`, `record_consent`, `high_value` (set by signal rules),
//! `products_held`, `applications`, `stated_needs`.
//!
//! Customer methods (amounts in CNY, windows in days counting today):
//! `txn_sum(kind, days)`, `txn_count(kind, days)`, `txn_max(kind, days)`,
//! `has_account(type)`, `account_tier(type)`, `account_balance(type)`,
//! `holds(product_or_family)`, `holding_amount(product_or_family)`,
//! `matures_within(product_or_family, days)`, `applies(x)`, `needs(x)`,
//! `visit_for(purpose)`, `accepted_today()`, `declined_today()`,
//! `field(name)` (a field the contract does not name, or `()`).
//!
//! Results (a rule ends with one of these, an array of them, or nothing):
//! `suggest(product, reason_zh, reason_en)` with optional `.pitch(zh, en)`,
//! `.to(destination)` and `.boost(points)`; `route(destination, reason_zh,
//! reason_en)`; `high_value(signal, zh, en)`; `note(zh, en)`.
//! Other helpers: `cny(amount, currency)`, `yuan(amount)` (`¥80,000`),
//! `product_simple(id)` (false if unknown), `product_risk(id)` (`()` if unknown).

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use rhai::{Dynamic, Engine, EvalAltResult, ImmutableString, Position, INT};

use super::compiled::Prop;
use super::facts::Facts;
use crate::pack::{Product, RuleKind};
use crate::signals::Outcome;

/// The customer handle rules see as `c`. Cloning it is a reference count.
#[derive(Debug, Clone)]
pub struct Cust(pub Rc<Facts<'static>>);

/// The pack's params as rules see them (`p`): read-only. `p.x` and `p["x"]`
/// return a copy, so a rule that changes it changes only its own copy.
#[derive(Debug, Clone)]
pub struct Params(pub Rc<rhai::Map>);

/// A proposed product, from `suggest(...)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    pub product: String,
    pub reason_zh: String,
    pub reason_en: String,
    pub pitch: Option<(String, String)>,
    pub to: Option<String>,
    pub boost: f64,
}

/// A proposed route, from `route(...)`.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteProposal {
    pub destination: String,
    pub reason_zh: String,
    pub reason_en: String,
}

/// A high-value signal, from `high_value(...)`.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalProposal {
    pub signal: String,
    pub zh: String,
    pub en: String,
}

/// A hint for staff, from `note(...)`.
#[derive(Debug, Clone, PartialEq)]
pub struct NoteProposal {
    pub zh: String,
    pub en: String,
}

/// What the helpers need from the pack, shared by the registered closures.
pub(crate) struct ApiContext {
    pub catalogue: BTreeMap<String, Product>,
    pub destinations: BTreeSet<String>,
    pub fx: BTreeMap<String, f64>,
    /// The kind of the rule now running, so a misplaced result fails where it is written.
    pub current_kind: Cell<RuleKind>,
    /// The largest `boost` a rule may give (policy.max_boost).
    pub max_boost: f64,
}

type Res<T> = Result<T, Box<EvalAltResult>>;

fn fail<T>(msg: String) -> Res<T> {
    Err(Box::new(EvalAltResult::ErrorRuntime(msg.into(), Position::NONE)))
}

/// Registers the customer type, the result builders and the helpers.
pub(crate) fn register(engine: &mut Engine, ctx: Rc<ApiContext>) {
    engine
        .register_type_with_name::<Cust>("Customer")
        .register_type_with_name::<Params>("Params")
        .register_type_with_name::<Proposal>("Suggestion")
        .register_type_with_name::<RouteProposal>("Route")
        .register_type_with_name::<SignalProposal>("Signal")
        .register_type_with_name::<NoteProposal>("Note");
    register_properties(engine);
    register_methods(engine);
    register_results(engine, &ctx);
}

fn register_properties(engine: &mut Engine) {
    // rhai falls back to the indexer for `p.name`, so one getter serves both.
    engine.register_indexer_get(|p: &mut Params, key: &str| -> Res<Dynamic> {
        match p.0.get(key) {
            Some(v) => Ok(v.clone()),
            None => fail(format!("unknown parameter p.{key}: not in pack.json params")),
        }
    });
    // One definition per property for rhai and the compiled path (compiled.rs).
    for (name, prop) in Prop::ALL {
        engine.register_get(name, move |c: &mut Cust| prop.get(&c.0).to_dynamic());
    }
}

fn register_methods(engine: &mut Engine) {
    engine
        .register_fn("txn_sum", |c: &mut Cust, kind: &str, days: INT| c.0.txn_sum(kind, days))
        .register_fn("txn_count", |c: &mut Cust, kind: &str, days: INT| {
            c.0.txn_count(kind, days)
        })
        .register_fn("txn_max", |c: &mut Cust, kind: &str, days: INT| c.0.txn_max(kind, days))
        .register_fn("has_account", |c: &mut Cust, kind: &str| c.0.has_account(kind))
        .register_fn("account_tier", |c: &mut Cust, kind: &str| -> ImmutableString {
            c.0.account_tier(kind).into()
        })
        .register_fn("account_balance", |c: &mut Cust, kind: &str| c.0.account_balance(kind))
        .register_fn("holds", |c: &mut Cust, what: &str| c.0.holds(what))
        .register_fn("holding_amount", |c: &mut Cust, what: &str| c.0.holding_amount(what))
        .register_fn("matures_within", |c: &mut Cust, what: &str, days: INT| {
            c.0.matures_within(what, days)
        })
        .register_fn("applies", |c: &mut Cust, what: &str| c.0.applies(what))
        .register_fn("needs", |c: &mut Cust, what: &str| c.0.needs(what))
        .register_fn("visit_for", |c: &mut Cust, purpose: &str| c.0.visit_for(purpose))
        .register_fn("accepted_today", |c: &mut Cust| -> ImmutableString {
            c.0.outcome_today(Outcome::Accepted).into()
        })
        .register_fn("declined_today", |c: &mut Cust| -> ImmutableString {
            c.0.outcome_today(Outcome::Declined).into()
        })
        .register_fn("field", |c: &mut Cust, name: &str| -> Dynamic {
            let facts = &c.0;
            if let Some(v) = facts.extra_cache.borrow().get(name) {
                return v.clone();
            }
            let v = facts
                .customer
                .extra
                .get(name)
                .and_then(|v| rhai::serde::to_dynamic(v).ok())
                .unwrap_or(Dynamic::UNIT);
            facts.extra_cache.borrow_mut().insert(name.to_owned(), v.clone());
            v
        });
}

/// `suggest(product, zh, en)`, shared by rhai and the compiled path.
pub(crate) fn suggest(c: &ApiContext, product: &str, zh: &str, en: &str) -> Res<Proposal> {
    let kind = c.current_kind.get();
    if !kind.suggests() {
        return fail(format!(
            "suggest() belongs in a cross_sell, up_sell or referral rule; this rule's kind is {}",
            kind.as_str()
        ));
    }
    if !c.catalogue.contains_key(product) {
        return fail(format!(
            "unknown product {product:?}: add it to products.json or fix the id"
        ));
    }
    Ok(Proposal {
        product: product.to_owned(),
        reason_zh: zh.to_owned(),
        reason_en: en.to_owned(),
        pitch: None,
        to: None,
        boost: 0.0,
    })
}

/// `route(destination, zh, en)`.
pub(crate) fn route(c: &ApiContext, destination: &str, zh: &str, en: &str) -> Res<RouteProposal> {
    if c.current_kind.get() != RuleKind::Route {
        return fail(format!(
            "route() belongs in a route rule; this rule's kind is {}",
            c.current_kind.get().as_str()
        ));
    }
    check_destination(c, destination)?;
    Ok(RouteProposal {
        destination: destination.to_owned(),
        reason_zh: zh.to_owned(),
        reason_en: en.to_owned(),
    })
}

/// `high_value(signal, zh, en)`.
pub(crate) fn high_value(c: &ApiContext, signal: &str, zh: &str, en: &str) -> Res<SignalProposal> {
    if c.current_kind.get() != RuleKind::Signal {
        return fail(format!(
            "high_value() belongs in a signal rule (they run first); this rule's kind is {}",
            c.current_kind.get().as_str()
        ));
    }
    Ok(SignalProposal {
        signal: signal.to_owned(),
        zh: zh.to_owned(),
        en: en.to_owned(),
    })
}

fn register_results(engine: &mut Engine, ctx: &Rc<ApiContext>) {
    let c = ctx.clone();
    engine.register_fn("suggest", move |product: &str, zh: &str, en: &str| {
        suggest(&c, product, zh, en)
    });
    engine.register_fn("pitch", |s: &mut Proposal, zh: &str, en: &str| -> Proposal {
        let mut s = s.clone();
        s.pitch = Some((zh.to_owned(), en.to_owned()));
        s
    });
    let c = ctx.clone();
    engine.register_fn("to", move |s: &mut Proposal, destination: &str| -> Res<Proposal> {
        check_destination(&c, destination)?;
        let mut s = s.clone();
        s.to = Some(destination.to_owned());
        Ok(s)
    });
    let c = ctx.clone();
    engine.register_fn("boost", move |s: &mut Proposal, points: INT| {
        boost(&c, s, points as f64)
    });
    let c = ctx.clone();
    engine.register_fn("boost", move |s: &mut Proposal, points: f64| boost(&c, s, points));
    let c = ctx.clone();
    engine.register_fn("route", move |destination: &str, zh: &str, en: &str| {
        route(&c, destination, zh, en)
    });
    let c = ctx.clone();
    engine.register_fn("high_value", move |signal: &str, zh: &str, en: &str| {
        high_value(&c, signal, zh, en)
    });
    engine.register_fn("note", |zh: &str, en: &str| NoteProposal {
        zh: zh.to_owned(),
        en: en.to_owned(),
    });
    let c = ctx.clone();
    engine.register_fn("cny", move |amount: f64, currency: &str| to_cny(&c, amount, currency));
    let c = ctx.clone();
    engine.register_fn("cny", move |amount: INT, currency: &str| {
        to_cny(&c, amount as f64, currency)
    });
    engine.register_fn("yuan", |amount: f64| yuan(amount));
    engine.register_fn("yuan", |amount: INT| yuan(amount as f64));
    // Ids here often come from customer data (contact history), which may
    // name products outside the catalogue: that is not the rule's fault.
    let c = ctx.clone();
    engine.register_fn("product_simple", move |id: &str| {
        c.catalogue.get(id).is_some_and(|p| p.simple)
    });
    let c = ctx.clone();
    engine.register_fn("product_risk", move |id: &str| -> Dynamic {
        c.catalogue
            .get(id)
            .map_or(Dynamic::UNIT, |p| Dynamic::from_int(INT::from(p.risk)))
    });
}

/// `¥80,000`: amounts in reasons read as staff say them.
pub(crate) fn yuan(amount: f64) -> ImmutableString {
    let whole = amount.round().abs() as u64;
    let digits = whole.to_string();
    let mut out = String::with_capacity(digits.len() + 4);
    out.push_str(if amount < 0.0 { "-¥" } else { "¥" });
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out.into()
}

pub(crate) fn to_cny(c: &ApiContext, amount: f64, currency: &str) -> Res<f64> {
    match super::facts::rate_of(&c.fx, currency) {
        Some(rate) => Ok(amount * rate),
        None => fail(format!("currency {currency:?} has no rate in pack.json fx_rates")),
    }
}

pub(crate) fn boost(c: &ApiContext, s: &Proposal, points: f64) -> Res<Proposal> {
    if !points.is_finite() || points.abs() > c.max_boost {
        return fail(format!(
            "boost({points}): must be between -{0} and {0} (policy.max_boost)",
            c.max_boost
        ));
    }
    let mut s = s.clone();
    s.boost += points;
    Ok(s)
}

pub(crate) fn check_destination(c: &ApiContext, destination: &str) -> Res<()> {
    if c.destinations.contains(destination) {
        return Ok(());
    }
    let known: Vec<&str> = c.destinations.iter().map(String::as_str).collect();
    fail(format!(
        "unknown destination {destination:?} (known: {})",
        known.join(", ")
    ))
}
