//! One customer's signals, worked out once per evaluation into the shape the
//! rule helpers read: transactions grouped by kind in CNY, the branch day,
//! which triggers are present. Rules then call cheap Rust helpers instead of
//! walking JSON in rhai.

use std::borrow::Cow;
use std::cell::{Cell, OnceCell, RefCell};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

use super::budget::{Budget, Stop};

use crate::error::Error;
use crate::signals::{branch_day, Customer, Outcome};

/// A transaction reduced to what windows and sums need.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Txn {
    /// Its position in `customer.transactions`, where its kind is.
    pub src: u32,
    pub day: i64,
    pub cny: f64,
}

/// The customer as rules see it. Helpers that walk one of its lists charge
/// the running rule's budget for it ([`Facts::charge`]), so the cost of a
/// rule's operation does not grow with the customer unbounded.
#[derive(Debug)]
pub struct Facts<'c> {
    pub customer: Cow<'c, Customer>,
    /// Evaluation time, Unix seconds, and its branch day.
    pub now: i64,
    pub today: i64,
    /// Who is serving: teller, vip_teller, lobby, psm, cm.
    pub channel: Cow<'c, str>,
    /// Every transaction, grouped by kind (sorted by it): one allocation per
    /// customer, and a kind's transactions are one binary search away.
    pub(crate) txns: Vec<Txn>,
    /// Set after the signal rules ran, read by routing and suggestion rules.
    pub(crate) high_value: Cell<bool>,
    /// Screening tests decided by the screen rules (test, passed), read by
    /// grade rules and everything after them.
    pub(crate) screens: RefCell<Vec<(String, bool)>>,
    /// The prospect grade the grade rules gave, `""` before or without one.
    pub(crate) grade: RefCell<String>,
    /// rhai values of unknown fields, converted on first read.
    pub(crate) extra_cache: RefCell<BTreeMap<String, rhai::Dynamic>>,
    /// Distinct products and account types, counted on first read.
    products_held: OnceCell<i64>,
    pub(crate) budget: Rc<Budget>,
}

