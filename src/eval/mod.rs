//! Compiling a pack and running its rules over one customer.
//!
//! Everything that can be done once is done in [`Engine::new`]: the rhai
//! engine is built with its limits and helpers, every rule is compiled to its
//! own AST, checked against the helper whitelist and its triggers numbered,
//! `params` become one read-only value that every evaluation shares (a rule
//! cannot change it for the next). Per customer, [`Engine::evaluate`] works
//! out the facts once and runs only the rules whose triggers are present,
//! each inside the pack's budgets (operations, time, output).
//!
//! There is one evaluator: rhai's. An earlier compiled fast path was removed
//! because no test could show it answered exactly as rhai does.

mod api;
mod budget;
mod facts;
pub mod helpers;
mod limits;
mod rhai_ast;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::rc::Rc;

use rhai::{Dynamic, EvalAltResult, Scope, AST};

pub use facts::Facts;
pub use limits::{default_limits, Limits};

use self::api::{ApiContext, Branch, Cust, GradeProposal, NoteProposal, Params, ScreenProposal, SignalProposal};
pub(crate) use self::api::{Proposal, RouteProposal};
use self::budget::{Budget, Stop};
use self::facts::{Bits, TriggerIndex};
pub(crate) use self::rhai_ast::Call;
use crate::error::{line_col, Error, RuleError, Stage};
use crate::explain::{Evaluation, Grade, HighValue, Note, RuleStatus, Screen, Signal, TraceEntry};
use crate::pack::{self, Budgets, Manifest, PackSource, Product, RuleKind, RuleMeta};
use crate::policy::{self, Proposed};
use crate::signals::{branch_day, Customer};

/// What [`Engine::evaluate_probed`] records beside the output (backtest.rs).
#[derive(Debug, Default)]
pub(crate) struct Probe {
    /// Whether to read the clock around each rule.
    pub timing: bool,
    /// Milliseconds per trace entry (0 for a rule that did not run, or without `timing`).
    pub times: Vec<f64>,
    /// (rule, destination) of every route proposed, in rule order.
    pub routes: Vec<(String, String)>,
    /// (rule, product, priority) of every product proposed, before policy.
    pub proposals: Vec<(String, String, i64)>,
}

/// How to evaluate: when, and for whom.
#[derive(Debug, Clone)]
pub struct Options {
    /// Evaluation time (Unix seconds). `None`: the customer's `visit.at`.
    /// The evaluation never runs earlier than the visit or the customer's
    /// last recorded contact, so a recorded answer is never in the future.
    pub now: Option<i64>,
    /// Who is serving: teller, vip_teller, lobby, psm or cm. Decides the pitch limit.
    pub channel: String,
    /// Who is free at the branch, the queues, the VIP area's seats (rules
    /// read it as `b`). `None`: nothing is known about the branch, which
    /// rules treat as no information, not as everyone free.
    pub branch: Option<crate::branch::BranchContext>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            now: None,
            channel: "lobby".to_owned(),
            branch: None,
        }
    }
}

struct CompiledRule {
    meta: RuleMeta,
    /// `meta.id`, shared with every trace line (an `Arc` so an evaluation can be sent to another thread).
    id: std::sync::Arc<str>,
    ast: AST,
    /// `id` as rhai's source name (what `eval_ast` would set from the AST).
    source: rhai::ImmutableString,
    triggers: Bits,
    /// Where a rule's final value stands, for errors about that value.
    last_line: usize,
}

/// A compiled rule pack, ready to evaluate customers.
pub struct Engine {
    rhai: rhai::Engine,
    ctx: Rc<ApiContext>,
    manifest: Manifest,
    /// By stage (signal, screen, grade, the rest); each stage in id order.
    rules: Vec<CompiledRule>,
    /// Rules that did not compile, reported with every evaluation.
    problems: Vec<RuleError>,
    metas: Vec<RuleMeta>,
    triggers: TriggerIndex,
    params: Params,
    budget: Rc<Budget>,
    /// rhai's function-resolution cache, kept across rules and customers
    /// for the rules that define no functions of their own (see `eval_rule`).
    caches: std::cell::RefCell<rhai::Caches>,
    /// Forbidden phrases and product names, folded once (wording.rs).
    wording: crate::wording::Wording,
    /// The pack it was compiled from (the backtest lints the draft).
    source: PackSource,
    /// The parameters the running rule has read, by place in key order
    /// (api::register_params): what a [`RunLog`] keeps of each rule.
    param_reads: Rc<std::cell::RefCell<Vec<u32>>>,
    /// rhai's limits in force (a rule's result depends on them).
    limits: Limits,
}

/// One evaluation's rule results, kept so that the next pack's evaluation of
/// the same customer (the backtest's draft after the published pack) need
/// not compute again what cannot differ. Reused from customer to customer.
#[derive(Default)]
pub(crate) struct RunLog {
    /// By rule, in the recording engine's order: what the rule returned, when
    /// it ran to its end within its budgets.
    rules: Vec<Option<Logged>>,
    /// The parameters each rule read, all rules together.
    reads: Vec<u32>,
    /// What the rules after stage 0, 1 and 2 could read of the stages before.
    published: Vec<Published>,
    /// Rules the last replay took from the log instead of running them.
    pub(crate) reused: usize,
    /// Every rule that ran returned within its budgets and its result was
    /// taken (no rule failed, none was left out for time).
    complete: bool,
}

struct Logged {
    value: Dynamic,
    operations: u64,
    ms: f64,
    reads: std::ops::Range<usize>,
}

/// What a stage makes readable to the stages after it (`Collected::publish`).
#[derive(PartialEq)]
struct Published {
    high_value: bool,
    screens: Vec<(String, bool)>,
    grade: String,
}

impl Published {
    fn of(facts: &Facts<'_>) -> Published {
        Published {
            high_value: facts.high_value.get(),
            screens: facts.screens.borrow().clone(),
            grade: facts.grade.borrow().clone(),
        }
    }
}

/// What an evaluation does with a [`RunLog`].
pub(crate) enum Log<'a> {
    Off,
    /// Keep what each rule returned.
    Record(&'a mut RunLog),
    /// Take from the log, recorded by the other engine of `Reuse` for the
    /// same customer and options, every result that must come out the same.
    Replay(&'a mut RunLog, &'a Reuse),
}

