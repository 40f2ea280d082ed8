//! The sandbox's budgets while rules run: operations and wall-clock time.
//!
//! rhai counts operations per call of `eval`, but a closure that a native
//! function calls back (`a.filter(|x| …)`, `a.index_of(|x| …)`) is counted
//! against a copy of that count, which is thrown away when the closure
//! returns; and a helper that walks a long list costs one operation however
//! long the list. So the engine keeps its own count: one for every operation
//! rhai reports through `on_progress` (inside closures too, since the
//! callback is called once per operation whichever count it belongs to), plus
//! what helpers charge for the items they walk. The clock is read every
//! [`CLOCK_EVERY`] operations of the customer's evaluation (counted across
//! its rules) and on every charge of more than one operation, so a rule
//! cannot run longer than its time budget whatever it loops on.
//!
//! Starting a rule does not read the clock: its deadline counts from the
//! last reading, at most [`CLOCK_EVERY`] operations earlier, which makes it
//! stricter by microseconds against budgets of milliseconds. In the page a
//! reading is a call out of the module into `performance.now()`; one per
//! rule was a tenth of a backtest's time.

use std::cell::Cell;

/// Items a helper walks for one operation: a step of a Rust loop over a
/// slice costs a few nanoseconds, a rhai operation tens.
pub const ITEMS_PER_OPERATION: u64 = 32;

/// How often (in operations) the clock is read: often enough that a budget
/// of a few milliseconds is kept, rarely enough to cost nothing.
const CLOCK_EVERY: u64 = 256;

/// Between rules, the last reading is trusted for this many operations.
const STALE_AFTER: u64 = 64;

/// Why a rule was stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// It used more operations than `budgets.operations_per_rule`.
    Operations,
    /// It ran longer than `budgets.rule_ms`.
    RuleTime,
    /// The customer's evaluation ran longer than `budgets.customer_ms`.
    CustomerTime,
}

impl Stop {
    /// The token rhai carries in `ErrorTerminated`.
    pub fn token(self) -> &'static str {
        match self {
            Stop::Operations => "nextbest:budget:operations",
            Stop::RuleTime => "nextbest:budget:rule_ms",
            Stop::CustomerTime => "nextbest:budget:customer_ms",
        }
    }
}

/// The running rule's budget. One per engine, reset for each rule.
#[derive(Debug)]
pub struct Budget {
    max_operations: u64,
    rule_ms: f64,
    customer_ms: f64,
    /// Operations used by the running rule.
    used: Cell<u64>,
    /// Operations of the whole customer so far, and the count at which the
    /// clock is next read.
    total: Cell<u64>,
    next_clock: Cell<u64>,
    /// The last clock reading, and the customer's operations then.
    last_clock: Cell<f64>,
    clock_at: Cell<u64>,
    rule_deadline: Cell<f64>,
    customer_deadline: Cell<f64>,
    /// Set once a budget is broken, so every later operation of the same
    /// rule stops too (a native function may drop one error, not all).
    stopped: Cell<Option<Stop>>,
}

impl Budget {
    pub fn new(max_operations: u64, rule_ms: f64, customer_ms: f64) -> Budget {
        Budget {
            max_operations,
            rule_ms,
            customer_ms,
            used: Cell::new(0),
            total: Cell::new(0),
            next_clock: Cell::new(CLOCK_EVERY),
            last_clock: Cell::new(0.0),
            clock_at: Cell::new(0),
            rule_deadline: Cell::new(f64::INFINITY),
            customer_deadline: Cell::new(f64::INFINITY),
            stopped: Cell::new(None),
        }
    }

    /// Starts a customer's evaluation.
    pub fn start_customer(&self) {
        let now = now_ms();
        self.total.set(0);
        self.observe(now);
        self.next_clock.set(CLOCK_EVERY);
        self.customer_deadline.set(now + self.customer_ms);
    }

    /// Whether the customer's time is used up (checked between rules): as
    /// of the last reading, read afresh once [`STALE_AFTER`] operations ran
    /// since it, so that many small rules cannot run on unwatched.
    pub fn customer_time_left(&self) -> bool {
        if self.total.get() >= self.clock_at.get().saturating_add(STALE_AFTER) {
            self.observe(now_ms());
        }
        self.last_clock.get() <= self.customer_deadline.get()
    }

    /// A clock reading taken elsewhere (before the rules, or the per-rule
    /// clock): the next rule's deadline counts from it.
    pub fn observe(&self, now: f64) {
        self.last_clock.set(now);
        self.clock_at.set(self.total.get());
    }

    /// Starts a rule: its operations from zero, its own deadline.
    pub fn start_rule(&self) {
        self.used.set(0);
        self.stopped.set(None);
        self.rule_deadline
            .set((self.last_clock.get() + self.rule_ms).min(self.customer_deadline.get()));
    }

    /// Operations the running rule used.
    pub fn used(&self) -> u64 {
        self.used.get()
    }

    /// Why the running rule was stopped, if it was.
    pub fn stopped(&self) -> Option<Stop> {
        self.stopped.get()
    }

    /// One rhai operation (from `on_progress`).
    pub fn tick(&self) -> Option<Stop> {
        self.add(1)
    }

    /// A helper walked `items` items.
    pub fn charge_items(&self, items: usize) -> Option<Stop> {
        self.add((items as u64).div_ceil(ITEMS_PER_OPERATION).max(1))
    }

    fn add(&self, ops: u64) -> Option<Stop> {
        if let Some(s) = self.stopped.get() {
            return Some(s);
        }
        let used = self.used.get().saturating_add(ops);
        self.used.set(used);
        let total = self.total.get().saturating_add(ops);
        self.total.set(total);
        let stop = if used > self.max_operations {
            Some(Stop::Operations)
        } else if total >= self.next_clock.get() || ops > 1 {
            self.next_clock.set(total.saturating_add(CLOCK_EVERY));
            let now = now_ms();
            self.observe(now);
            if now > self.customer_deadline.get() {
                Some(Stop::CustomerTime)
            } else if now > self.rule_deadline.get() {
                Some(Stop::RuleTime)
            } else {
                None
            }
        } else {
            None
        };
        if stop.is_some() {
            self.stopped.set(stop);
        }
        stop
    }

    pub fn max_operations(&self) -> u64 {
        self.max_operations
    }

    pub fn rule_ms(&self) -> f64 {
        self.rule_ms
    }

    pub fn customer_ms(&self) -> f64 {
        self.customer_ms
    }
}

/// A monotonic clock in milliseconds.
#[cfg(not(target_arch = "wasm32"))]
pub fn now_ms() -> f64 {
    use std::sync::OnceLock;
    use std::time::Instant;
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_secs_f64() * 1000.0
}

/// A monotonic clock in milliseconds: `performance.now()` (in a page, a
/// worker or Node), else `Date.now()`. Imported directly: a call through a
/// `js_sys::Function` costs several times more.
#[cfg(target_arch = "wasm32")]
pub fn now_ms() -> f64 {
    #[wasm_bindgen::prelude::wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_namespace = performance, js_name = now)]
        fn performance_now() -> f64;
    }
    thread_local! {
        static HAS_PERFORMANCE: bool = js_sys::Reflect::get(&js_sys::global(), &"performance".into())
            .ok()
            .filter(|p| p.is_object())
            .and_then(|p| js_sys::Reflect::get(&p, &"now".into()).ok())
            .is_some_and(|f| f.is_function());
    }
    if HAS_PERFORMANCE.with(|h| *h) {
        performance_now()
    } else {
        js_sys::Date::now()
    }
}
