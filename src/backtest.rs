//! The rule author's backtest (issue 12): a draft pack against the pack in
//! force, over a sample of customers, before the draft reaches a counter.
//!
//! Every customer is evaluated by both packs with the same options (channel,
//! time), and the outputs are compared on what staff act on: the route's
//! destination, the top pitch (the first suggestion) and the grade letter.
//! Beside the comparison, for each pack, what each rule did over the sample
//! (fired, skipped by its triggers, suppressed by policy and why, failed,
//! operations and wall time against the pack's budgets), the rules that
//! contradict each other on the same customer (routes to different places,
//! different products at the same priority), and, for each protected
//! attribute the pack names (`pack.json` `protected_attributes`), how the
//! share of each group with a suggestion or a route to the customer manager
//! moved.
//!
//! Plain core: no I/O and no clock unless [`BacktestOptions::timing`] asks
//! for per-rule wall time. Customers are added in any number of chunks
//! ([`Accumulator`]: the page's progress bar and Stop), and only counts, the
//! per-rule operations and a capped list of changed customers are kept, so
//! 10,000 customers cost a few megabytes. The CLI (`nextbest backtest`) and
//! the wasm module (`NextBest.backtest`, `BacktestAcc`) serialise the same
//! [`Backtest`].

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::error::{Error, RuleError, Stage};
use crate::eval::{Engine, Log, Options, Probe, Reuse, RunLog};
use crate::explain::{Evaluation, HoldReason, RuleStatus};
use crate::pack::RuleKind;
use crate::signals::Customer;

/// The channel a backtest evaluates for unless told otherwise.
pub const DEFAULT_CHANNEL: &str = "lobby";
/// Changed customers listed unless told otherwise (all are counted).
pub const DEFAULT_MAX_CHANGED: usize = 200;
/// Example customers kept per conflict and per refusal list.
pub const MAX_EXAMPLES: usize = 5;
/// A group is flagged when its share moves this many percentage points away
/// from the whole sample's change, and further than it.
pub const FAIRNESS_FLAG_POINTS: f64 = 10.0;
/// A rule is near its budget when its worst customer used this share of it.
pub const NEAR_BUDGET_SHARE: f64 = 0.8;
/// The destination counted as "a route to the customer manager" in fairness.
pub const MANAGER_DESTINATION: &str = "relationship_manager";

/// How to run a backtest.
#[derive(Debug, Clone, PartialEq)]
pub struct BacktestOptions {
    /// Who is serving (decides the pitch limit): `lobby` by default.
    pub channel: String,
    /// Evaluation time, Unix seconds, the same for every customer; `None`:
    /// each customer's own `visit.at` (a customer without one is refused).
    /// Either way the result depends only on the input.
    pub now: Option<i64>,
    /// Read the clock around each rule for its wall time. Off, the result
    /// depends only on the packs and customers (the CLI-versus-page check).
    pub timing: bool,
    /// At most this many changed customers are listed (all are counted).
    pub max_changed: usize,
    /// Let the draft take, customer by customer, the published pack's result
    /// of every rule that must return the same (eval.rs `Reuse`: same text,
    /// same parameters read, same stages before it) instead of running it
    /// again. Off, every rule runs twice: the result is the same (a test
    /// checks it), only slower.
    pub reuse: bool,
}

impl Default for BacktestOptions {
    fn default() -> Self {
        BacktestOptions {
            channel: DEFAULT_CHANNEL.to_owned(),
            now: None,
            timing: false,
            max_changed: DEFAULT_MAX_CHANGED,
            reuse: true,
        }
    }
}

/// One value per pack.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Sides<T> {
    pub base: T,
    pub draft: T,
}

/// Everything the backtest found.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Backtest {
    /// Customers in the sample.
    pub customers: usize,
    /// Customers both packs evaluated (the others are in `refused`).
    pub compared: usize,
    /// Customers with any change of route, top pitch or grade.
    pub changed: usize,
    pub changed_route: usize,
    pub changed_top: usize,
    pub changed_grade: usize,
    pub channel: String,
    /// The evaluation time, Unix seconds; absent: each customer's visit.at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub now: Option<i64>,
    /// Per-rule wall time: `off`, `monotonic` (native), or `browser`
    /// (`performance.now()`, which browsers coarsen to 0.1 ms or more, so a
    /// fast rule's median reads 0 there).
    pub clock: String,
    /// Customers each pack refused (bad input under its contract), not fatal.
    pub refused: Sides<usize>,
    /// The first refusals of each pack, with why.
    pub refusals: Sides<Vec<Refusal>>,
    /// Customers on whom a wall-clock budget (`rule_ms`, `customer_ms`)
    /// stopped a rule, by pack: their outputs depend on how busy the machine
    /// was, so a change on them may not be the draft's doing.
    pub out_of_time: Sides<usize>,
    /// Per product: customers whose suggestions include it, and whose top
    /// pitch it is, before (base) and after (draft).
    pub products: Vec<ProductCount>,
    /// Per destination: customers routed there, before and after.
    pub routes: Vec<RouteCount>,
    /// Per grade letter (`""`: ungraded): customers, before and after.
    pub grades: Vec<GradeCount>,
    /// The first `max_changed` changed customers, in sample order.
    pub changed_customers: Vec<ChangedCustomer>,
    /// Whether more customers changed than are listed.
    pub changed_truncated: bool,
    /// What each rule did over the sample, by pack, in rule order.
    pub rules: Sides<Vec<RuleStats>>,
    /// Rules that contradicted each other on the same customer, by pack.
    pub conflicts: Sides<Conflicts>,
    /// By protected attribute (pack.json `protected_attributes` of either pack).
    pub fairness: Vec<Fairness>,
    /// The draft pack's `nextbest check` problems (a protected attribute
    /// read without a justification among them).
    pub draft_problems: Vec<RuleError>,
}