/// Which of a draft's rules may take the published pack's result for the
/// same customer instead of running ([`Log::Replay`]).
///
/// A rule's result depends only on its text, on what it reads and on the
/// sandbox's limits: the customer (the same customer, read under the same
/// contract), `b` (the same options), the parameters it read (noted as it
/// reads them), the catalogue, destinations, FX rates, grading and labels its
/// helpers consult, and what the stages before it published. So a rule is
/// taken from the log when its file is the same text in both packs, both
/// packs' rule environments are the same (`pack.json` apart from `params`,
/// the notes in `basis`, the name, the version, the contact plan, the
/// protected attributes (read by lint and the backtest) and every
/// policy but `max_boost`, which rules never read; `products.json`; the
/// limits), none of the parameters it read in the published pack's run has
/// another value in the draft, what every stage before it published is the
/// same in both runs, and in the published pack's run it returned within its
/// budgets. Anything else runs. Policy always runs again on the draft's side.
pub(crate) struct Reuse {
    /// By the draft's rule: the published pack's rule with the same text.
    from: Vec<Option<usize>>,
    /// By the published pack's parameter (key order): whether the draft lacks it or gives it another value.
    changed: Vec<bool>,
    /// The packs differ in parameters only (and in what neither rules nor
    /// policy read): the same rules, catalogue, limits and policy.
    params_only: bool,
}

impl Reuse {
    pub(crate) fn between(base: &Engine, draft: &Engine) -> Reuse {
        let environment = |e: &Engine| rule_environment(&e.manifest);
        let same_environment = base.limits == draft.limits
            && base.source.files.get("products.json") == draft.source.files.get("products.json")
            && environment(base).is_some()
            && environment(base) == environment(draft);
        let from = draft
            .rules
            .iter()
            .map(|d| {
                if !same_environment {
                    return None;
                }
                let text = |e: &Engine, r: &CompiledRule| e.source.files.get(&r.meta.file).cloned();
                base.rules
                    .iter()
                    .position(|b| b.meta.id == d.meta.id && b.meta.file == d.meta.file)
                    .filter(|&i| text(base, &base.rules[i]).is_some() && text(base, &base.rules[i]) == text(draft, d))
            })
            .collect();
        let changed = base
            .params
            .0
            .keys()
            .map(|k| {
                // As text: JSON's equality takes -0.0 for 0.0, which a rule can tell apart.
                let text = |e: &Engine| e.manifest.params.get(k.as_str()).map(|v| v.to_string());
                text(base).is_none() || text(base) != text(draft)
            })
            .collect();
        let policy = |e: &Engine| serde_json::to_string(&e.manifest.policy).ok();
        let params_only = same_environment
            && policy(base).is_some()
            && policy(base) == policy(draft)
            && base.source.rules().eq(draft.source.rules());
        Reuse {
            from,
            changed,
            params_only,
        }
    }

    /// Whether the draft's whole evaluation of the customer `log` holds the
    /// published pack's run of must equal that run's output: the packs differ
    /// only in parameters, no rule failed or was left out, and no rule that
    /// ran read a parameter the draft changes (a rule its triggers skipped is
    /// skipped in both). The backtest then counts that output for both.
    pub(crate) fn same_output(&self, log: &RunLog) -> bool {
        self.params_only
            && log.complete
            && !log
                .reads
                .iter()
                .any(|&p| self.changed.get(p as usize).copied().unwrap_or(true))
    }

    /// Whether any of the draft's rules can be taken from the log at all.
    pub(crate) fn any(&self) -> bool {
        self.from.iter().any(Option::is_some)
    }
}

/// `pack.json` without what no rule's run reads (see [`Reuse`]), as text
/// (JSON's equality would take -0.0 for 0.0); None if it cannot be written.
fn rule_environment(manifest: &Manifest) -> Option<String> {
    let mut v = serde_json::to_value(manifest).ok()?;
    let m = v.as_object_mut()?;
    for k in ["params", "basis", "name", "version", "plan", "protected_attributes"] {
        m.remove(k);
    }
    let max_boost = m.get("policy").and_then(|p| p.get("max_boost")).cloned();
    m.insert("policy".into(), max_boost.unwrap_or(serde_json::Value::Null));
    serde_json::to_string(&v).ok()
}

/// Names rules may use without declaring them.
const CUSTOMER_VAR: &str = "c";
const PARAMS_VAR: &str = "p";
const BRANCH_VAR: &str = "b";

impl Engine {
    /// Compiles a pack with the limits its `pack.json` budgets give.
    pub fn new(source: &PackSource) -> Result<Engine, Error> {
        Engine::build(source, None)
    }

    /// Compiles a pack with other rhai limits than the pack's (tests and
    /// fuzzing). A broken `pack.json` or `products.json` is an error; a
    /// broken rule is not: it is listed in [`Engine::problems`] and the
    /// other rules still run.
    pub fn with_limits(source: &PackSource, limits: Limits) -> Result<Engine, Error> {
        Engine::build(source, Some(limits))
    }

