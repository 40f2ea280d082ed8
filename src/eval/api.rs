//! The helper API's implementation: the customer type, the result builders
//! and the helpers, registered into rhai. What each one is and does is
//! declared once, in `helpers.rs` (a test checks every name registered here
//! is there and the other way round).
//!
//! In scope: `c`, the customer (a `Customer`), `p`, the pack's `params`,
//! and `b`, the branch context (a `Branch`: who is free, queues, VIP seats).

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use rhai::{Dynamic, Engine, EvalAltResult, ImmutableString, Position, INT};

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

/// The branch context as rules see it (`b`): a copy of its summary, so
/// nothing a rule does reaches the caller's context.
#[derive(Debug, Clone, Copy)]
pub struct Branch(pub crate::branch::Board);

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
    /// A second step, from `.then(zh, en)` ("then take a number for the withdrawal").
    pub then: Option<(String, String)>,
}

/// One screening test decided, from `screen(...)`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScreenProposal {
    pub test: String,
    pub passed: bool,
    pub zh: String,
    pub en: String,
}

/// A prospect grade, from `grade(...)`.
#[derive(Debug, Clone, PartialEq)]
pub struct GradeProposal {
    pub grade: String,
    pub zh: String,
    pub en: String,
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
    /// What `grade(...)` and `screen(...)` may name (pack.json grading).
    pub grading: crate::pack::Grading,
    /// Names staff read, by list and id (pack.json labels).
    pub labels: BTreeMap<String, BTreeMap<String, crate::pack::Label>>,
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
        .register_type_with_name::<Branch>("Branch")
        .register_type_with_name::<Proposal>("Suggestion")
        .register_type_with_name::<RouteProposal>("Route")
        .register_type_with_name::<SignalProposal>("Signal")
        .register_type_with_name::<NoteProposal>("Note")
        .register_type_with_name::<ScreenProposal>("Screen")
        .register_type_with_name::<GradeProposal>("Grade");
    register_properties(engine);
    register_methods(engine);
    register_branch(engine);
    register_results(engine, &ctx);
}

/// `p`: one getter per parameter of the pack (`p.large_cash_cny`), and the
/// indexer for `p["large_cash_cny"]` and for a name the pack lacks (rhai falls
/// back to it for `p.name` when no getter has the name). A getter of its own
/// spares each read rhai's failed search for one before the fallback.
///
/// Every read is noted in `reads` as the parameter's place in key order: the
/// backtest takes a rule's result from the published pack's run for the
/// draft only when no parameter the rule read has another value there.
pub(crate) fn register_params(engine: &mut Engine, params: &Params, reads: Rc<std::cell::RefCell<Vec<u32>>>) {
    let index: Rc<BTreeMap<String, u32>> = Rc::new(
        params
            .0
            .keys()
            .enumerate()
            .map(|(i, k)| (k.to_string(), i as u32))
            .collect(),
    );
    let reads_for_tag = reads.clone();
    for (i, (key, value)) in params.0.iter().enumerate() {
        let (value, reads) = (value.clone(), reads.clone());
        engine.register_get(key.as_str(), move |_: &mut Params| -> Dynamic {
            reads.borrow_mut().push(i as u32);
            value.clone()
        });
    }
    // A read of a name the pack lacks is noted too ([`MISSING_PARAM`]): a
    // rule may catch the error (`try`), and a draft that adds the parameter
    // would then answer otherwise.
    let missing = reads.clone();
    engine.register_indexer_get(move |p: &mut Params, key: &str| -> Res<Dynamic> {
        match (p.0.get(key), index.get(key)) {
            (Some(v), Some(&i)) => {
                reads.borrow_mut().push(i);
                Ok(v.clone())
            }
            _ => {
                missing.borrow_mut().push(MISSING_PARAM);
                fail(format!("unknown parameter p.{key}: not in pack.json params"))
            }
        }
    });
    // rhai's core gives every value a `tag` property; without a parameter of
    // that name `p.tag` would read it (0) instead of failing like any other
    // name the pack lacks.
    if !params.0.contains_key("tag") {
        let missing = reads_for_tag;
        engine.register_get("tag", move |_: &mut Params| -> Res<Dynamic> {
            missing.borrow_mut().push(MISSING_PARAM);
            fail("unknown parameter p.tag: not in pack.json params".to_owned())
        });
    }
}