/// A customer a pack would not evaluate.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Refusal {
    pub customer: String,
    pub message: String,
}

/// A product's counts before and after.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ProductCount {
    pub product: String,
    pub before: usize,
    pub after: usize,
    pub top_before: usize,
    pub top_after: usize,
}

/// A destination's customers before and after.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RouteCount {
    pub destination: String,
    pub before: usize,
    pub after: usize,
}

/// A grade's customers before and after (`""`: ungraded).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GradeCount {
    pub grade: String,
    pub before: usize,
    pub after: usize,
}

/// What staff act on for one customer under one pack.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Outcome {
    pub route: String,
    /// The first suggestion's product; null when nothing is pitched.
    pub top: Option<String>,
    /// The grade letter, `""` when ungraded.
    pub grade: String,
}

impl Outcome {
    fn of(out: &Evaluation) -> Outcome {
        Outcome {
            route: out.route.destination.clone(),
            top: out.suggestions.first().map(|s| s.product.clone()),
            grade: out.grade.grade.clone(),
        }
    }
}

/// A customer whose outcome changed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ChangedCustomer {
    pub customer: String,
    /// The customer's name, `""` when none.
    pub name: String,
    pub base: Outcome,
    pub draft: Outcome,
}

/// Minimum, median and maximum of a measure, with its budget.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Cost<T> {
    pub median: T,
    pub max: T,
    pub budget: T,
}

/// What one rule did over the sample.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RuleStats {
    pub rule: String,
    pub kind: RuleKind,
    pub priority: i64,
    /// False when the rule does not compile (it never runs).
    pub compiled: bool,
    /// Customers it returned something for.
    pub fired: usize,
    /// Customers it ran for and returned nothing.
    pub not_fired: usize,
    /// Customers none of its triggers was present for (it did not run).
    pub skipped: usize,
    /// Customers it failed on.
    pub errors: usize,
    /// Customers whose time budget ran out before its turn.
    pub not_run: usize,
    /// Customers with one of its products among the suggestions.
    pub shown: usize,
    /// Customers offered a substitute (products.json `substitutes`) for a
    /// product of its that suitability held back.
    pub substituted: usize,
    /// Customers with one of its proposals held back by policy.
    pub suppressed: usize,
    /// Proposals held back, by policy reason (complaint, consent, suitability…).
    pub suppressed_by: BTreeMap<String, usize>,
    /// rhai operations on the customers it ran for (0s when it never ran).
    pub operations: Cost<u64>,
    /// Wall time in milliseconds on the customers it ran for; null when the
    /// backtest ran without a clock.
    pub ms: Option<Cost<f64>>,
    /// Its worst customer used 80% or more of a budget (operations or time).
    pub near_budget: bool,
    pub never_fired: bool,
    /// It fired, proposed products, and policy held back every one.
    pub all_suppressed: bool,
}

/// Rules that contradicted each other.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Conflicts {
    /// Two route rules that both fired for a customer naming different destinations.
    pub routes: Vec<RouteConflict>,
    /// Two rules proposing different products at the same priority to a customer.
    pub pitches: Vec<PitchConflict>,
}

/// A pair of route rules that disagreed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RouteConflict {
    /// The two rules, in id order.
    pub rules: [String; 2],
    /// Customers both fired for with different destinations.
    pub count: usize,
    /// Which rule's route the customers got (`""`: neither's: policy or a third rule).
    pub won: BTreeMap<String, usize>,
    pub examples: Vec<RouteExample>,
}

/// One customer two route rules disagreed on.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RouteExample {
    pub customer: String,
    /// Each rule's destination, in the order of `rules`.
    pub destinations: [String; 2],
    /// The route in the output.
    pub route: String,
    /// The rule that gave it, `""` for the pack's default or policy's.
    pub won: String,
}

/// A pair of rules pitching different products at the same priority.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PitchConflict {
    pub rules: [String; 2],
    pub priority: i64,
    pub count: usize,
    pub examples: Vec<PitchExample>,
}

/// One customer two rules competed for.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PitchExample {
    pub customer: String,
    /// Each rule's product, in the order of `rules`.
    pub products: [String; 2],
}

/// One protected attribute's groups.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Fairness {
    pub attribute: String,
    /// The whole compared sample, for reference.
    pub all: FairnessGroup,
    /// By value (age in bands <30, 30–44, 45–59, 60+; `unknown` when missing).
    pub groups: Vec<FairnessGroup>,
}

/// A group's shares before and after.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FairnessGroup {
    pub group: String,
    pub customers: usize,
    /// Percent of the group with any suggestion.
    pub suggested: Shift,
    /// Percent of the group routed to the customer manager.
    pub to_manager: Shift,
    /// Either share moved 10 points or more away from the whole sample's
    /// change, and further than it (not merely stood still while the sample moved).
    pub flagged: bool,
}

/// A share in percent (one decimal) before and after, and the change in points.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Shift {
    pub before: f64,
    pub after: f64,
    pub change: f64,
}