    fn build(source: &PackSource, limits: Option<Limits>) -> Result<Engine, Error> {
        let manifest_text = source
            .files
            .get("pack.json")
            .ok_or_else(|| Error::pack("pack.json", "the pack has no pack.json"))?;
        let manifest = Manifest::parse("pack.json", manifest_text)?;
        let products_text = source
            .files
            .get("products.json")
            .ok_or_else(|| Error::pack("products.json", "the pack has no products.json"))?;
        let products = pack::parse_products("products.json", products_text)?;
        let limits = limits.unwrap_or_else(|| Limits::from_budgets(&manifest.budgets));
        limits.check().map_err(|m| Error::pack("limits", m))?;
        let params = match rhai::serde::to_dynamic(&manifest.params) {
            Ok(v) => Params(Rc::new(v.try_cast::<rhai::Map>().unwrap_or_default())),
            Err(e) => return Err(Error::pack("pack.json", format!("params: {e}"))),
        };

        let ctx = Rc::new(ApiContext {
            catalogue: products.into_iter().map(|p| (p.id.clone(), p)).collect(),
            destinations: manifest.destinations.keys().cloned().collect(),
            fx: manifest.fx_rates.clone(),
            current_kind: std::cell::Cell::new(RuleKind::Signal),
            max_boost: manifest.policy.max_boost,
            grading: manifest.grading.clone(),
            labels: manifest.labels.clone(),
        });
        let wording = crate::wording::Wording::new(&manifest.policy.forbidden_phrases, &ctx.catalogue);
        let budget = Rc::new(Budget::new(
            limits.max_operations,
            manifest.budgets.rule_ms,
            manifest.budgets.customer_ms,
        ));
        let mut rhai = build_rhai(limits, ctx.clone(), budget.clone());
        let param_reads = Rc::new(std::cell::RefCell::new(Vec::new()));
        api::register_params(&mut rhai, &params, param_reads.clone());

        // Plain variables while compiling: as constants the optimiser would
        // fold them into the AST. At run time they are constants.
        let mut scope = Scope::new();
        scope.push(CUSTOMER_VAR, ());
        scope.push(PARAMS_VAR, params.clone());
        scope.push(BRANCH_VAR, ());

        let mut triggers = TriggerIndex::default();
        let (mut rules, mut problems, mut metas) = (Vec::new(), Vec::new(), Vec::new());
        for (id, file, text) in source.rules() {
            let meta = match pack::parse_header(id, file, text) {
                Ok(meta) => meta,
                Err(e) => {
                    problems.push(e);
                    continue;
                }
            };
            metas.push(meta.clone());
            let compile_error = |line, column, message| RuleError {
                rule: id.to_owned(),
                file: file.to_owned(),
                stage: Stage::Compile,
                line,
                column,
                message,
            };
            match rhai.compile_with_scope(&scope, text) {
                Ok(mut ast) => {
                    let refused = whitelist_problems(&ast, text);
                    if !refused.is_empty() {
                        problems.extend(refused.into_iter().map(|(l, c, m)| compile_error(l, c, m)));
                        continue;
                    }
                    ast.set_source(id);
                    let bits = triggers.add(&meta.triggers);
                    let last_line = text
                        .lines()
                        .enumerate()
                        .filter(|(_, l)| !l.trim().is_empty())
                        .last()
                        .map_or(1, |(i, _)| i + 1);
                    rules.push(CompiledRule {
                        id: meta.id.as_str().into(),
                        source: id.into(),
                        meta,
                        ast,
                        triggers: bits,
                        last_line,
                    });
                }
                Err(e) => {
                    let (line, column) = crate::error::parse_error_at(&e, text);
                    problems.push(compile_error(line, column, e.0.to_string()));
                }
            }
        }
        rules.sort_by(|a, b| (a.meta.kind.stage(), &a.meta.id).cmp(&(b.meta.kind.stage(), &b.meta.id)));
        Ok(Engine {
            rhai,
            ctx,
            manifest,
            rules,
            problems,
            metas,
            triggers,
            params,
            budget,
            caches: std::cell::RefCell::new(shared_caches()),
            wording,
            param_reads,
            limits,
            source: source.clone(),
        })
    }

    /// The pack this engine was compiled from.
    pub(crate) fn source(&self) -> &PackSource {
        &self.source
    }

    /// The ids of the rules that compiled, in the order they run.
    pub(crate) fn compiled_ids(&self) -> impl Iterator<Item = &str> {
        self.rules.iter().map(|r| r.meta.id.as_str())
    }

    /// Operations one rule may use on one customer (the limits in force).
    pub(crate) fn operations_budget(&self) -> u64 {
        self.budget.max_operations()
    }

    /// Rules that did not compile, with their positions.
    pub fn problems(&self) -> &[RuleError] {
        &self.problems
    }

    /// Each compiled rule's named calls in source order, with the functions
    /// it defines itself: lint reads what a rule calls without rhai's tree.
    pub(crate) fn rule_calls(&self) -> impl Iterator<Item = (&RuleMeta, Vec<Call>, Vec<(String, usize)>)> {
        self.rules
            .iter()
            .map(|r| (&r.meta, rhai_ast::calls(&r.ast), rhai_ast::own_functions(&r.ast)))
    }

    /// Every rule whose header could be read, compiled or not, in id order.
    pub fn rules(&self) -> &[RuleMeta] {
        &self.metas
    }

    /// The pack's manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The product catalogue, by id.
    pub fn catalogue(&self) -> &BTreeMap<String, Product> {
        &self.ctx.catalogue
    }

    /// Reads a customer from JSON text and evaluates it.
    pub fn evaluate_json(&self, customer: &str, options: &Options) -> Result<Evaluation, Error> {
        self.evaluate(self.read_customer(customer)?, options)
    }

    /// Reads a customer from JSON text under this pack's contract (its
    /// declared `extra_fields`); errors name the field.
    pub fn read_customer(&self, text: &str) -> Result<Customer, Error> {
        Customer::from_json_with(text, &self.manifest.extra_fields)
    }

    /// Reads a customer from a JSON value under this pack's contract.
    pub fn customer_from_value(&self, value: &serde_json::Value) -> Result<Customer, Error> {
        Customer::from_value_with(value, &self.manifest.extra_fields)
    }

    /// Runs the rules over one customer, then policy. Never panics; a failing
    /// rule is reported in `errors` and the others still run.
    pub fn evaluate(&self, customer: Customer, options: &Options) -> Result<Evaluation, Error> {
        self.run(Cow::Owned(customer), options, None, Log::Off).and_then(own)
    }

    /// [`Engine::evaluate`] of a customer the caller keeps.
    pub fn evaluate_ref(&self, customer: &Customer, options: &Options) -> Result<Evaluation, Error> {
        self.run(Cow::Owned(customer.clone()), options, None, Log::Off)
            .and_then(own)
    }

    /// [`Engine::evaluate_ref`] that also records, for the backtest, what
    /// the output does not keep: each rule's wall time (parallel to the
    /// trace, when `probe.timing`), every route a rule proposed and every
    /// product proposal before policy. Without a probe nothing is measured.
    /// With `log`, it also keeps each rule's result ([`Log::Record`]) or
    /// takes from another pack's log what must come out the same ([`Log::Replay`]).
    /// `Ok(None)` (replaying only): the output is the logged run's own, since
    /// the packs differ in parameters only ([`Reuse`]) and every rule gave
    /// what it gave there, with the same operations; the rules the log could
    /// not vouch for ran, policy did not. Times are then the logged run's.
    pub(crate) fn evaluate_probed(
        &self,
        customer: &Customer,
        options: &Options,
        probe: &mut Probe,
        log: Log<'_>,
    ) -> Result<Option<Evaluation>, Error> {
        probe.times.clear();
        probe.routes.clear();
        probe.proposals.clear();
        self.run(Cow::Owned(customer.clone()), options, Some(probe), log)
    }

