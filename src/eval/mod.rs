//! Compiling a pack and running its rules over one customer.
//!
//! Everything that can be done once is done in [`Engine::new`]: the rhai
//! engine is built with its limits and helpers, every rule is compiled to its
//! own AST and its triggers numbered, `params` become one read-only value
//! that every evaluation shares (a rule cannot change it for the next).
//! Per customer, [`Engine::evaluate`] works out the facts once and runs only
//! the rules whose triggers are present.

mod api;
mod compiled;
mod facts;
mod limits;

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::BTreeMap;
use std::rc::Rc;

use rhai::{Dynamic, EvalAltResult, Scope, AST};

pub use facts::Facts;
pub use limits::{default_limits, Limits};

use self::api::{ApiContext, Cust, NoteProposal, Params, SignalProposal};
pub(crate) use self::api::{Proposal, RouteProposal};
use self::compiled::{Bail, Out, V};
use self::facts::{Bits, TriggerIndex};
use crate::error::{line_col, Error, RuleError, Stage};
use crate::explain::{Evaluation, HighValue, Note, RuleStatus, Signal, TraceEntry};
use crate::pack::{self, Manifest, PackSource, Product, RuleKind, RuleMeta};
use crate::policy::{self, Proposed};
use crate::signals::Customer;

/// How to evaluate: when, and for whom.
#[derive(Debug, Clone)]
pub struct Options {
    /// Evaluation time (Unix seconds). `None`: the customer's `visit.at`.
    pub now: Option<i64>,
    /// Who is serving: teller, vip_teller, lobby, psm or cm. Decides the pitch limit.
    pub channel: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            now: None,
            channel: "lobby".to_owned(),
        }
    }
}

struct CompiledRule {
    meta: RuleMeta,
    /// `meta.id`, shared with every trace line.
    id: Rc<str>,
    ast: AST,
    triggers: Bits,
    /// The rule compiled past rhai (compiled.rs); `None` runs it in rhai.
    program: Option<compiled::Program>,
    /// Where a rule's final value stands, for errors about that value.
    last_line: usize,
}

/// A compiled rule pack, ready to evaluate customers.
pub struct Engine {
    rhai: rhai::Engine,
    ctx: Rc<ApiContext>,
    manifest: Manifest,
    /// Signal rules first, then the rest; each group in id order.
    rules: Vec<CompiledRule>,
    /// Rules that did not compile, reported with every evaluation.
    problems: Vec<RuleError>,
    metas: Vec<RuleMeta>,
    triggers: TriggerIndex,
    params: Params,
    ops: Rc<Cell<u64>>,
    limits: Limits,
}

/// Names rules may use without declaring them.
const CUSTOMER_VAR: &str = "c";
const PARAMS_VAR: &str = "p";

impl Engine {
    /// Compiles a pack with the default limits.
    pub fn new(source: &PackSource) -> Result<Engine, Error> {
        Engine::with_limits(source, Limits::default())
    }

    /// Compiles a pack. A broken `pack.json` or `products.json` is an error; a
    /// broken rule is not: it is listed in [`Engine::problems`] and the
    /// other rules still run.
    pub fn with_limits(source: &PackSource, limits: Limits) -> Result<Engine, Error> {
        Engine::build(source, limits, true)
    }

    /// Compiles a pack whose rules all run in rhai's interpreter, never the
    /// compiled path: the reference the compiled path is tested against.
    pub fn interpreted(source: &PackSource) -> Result<Engine, Error> {
        Engine::build(source, Limits::default(), false)
    }