impl<'c> Facts<'c> {
    /// Works out the facts; a currency the pack has no rate for is a field error.
    pub fn new(
        customer: Cow<'c, Customer>,
        now: i64,
        channel: Cow<'c, str>,
        fx: &BTreeMap<String, f64>,
        budget: Rc<Budget>,
    ) -> Result<Facts<'c>, Error> {
        let all = &customer.transactions;
        let mut txns = Vec::with_capacity(all.len());
        for (i, t) in all.iter().enumerate() {
            let rate = rate_of(fx, &t.currency).ok_or_else(|| {
                Error::input(format!("transactions[{i}].currency"), unknown_currency(&t.currency, fx))
            })?;
            txns.push(Txn {
                src: i as u32,
                day: t.at.day(),
                cny: t.amount.0 * rate,
            });
        }
        txns.sort_by(|a, b| all[a.src as usize].kind.cmp(&all[b.src as usize].kind));
        Ok(Facts {
            customer,
            now,
            today: branch_day(now),
            channel,
            txns,
            high_value: Cell::new(false),
            screens: RefCell::new(Vec::new()),
            grade: RefCell::new(String::new()),
            extra_cache: RefCell::new(BTreeMap::new()),
            products_held: OnceCell::new(),
            budget,
        })
    }

    /// Charges the running rule for walking `items` items; `Err` when that
    /// breaks its budget.
    pub(crate) fn charge(&self, items: usize) -> Result<(), Stop> {
        match self.budget.charge_items(items) {
            Some(stop) => Err(stop),
            None => Ok(()),
        }
    }

    /// Transactions of `kind` within the last `days` days, today included.
    pub(crate) fn window(&self, kind: &str, days: i64) -> impl Iterator<Item = &Txn> {
        let since = self.today.saturating_sub(days);
        self.of_kind(kind)
            .iter()
            .filter(move |t| t.day > since && t.day <= self.today)
    }

    fn kind_of(&self, t: &Txn) -> &str {
        self.customer
            .transactions
            .get(t.src as usize)
            .map_or("", |x| x.kind.as_str())
    }

    /// The transactions of one kind.
    fn of_kind(&self, kind: &str) -> &[Txn] {
        let start = self.txns.partition_point(|t| self.kind_of(t) < kind);
        let len = self.txns[start..].partition_point(|t| self.kind_of(t) == kind);
        &self.txns[start..start + len]
    }

    /// Each kind of transaction the customer has, once.
    pub(crate) fn kinds(&self) -> impl Iterator<Item = &str> {
        let mut last: Option<&str> = None;
        self.txns.iter().filter_map(move |t| {
            let k = self.kind_of(t);
            (last != Some(k)).then(|| {
                last = Some(k);
                k
            })
        })
    }

    pub(crate) fn txn_sum(&self, kind: &str, days: i64) -> f64 {
        self.window(kind, days).map(|t| t.cny).sum()
    }

    pub(crate) fn txn_count(&self, kind: &str, days: i64) -> i64 {
        self.window(kind, days).count() as i64
    }

    pub(crate) fn txn_max(&self, kind: &str, days: i64) -> f64 {
        self.window(kind, days).map(|t| t.cny).fold(0.0, f64::max)
    }

    /// Transactions of `kind` in `currency` within the window: the amount
    /// in CNY, so thresholds stay in one currency whatever the filter.
    pub(crate) fn window_in<'a>(
        &'a self,
        kind: &'a str,
        currency: &'a str,
        days: i64,
    ) -> impl Iterator<Item = &'a Txn> + 'a {
        self.window(kind, days).filter(move |t| {
            self.customer
                .transactions
                .get(t.src as usize)
                .is_some_and(|x| x.currency.eq_ignore_ascii_case(currency))
        })
    }

    /// The money the customer is known to have with the bank: assets or the
    /// average balance. (Not a transaction: a large payment out is money gone.)
    pub(crate) fn funds_seen(&self) -> f64 {
        self.customer.aum.0.max(self.customer.avg_daily_balance.0)
    }

    /// Every transaction within the last `days` days, whatever its kind.
    pub(crate) fn txn_count_all(&self, days: i64) -> i64 {
        let since = self.today.saturating_sub(days);
        self.txns
            .iter()
            .filter(|t| t.day > since && t.day <= self.today)
            .count() as i64
    }

    pub(crate) fn has_account(&self, kind: &str) -> bool {
        self.customer.accounts.iter().any(|a| a.kind == kind)
    }

    /// The highest tier among accounts of this type, `""` if none.
    pub(crate) fn account_tier(&self, kind: &str) -> &'static str {
        self.customer
            .accounts
            .iter()
            .filter(|a| a.kind == kind)
            .map(|a| a.tier)
            .max()
            .map_or("", |t| t.as_str())
    }

    /// Whether any account, of whatever type, is at `tier` or above.
    pub(crate) fn has_tier(&self, tier: &str) -> bool {
        let want = match tier {
            "standard" => crate::signals::Tier::Standard,
            "gold" => crate::signals::Tier::Gold,
            "platinum" => crate::signals::Tier::Platinum,
            _ => return false,
        };
        self.customer.accounts.iter().any(|a| a.tier >= want)
    }

    /// Whether a screen rule decided this test, passed or not.
    pub(crate) fn decided(&self, test: &str) -> bool {
        self.screens.borrow().iter().any(|(t, _)| t == test)
    }

    /// Whether a screening test was passed (false when no screen rule decided it).
    pub(crate) fn passes(&self, test: &str) -> bool {
        self.screens.borrow().iter().any(|(t, ok)| t == test && *ok)
    }

    pub(crate) fn account_balance(&self, kind: &str) -> f64 {
        self.customer
            .accounts
            .iter()
            .filter(|a| a.kind == kind)
            .map(|a| a.balance.0)
            .sum()
    }

    pub(crate) fn holds(&self, what: &str) -> bool {
        self.customer
            .holdings
            .iter()
            .any(|h| Self::product_matches(&h.product, what))
    }

    pub(crate) fn holding_amount(&self, what: &str) -> f64 {
        self.customer
            .holdings
            .iter()
            .filter(|h| Self::product_matches(&h.product, what))
            .map(|h| h.amount.0)
            .sum()
    }

    pub(crate) fn matures_within(&self, what: &str, days: i64) -> bool {
        self.customer.holdings.iter().any(|h| {
            Self::product_matches(&h.product, what)
                && h.matures_on
                    .as_ref()
                    .is_some_and(|m| (0..=days).contains(&(m.day() - self.today)))
        })
    }

    pub(crate) fn applies(&self, what: &str) -> bool {
        self.customer.applications.iter().any(|a| a == what)
    }

    pub(crate) fn needs(&self, what: &str) -> bool {
        self.customer.stated_needs.iter().any(|n| n == what)
    }

    pub(crate) fn visit_for(&self, purpose: &str) -> bool {
        self.customer.visit.as_ref().and_then(|v| v.purpose.as_deref()) == Some(purpose)
    }

    /// Today's visit purpose, `""` if none.
    pub(crate) fn purpose(&self) -> &str {
        self.customer
            .visit
            .as_ref()
            .and_then(|v| v.purpose.as_deref())
            .unwrap_or("")
    }

    /// Distinct products held and account types opened (counted once per customer).
    pub(crate) fn products_held(&self) -> i64 {
        *self.products_held.get_or_init(|| {
            let c = &self.customer;
            let mut held: BTreeSet<&str> = c.holdings.iter().map(|h| h.product.as_str()).collect();
            held.extend(c.accounts.iter().map(|a| a.kind.as_str()));
            held.len() as i64
        })
    }

    /// The product of the latest contact today with this outcome, `""` if none.
    pub(crate) fn outcome_today(&self, outcome: Outcome) -> &str {
        self.customer
            .contact_history
            .iter()
            .filter(|c| c.outcome == outcome && c.at.day() == self.today && c.at.unix <= self.now)
            .max_by_key(|c| c.at.unix)
            .map_or("", |c| c.product.as_str())
    }

    /// Whether a holding or account product id matches `what`: the id itself
    /// or its family prefix (`wm` matches `wm.product`).
    pub(crate) fn product_matches(id: &str, what: &str) -> bool {
        id == what || (id.len() > what.len() && id.starts_with(what) && id.as_bytes()[what.len()] == b'.')
    }

    /// Whether the customer answered `outcome` about `product` (or its whole
    /// family, e.g. `wm`) within the last `days` days, today included.
    pub(crate) fn contacted_within(&self, product: &str, outcome: Outcome, days: i64) -> bool {
        self.customer.contact_history.iter().any(|c| {
            c.outcome == outcome
                && c.at.unix <= self.now
                && (Self::product_matches(&c.product, product) || Self::product_matches(product, &c.product))
                && self.today - c.at.day() < days
        })
    }
}