    fn run(
        &self,
        mut customer: Cow<'static, Customer>,
        options: &Options,
        mut probe: Option<&mut Probe>,
        mut log: Log<'_>,
    ) -> Result<Option<Evaluation>, Error> {
        match &mut log {
            Log::Off => {}
            Log::Record(l) => {
                l.rules.clear();
                l.rules.resize_with(self.rules.len(), || None);
                l.reads.clear();
                l.published.clear();
                l.complete = true;
            }
            Log::Replay(l, _) => l.reused = 0,
        }
        // Whether every stage so far published what it did in the logged run.
        let mut upstream_same = true;
        // Replaying: whether any rule so far did otherwise than in the logged run.
        let mut diverged = false;
        // With the per-rule clock: the last reading, which the next rule
        // starts from (one reading per rule, not two: in the page each is a
        // call out of the module). A rule's time then includes the engine's
        // few microseconds of bookkeeping since the rule before it. None:
        // read afresh (at the start, and after a rule taken from a log).
        let mut clock: Option<f64> = None;
        crate::contract::check_vocabulary(&mut customer, &self.manifest)?;
        let now = evaluation_time(&customer, options)?;
        let channel = crate::contract::fold(&options.channel).into_owned();
        if !self.manifest.policy.max_pitches.contains_key(&channel) {
            let known: Vec<&str> = self.manifest.policy.max_pitches.keys().map(String::as_str).collect();
            return Err(Error::input(
                "channel",
                format!("unknown channel {:?} (known: {})", options.channel, known.join(", ")),
            ));
        }
        self.budget.start_customer();
        let facts = Rc::new(Facts::new(
            customer,
            now,
            Cow::Owned(channel.clone()),
            &self.manifest.fx_rates,
            self.budget.clone(),
        )?);
        let present = self.triggers.present(&facts);
        // Reading the customer takes time that is no rule's.
        self.budget.observe(budget::now_ms());
        let mut scope = Scope::new();
        scope.push_constant(CUSTOMER_VAR, Cust(facts.clone()));
        scope.push_constant(PARAMS_VAR, self.params.clone());
        scope.push_constant(
            BRANCH_VAR,
            Branch(options.branch.as_ref().map(|b| b.board()).unwrap_or_default()),
        );

        let mut out = Collected::new(&self.manifest.budgets, self.manifest.policy.max_boost);
        let mut errors = self.problems.clone();
        let mut trace = Vec::with_capacity(self.rules.len());
        let mut stage = 0;
        let mut out_of_time = false;
        for (at, rule) in self.rules.iter().enumerate() {
            // What a stage decided is visible to the stages after it.
            while stage < rule.meta.kind.stage() {
                out.publish(stage, &facts);
                match &mut log {
                    Log::Off => {}
                    Log::Record(l) => l.published.push(Published::of(&facts)),
                    Log::Replay(l, _) => {
                        upstream_same =
                            upstream_same && l.published.get(usize::from(stage)) == Some(&Published::of(&facts));
                    }
                }
                stage += 1;
            }
            if !rule.triggers.is_empty() && !rule.triggers.intersects(&present) {
                trace.push(TraceEntry {
                    rule: rule.id.clone(),
                    status: RuleStatus::Skipped,
                    operations: 0,
                });
                if let Some(p) = probe.as_deref_mut() {
                    p.times.push(0.0);
                }
                continue;
            }
            if out_of_time || !self.budget.customer_time_left() {
                if !out_of_time {
                    // Never silent: the first rule left out says why.
                    errors.push(RuleError {
                        rule: rule.meta.id.clone(),
                        file: rule.meta.file.clone(),
                        stage: Stage::Run,
                        line: 0,
                        column: 0,
                        message: format!(
                            "this customer's evaluation passed {} ms (pack.json budgets.customer_ms); this rule and the rules after it were not run",
                            self.budget.customer_ms()
                        ),
                    });
                }
                out_of_time = true;
                diverged = true;
                if let Log::Record(l) = &mut log {
                    l.complete = false;
                }
                trace.push(TraceEntry {
                    rule: rule.id.clone(),
                    status: RuleStatus::NotRun,
                    operations: 0,
                });
                if let Some(p) = probe.as_deref_mut() {
                    p.times.push(0.0);
                }
                continue;
            }
            self.ctx.current_kind.set(rule.meta.kind);
            let taken = match &mut log {
                Log::Replay(l, reuse) if upstream_same => reuse.from[at]
                    .filter(|&b| {
                        l.rules.get(b).and_then(Option::as_ref).is_some_and(|x| {
                            !l.reads[x.reads.clone()]
                                .iter()
                                .any(|&p| reuse.changed.get(p as usize).copied().unwrap_or(true))
                        })
                    })
                    .and_then(|b| {
                        l.reused += 1;
                        l.rules[b].take()
                    }),
                _ => None,
            };
            let (result, stopped, operations, ms) = match taken {
                Some(x) => {
                    clock = None;
                    (Ok(x.value), None, x.operations, x.ms)
                }
                None => {
                    let timing = probe.as_deref().is_some_and(|p| p.timing);
                    let started = match (timing, clock) {
                        (false, _) => 0.0,
                        (true, Some(t)) => t,
                        (true, None) => {
                            let now = budget::now_ms();
                            self.budget.observe(now);
                            now
                        }
                    };
                    self.budget.start_rule();
                    self.param_reads.borrow_mut().clear();
                    let base = scope.len();
                    let result = self.eval_rule(&mut scope, rule);
                    scope.rewind(base);
                    let ms = if timing {
                        let now = budget::now_ms();
                        clock = Some(now);
                        self.budget.observe(now);
                        now - started
                    } else {
                        0.0
                    };
                    let (stopped, operations) = (self.budget.stopped(), self.budget.used());
                    if let Log::Replay(l, reuse) = &log {
                        let logged = reuse.from[at].and_then(|b| l.rules.get(b)).and_then(Option::as_ref);
                        diverged = diverged
                            || !matches!((logged, &result, stopped), (Some(x), Ok(v), None)
                                if x.operations == operations && same_value(v, &x.value));
                    }
                    (result, stopped, operations, ms)
                }
            };
            if let Some(p) = probe.as_deref_mut() {
                p.times.push(ms);
            }
            if let (Log::Record(l), Ok(value), None) = (&mut log, &result, stopped) {
                let from = l.reads.len();
                l.reads.extend_from_slice(&self.param_reads.borrow());
                l.rules[at] = Some(Logged {
                    value: value.clone(),
                    operations,
                    ms,
                    reads: from..l.reads.len(),
                });
            }
            let (routes_before, proposals_before) = (out.routes.len(), out.proposals.len());
            out_of_time |= stopped == Some(Stop::CustomerTime);
            // A rule that broke a budget failed, even if a native function
            // swallowed the stop and the rule went on to return something.
            let result = match (result, stopped) {
                (Ok(_), Some(stop)) => Err(Box::new(EvalAltResult::ErrorTerminated(
                    stop.token().into(),
                    rhai::Position::NONE,
                ))),
                (r, _) => r,
            };
            let status = match result
                .map_err(|e| run_error(rule, &e, stopped, &self.budget))
                .and_then(|v| out.take(rule, v))
            {
                Ok(true) => RuleStatus::Fired,
                Ok(false) => RuleStatus::NotFired,
                Err(e) => {
                    errors.push(e);
                    diverged = true;
                    if let Log::Record(l) = &mut log {
                        l.complete = false;
                    }
                    RuleStatus::Error
                }
            };
            if let Some(p) = probe.as_deref_mut() {
                for (_, r, route) in &out.routes[routes_before..] {
                    p.routes.push((r.clone(), route.destination.clone()));
                }
                for x in &out.proposals[proposals_before..] {
                    p.proposals
                        .push((x.rule.clone(), x.proposal.product.clone(), x.priority));
                }
            }
            trace.push(TraceEntry {
                rule: rule.id.clone(),
                status,
                operations,
            });
        }
        if let Log::Replay(l, reuse) = &log {
            if reuse.params_only && l.complete && !diverged {
                return Ok(None);
            }
        }
        while stage < 3 {
            out.publish(stage, &facts);
            stage += 1;
        }
        drop(scope);
        let grade = out.grade(&self.manifest.grading);

        let said = policy::Said {
            routes: out.routes,
            notes: out.notes,
            signals: out.signals,
            grade,
        };
        let flag = !said.signals.is_empty();
        let decided = policy::decide(
            &self.manifest,
            &self.ctx.catalogue,
            &self.wording,
            &facts,
            out.proposals,
            said,
        );
        Ok(Some(Evaluation {
            customer: facts.customer.id.clone(),
            today: policy::date_text(facts.today),
            channel,
            suggestions: decided.suggestions,
            route: decided.route,
            high_value: HighValue {
                flag,
                signals: decided.signals,
            },
            grade: decided.grade,
            risk_rating: facts.customer.risk_rating.map(|r| r.0),
            suppressed: decided.suppressed,
            unmet_needs: decided.unmet_needs,
            notes: decided.notes,
            lead_allowed: facts.customer.consent.record,
            withheld: decided
                .withheld
                .into_iter()
                .map(|(rule, message)| crate::explain::Withheld { rule, message })
                .collect(),
            errors,
            trace,
        }))
    }
}