/// What a read of a parameter the pack lacks is noted as.
pub(crate) const MISSING_PARAM: u32 = u32::MAX;

/// The running rule's budget, charged for walking `items` items of the customer.
fn charge(c: &Cust, items: usize) -> Res<()> {
    c.0.charge(items)
        .map_err(|stop| Box::new(EvalAltResult::ErrorTerminated(stop.token().into(), Position::NONE)))
}

fn text(s: &Option<String>) -> ImmutableString {
    s.as_deref().unwrap_or("").into()
}

fn strings(items: &[String]) -> rhai::Array {
    items
        .iter()
        .map(|s| Dynamic::from(ImmutableString::from(s.as_str())))
        .collect()
}

fn register_properties(engine: &mut Engine) {
    engine
        .register_get("id", |c: &mut Cust| -> ImmutableString {
            c.0.customer.id.as_str().into()
        })
        .register_get("name", |c: &mut Cust| text(&c.0.customer.name))
        .register_get("kind", |c: &mut Cust| -> ImmutableString {
            c.0.customer.kind.as_str().into()
        })
        .register_get("segment", |c: &mut Cust| -> ImmutableString {
            c.0.customer.segment.as_str().into()
        })
        .register_get("age", |c: &mut Cust| -> Dynamic {
            c.0.customer
                .age
                .map_or(Dynamic::UNIT, |a| Dynamic::from_int(INT::from(a)))
        })
        .register_get("risk_rating", |c: &mut Cust| -> Dynamic {
            c.0.customer
                .risk_rating
                .map_or(Dynamic::UNIT, |r| Dynamic::from_int(INT::from(r.0)))
        })
        .register_get("aum", |c: &mut Cust| c.0.customer.aum.0)
        .register_get("avg_daily_balance", |c: &mut Cust| c.0.customer.avg_daily_balance.0)
        .register_get("registered_capital", |c: &mut Cust| {
            c.0.customer.registered_capital.map_or(0.0, |a| a.0)
        })
        .register_get("occupation", |c: &mut Cust| text(&c.0.customer.occupation))
        .register_get("address_area", |c: &mut Cust| text(&c.0.customer.address_area))
        .register_get("purpose", |c: &mut Cust| -> ImmutableString { c.0.purpose().into() })
        .register_get("waiting", |c: &mut Cust| {
            c.0.customer.visit.as_ref().is_some_and(|v| v.waiting)
        })
        .register_get("channel", |c: &mut Cust| -> ImmutableString {
            c.0.channel.as_ref().into()
        })
        .register_get("marketing_consent", |c: &mut Cust| c.0.customer.consent.marketing)
        .register_get("record_consent", |c: &mut Cust| c.0.customer.consent.record)
        .register_get("high_value", |c: &mut Cust| c.0.high_value.get())
        .register_get("grade", |c: &mut Cust| -> ImmutableString {
            c.0.grade.borrow().as_str().into()
        })
        .register_get("account_count", |c: &mut Cust| c.0.customer.accounts.len() as INT)
        .register_get("holding_count", |c: &mut Cust| c.0.customer.holdings.len() as INT)
        .register_get("products_held", |c: &mut Cust| -> Res<INT> {
            charge(c, c.0.customer.holdings.len() + c.0.customer.accounts.len())?;
            Ok(c.0.products_held())
        })
        .register_get("applications", |c: &mut Cust| -> Res<rhai::Array> {
            charge(c, c.0.customer.applications.len())?;
            Ok(strings(&c.0.customer.applications))
        })
        .register_get("stated_needs", |c: &mut Cust| -> Res<rhai::Array> {
            charge(c, c.0.customer.stated_needs.len())?;
            Ok(strings(&c.0.customer.stated_needs))
        });
}