/// Runs the whole backtest at once. A customer a pack refuses is counted
/// in `refused`; only an unknown channel is an error.
pub fn backtest(
    base: &Engine,
    draft: &Engine,
    customers: &[Customer],
    options: &BacktestOptions,
) -> Result<Backtest, Error> {
    let mut acc = Accumulator::new(base, draft, options.clone())?;
    acc.add(base, draft, customers, &mut |_, _, _| {});
    Ok(acc.finish(base, draft))
}

/// The running totals: customers are added chunk by chunk, then
/// [`Accumulator::finish`] gives the [`Backtest`]. Each call must pass the
/// same two engines.
///
/// Two accumulators of the same packs and options over consecutive parts of
/// a sample add up ([`Accumulator::part`], [`Accumulator::merge`]) to what
/// one gives over the whole: the page splits a backtest between two workers.
#[derive(Serialize, Deserialize)]
pub struct Accumulator {
    #[serde(skip)]
    options: BacktestOptions,
    /// The options and both packs, summed up: a part is merged only into an
    /// accumulator of the same.
    of: String,
    customers: usize,
    compared: usize,
    changed: usize,
    changed_route: usize,
    changed_top: usize,
    changed_grade: usize,
    changed_customers: Vec<ChangedCustomer>,
    side: Sides<SideAcc>,
    attributes: Vec<String>,
    /// attribute → group → [customers, suggested before, after, to manager before, after].
    fairness: Vec<BTreeMap<String, [usize; 5]>>,
    all: [usize; 5],
    /// What the draft may take from the published pack's run (None: nothing, or `reuse` off).
    #[serde(skip)]
    reuse: Option<Reuse>,
    #[serde(skip)]
    log: RunLog,
    /// Rule runs the draft took from the published pack's (of all it would have run).
    reused: usize,
}

/// What [`SideAcc::run`] made of a customer.
enum Ran {
    Own(Box<Evaluation>),
    /// The other side's output, which this side's must equal (`Log::Replay`).
    Same,
    Refused,
}

impl Ran {
    fn own(self) -> Option<Evaluation> {
        match self {
            Ran::Own(out) => Some(*out),
            Ran::Same | Ran::Refused => None,
        }
    }
}

#[derive(Default, Serialize, Deserialize)]
struct SideAcc {
    rules: Vec<RuleAcc>,
    #[serde(skip)]
    index: HashMap<String, usize>,
    /// The rule of each trace entry (an output's trace lists the compiled rules in run order).
    #[serde(skip)]
    order: Vec<usize>,
    refused: usize,
    refusals: Vec<Refusal>,
    out_of_time: usize,
    /// product → (suggested, top).
    products: BTreeMap<String, (usize, usize)>,
    routes: BTreeMap<String, usize>,
    grades: BTreeMap<String, usize>,
    #[serde(with = "route_pairs")]
    route_pairs: BTreeMap<(String, String), RouteConflict>,
    #[serde(with = "pitch_pairs")]
    pitch_pairs: BTreeMap<(String, String, i64), PitchConflict>,
    #[serde(skip)]
    probe: Probe,
}

/// The conflict maps as lists (JSON keys are strings): each key is in its value.
mod route_pairs {
    use super::{BTreeMap, RouteConflict};
    type Map = BTreeMap<(String, String), RouteConflict>;
    pub fn serialize<S: serde::Serializer>(m: &Map, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(m.values())
    }
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Map, D::Error> {
        let list: Vec<RouteConflict> = serde::Deserialize::deserialize(d)?;
        Ok(list
            .into_iter()
            .map(|c| ((c.rules[0].clone(), c.rules[1].clone()), c))
            .collect())
    }
}

mod pitch_pairs {
    use super::{BTreeMap, PitchConflict};
    type Map = BTreeMap<(String, String, i64), PitchConflict>;
    pub fn serialize<S: serde::Serializer>(m: &Map, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(m.values())
    }
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Map, D::Error> {
        let list: Vec<PitchConflict> = serde::Deserialize::deserialize(d)?;
        Ok(list
            .into_iter()
            .map(|c| ((c.rules[0].clone(), c.rules[1].clone(), c.priority), c))
            .collect())
    }
}

#[derive(Serialize, Deserialize)]
struct RuleAcc {
    id: String,
    kind: RuleKind,
    priority: i64,
    compiled: bool,
    fired: usize,
    not_fired: usize,
    skipped: usize,
    errors: usize,
    not_run: usize,
    shown: usize,
    substituted: usize,
    suppressed: usize,
    suppressed_by: BTreeMap<HoldReason, usize>,
    /// Operations → customers (small, and adds up across parts).
    operations: BTreeMap<u32, u32>,
    /// Milliseconds (an `f32`'s bits, which sort as the values do for the
    /// non-negative) → customers.
    ms: BTreeMap<u32, u32>,
}

impl SideAcc {
    fn new(engine: &Engine, timing: bool) -> SideAcc {
        let compiled: Vec<&str> = engine.compiled_ids().collect();
        let rules: Vec<RuleAcc> = engine
            .rules()
            .iter()
            .map(|m| RuleAcc {
                id: m.id.clone(),
                kind: m.kind,
                priority: m.priority,
                compiled: compiled.contains(&m.id.as_str()),
                fired: 0,
                not_fired: 0,
                skipped: 0,
                errors: 0,
                not_run: 0,
                shown: 0,
                substituted: 0,
                suppressed: 0,
                suppressed_by: BTreeMap::new(),
                operations: BTreeMap::new(),
                ms: BTreeMap::new(),
            })
            .collect();
        let index: HashMap<String, usize> = rules.iter().enumerate().map(|(i, r)| (r.id.clone(), i)).collect();
        let order = engine.compiled_ids().filter_map(|id| index.get(id).copied()).collect();
        SideAcc {
            rules,
            index,
            order,
            probe: Probe {
                timing,
                ..Probe::default()
            },
            ..SideAcc::default()
        }
    }