    fn build(source: &PackSource, limits: Limits, compile_rules: bool) -> Result<Engine, Error> {
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
        limits.check().map_err(|m| Error::pack("limits", m))?;
        let params = match rhai::serde::to_dynamic(&manifest.params) {
            Ok(v) => Params(Rc::new(v.try_cast::<rhai::Map>().unwrap_or_default())),
            Err(e) => return Err(Error::pack("pack.json", format!("params: {e}"))),
        };

        let ctx = Rc::new(ApiContext {
            catalogue: products.into_iter().map(|p| (p.id.clone(), p)).collect(),
            destinations: manifest.destinations.keys().cloned().collect(),
            fx: manifest.fx_rates.clone(),
            current_kind: Cell::new(RuleKind::Signal),
            max_boost: manifest.policy.max_boost,
        });
        let ops = Rc::new(Cell::new(0u64));
        let rhai = build_rhai(limits, ctx.clone(), ops.clone());

        // Plain variables while compiling: as constants the optimiser would
        // fold them into the AST. At run time they are constants.
        let mut scope = Scope::new();
        scope.push(CUSTOMER_VAR, ());
        scope.push(PARAMS_VAR, params.clone());

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
            match rhai.compile_with_scope(&scope, text) {
                Ok(mut ast) => {
                    ast.set_source(id);
                    let bits = triggers.add(&meta.triggers);
                    let program = if compile_rules {
                        compiled::compile(&ast, &params.0, CUSTOMER_VAR, PARAMS_VAR)
                    } else {
                        None
                    };
                    let last_line = text
                        .lines()
                        .enumerate()
                        .filter(|(_, l)| !l.trim().is_empty())
                        .last()
                        .map_or(1, |(i, _)| i + 1);
                    rules.push(CompiledRule {
                        id: meta.id.as_str().into(),
                        meta,
                        ast,
                        triggers: bits,
                        program,
                        last_line,
                    });
                }
                Err(e) => {
                    let (line, column) = line_col(e.position());
                    problems.push(RuleError {
                        rule: id.to_owned(),
                        file: file.to_owned(),
                        stage: Stage::Compile,
                        line,
                        column,
                        message: e.0.to_string(),
                    });
                }
            }
        }
        rules.sort_by(|a, b| {
            (a.meta.kind != RuleKind::Signal, &a.meta.id).cmp(&(b.meta.kind != RuleKind::Signal, &b.meta.id))
        });
        Ok(Engine {
            rhai,
            ctx,
            manifest,
            rules,
            problems,
            metas,
            triggers,
            params,
            ops,
            limits,
        })
    }

    /// Rules that did not compile, with their positions.
    pub fn problems(&self) -> &[RuleError] {
        &self.problems
    }

    /// Every rule whose header could be read, compiled or not, in id order.
    pub fn rules(&self) -> &[RuleMeta] {
        &self.metas
    }

    /// Ids of the rules that run compiled, past rhai's interpreter (the
    /// others use a construct the compiled path does not cover).
    pub fn compiled_rules(&self) -> Vec<&str> {
        self.rules
            .iter()
            .filter(|r| r.program.is_some())
            .map(|r| r.meta.id.as_str())
            .collect()
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
        self.evaluate(Customer::from_json(customer)?, options)
    }

    /// Runs the rules over one customer, then policy. Never panics; a failing
    /// rule is reported in `errors` and the others still run.
    pub fn evaluate(&self, customer: Customer, options: &Options) -> Result<Evaluation, Error> {
        self.evaluate_ref(&customer, options)
    }

    /// [`Engine::evaluate`] without taking the customer: nothing is copied
    /// unless a rule has to run in rhai.
    pub fn evaluate_ref(&self, customer: &Customer, options: &Options) -> Result<Evaluation, Error> {
        let now = match options
            .now
            .or_else(|| customer.visit.as_ref().and_then(|v| v.at.as_ref()).map(|s| s.unix))
        {
            Some(now) => now,
            None => {
                return Err(Error::input(
                    "visit.at",
                    "no evaluation time: give visit.at or an explicit now",
                ))
            }
        };
        if time::OffsetDateTime::from_unix_timestamp(now).is_err() {
            return Err(Error::input(
                "now",
                format!("{now} is not a time between the years 1 and 9999"),
            ));
        }
        if !self.manifest.policy.max_pitches.contains_key(&options.channel) {
            let known: Vec<&str> = self.manifest.policy.max_pitches.keys().map(String::as_str).collect();
            return Err(Error::input(
                "channel",
                format!("unknown channel {:?} (known: {})", options.channel, known.join(", ")),
            ));
        }
        let facts = Facts::new(
            Cow::Borrowed(customer),
            now,
            Cow::Borrowed(&options.channel),
            &self.manifest.fx_rates,
        )?;
        let present = self.triggers.present(&facts);
        // rhai's own copy of the customer and its scope, made for the first
        // rule that runs in rhai.
        let mut interpreted: Option<(Rc<Facts<'static>>, Scope)> = None;

        let mut out = Collected::default();
        let mut errors = self.problems.clone();
        let mut trace = Vec::with_capacity(self.rules.len());
        let mut signals_done = false;
        let mut fast = compiled::Run::new(
            &facts,
            &self.ctx,
            self.limits.max_operations,
            self.limits.max_string_size,
        );
        for rule in &self.rules {
            if !signals_done && rule.meta.kind != RuleKind::Signal {
                let flag = !out.signals.is_empty();
                facts.high_value.set(flag);
                if let Some((owned, _)) = &interpreted {
                    owned.high_value.set(flag);
                }
                signals_done = true;
            }
            if !rule.triggers.is_empty() && !rule.triggers.intersects(&present) {
                trace.push(TraceEntry {
                    rule: rule.id.clone(),
                    status: RuleStatus::Skipped,
                    operations: 0,
                });
                continue;
            }
            self.ctx.current_kind.set(rule.meta.kind);
            if let Some(program) = &rule.program {
                if let Ok(value) = fast.run(program) {
                    if let Ok(fired) = out.take_compiled(rule, value) {
                        trace.push(TraceEntry {
                            rule: rule.id.clone(),
                            status: if fired { RuleStatus::Fired } else { RuleStatus::NotFired },
                            operations: fast.ops,
                        });
                        continue;
                    }
                }
            }
            let (_, scope) = match &mut interpreted {
                Some(state) => state,
                None => {
                    let owned = Facts::new(
                        Cow::Owned(customer.clone()),
                        now,
                        Cow::Owned(options.channel.clone()),
                        &self.manifest.fx_rates,
                    )?;
                    owned.high_value.set(facts.high_value.get());
                    let owned = Rc::new(owned);
                    let mut scope = Scope::new();
                    scope.push_constant(CUSTOMER_VAR, Cust(owned.clone()));
                    scope.push_constant(PARAMS_VAR, self.params.clone());
                    interpreted.insert((owned, scope))
                }
            };
            let base = scope.len();
            self.ops.set(0);
            let result = self.rhai.eval_ast_with_scope::<Dynamic>(scope, &rule.ast);
            scope.rewind(base);
            let status = match result
                .map_err(|e| run_error(rule, &e, self.limits.max_operations))
                .and_then(|v| out.take(rule, v))
            {
                Ok(true) => RuleStatus::Fired,
                Ok(false) => RuleStatus::NotFired,
                Err(e) => {
                    errors.push(e);
                    RuleStatus::Error
                }
            };
            trace.push(TraceEntry {
                rule: rule.id.clone(),
                status,
                operations: self.ops.get(),
            });
        }
        if !signals_done {
            facts.high_value.set(!out.signals.is_empty());
        }
        drop(interpreted);

        let decided = policy::decide(&self.manifest, &self.ctx.catalogue, &facts, out.proposals, out.routes);
        Ok(Evaluation {
            customer: customer.id.clone(),
            today: policy::date_text(facts.today),
            channel: options.channel.clone(),
            suggestions: decided.suggestions,
            route: decided.route,
            high_value: HighValue {
                flag: !out.signals.is_empty(),
                signals: out.signals,
            },
            suppressed: decided.suppressed,
            unmet_needs: decided.unmet_needs,
            notes: out.notes,
            lead_allowed: customer.consent.record,
            errors,
            trace,
        })
    }
}