impl Engine {
    /// What `rhai::Engine::eval_ast_with_scope::<Dynamic>` does (a fresh
    /// global state with the rule's source and own functions, statements
    /// evaluated as a script), except that a rule defining no functions of
    /// its own resolves its calls through the engine's shared cache instead
    /// of a fresh one. With no script functions in play, what a call
    /// resolves to depends only on the rhai engine (its registered and
    /// standard functions, fixed once built) and the argument types, which
    /// the cache key holds: the same answer rhai would work out again. A
    /// fresh cache per rule resolved every call again, and rhai does not
    /// cache a function until its second call, so most calls were never cached.
    #[allow(deprecated)] // eval_statements_raw: rhai's only entry taking the caller's caches
    fn eval_rule(&self, scope: &mut Scope, rule: &CompiledRule) -> Result<Dynamic, Box<EvalAltResult>> {
        let mut global = self.rhai.new_global_runtime_state();
        global.source = Some(rule.source.clone());
        let lib = rule.ast.shared_lib();
        global.lib.push(lib.clone());
        if lib.is_empty() {
            match self.caches.try_borrow_mut() {
                Ok(mut caches) => self
                    .rhai
                    .eval_statements_raw(&mut global, &mut caches, scope, rule.ast.statements()),
                // Not reached (evaluations do not nest); a fresh cache is always right.
                Err(_) => {
                    self.rhai
                        .eval_statements_raw(&mut global, &mut shared_caches(), scope, rule.ast.statements())
                }
            }
        } else {
            self.rhai
                .eval_statements_raw(&mut global, &mut rhai::Caches::new(), scope, rule.ast.statements())
        }
    }
}

/// A function-resolution cache that outlives each evaluation: rhai pops a
/// cache it pushed itself when the script's top block ends, and keeps one
/// that was there before.
fn shared_caches() -> rhai::Caches {
    let mut caches = rhai::Caches::new();
    caches.push_fn_resolution_cache();
    caches
}

/// An evaluation's own output (only a replay answers without one).
fn own(out: Option<Evaluation>) -> Result<Evaluation, Error> {
    out.ok_or_else(|| Error::input("evaluation", "no output (a replay without a log)"))
}

/// Whether a rule returned the same in two runs: nothing, the same plain
/// value, or the same results in the same order. Anything else (a map, a
/// decimal: values no rule may return) counts as different.
fn same_value(a: &Dynamic, b: &Dynamic) -> bool {
    fn same<T: PartialEq + Clone + 'static>(a: &Dynamic, b: &Dynamic) -> Option<bool> {
        Some(*a.read_lock::<T>()? == *b.read_lock::<T>()?)
    }
    if a.is_unit() || b.is_unit() {
        return a.is_unit() && b.is_unit();
    }
    if let (Some(x), Some(y)) = (a.read_lock::<rhai::Array>(), b.read_lock::<rhai::Array>()) {
        return x.len() == y.len() && x.iter().zip(y.iter()).all(|(x, y)| same_value(x, y));
    }
    if let (Ok(x), Ok(y)) = (a.as_bool(), b.as_bool()) {
        return x == y;
    }
    if let (Ok(x), Ok(y)) = (a.as_int(), b.as_int()) {
        return x == y;
    }
    same::<rhai::ImmutableString>(a, b)
        .or_else(|| same::<Proposal>(a, b))
        .or_else(|| same::<RouteProposal>(a, b))
        .or_else(|| same::<SignalProposal>(a, b))
        .or_else(|| same::<NoteProposal>(a, b))
        .or_else(|| same::<ScreenProposal>(a, b))
        .or_else(|| same::<GradeProposal>(a, b))
        .unwrap_or(false)
}