    /// Evaluates one customer and counts what its rules did. `Ran::Same`
    /// (replaying only): the output is the logged run's, not yet counted.
    fn run(&mut self, engine: &Engine, customer: &Customer, options: &Options, log: Log<'_>) -> Ran {
        let out = match engine.evaluate_probed(customer, options, &mut self.probe, log) {
            Ok(Some(out)) => out,
            Ok(None) => return Ran::Same,
            Err(e) => {
                self.refused += 1;
                if self.refusals.len() < MAX_EXAMPLES {
                    self.refusals.push(Refusal {
                        customer: customer.id.clone(),
                        message: e.to_string(),
                    });
                }
                return Ran::Refused;
            }
        };
        self.count(&out);
        Ran::Own(Box::new(out))
    }

    /// Counts for this pack an output the other side computed, when it must
    /// be this pack's own (`Reuse::same_output`), with that side's probe.
    fn count_same(&mut self, out: &Evaluation, probe: &Probe) {
        self.probe.times.clone_from(&probe.times);
        self.probe.routes.clone_from(&probe.routes);
        self.probe.proposals.clone_from(&probe.proposals);
        self.count(out);
    }

    /// Counts what the rules did in one output (with `self.probe` of its run).
    fn count(&mut self, out: &Evaluation) {
        let timed_out = out.trace.iter().any(|t| t.status == RuleStatus::NotRun)
            || out
                .errors
                .iter()
                .any(|e| e.message.contains("budgets.rule_ms") || e.message.contains("budgets.customer_ms"));
        self.out_of_time += usize::from(timed_out);
        let in_order = out.trace.len() == self.order.len();
        for (i, t) in out.trace.iter().enumerate() {
            let at = match in_order {
                true => self.order[i],
                false => match self.index.get(&*t.rule) {
                    Some(&at) => at,
                    None => continue,
                },
            };
            let r = &mut self.rules[at];
            match t.status {
                RuleStatus::Fired => r.fired += 1,
                RuleStatus::NotFired => r.not_fired += 1,
                RuleStatus::Skipped => r.skipped += 1,
                RuleStatus::Error => r.errors += 1,
                RuleStatus::NotRun => r.not_run += 1,
            }
            if matches!(t.status, RuleStatus::Fired | RuleStatus::NotFired | RuleStatus::Error) {
                *r.operations
                    .entry(u32::try_from(t.operations).unwrap_or(u32::MAX))
                    .or_default() += 1;
                if self.probe.timing {
                    let ms = (self.probe.times.get(i).copied().unwrap_or(0.0) as f32).max(0.0);
                    *r.ms.entry(ms.to_bits()).or_default() += 1;
                }
            }
        }
        // A substitute policy offers instead of a held product is not the rule's own pitch.
        for substitute in [false, true] {
            let mut shown: Vec<usize> = out
                .suggestions
                .iter()
                .filter(|s| s.substitute_for.is_some() == substitute)
                .flat_map(|s| s.rules.iter().filter_map(|r| self.index.get(r).copied()))
                .collect();
            shown.sort_unstable();
            shown.dedup();
            for i in shown {
                if substitute {
                    self.rules[i].substituted += 1;
                } else {
                    self.rules[i].shown += 1;
                }
            }
        }
        let mut held = Vec::new();
        for s in &out.suppressed {
            for r in &s.rules {
                if let Some(&i) = self.index.get(r) {
                    *self.rules[i].suppressed_by.entry(s.reason).or_default() += 1;
                    held.push(i);
                }
            }
        }
        held.sort_unstable();
        held.dedup();
        for i in held {
            self.rules[i].suppressed += 1;
        }
        for (n, s) in out.suggestions.iter().enumerate() {
            let e = self.products.entry(s.product.clone()).or_default();
            e.0 += 1;
            e.1 += usize::from(n == 0);
        }
        *self.routes.entry(out.route.destination.clone()).or_default() += 1;
        *self.grades.entry(out.grade.grade.clone()).or_default() += 1;
        self.conflicts(out);
    }

    /// Adds another part's counts (its customers after this one's).
    fn merge(&mut self, o: SideAcc) {
        fn add<K: Ord, V: std::ops::AddAssign + Default>(to: &mut BTreeMap<K, V>, from: BTreeMap<K, V>) {
            for (k, v) in from {
                *to.entry(k).or_default() += v;
            }
        }
        for (r, x) in self.rules.iter_mut().zip(o.rules) {
            r.fired += x.fired;
            r.not_fired += x.not_fired;
            r.skipped += x.skipped;
            r.errors += x.errors;
            r.not_run += x.not_run;
            r.shown += x.shown;
            r.substituted += x.substituted;
            r.suppressed += x.suppressed;
            add(&mut r.suppressed_by, x.suppressed_by);
            add(&mut r.operations, x.operations);
            add(&mut r.ms, x.ms);
        }
        self.refused += o.refused;
        self.refusals.extend(o.refusals);
        self.refusals.truncate(MAX_EXAMPLES);
        self.out_of_time += o.out_of_time;
        for (p, (all, top)) in o.products {
            let e = self.products.entry(p).or_default();
            e.0 += all;
            e.1 += top;
        }
        add(&mut self.routes, o.routes);
        add(&mut self.grades, o.grades);
        merge_conflicts(&mut self.route_pairs, o.route_pairs);
        merge_conflicts(&mut self.pitch_pairs, o.pitch_pairs);
    }