/// The rhai engine: minimal, sandboxed, with the helper API.
fn build_rhai(limits: Limits, ctx: Rc<ApiContext>, ops: Rc<Cell<u64>>) -> rhai::Engine {
    use rhai::packages::Package;
    // new_raw: no print to stdout, no module resolver (no file access). The
    // standard package adds strings, arrays and maths; what rules can reach is
    // read-only (`c` and `p` are constants, `p` is a read-only type).
    let mut engine = rhai::Engine::new_raw();
    rhai::packages::StandardPackage::new().register_into_engine(&mut engine);
    limits.apply(&mut engine);
    engine
        .set_strict_variables(true)
        .set_fail_on_invalid_map_property(true)
        .disable_symbol("eval");
    engine.on_progress(move |n| {
        ops.set(n);
        None
    });
    api::register(&mut engine, ctx);
    engine
}

/// What the rules returned, sorted into its kinds.
#[derive(Default)]
struct Collected {
    proposals: Vec<Proposed>,
    routes: Vec<(i64, String, RouteProposal)>,
    signals: Vec<Signal>,
    notes: Vec<Note>,
}

impl Collected {
    /// Takes one rule's value; `Ok(false)` when it returned nothing.
    fn take(&mut self, rule: &CompiledRule, value: Dynamic) -> Result<bool, RuleError> {
        if value.is_unit() {
            return Ok(false);
        }
        if value.is_array() {
            let items = value.into_array().unwrap_or_default();
            let mut fired = false;
            for item in items {
                fired |= self.take_one(rule, item)?;
            }
            return Ok(fired);
        }
        self.take_one(rule, value)
    }