/// The evaluation time: the caller's `now` or the visit's time, but never
/// earlier than the visit, nor than an answer recorded later the same branch
/// day (a decline recorded at 10:05 for a visit that began at 10:00 holds the
/// product back). A contact dated on a later day than that is not a late
/// entry but a wrong record: it is refused with its field, since taking it as
/// the clock would move "today" forward and release every pacing window.
fn evaluation_time(customer: &Customer, options: &Options) -> Result<i64, Error> {
    let visit_at = customer.visit.as_ref().and_then(|v| v.at.as_ref()).map(|s| s.unix);
    let Some(asked) = options.now.or(visit_at) else {
        return Err(Error::input(
            "visit.at",
            "no evaluation time: give visit.at or an explicit now",
        ));
    };
    let check = |path: &dyn Fn() -> String, unix: i64| {
        if time::OffsetDateTime::from_unix_timestamp(unix).is_err() {
            return Err(Error::input(
                path(),
                format!("{unix} is not a time between the years 1 and 9999"),
            ));
        }
        Ok(())
    };
    check(&|| "now".to_owned(), asked)?;
    let mut now = asked;
    if let Some(v) = visit_at {
        if options.now.is_some() && branch_day(v) > branch_day(asked) {
            return Err(Error::input(
                "visit.at",
                format!(
                    "the visit is dated {}, a later day than the evaluation time {}: a visit cannot be in the future",
                    policy::date_text(branch_day(v)),
                    policy::date_text(branch_day(asked))
                ),
            ));
        }
        now = now.max(v);
    }
    for (i, c) in customer.contact_history.iter().enumerate() {
        // Spelt out only for an error: most records have none.
        let path = || format!("contact_history[{i}].at");
        check(&path, c.at.unix)?;
        if c.at.unix > now {
            if branch_day(c.at.unix) > branch_day(now) {
                return Err(Error::input(
                    path(),
                    format!(
                        "{} is on a later day than the evaluation time ({}): a contact cannot be recorded in the future",
                        c.at.text,
                        policy::date_text(branch_day(now))
                    ),
                ));
            }
            now = c.at.unix;
        }
    }
    Ok(now)
}

/// Calls to anything outside the helper table: each with its position and
/// a reason or a did-you-mean. A rule with any does not run at all.
fn whitelist_problems(ast: &AST, text: &str) -> Vec<(usize, usize, String)> {
    use helpers::HelperKind as K;
    let own = rhai_ast::own_functions(ast);
    let mut problems: Vec<(usize, usize, String)> = Vec::new();
    // A rule's own function may not take the name of something rhai has
    // built in: a call with another number of arguments would reach the
    // built-in (`fn sleep(a, b) {}` then `sleep(3600)`).
    for (name, _) in &own {
        if helpers::refused(name).is_some() {
            let (line, column) = text
                .lines()
                .enumerate()
                .find_map(|(i, l)| {
                    l.find(&format!("fn {name}"))
                        .map(|c| (i + 1, l[..c].chars().count() + 1))
                })
                .unwrap_or((1, 1));
            problems.push((
                line,
                column,
                format!("a rule may not define a function named {name}(): the name is rhai's own"),
            ));
        }
    }
    // How rhai finds a rule's own function: a plain call `f(a, b)` with
    // exactly its number of parameters (script functions shadow built-ins
    // of the same name and arity). A method call `x.f(a)` falls back to a
    // built-in `f(x, a)` when no script `f` takes one parameter, and a
    // function pointer may be called back with other arguments (`map`
    // retries with the index), so neither may lead to a rule's own named
    // function: method calls must be helpers, pointers must be closures.
    let is_own = |call: &rhai_ast::Call| {
        if call.method {
            return false;
        }
        if call.pointer {
            return call.name.starts_with("anon$") && own.iter().any(|(n, _)| *n == call.name);
        }
        own.iter().any(|(n, a)| *n == call.name && *a == call.args)
    };
    problems.extend(
        rhai_ast::calls(ast)
            .into_iter()
            .filter(|call| {
                if matches!(call.name.as_str(), "sort" | "sort_by") && (call.args > 0 || call.pointer) {
                    // A comparison function that is not a total order makes
                    // Rust's sort panic, which in wasm aborts the module.
                    return true;
                }
                helpers::helper(&call.name).is_none() && !is_own(call)
            })
        .map(|call| {
            let shown = if call.method { format!(".{}()", call.name) } else { format!("{}()", call.name) };
            let message = if matches!(call.name.as_str(), "sort" | "sort_by") {
                "sort() with a comparison function is not available to rules: use .sort() on the values".to_owned()
            } else if let Some(why) = helpers::refused(&call.name) {
                format!("{shown} is not available to rules: {why}")
            } else {
                let kinds: &[K] = if call.method {
                    &[K::Method, K::BranchMethod, K::Suggestion, K::Std]
                } else {
                    &[K::Function, K::Std]
                };
                match helpers::did_you_mean(&call.name, kinds) {
                    Some(near) => format!("unknown function {shown}: did you mean {near}()?"),
                    None => format!(
                        "unknown function {shown}: rules may call only the helpers listed in rules/README.md (nextbest helpers)"
                    ),
                }
            };
            (call.line, call.column, message)
        }));
    problems
}

/// The rhai engine: minimal, sandboxed, with the helper API.
fn build_rhai(limits: Limits, ctx: Rc<ApiContext>, budget: Rc<Budget>) -> rhai::Engine {
    use rhai::packages::Package;
    // new_raw: no print to stdout, no module resolver (no file access). The
    // standard package adds strings, arrays and maths; what rules may call of
    // it is the helper table's whitelist, checked when a rule compiles. What
    // rules can reach is read-only (`c`, `p` and `b` are constants, `p` is a
    // read-only type).
    let mut engine = rhai::Engine::new_raw();
    rhai::packages::StandardPackage::new().register_into_engine(&mut engine);
    limits.apply(&mut engine);
    engine
        .set_strict_variables(true)
        .set_fail_on_invalid_map_property(true)
        .disable_symbol("eval");
    // Called once for every operation, inside closures that native
    // functions call back too: the engine's own count (budget.rs).
    let b = budget.clone();
    engine.on_progress(move |_| b.tick().map(|stop| Dynamic::from(stop.token())));
    api::register(&mut engine, ctx);
    register_fast_in(&mut engine, budget);
    engine
}