pub(crate) fn rate_of(fx: &BTreeMap<String, f64>, currency: &str) -> Option<f64> {
    if currency.eq_ignore_ascii_case("CNY") {
        return Some(1.0);
    }
    fx.get(currency)
        .or_else(|| fx.get(&currency.to_ascii_uppercase()))
        .copied()
}

fn unknown_currency(currency: &str, fx: &BTreeMap<String, f64>) -> String {
    let known: Vec<&str> = std::iter::once("CNY").chain(fx.keys().map(String::as_str)).collect();
    format!(
        "currency {currency:?} has no rate in the pack's fx_rates (known: {})",
        known.join(", ")
    )
}

/// Every trigger the pack's rules declare, numbered, so a customer's present
/// triggers are a bitset and a rule's "can it fire?" is one AND.
#[derive(Debug, Default)]
pub(crate) struct TriggerIndex {
    ids: HashMap<String, usize>,
}

/// A set of trigger numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Bits(Vec<u64>);

impl Bits {
    fn set(&mut self, i: usize) {
        let (w, b) = (i / 64, i % 64);
        if self.0.len() <= w {
            self.0.resize(w + 1, 0);
        }
        self.0[w] |= 1 << b;
    }

    pub fn intersects(&self, other: &Bits) -> bool {
        self.0.iter().zip(&other.0).any(|(a, b)| a & b != 0)
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }
}

impl TriggerIndex {
    /// Numbers a rule's triggers, adding new ones to the index.
    pub fn add(&mut self, triggers: &[String]) -> Bits {
        let mut bits = Bits::default();
        for t in triggers {
            let n = self.ids.len();
            let i = *self.ids.entry(t.clone()).or_insert(n);
            bits.set(i);
        }
        bits
    }

    /// The triggers present for this customer.
    pub fn present(&self, f: &Facts<'_>) -> Bits {
        let mut bits = Bits::default();
        if self.ids.is_empty() {
            return bits;
        }
        let c = &f.customer;
        let mut key = String::with_capacity(48);
        let mut mark = |prefix: &str, value: &str| {
            key.clear();
            key.push_str(prefix);
            key.push_str(value);
            if let Some(&i) = self.ids.get(key.as_str()) {
                bits.set(i);
            }
        };
        for kind in f.kinds() {
            mark("txn:", kind);
        }
        for a in &c.applications {
            mark("app:", a);
        }
        for n in &c.stated_needs {
            mark("need:", n);
        }
        if let Some(p) = c.visit.as_ref().and_then(|v| v.purpose.as_deref()) {
            mark("purpose:", p);
        }
        for a in &c.accounts {
            mark("account:", &a.kind);
        }
        for h in &c.holdings {
            mark("holding:", &h.product);
            if let Some((family, _)) = h.product.split_once('.') {
                mark("holding:", family);
            }
        }
        mark("kind:", c.kind.as_str());
        if !c.contact_history.is_empty() {
            mark("", "history");
        }
        bits
    }
}