    fn conflicts(&mut self, out: &Evaluation) {
        // One destination per rule: the first it proposed.
        let mut routes: Vec<(&str, &str)> = Vec::new();
        for (rule, dest) in &self.probe.routes {
            if !routes.iter().any(|(r, _)| r == rule) {
                routes.push((rule, dest));
            }
        }
        routes.sort();
        let won = out.route.rule.clone().unwrap_or_default();
        for (i, (a, da)) in routes.iter().enumerate() {
            for (b, db) in &routes[i + 1..] {
                if da == db {
                    continue;
                }
                let c = self
                    .route_pairs
                    .entry(((*a).to_owned(), (*b).to_owned()))
                    .or_insert_with(|| RouteConflict {
                        rules: [(*a).to_owned(), (*b).to_owned()],
                        count: 0,
                        won: BTreeMap::new(),
                        examples: Vec::new(),
                    });
                c.count += 1;
                let w = if won == *a || won == *b {
                    won.clone()
                } else {
                    String::new()
                };
                *c.won.entry(w.clone()).or_default() += 1;
                if c.examples.len() < MAX_EXAMPLES {
                    c.examples.push(RouteExample {
                        customer: out.customer.clone(),
                        destinations: [(*da).to_owned(), (*db).to_owned()],
                        route: out.route.destination.clone(),
                        won: w,
                    });
                }
            }
        }
        // One product per rule and priority: the first it proposed.
        let mut pitches: Vec<(&str, &str, i64)> = Vec::new();
        for (rule, product, priority) in &self.probe.proposals {
            if !pitches.iter().any(|(r, ..)| r == rule) {
                pitches.push((rule, product, *priority));
            }
        }
        pitches.sort();
        for (i, (a, pa, prio)) in pitches.iter().enumerate() {
            for (b, pb, prio_b) in &pitches[i + 1..] {
                if prio != prio_b || pa == pb {
                    continue;
                }
                let c = self
                    .pitch_pairs
                    .entry(((*a).to_owned(), (*b).to_owned(), *prio))
                    .or_insert_with(|| PitchConflict {
                        rules: [(*a).to_owned(), (*b).to_owned()],
                        priority: *prio,
                        count: 0,
                        examples: Vec::new(),
                    });
                c.count += 1;
                if c.examples.len() < MAX_EXAMPLES {
                    c.examples.push(PitchExample {
                        customer: out.customer.clone(),
                        products: [(*pa).to_owned(), (*pb).to_owned()],
                    });
                }
            }
        }
    }

    fn stats(&self, engine: &Engine, timing: bool) -> Vec<RuleStats> {
        let ops_budget = engine.operations_budget();
        let ms_budget = engine.manifest().budgets.rule_ms;
        self.rules
            .iter()
            .map(|r| {
                let operations = Cost {
                    median: median(&r.operations).map_or(0, u64::from),
                    max: r.operations.keys().next_back().map_or(0, |&x| u64::from(x)),
                    budget: ops_budget,
                };
                let ms = timing.then(|| {
                    let value = |bits: u32| f64::from(f32::from_bits(bits));
                    Cost {
                        median: round3(median(&r.ms).map_or(0.0, value)),
                        max: round3(r.ms.keys().next_back().map_or(0.0, |&x| value(x))),
                        budget: ms_budget,
                    }
                });
                let near_budget = operations.max as f64 >= NEAR_BUDGET_SHARE * ops_budget as f64
                    || ms.as_ref().is_some_and(|m| m.max >= NEAR_BUDGET_SHARE * ms_budget);
                RuleStats {
                    rule: r.id.clone(),
                    kind: r.kind,
                    priority: r.priority,
                    compiled: r.compiled,
                    fired: r.fired,
                    not_fired: r.not_fired,
                    skipped: r.skipped,
                    errors: r.errors,
                    not_run: r.not_run,
                    shown: r.shown,
                    substituted: r.substituted,
                    suppressed: r.suppressed,
                    suppressed_by: r
                        .suppressed_by
                        .iter()
                        .map(|(k, v)| (k.as_str().to_owned(), *v))
                        .collect(),
                    operations,
                    ms,
                    near_budget,
                    never_fired: r.fired == 0,
                    all_suppressed: r.kind.suggests() && r.fired > 0 && r.shown == 0 && r.suppressed > 0,
                }
            })
            .collect()
    }

    fn conflicts_out(&self) -> Conflicts {
        let mut routes: Vec<RouteConflict> = self.route_pairs.values().cloned().collect();
        routes.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.rules.cmp(&b.rules)));
        let mut pitches: Vec<PitchConflict> = self.pitch_pairs.values().cloned().collect();
        pitches.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.rules.cmp(&b.rules)));
        Conflicts { routes, pitches }
    }
}

/// The lower middle of sorted values.
/// A conflict counted over two parts of the sample: the later part's added to the earlier's.
trait Conflict {
    fn absorb(&mut self, later: Self);
}