fn register_methods(engine: &mut Engine) {
    // Each charges for the list it walks (budget.rs).
    let txns = |c: &Cust| c.0.customer.transactions.len();
    let accounts = |c: &Cust| c.0.customer.accounts.len();
    let holdings = |c: &Cust| c.0.customer.holdings.len();
    engine
        .register_fn("txn_sum", move |c: &mut Cust, kind: &str, days: INT| -> Res<f64> {
            charge(c, txns(c))?;
            Ok(c.0.txn_sum(kind, days))
        })
        .register_fn("txn_count", move |c: &mut Cust, kind: &str, days: INT| -> Res<INT> {
            charge(c, txns(c))?;
            Ok(c.0.txn_count(kind, days))
        })
        .register_fn("txn_max", move |c: &mut Cust, kind: &str, days: INT| -> Res<f64> {
            charge(c, txns(c))?;
            Ok(c.0.txn_max(kind, days))
        })
        // The same three over a list of kinds ("any of the pack's
        // investment kinds"): one call, one walk, instead of a loop in rhai.
        .register_fn(
            "txn_sum",
            move |c: &mut Cust, kinds: rhai::Array, days: INT| -> Res<f64> {
                charge(c, txns(c) * kinds.len().max(1))?;
                Ok(kind_names(&kinds).map(|k| c.0.txn_sum(&k, days)).sum())
            },
        )
        .register_fn(
            "txn_count",
            move |c: &mut Cust, kinds: rhai::Array, days: INT| -> Res<INT> {
                charge(c, txns(c) * kinds.len().max(1))?;
                Ok(kind_names(&kinds).map(|k| c.0.txn_count(&k, days)).sum())
            },
        )
        .register_fn(
            "txn_max",
            move |c: &mut Cust, kinds: rhai::Array, days: INT| -> Res<f64> {
                charge(c, txns(c) * kinds.len().max(1))?;
                Ok(kind_names(&kinds).map(|k| c.0.txn_max(&k, days)).fold(0.0, f64::max))
            },
        )
        // The same three with a currency: "a USD cash withdrawal of 10,000 or
        // more" is c.txn_max_in("cash_withdrawal", "USD", 30) >= cny(10000, "USD").
        .register_fn(
            "txn_sum_in",
            move |c: &mut Cust, kind: &str, currency: &str, days: INT| -> Res<f64> {
                charge(c, txns(c))?;
                Ok(c.0.window_in(kind, currency, days).map(|t| t.cny).sum())
            },
        )
        .register_fn(
            "txn_count_in",
            move |c: &mut Cust, kind: &str, currency: &str, days: INT| -> Res<INT> {
                charge(c, txns(c))?;
                Ok(c.0.window_in(kind, currency, days).count() as INT)
            },
        )
        .register_fn(
            "txn_max_in",
            move |c: &mut Cust, kind: &str, currency: &str, days: INT| -> Res<f64> {
                charge(c, txns(c))?;
                Ok(c.0.window_in(kind, currency, days).map(|t| t.cny).fold(0.0, f64::max))
            },
        )
        .register_fn("txn_count_all", move |c: &mut Cust, days: INT| -> Res<INT> {
            charge(c, txns(c))?;
            Ok(c.0.txn_count_all(days))
        })
        .register_fn("has_tier", move |c: &mut Cust, tier: &str| -> Res<bool> {
            charge(c, accounts(c))?;
            Ok(c.0.has_tier(tier))
        })
        .register_fn("passes", |c: &mut Cust, test: &str| c.0.passes(test))
        .register_fn("decided", |c: &mut Cust, test: &str| c.0.decided(test))
        // List membership against the pack's lists: "applies for any card
        // in p.card_applications", "visits for one of p.product_purposes".
        .register_fn("applies_any", |c: &mut Cust, list: rhai::Array| -> Res<bool> {
            charge(c, c.0.customer.applications.len().max(1) * list.len().max(1))?;
            Ok(list
                .iter()
                .any(|x| x.clone().into_immutable_string().is_ok_and(|x| c.0.applies(&x))))
        })
        .register_fn("needs_any", |c: &mut Cust, list: rhai::Array| -> Res<bool> {
            charge(c, c.0.customer.stated_needs.len().max(1) * list.len().max(1))?;
            Ok(list
                .iter()
                .any(|x| x.clone().into_immutable_string().is_ok_and(|x| c.0.needs(&x))))
        })
        .register_fn("visit_for_any", |c: &mut Cust, list: rhai::Array| -> Res<bool> {
            charge(c, list.len())?;
            Ok(list
                .iter()
                .any(|x| x.clone().into_immutable_string().is_ok_and(|x| c.0.visit_for(&x))))
        })
        .register_fn("has_account", move |c: &mut Cust, kind: &str| -> Res<bool> {
            charge(c, accounts(c))?;
            Ok(c.0.has_account(kind))
        })
        .register_fn(
            "account_tier",
            move |c: &mut Cust, kind: &str| -> Res<ImmutableString> {
                charge(c, accounts(c))?;
                Ok(c.0.account_tier(kind).into())
            },
        )
        .register_fn("account_balance", move |c: &mut Cust, kind: &str| -> Res<f64> {
            charge(c, accounts(c))?;
            Ok(c.0.account_balance(kind))
        })
        .register_fn("holds", move |c: &mut Cust, what: &str| -> Res<bool> {
            charge(c, holdings(c))?;
            Ok(c.0.holds(what))
        })
        .register_fn("holding_amount", move |c: &mut Cust, what: &str| -> Res<f64> {
            charge(c, holdings(c))?;
            Ok(c.0.holding_amount(what))
        })
        .register_fn(
            "matures_within",
            move |c: &mut Cust, what: &str, days: INT| -> Res<bool> {
                charge(c, holdings(c))?;
                Ok(c.0.matures_within(what, days))
            },
        )
        .register_fn("applies", |c: &mut Cust, what: &str| -> Res<bool> {
            charge(c, c.0.customer.applications.len())?;
            Ok(c.0.applies(what))
        })
        .register_fn("needs", |c: &mut Cust, what: &str| -> Res<bool> {
            charge(c, c.0.customer.stated_needs.len())?;
            Ok(c.0.needs(what))
        })
        .register_fn("visit_for", |c: &mut Cust, purpose: &str| c.0.visit_for(purpose))
        .register_fn("accepted_today", |c: &mut Cust| -> Res<ImmutableString> {
            charge(c, c.0.customer.contact_history.len())?;
            Ok(c.0.outcome_today(Outcome::Accepted).into())
        })
        .register_fn("declined_today", |c: &mut Cust| -> Res<ImmutableString> {
            charge(c, c.0.customer.contact_history.len())?;
            Ok(c.0.outcome_today(Outcome::Declined).into())
        })
        .register_fn("field", |c: &mut Cust, name: &str| -> Res<Dynamic> {
            let facts = &c.0;
            let raw = facts.customer.extra.get(name);
            // Charged on every read, not only the one that converts: what a
            // rule costs is then its own, whichever rule read the field first
            // (the backtest takes a rule's result and cost from another run).
            charge(c, raw.map_or(1, json_size))?;
            if let Some(v) = facts.extra_cache.borrow().get(name) {
                return Ok(v.clone());
            }
            let v = raw
                .and_then(|v| rhai::serde::to_dynamic(v).ok())
                .unwrap_or(Dynamic::UNIT);
            facts.extra_cache.borrow_mut().insert(name.to_owned(), v.clone());
            Ok(v)
        });
}