/// `x in list` for a text or a whole number `x` (rhai's `contains(list, x)`).
/// rhai's own compares each item by calling its `==` through the whole
/// function lookup, which made `c.segment in p.vip_segments` one of the
/// dearest things a rule does. An item of the value's own type is compared
/// here directly, as `==` would; any other item goes through rhai's `==`
/// exactly as rhai's `contains` does (another type with no `==`: not equal).
/// Each item compared costs one operation, as in rhai's own.
fn register_fast_in(engine: &mut rhai::Engine, budget: Rc<Budget>) {
    fn other(ctx: &rhai::NativeCallContext, item: &mut Dynamic, value: Dynamic) -> Result<bool, Box<EvalAltResult>> {
        let mut value = value;
        let same_type = item.type_id() == value.type_id();
        match ctx.call_native_fn_raw("==", true, &mut [item, &mut value]) {
            Ok(v) => Ok(v.as_bool().unwrap_or(false)),
            Err(e) => match *e {
                EvalAltResult::ErrorFunctionNotFound(ref sig, ..) if sig.starts_with("==") && !same_type => Ok(false),
                _ => Err(e),
            },
        }
    }
    fn tick(budget: &Budget) -> Result<(), Box<EvalAltResult>> {
        match budget.tick() {
            Some(stop) => Err(Box::new(EvalAltResult::ErrorTerminated(
                stop.token().into(),
                rhai::Position::NONE,
            ))),
            None => Ok(()),
        }
    }
    /// Walks `list` for `value`: `direct` answers for an item of the value's own type.
    fn walk(
        ctx: &rhai::NativeCallContext,
        budget: &Budget,
        list: &mut rhai::Array,
        value: Dynamic,
        direct: impl Fn(&Dynamic) -> Option<bool>,
    ) -> Result<bool, Box<EvalAltResult>> {
        for item in list.iter_mut() {
            tick(budget)?;
            let equal = match direct(item) {
                Some(equal) => equal,
                None => other(ctx, item, value.clone())?,
            };
            if equal {
                return Ok(true);
            }
        }
        Ok(false)
    }
    let b = budget.clone();
    engine.register_fn(
        "contains",
        move |ctx: rhai::NativeCallContext, list: &mut rhai::Array, value: rhai::ImmutableString| {
            walk(&ctx, &b, list, value.clone().into(), |item| {
                item.as_immutable_string_ref().ok().map(|s| *s == value)
            })
        },
    );
    engine.register_fn(
        "contains",
        move |ctx: rhai::NativeCallContext, list: &mut rhai::Array, value: rhai::INT| {
            walk(&ctx, &budget, list, value.into(), |item| {
                item.as_int().ok().map(|n| n == value)
            })
        },
    );
}

/// One result a rule returned.
enum Out {
    Suggest(Proposal),
    Route(RouteProposal),
    Signal(SignalProposal),
    Note(NoteProposal),
    Screen(ScreenProposal),
    Grade(GradeProposal),
}

impl Out {
    fn texts(&self) -> Vec<(&'static str, &str)> {
        match self {
            Out::Suggest(p) => {
                let mut t = vec![("reason_zh", p.reason_zh.as_str()), ("reason_en", p.reason_en.as_str())];
                if let Some((zh, en)) = &p.pitch {
                    t.push(("pitch_zh", zh.as_str()));
                    t.push(("pitch_en", en.as_str()));
                }
                t
            }
            Out::Route(r) => {
                let mut t = vec![("reason_zh", r.reason_zh.as_str()), ("reason_en", r.reason_en.as_str())];
                if let Some((zh, en)) = &r.then {
                    t.push(("then_zh", zh.as_str()));
                    t.push(("then_en", en.as_str()));
                }
                t
            }
            Out::Screen(s) => vec![("zh", s.zh.as_str()), ("en", s.en.as_str())],
            Out::Grade(g) => vec![("zh", g.zh.as_str()), ("en", g.en.as_str())],
            Out::Signal(s) => vec![
                ("signal", s.signal.as_str()),
                ("zh", s.zh.as_str()),
                ("en", s.en.as_str()),
            ],
            Out::Note(n) => vec![("zh", n.zh.as_str()), ("en", n.en.as_str())],
        }
    }
}

/// What the rules returned, sorted into its kinds.
struct Collected {
    proposals: Vec<Proposed>,
    routes: Vec<(i64, String, RouteProposal)>,
    signals: Vec<Signal>,
    notes: Vec<Note>,
    screens: Vec<Screen>,
    /// (priority, rule, grade): the highest priority wins, then the first rule.
    grades: Vec<(i64, String, GradeProposal)>,
    results_per_rule: usize,
    text_chars: usize,
    output_chars: usize,
    /// Characters of text taken so far for this customer.
    used_chars: usize,
    max_boost: f64,
}

impl Collected {
    /// Makes what `stage` decided readable by the rules after it.
    fn publish(&self, stage: u8, facts: &Facts<'_>) {
        match stage {
            0 => facts.high_value.set(!self.signals.is_empty()),
            1 => {
                *facts.screens.borrow_mut() = self.screens.iter().map(|s| (s.test.clone(), s.passed)).collect();
            }
            2 => *facts.grade.borrow_mut() = self.best_grade().map(|g| g.2.grade.clone()).unwrap_or_default(),
            _ => {}
        }
    }

    fn best_grade(&self) -> Option<&(i64, String, GradeProposal)> {
        // max_by_key keeps the last of equals; ids are in order, so reverse.
        self.grades.iter().rev().max_by_key(|g| g.0)
    }

    /// The grade with the tests it rests on.
    fn grade(&self, grading: &crate::pack::Grading) -> Grade {
        let best = self.best_grade();
        let label = best.and_then(|g| grading.grades.get(&g.2.grade));
        Grade {
            grade: best.map(|g| g.2.grade.clone()).unwrap_or_default(),
            grade_zh: label.map(|l| l.zh.clone()).unwrap_or_default(),
            grade_en: label.map(|l| l.en.clone()).unwrap_or_default(),
            rule: best.map(|g| g.1.clone()),
            zh: best.map(|g| g.2.zh.clone()).unwrap_or_default(),
            en: best.map(|g| g.2.en.clone()).unwrap_or_default(),
            tests: self.screens.clone(),
        }
    }

    fn new(b: &Budgets, max_boost: f64) -> Collected {
        Collected {
            proposals: Vec::new(),
            routes: Vec::new(),
            signals: Vec::new(),
            notes: Vec::new(),
            screens: Vec::new(),
            grades: Vec::new(),
            results_per_rule: b.results_per_rule,
            text_chars: b.text_chars,
            output_chars: b.output_chars,
            used_chars: 0,
            max_boost,
        }
    }