    /// Takes a compiled rule's value; `Err` (nothing taken) when it is not
    /// one rhai would accept, so the rule runs again in rhai and fails there.
    fn take_compiled(&mut self, rule: &CompiledRule, value: V) -> Result<bool, Bail> {
        match value {
            V::Unit => Ok(false),
            V::Out(o) => {
                self.push(rule, *o);
                Ok(true)
            }
            V::Array(items) => {
                if !items.iter().all(|x| matches!(x, V::Unit | V::Out(_))) {
                    return Err(Bail);
                }
                // The array is the rule's own value: take it, copying only if shared.
                let items = Rc::try_unwrap(items).unwrap_or_else(|shared| (*shared).clone());
                let mut fired = false;
                for item in items {
                    if let V::Out(o) = item {
                        self.push(rule, *o);
                        fired = true;
                    }
                }
                Ok(fired)
            }
            _ => Err(Bail),
        }
    }

    fn push(&mut self, rule: &CompiledRule, out: Out) {
        let id = &rule.meta.id;
        match out {
            Out::Suggest(p) => self.proposals.push(Proposed {
                rule: id.clone(),
                kind: rule.meta.kind,
                priority: rule.meta.priority,
                proposal: p,
            }),
            Out::Route(r) => self.routes.push((rule.meta.priority, id.clone(), r)),
            Out::Signal(s) => {
                if !self.signals.iter().any(|x| x.signal == s.signal) {
                    self.signals.push(Signal {
                        signal: s.signal,
                        rule: id.clone(),
                        zh: s.zh,
                        en: s.en,
                    });
                }
            }
            Out::Note(n) => self.notes.push(Note {
                rule: id.clone(),
                zh: n.zh,
                en: n.en,
            }),
        }
    }

    fn take_one(&mut self, rule: &CompiledRule, value: Dynamic) -> Result<bool, RuleError> {
        if value.is_unit() {
            return Ok(false);
        }
        let out = if value.is::<Proposal>() {
            Out::Suggest(value.cast::<Proposal>())
        } else if value.is::<RouteProposal>() {
            Out::Route(value.cast::<RouteProposal>())
        } else if value.is::<SignalProposal>() {
            Out::Signal(value.cast::<SignalProposal>())
        } else if value.is::<NoteProposal>() {
            Out::Note(value.cast::<NoteProposal>())
        } else {
            return Err(RuleError {
                rule: rule.meta.id.clone(),
                file: rule.meta.file.clone(),
                stage: Stage::Run,
                line: rule.last_line,
                column: 1,
                message: format!(
                    "a rule ends with suggest(...), route(...), high_value(...), note(...), an array of them, or nothing; this one ended with a value of type {}",
                    value.type_name()
                ),
            });
        };
        self.push(rule, out);
        Ok(true)
    }
}

/// A run-time failure in words a rule author understands, at rhai's position.
fn run_error(rule: &CompiledRule, e: &EvalAltResult, max_operations: u64) -> RuleError {
    let (line, column) = line_col(e.position());
    let message = match e {
        EvalAltResult::ErrorTooManyOperations(..) => {
            format!("the rule ran more than {max_operations} operations and was stopped (an endless loop?)")
        }
        EvalAltResult::ErrorRuntime(msg, ..) => msg.to_string(),
        EvalAltResult::ErrorPropertyNotFound(name, ..) => {
            format!("no property {name:?} here: check the spelling against pack.json params or the customer API")
        }
        EvalAltResult::ErrorInFunctionCall(name, _, inner, ..) => {
            format!("in {name}(): {}", strip_position(&inner.to_string()))
        }
        other => strip_position(&other.to_string()),
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