impl Conflict for RouteConflict {
    fn absorb(&mut self, later: Self) {
        self.count += later.count;
        for (rule, n) in later.won {
            *self.won.entry(rule).or_default() += n;
        }
        self.examples.extend(later.examples);
        self.examples.truncate(MAX_EXAMPLES);
    }
}

impl Conflict for PitchConflict {
    fn absorb(&mut self, later: Self) {
        self.count += later.count;
        self.examples.extend(later.examples);
        self.examples.truncate(MAX_EXAMPLES);
    }
}

fn merge_conflicts<K: Ord, C: Conflict>(to: &mut BTreeMap<K, C>, later: BTreeMap<K, C>) {
    for (k, c) in later {
        match to.entry(k) {
            std::collections::btree_map::Entry::Vacant(e) => {
                e.insert(c);
            }
            std::collections::btree_map::Entry::Occupied(mut e) => e.get_mut().absorb(c),
        }
    }
}

/// The options and both packs' files, summed up (SipHash with fixed keys:
/// the same in every worker of the same build).
fn fingerprint(base: &Engine, draft: &Engine, o: &BacktestOptions) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    base.source().files.hash(&mut h);
    draft.source().files.hash(&mut h);
    format!(
        "{}|{:?}|{}|{}|{}|{:016x}",
        o.channel,
        o.now,
        o.timing,
        o.max_changed,
        o.reuse,
        h.finish()
    )
}