/// `b`: the branch context. Unknown (no context, or a role nobody is listed
/// for) is never "free" and never "busy": rules fall back to what they do
/// without information.
fn register_branch(engine: &mut Engine) {
    engine
        .register_get("known", |b: &mut Branch| b.0.known)
        .register_get("vip_full", |b: &mut Branch| b.0.vip_full())
        .register_fn("free", |b: &mut Branch, role: &str| b.0.free(role))
        .register_fn("busy", |b: &mut Branch, role: &str| b.0.busy(role))
        .register_fn("queue", |b: &mut Branch, counter: &str| -> Dynamic {
            b.0.queue(counter)
                .map_or(Dynamic::UNIT, |n| Dynamic::from_int(INT::from(n)))
        });
}

/// The strings of an array of kinds; anything else in it is no kind.
fn kind_names(kinds: &rhai::Array) -> impl Iterator<Item = ImmutableString> + '_ {
    kinds.iter().filter_map(|k| k.clone().into_immutable_string().ok())
}

/// Values in a JSON value, for charging its conversion.
fn json_size(v: &serde_json::Value) -> usize {
    match v {
        serde_json::Value::Array(a) => 1 + a.iter().map(json_size).sum::<usize>(),
        serde_json::Value::Object(m) => 1 + m.values().map(json_size).sum::<usize>(),
        _ => 1,
    }
}