    /// Takes one rule's value, all of it or nothing: `Ok(false)` when it
    /// returned nothing, an error (and nothing taken) when any part of it is
    /// not a result or breaks an output budget.
    fn take(&mut self, rule: &CompiledRule, value: Dynamic) -> Result<bool, RuleError> {
        let fail = |message: String| RuleError {
            rule: rule.meta.id.clone(),
            file: rule.meta.file.clone(),
            stage: Stage::Run,
            line: rule.last_line,
            column: 1,
            message,
        };
        let was_array = value.is_array();
        let items = if was_array {
            value.into_array().unwrap_or_default()
        } else {
            vec![value]
        };
        let mut staged = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            if item.is_unit() {
                continue;
            }
            match to_out(item) {
                Ok(o) => staged.push(o),
                Err(type_name) => {
                    return Err(fail(format!(
                        "a rule ends with suggest(...), route(...), high_value(...), screen(...), grade(...), note(...), an array of them, or nothing; {} a value of type {type_name}, so none of its results are used",
                        if was_array { format!("item {i} of its array is") } else { "this one ended with".to_owned() }
                    )))
                }
            }
        }
        if staged.len() > self.results_per_rule {
            return Err(fail(format!(
                "the rule returned {} results; a rule may return at most {} (pack.json budgets.results_per_rule), so none are used",
                staged.len(),
                self.results_per_rule
            )));
        }
        let mut chars = 0usize;
        for o in &staged {
            for (field, text) in o.texts() {
                let n = text.chars().count();
                if n > self.text_chars {
                    return Err(fail(format!(
                        "a {field} text of {n} characters is longer than {} (pack.json budgets.text_chars), so none of the rule's results are used",
                        self.text_chars
                    )));
                }
                chars += n;
            }
        }
        if self.used_chars + chars > self.output_chars {
            return Err(fail(format!(
                "this customer's results would pass {} characters of text (pack.json budgets.output_chars), so this rule's results are not used",
                self.output_chars
            )));
        }
        self.used_chars += chars;
        // `boost` is capped per rule: the boosts one rule gives one product
        // add up to at most policy.max_boost, however many suggestions carry them.
        let mut boosts: BTreeMap<String, f64> = BTreeMap::new();
        let fired = !staged.is_empty();
        for o in staged {
            match o {
                Out::Suggest(mut p) => {
                    let before = boosts.get(&p.product).copied().unwrap_or(0.0);
                    // max/min, not clamp: clamp panics when its bounds cross.
                    let after = (before + p.boost).max(-self.max_boost).min(self.max_boost);
                    p.boost = after - before;
                    boosts.insert(p.product.clone(), after);
                    self.proposals.push(Proposed {
                        rule: rule.meta.id.clone(),
                        kind: rule.meta.kind,
                        priority: rule.meta.priority,
                        proposal: p,
                    })
                }
                Out::Route(r) => self.routes.push((rule.meta.priority, rule.meta.id.clone(), r)),
                Out::Signal(s) => {
                    if !self.signals.iter().any(|x| x.signal == s.signal) {
                        self.signals.push(Signal {
                            signal: s.signal,
                            rule: rule.meta.id.clone(),
                            zh: s.zh,
                            en: s.en,
                        });
                    }
                }
                Out::Note(n) => self.notes.push(Note {
                    rule: rule.meta.id.clone(),
                    zh: n.zh,
                    en: n.en,
                }),
                Out::Screen(s) => {
                    // The first rule to decide a test decides it.
                    if !self.screens.iter().any(|x| x.test == s.test) {
                        self.screens.push(Screen {
                            test: s.test,
                            passed: s.passed,
                            rule: rule.meta.id.clone(),
                            zh: s.zh,
                            en: s.en,
                        });
                    }
                }
                Out::Grade(g) => self.grades.push((rule.meta.priority, rule.meta.id.clone(), g)),
            }
        }
        Ok(fired)
    }
}

/// A rule's result value, or its type name when it is not one.
fn to_out(value: Dynamic) -> Result<Out, String> {
    if value.is::<Proposal>() {
        Ok(Out::Suggest(value.cast::<Proposal>()))
    } else if value.is::<RouteProposal>() {
        Ok(Out::Route(value.cast::<RouteProposal>()))
    } else if value.is::<SignalProposal>() {
        Ok(Out::Signal(value.cast::<SignalProposal>()))
    } else if value.is::<NoteProposal>() {
        Ok(Out::Note(value.cast::<NoteProposal>()))
    } else if value.is::<ScreenProposal>() {
        Ok(Out::Screen(value.cast::<ScreenProposal>()))
    } else if value.is::<GradeProposal>() {
        Ok(Out::Grade(value.cast::<GradeProposal>()))
    } else {
        Err(value.type_name().to_owned())
    }
}

/// A run-time failure in words a rule author understands, at rhai's position.
fn run_error(rule: &CompiledRule, e: &EvalAltResult, stopped: Option<Stop>, budget: &Budget) -> RuleError {
    let (line, column) = line_col(e.position());
    let message = match stopped {
        Some(Stop::Operations) => format!(
            "the rule used more than {} operations and was stopped (an endless loop, or a loop over a very long list?); pack.json budgets.operations_per_rule",
            budget.max_operations()
        ),
        Some(Stop::RuleTime) => format!(
            "the rule ran longer than {} ms and was stopped; pack.json budgets.rule_ms",
            budget.rule_ms()
        ),
        Some(Stop::CustomerTime) => format!(
            "this customer's evaluation passed {} ms while this rule ran; it was stopped and the rules after it were not run (pack.json budgets.customer_ms)",
            budget.customer_ms()
        ),
        None => match e {
            EvalAltResult::ErrorTooManyOperations(..) => format!(
                "the rule used more than {} operations and was stopped (an endless loop?); pack.json budgets.operations_per_rule",
                budget.max_operations()
            ),
            EvalAltResult::ErrorRuntime(msg, ..) => msg.to_string(),
            EvalAltResult::ErrorPropertyNotFound(name, ..) => {
                format!("no property {name:?} here: check the spelling against pack.json params or the customer API")
            }
            EvalAltResult::ErrorInFunctionCall(name, _, inner, ..) => {
                format!("in {name}(): {}", strip_position(&inner.to_string()))
            }
            other => strip_position(&other.to_string()),
        },
    };
    RuleError {
        rule: rule.meta.id.clone(),
        file: rule.meta.file.clone(),
        stage: Stage::Run,
        line,
        column,
        message,
    }
}

/// rhai appends " (line 3, position 7)"; the error's fields carry that already.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" (line ") {
        Some(i) if msg.ends_with(')') => msg[..i].to_owned(),
        _ => msg.to_owned(),
    }
}