/// The lower median of a histogram (value → how many).
fn median(histogram: &BTreeMap<u32, u32>) -> Option<u32> {
    let n: u64 = histogram.values().map(|&c| u64::from(c)).sum();
    let mut at = n.checked_sub(1)? / 2;
    for (&v, &c) in histogram {
        if at < u64::from(c) {
            return Some(v);
        }
        at -= u64::from(c);
    }
    None
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The age bands of the fairness report, youngest first.
pub const AGE_BANDS: [&str; 4] = ["<30", "30–44", "45–59", "60+"];

/// The customer's group for a protected attribute.
pub fn group_of(customer: &Customer, attribute: &str) -> String {
    let unknown = || "unknown".to_owned();
    match attribute {
        "age" => customer.age.map_or_else(unknown, |a| {
            let band = match a {
                0..=29 => 0,
                30..=44 => 1,
                45..=59 => 2,
                _ => 3,
            };
            AGE_BANDS[band].to_owned()
        }),
        "segment" => customer.segment.as_str().to_owned(),
        "kind" => customer.kind.as_str().to_owned(),
        "occupation" => customer.occupation.clone().unwrap_or_else(unknown),
        "address_area" => customer.address_area.clone().unwrap_or_else(unknown),
        "risk_rating" => customer.risk_rating.map_or_else(unknown, |r| format!("C{}", r.0)),
        other => match customer.extra.get(other) {
            None | Some(serde_json::Value::Null) => unknown(),
            Some(serde_json::Value::String(s)) if s.trim().is_empty() => unknown(),
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(v) => v.to_string(),
        },
    }
}

impl Accumulator {
    /// Starts a backtest of `draft` against `base`. An unknown channel is an
    /// error (it would refuse every customer).
    pub fn new(base: &Engine, draft: &Engine, options: BacktestOptions) -> Result<Accumulator, Error> {
        let channel = crate::contract::fold(&options.channel).into_owned();
        for engine in [base, draft] {
            if !engine.manifest().policy.max_pitches.contains_key(&channel) {
                let known: Vec<&str> = engine
                    .manifest()
                    .policy
                    .max_pitches
                    .keys()
                    .map(String::as_str)
                    .collect();
                return Err(Error::input(
                    "channel",
                    format!("unknown channel {:?} (known: {})", options.channel, known.join(", ")),
                ));
            }
        }
        let mut attributes: Vec<String> = Vec::new();
        for a in base
            .manifest()
            .protected_attributes
            .iter()
            .chain(&draft.manifest().protected_attributes)
        {
            if !attributes.contains(a) {
                attributes.push(a.clone());
            }
        }
        Ok(Accumulator {
            customers: 0,
            compared: 0,
            changed: 0,
            changed_route: 0,
            changed_top: 0,
            changed_grade: 0,
            changed_customers: Vec::new(),
            side: Sides {
                base: SideAcc::new(base, options.timing),
                draft: SideAcc::new(draft, options.timing),
            },
            fairness: vec![BTreeMap::new(); attributes.len()],
            attributes,
            all: [0; 5],
            reuse: Some(Reuse::between(base, draft)).filter(|r| options.reuse && r.any()),
            of: fingerprint(base, draft, &options),
            log: RunLog::default(),
            reused: 0,
            options,
        })
    }

    /// Evaluates `customers` with both packs and adds them up. `changed` is
    /// called for every changed customer with both whole outputs (the CLI
    /// writes them out; nothing keeps them here).
    pub fn add(
        &mut self,
        base: &Engine,
        draft: &Engine,
        customers: &[Customer],
        changed: &mut dyn FnMut(&ChangedCustomer, &Evaluation, &Evaluation),
    ) {
        let options = Options {
            now: self.options.now,
            channel: self.options.channel.clone(),
            branch: None,
        };
        for c in customers {
            self.customers += 1;
            // The draft's output: its own, or (None) the published pack's when it must be the same.
            let (before, after) = match &self.reuse {
                Some(reuse) => {
                    let before = self.side.base.run(base, c, &options, Log::Record(&mut self.log)).own();
                    let after = match &before {
                        Some(out) if reuse.same_output(&self.log) => {
                            let Sides { base: b, draft: d } = &mut self.side;
                            d.count_same(out, &b.probe);
                            self.reused += out.trace.iter().filter(|t| t.status != RuleStatus::Skipped).count();
                            Some(None)
                        }
                        Some(out) => {
                            let ran = self
                                .side
                                .draft
                                .run(draft, c, &options, Log::Replay(&mut self.log, reuse));
                            self.reused += self.log.reused;
                            match ran {
                                Ran::Own(after) => Some(Some(*after)),
                                Ran::Same => {
                                    let Sides { base: b, draft: d } = &mut self.side;
                                    d.count_same(out, &b.probe);
                                    Some(None)
                                }
                                Ran::Refused => None,
                            }
                        }
                        None => self.side.draft.run(draft, c, &options, Log::Off).own().map(Some),
                    };
                    (before, after)
                }
                None => (
                    self.side.base.run(base, c, &options, Log::Off).own(),
                    self.side.draft.run(draft, c, &options, Log::Off).own().map(Some),
                ),
            };
            let (Some(before), Some(after)) = (before, after) else {
                continue;
            };
            let after = after.as_ref().unwrap_or(&before);
            self.compared += 1;
            let (b, a) = (Outcome::of(&before), Outcome::of(after));
            let flags = [b.route != a.route, b.top != a.top, b.grade != a.grade];
            self.changed_route += usize::from(flags[0]);
            self.changed_top += usize::from(flags[1]);
            self.changed_grade += usize::from(flags[2]);
            let counts = [
                1,
                usize::from(!before.suggestions.is_empty()),
                usize::from(!after.suggestions.is_empty()),
                usize::from(b.route == MANAGER_DESTINATION),
                usize::from(a.route == MANAGER_DESTINATION),
            ];
            for (k, v) in counts.iter().enumerate() {
                self.all[k] += v;
            }
            for (i, attribute) in self.attributes.iter().enumerate() {
                let g = self.fairness[i].entry(group_of(c, attribute)).or_default();
                for (k, v) in counts.iter().enumerate() {
                    g[k] += v;
                }
            }
            if flags.iter().any(|f| *f) {
                self.changed += 1;
                let entry = ChangedCustomer {
                    customer: c.id.clone(),
                    name: c.name.clone().unwrap_or_default(),
                    base: b,
                    draft: a,
                };
                changed(&entry, &before, after);
                if self.changed_customers.len() < self.options.max_changed {
                    self.changed_customers.push(entry);
                }
            }
        }
    }

    /// Customers added so far.
    pub fn customers(&self) -> usize {
        self.customers
    }

    /// Rule runs the draft took from the published pack's run so far.
    pub fn reused(&self) -> usize {
        self.reused
    }

    /// What this accumulator counted, as JSON text, for [`Accumulator::merge`].
    pub fn part(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Adds what another accumulator counted ([`Accumulator::part`]), of the
    /// same two packs and options, over customers that come after this
    /// one's in the sample: the result is what one accumulator gives over
    /// both parts in order (a test checks it).
    pub fn merge(&mut self, part: &str) -> Result<(), Error> {
        let o: Accumulator =
            serde_json::from_str(part).map_err(|e| Error::input("part", format!("not a backtest part: {e}")))?;
        let same_rules = |a: &SideAcc, b: &SideAcc| {
            a.rules.len() == b.rules.len() && a.rules.iter().zip(&b.rules).all(|(x, y)| x.id == y.id)
        };
        if o.of != self.of
            || !same_rules(&self.side.base, &o.side.base)
            || !same_rules(&self.side.draft, &o.side.draft)
            || self.attributes != o.attributes
        {
            return Err(Error::input("part", "a backtest part of other packs or options"));
        }
        self.customers += o.customers;
        self.compared += o.compared;
        self.changed += o.changed;
        self.changed_route += o.changed_route;
        self.changed_top += o.changed_top;
        self.changed_grade += o.changed_grade;
        self.changed_customers.extend(o.changed_customers);
        self.changed_customers.truncate(self.options.max_changed);
        self.side.base.merge(o.side.base);
        self.side.draft.merge(o.side.draft);
        for (mine, theirs) in self.fairness.iter_mut().zip(o.fairness) {
            for (group, counts) in theirs {
                let g = mine.entry(group).or_default();
                for (k, v) in counts.iter().enumerate() {
                    g[k] += v;
                }
            }
        }
        for (k, v) in o.all.iter().enumerate() {
            self.all[k] += v;
        }
        self.reused += o.reused;
        Ok(())
    }

    /// The backtest of everything added.
    pub fn finish(&self, base: &Engine, draft: &Engine) -> Backtest {
        let (sb, sd) = (&self.side.base, &self.side.draft);
        let mut products: BTreeMap<&str, ProductCount> = BTreeMap::new();
        for (side, map) in [(0, &sb.products), (1, &sd.products)] {
            for (p, (all, top)) in map {
                let e = products.entry(p).or_insert_with(|| ProductCount {
                    product: p.clone(),
                    before: 0,
                    after: 0,
                    top_before: 0,
                    top_after: 0,
                });
                if side == 0 {
                    (e.before, e.top_before) = (*all, *top);
                } else {
                    (e.after, e.top_after) = (*all, *top);
                }
            }
        }
        let counts = |b: &BTreeMap<String, usize>, d: &BTreeMap<String, usize>| {
            let mut keys: Vec<&String> = b.keys().chain(d.keys()).collect();
            keys.sort_by_key(|k| (k.is_empty(), k.as_str()));
            keys.dedup();
            keys.into_iter()
                .map(|k| {
                    (
                        k.clone(),
                        b.get(k).copied().unwrap_or(0),
                        d.get(k).copied().unwrap_or(0),
                    )
                })
                .collect::<Vec<_>>()
        };
        let group = |name: &str, n: &[usize; 5], all: Option<&FairnessGroup>| {
            let share = |x: usize| if n[0] == 0 { 0.0 } else { x as f64 * 100.0 / n[0] as f64 };
            let shift = |b: usize, a: usize| Shift {
                before: round1(share(b)),
                after: round1(share(a)),
                change: round1(share(a) - share(b)),
            };
            let (suggested, to_manager) = (shift(n[1], n[2]), shift(n[3], n[4]));
            // Away from the whole sample's change by 10 points or more, and
            // further than it: the groups that merely stood still while one
            // group moved the whole sample are not flagged.
            let apart = |g: &Shift, all: &Shift| {
                (g.change - all.change).abs() >= FAIRNESS_FLAG_POINTS && g.change.abs() >= all.change.abs()
            };
            let flagged =
                all.is_some_and(|all| apart(&suggested, &all.suggested) || apart(&to_manager, &all.to_manager));
            FairnessGroup {
                group: name.to_owned(),
                customers: n[0],
                suggested,
                to_manager,
                flagged,
            }
        };
        let all = group("all", &self.all, None);
        let fairness = self
            .attributes
            .iter()
            .zip(&self.fairness)
            .map(|(attribute, groups)| {
                let mut groups: Vec<FairnessGroup> = groups.iter().map(|(g, n)| group(g, n, Some(&all))).collect();
                // Age bands youngest first; `unknown` last.
                groups.sort_by_key(|g| {
                    let band = AGE_BANDS.iter().position(|b| *b == g.group).unwrap_or(AGE_BANDS.len());
                    (g.group == "unknown", band, g.group.clone())
                });
                Fairness {
                    attribute: attribute.clone(),
                    groups,
                    all: all.clone(),
                }
            })
            .collect();
        let clock = if !self.options.timing {
            "off"
        } else if cfg!(target_arch = "wasm32") {
            "browser"
        } else {
            "monotonic"
        };
        Backtest {
            customers: self.customers,
            compared: self.compared,
            changed: self.changed,
            changed_route: self.changed_route,
            changed_top: self.changed_top,
            changed_grade: self.changed_grade,
            channel: self.options.channel.clone(),
            now: self.options.now,
            clock: clock.to_owned(),
            refused: Sides {
                base: sb.refused,
                draft: sd.refused,
            },
            refusals: Sides {
                base: sb.refusals.clone(),
                draft: sd.refusals.clone(),
            },
            out_of_time: Sides {
                base: sb.out_of_time,
                draft: sd.out_of_time,
            },
            products: products.into_values().collect(),
            routes: counts(&sb.routes, &sd.routes)
                .into_iter()
                .map(|(destination, before, after)| RouteCount {
                    destination,
                    before,
                    after,
                })
                .collect(),
            grades: counts(&sb.grades, &sd.grades)
                .into_iter()
                .map(|(grade, before, after)| GradeCount { grade, before, after })
                .collect(),
            changed_truncated: self.changed > self.changed_customers.len(),
            changed_customers: self.changed_customers.clone(),
            rules: Sides {
                base: sb.stats(base, self.options.timing),
                draft: sd.stats(draft, self.options.timing),
            },
            conflicts: Sides {
                base: sb.conflicts_out(),
                draft: sd.conflicts_out(),
            },
            fairness,
            draft_problems: crate::lint::lint(draft, draft.source()),
        }
    }
}

impl Backtest {
    /// The draft's problems that are protected-attribute reads without a justification.
    pub fn unjustified_reads(&self) -> impl Iterator<Item = &RuleError> {
        self.draft_problems
            .iter()
            .filter(|p| p.stage == Stage::Lint && p.message.contains("protected attribute"))
    }
}

/// Customers as JSON lines, one customer a line (blank lines skipped),
/// read under the contract both packs accept (their `extra_fields`
/// together). An error names the line and the field: `line 3:
/// transactions[0].amount: …`.
pub fn read_customers_jsonl(text: &str, base: &Engine, draft: &Engine) -> Result<Vec<Customer>, Error> {
    let mut extra = base.manifest().extra_fields.clone();
    for (object, fields) in &draft.manifest().extra_fields {
        let e = extra.entry(object.clone()).or_default();
        for f in fields {
            if !e.contains(f) {
                e.push(f.clone());
            }
        }
    }
    read_jsonl_with(text, &extra)
}

/// [`read_customers_jsonl`] under given `extra_fields`.
pub fn read_jsonl_with(text: &str, extra: &BTreeMap<String, Vec<String>>) -> Result<Vec<Customer>, Error> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            Customer::from_json_with(l, extra).map_err(|e| match e {
                Error::Input { path, message } => Error::Input {
                    path: format!("line {}: {path}", i + 1),
                    message,
                },
                other => other,
            })
        })
        .collect()
}