/// `suggest(product, zh, en)`.
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
        then: None,
    })
}

/// `screen(test, passed, zh, en)`.
pub(crate) fn screen(c: &ApiContext, test: &str, passed: bool, zh: &str, en: &str) -> Res<ScreenProposal> {
    if c.current_kind.get() != RuleKind::Screen {
        return fail(format!(
            "screen() belongs in a screen rule (they run after the signal rules); this rule's kind is {}",
            c.current_kind.get().as_str()
        ));
    }
    if !c.grading.tests.contains_key(test) {
        let known: Vec<&str> = c.grading.tests.keys().map(String::as_str).collect();
        return fail(format!(
            "unknown screening test {test:?} (pack.json grading.tests: {})",
            known.join(", ")
        ));
    }
    Ok(ScreenProposal {
        test: test.to_owned(),
        passed,
        zh: zh.to_owned(),
        en: en.to_owned(),
    })
}

/// `grade(letter, zh, en)`.
pub(crate) fn grade(c: &ApiContext, letter: &str, zh: &str, en: &str) -> Res<GradeProposal> {
    if c.current_kind.get() != RuleKind::Grade {
        return fail(format!(
            "grade() belongs in a grade rule (they run after the screen rules); this rule's kind is {}",
            c.current_kind.get().as_str()
        ));
    }
    if !c.grading.grades.contains_key(letter) {
        let known: Vec<&str> = c.grading.grades.keys().map(String::as_str).collect();
        return fail(format!(
            "unknown grade {letter:?} (pack.json grading.grades: {})",
            known.join(", ")
        ));
    }
    Ok(GradeProposal {
        grade: letter.to_owned(),
        zh: zh.to_owned(),
        en: en.to_owned(),
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
    engine.register_fn("then", |r: &mut RouteProposal, zh: &str, en: &str| -> RouteProposal {
        let mut r = r.clone();
        r.then = Some((zh.to_owned(), en.to_owned()));
        r
    });
    let c = ctx.clone();
    engine.register_fn("screen", move |test: &str, passed: bool, zh: &str, en: &str| {
        screen(&c, test, passed, zh, en)
    });
    let c = ctx.clone();
    engine.register_fn("grade", move |letter: &str, zh: &str, en: &str| {
        grade(&c, letter, zh, en)
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
    // Staff read product names, never ids.
    let c = ctx.clone();
    engine.register_fn("product_name", move |id: &str| -> ImmutableString {
        c.catalogue.get(id).map_or_else(|| id.into(), |p| p.zh.as_str().into())
    });
    let c = ctx.clone();
    engine.register_fn("product_name_en", move |id: &str| -> ImmutableString {
        c.catalogue.get(id).map_or_else(|| id.into(), |p| p.en.as_str().into())
    });
    // Staff read names, never ids: one list of names (pack.json labels)
    // serves the rules' texts and the pages. An id the list lacks reads as
    // itself, so a new code from a branch system never fails a rule.
    let c = ctx.clone();
    engine.register_fn("label", move |list: &str, id: &str| -> ImmutableString {
        c.labels
            .get(list)
            .and_then(|l| l.get(id))
            .map_or_else(|| id.into(), |l| l.zh.as_str().into())
    });
    let c = ctx.clone();
    engine.register_fn("label_en", move |list: &str, id: &str| -> ImmutableString {
        c.labels
            .get(list)
            .and_then(|l| l.get(id))
            .map_or_else(|| id.into(), |l| l.en.as_str().into())
    });
    // `p.some_map[x]` fails on a key the map lacks (maps are strict, so a
    // misspelt key is caught); `lookup` is the lookup that may miss.
    engine.register_fn("lookup", |m: &mut rhai::Map, key: &str, default: Dynamic| -> Dynamic {
        m.get(key).cloned().unwrap_or(default)
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
    // Capped on the suggestion's total, so chaining .boost() cannot add up
    // past it; the rule's total per product is capped again when taken.
    if !points.is_finite() || (s.boost + points).abs() > c.max_boost {
        return fail(format!(
            "boost({points}): a suggestion's boost must stay between -{0} and {0} (policy.max_boost)",
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
