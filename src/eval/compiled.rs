//! Rules compiled from rhai's syntax tree into a small tree that the engine
//! walks itself, without rhai's per-call machinery (function resolution,
//! `Dynamic` boxing, scope look-ups by name).
//!
//! rhai stays the language: it parses, optimises and reports every compile
//! error, and it remains the reference. This path covers the common shape of
//! a rule (lets, ifs, comparisons, `&&`/`||`, `in`, arithmetic, strings, the
//! customer's properties and methods, `p.name`, the result builders) and
//! nothing else. A rule using anything outside it (loops, closures, `push`,
//! script functions …) is not compiled and runs in rhai as before.
//!
//! At run time any case this path does not model exactly (a type it does not
//! handle, an overflow, an unknown product, a value rhai would turn into an
//! error) gives up with [`Bail`], and the engine runs that rule in rhai
//! instead. Rules are pure functions of `c` and `p`, so running one again is
//! safe, and every error a rule author sees still comes from rhai with its
//! position. `tests/compiled.rs` checks that both paths agree on every rule of
//! the bundled and benchmark packs over thousands of customers.
//!
//! `p` is fixed for the engine's life, so `p.name` is looked up once here and
//! becomes a constant.

use std::collections::BTreeMap;
use std::rc::Rc;

use rhai::{Dynamic, Expr, FnCallExpr, ImmutableString, Stmt, AST, INT};

use super::api::{self, ApiContext, NoteProposal, Proposal, RouteProposal, SignalProposal};
use super::facts::Facts;
use crate::signals::Outcome;

/// A value while a compiled rule runs. `Ref` borrows the customer's own text
/// so reading `c.kind` or `c.purpose` allocates nothing.
#[derive(Debug, Clone)]
pub(crate) enum V<'a> {
    Unit,
    Bool(bool),
    Int(INT),
    Float(f64),
    Str(ImmutableString),
    Ref(&'a str),
    Array(Rc<Vec<V<'a>>>),
    Map(Rc<BTreeMap<String, V<'a>>>),
    Out(Box<Out>),
}

/// What a rule returns.
#[derive(Debug, Clone)]
pub(crate) enum Out {
    Suggest(Proposal),
    Route(RouteProposal),
    Signal(SignalProposal),
    Note(NoteProposal),
}

/// This path cannot say what rhai would: run the rule in rhai.
#[derive(Debug)]
pub(crate) struct Bail;

type R<T> = Result<T, Bail>;

impl<'a> V<'a> {
    fn as_str(&self) -> Option<&str> {
        match self {
            V::Str(s) => Some(s.as_str()),
            V::Ref(s) => Some(s),
            _ => None,
        }
    }

    fn as_bool(&self) -> R<bool> {
        match self {
            V::Bool(b) => Ok(*b),
            _ => Err(Bail),
        }
    }

    fn as_int(&self) -> R<INT> {
        match self {
            V::Int(i) => Ok(*i),
            _ => Err(Bail),
        }
    }

    /// A number as rhai widens it when an integer meets a float.
    fn as_f64(&self) -> Option<f64> {
        match self {
            V::Int(i) => Some(*i as f64),
            V::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// The value as rhai sees it, for the getters registered with rhai.
    pub(crate) fn to_dynamic(&self) -> Dynamic {
        match self {
            V::Unit => Dynamic::UNIT,
            V::Bool(b) => Dynamic::from_bool(*b),
            V::Int(i) => Dynamic::from_int(*i),
            V::Float(f) => Dynamic::from_float(*f),
            V::Str(s) => Dynamic::from(s.clone()),
            V::Ref(s) => Dynamic::from(ImmutableString::from(*s)),
            V::Array(a) => Dynamic::from_array(a.iter().map(V::to_dynamic).collect()),
            V::Map(m) => Dynamic::from_map(m.iter().map(|(k, v)| (k.as_str().into(), v.to_dynamic())).collect()),
            V::Out(o) => match &**o {
                Out::Suggest(x) => Dynamic::from(x.clone()),
                Out::Route(x) => Dynamic::from(x.clone()),
                Out::Signal(x) => Dynamic::from(x.clone()),
                Out::Note(x) => Dynamic::from(x.clone()),
            },
        }
    }

    /// A constant from rhai (a param, an optimised literal); `None` for types this path does not model.
    fn from_dynamic(d: &Dynamic) -> Option<V<'static>> {
        if d.is_unit() {
            Some(V::Unit)
        } else if let Ok(b) = d.as_bool() {
            Some(V::Bool(b))
        } else if let Ok(i) = d.as_int() {
            Some(V::Int(i))
        } else if let Ok(f) = d.as_float() {
            Some(V::Float(f))
        } else if d.is_string() {
            d.clone().into_immutable_string().ok().map(V::Str)
        } else if d.is_array() {
            let a = d.read_lock::<rhai::Array>()?;
            let items: Option<Vec<V<'static>>> = a.iter().map(V::from_dynamic).collect();
            Some(V::Array(Rc::new(items?)))
        } else if d.is_map() {
            let m = d.read_lock::<rhai::Map>()?;
            let items: Option<BTreeMap<String, V<'static>>> = m
                .iter()
                .map(|(k, v)| Some((k.to_string(), V::from_dynamic(v)?)))
                .collect();
            Some(V::Map(Rc::new(items?)))
        } else {
            None
        }
    }
}

/// The customer's properties (`c.name`), one definition for both paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Prop {
    Id,
    Name,
    Kind,
    Segment,
    Age,
    RiskRating,
    Aum,
    AvgDailyBalance,
    RegisteredCapital,
    Occupation,
    AddressArea,
    Purpose,
    Waiting,
    LobbyBusy,
    Channel,
    MarketingConsent,
    RecordConsent,
    HighValue,
    ProductsHeld,
    Applications,
    StatedNeeds,
}

impl Prop {
    pub const ALL: [(&'static str, Prop); 21] = [
        ("id", Prop::Id),
        ("name", Prop::Name),
        ("kind", Prop::Kind),
        ("segment", Prop::Segment),
        ("age", Prop::Age),
        ("risk_rating", Prop::RiskRating),
        ("aum", Prop::Aum),
        ("avg_daily_balance", Prop::AvgDailyBalance),
        ("registered_capital", Prop::RegisteredCapital),
        ("occupation", Prop::Occupation),
        ("address_area", Prop::AddressArea),
        ("purpose", Prop::Purpose),
        ("waiting", Prop::Waiting),
        ("lobby_busy", Prop::LobbyBusy),
        ("channel", Prop::Channel),
        ("marketing_consent", Prop::MarketingConsent),
        ("record_consent", Prop::RecordConsent),
        ("high_value", Prop::HighValue),
        ("products_held", Prop::ProductsHeld),
        ("applications", Prop::Applications),
        ("stated_needs", Prop::StatedNeeds),
    ];

    fn named(name: &str) -> Option<Prop> {
        Prop::ALL.iter().find(|(n, _)| *n == name).map(|(_, p)| *p)
    }

    pub(crate) fn get<'a>(self, f: &'a Facts<'_>) -> V<'a> {
        let c = &f.customer;
        fn text(s: &Option<String>) -> V<'_> {
            V::Ref(s.as_deref().unwrap_or(""))
        }
        let list = |items: &[String]| V::Array(Rc::new(items.iter().map(|s| V::Str(s.as_str().into())).collect()));
        match self {
            Prop::Id => V::Ref(&c.id),
            Prop::Name => text(&c.name),
            Prop::Kind => V::Ref(c.kind.as_str()),
            Prop::Segment => V::Ref(c.segment.as_str()),
            Prop::Age => c.age.map_or(V::Unit, |a| V::Int(INT::from(a))),
            Prop::RiskRating => c.risk_rating.map_or(V::Unit, |r| V::Int(INT::from(r.0))),
            Prop::Aum => V::Float(c.aum.0),
            Prop::AvgDailyBalance => V::Float(c.avg_daily_balance.0),
            Prop::RegisteredCapital => V::Float(c.registered_capital.map_or(0.0, |a| a.0)),
            Prop::Occupation => text(&c.occupation),
            Prop::AddressArea => text(&c.address_area),
            Prop::Purpose => V::Ref(f.purpose()),
            Prop::Waiting => V::Bool(c.visit.as_ref().is_some_and(|v| v.waiting)),
            Prop::LobbyBusy => V::Bool(c.visit.as_ref().is_some_and(|v| v.lobby_busy)),
            Prop::Channel => V::Ref(&f.channel),
            Prop::MarketingConsent => V::Bool(c.consent.marketing),
            Prop::RecordConsent => V::Bool(c.consent.record),
            Prop::HighValue => V::Bool(f.high_value.get()),
            Prop::ProductsHeld => V::Int(f.products_held()),
            Prop::Applications => list(&c.applications),
            Prop::StatedNeeds => list(&c.stated_needs),
        }
    }
}

/// The customer's methods (`c.txn_sum(kind, days)`), with the argument types rhai would accept.
#[derive(Debug, Clone, Copy)]
enum Method {
    TxnSum,
    TxnCount,
    TxnMax,
    HasAccount,
    AccountTier,
    AccountBalance,
    Holds,
    HoldingAmount,
    MaturesWithin,
    Applies,
    Needs,
    VisitFor,
    AcceptedToday,
    DeclinedToday,
}

impl Method {
    fn named(name: &str, arity: usize) -> Option<Method> {
        let m = match name {
            "txn_sum" => Method::TxnSum,
            "txn_count" => Method::TxnCount,
            "txn_max" => Method::TxnMax,
            "has_account" => Method::HasAccount,
            "account_tier" => Method::AccountTier,
            "account_balance" => Method::AccountBalance,
            "holds" => Method::Holds,
            "holding_amount" => Method::HoldingAmount,
            "matures_within" => Method::MaturesWithin,
            "applies" => Method::Applies,
            "needs" => Method::Needs,
            "visit_for" => Method::VisitFor,
            "accepted_today" => Method::AcceptedToday,
            "declined_today" => Method::DeclinedToday,
            _ => return None,
        };
        let want = match m {
            Method::TxnSum | Method::TxnCount | Method::TxnMax | Method::MaturesWithin => 2,
            Method::AcceptedToday | Method::DeclinedToday => 0,
            _ => 1,
        };
        (arity == want).then_some(m)
    }

    fn call<'a>(self, f: &'a Facts<'_>, args: &[V<'a>]) -> R<V<'a>> {
        let s = |i: usize| args.get(i).and_then(V::as_str).ok_or(Bail);
        let n = |i: usize| args.get(i).ok_or(Bail).and_then(V::as_int);
        Ok(match self {
            Method::TxnSum => V::Float(f.txn_sum(s(0)?, n(1)?)),
            Method::TxnCount => V::Int(f.txn_count(s(0)?, n(1)?)),
            Method::TxnMax => V::Float(f.txn_max(s(0)?, n(1)?)),
            Method::HasAccount => V::Bool(f.has_account(s(0)?)),
            Method::AccountTier => V::Ref(f.account_tier(s(0)?)),
            Method::AccountBalance => V::Float(f.account_balance(s(0)?)),
            Method::Holds => V::Bool(f.holds(s(0)?)),
            Method::HoldingAmount => V::Float(f.holding_amount(s(0)?)),
            Method::MaturesWithin => V::Bool(f.matures_within(s(0)?, n(1)?)),
            Method::Applies => V::Bool(f.applies(s(0)?)),
            Method::Needs => V::Bool(f.needs(s(0)?)),
            Method::VisitFor => V::Bool(f.visit_for(s(0)?)),
            Method::AcceptedToday => V::Ref(f.outcome_today(Outcome::Accepted)),
            Method::DeclinedToday => V::Ref(f.outcome_today(Outcome::Declined)),
        })
    }
}

/// Functions a rule calls by name.
#[derive(Debug, Clone, Copy)]
enum Builtin {
    Suggest,
    Route,
    HighValue,
    Note,
    Yuan,
    Cny,
    ProductSimple,
    ProductRisk,
}

/// Methods on a value that is not the customer.
#[derive(Debug, Clone, Copy)]
enum ValueMethod {
    Pitch,
    To,
    Boost,
    Len,
}

#[derive(Debug, Clone, Copy)]
enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy)]
enum Arith {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

#[derive(Debug)]
enum Node {
    Const(V<'static>),
    Local(usize),
    Let(usize, Box<Node>),
    Block(Box<[Node]>),
    If(Box<[Node; 3]>),
    Prop(Prop),
    Method(Method, Box<[Node]>),
    ValueMethod(ValueMethod, Box<[Node]>),
    Call(Builtin, Box<[Node]>),
    Cmp(Cmp, Box<[Node; 2]>),
    Arith(Arith, Box<[Node; 2]>),
    Neg(Box<Node>),
    Not(Box<Node>),
    And(Box<[Node]>),
    Or(Box<[Node]>),
    Coalesce(Box<[Node]>),
    Contains(Box<[Node; 2]>),
    Index(Box<[Node; 2]>),
    Array(Box<[Node]>),
    Interp(Box<[Node]>),
}

/// A compiled rule.
#[derive(Debug)]
pub(crate) struct Program {
    body: Node,
    locals: usize,
}

/// What a chain (`c.x`, `p.y`, `expr.method()`) starts from, at compile time.
enum Base {
    Cust,
    Params,
    Node(Node),
}

/// Compiles a rule's AST, or `None` when it uses anything this path does not cover.
pub(crate) fn compile(ast: &AST, params: &rhai::Map, customer: &str, params_var: &str) -> Option<Program> {
    if ast.has_functions() {
        return None;
    }
    let mut c = Compiler {
        params,
        customer,
        params_var,
        scope: Vec::new(),
        max_locals: 0,
    };
    let body = c.block(ast.statements())?;
    Some(Program {
        body,
        locals: c.max_locals,
    })
}

struct Compiler<'p> {
    params: &'p rhai::Map,
    customer: &'p str,
    params_var: &'p str,
    /// Local names in scope, innermost last; a name's slot is its position.
    scope: Vec<ImmutableString>,
    max_locals: usize,
}

impl Compiler<'_> {
    fn block(&mut self, stmts: &[Stmt]) -> Option<Node> {
        let depth = self.scope.len();
        let nodes: Option<Vec<Node>> = stmts.iter().map(|s| self.stmt(s)).collect();
        self.scope.truncate(depth);
        Some(Node::Block(nodes?.into()))
    }

    fn stmt(&mut self, s: &Stmt) -> Option<Node> {
        match s {
            Stmt::Noop(_) => Some(Node::Const(V::Unit)),
            Stmt::Expr(e) => self.expr(e),
            Stmt::Block(b) => self.block(b.statements()),
            Stmt::If(flow, _) => {
                let cond = self.expr(&flow.expr)?;
                let body = self.block(flow.body.statements())?;
                let branch = self.block(flow.branch.statements())?;
                Some(Node::If(Box::new([cond, body, branch])))
            }
            Stmt::Var(var, _, _) => {
                let (ident, value, _) = &**var;
                let value = self.expr(value)?;
                let slot = self.scope.len();
                self.scope.push(ident.name.clone());
                self.max_locals = self.max_locals.max(self.scope.len());
                Some(Node::Let(slot, Box::new(value)))
            }
            Stmt::FnCall(call, _) => self.call(call),
            _ => None,
        }
    }

    fn exprs(&mut self, es: &[Expr]) -> Option<Box<[Node]>> {
        es.iter()
            .map(|e| self.expr(e))
            .collect::<Option<Vec<_>>>()
            .map(Into::into)
    }

    fn expr(&mut self, e: &Expr) -> Option<Node> {
        Some(match e {
            Expr::DynamicConstant(d, _) => Node::Const(V::from_dynamic(d)?),
            Expr::BoolConstant(b, _) => Node::Const(V::Bool(*b)),
            Expr::IntegerConstant(i, _) => Node::Const(V::Int(*i)),
            Expr::FloatConstant(f, _) => Node::Const(V::Float(**f)),
            Expr::StringConstant(s, _) => Node::Const(V::Str(s.clone())),
            Expr::Unit(_) => Node::Const(V::Unit),
            Expr::InterpolatedString(parts, _) => Node::Interp(self.exprs(parts)?),
            Expr::Array(items, _) => Node::Array(self.exprs(items)?),
            Expr::Variable(v, _, _) => match self.base_of(&v.1)? {
                Base::Node(n) => n,
                // `c` or `p` alone: only as the start of a chain.
                _ => return None,
            },
            Expr::FnCall(call, _) => self.call(call)?,
            Expr::Dot(bin, flags, _) => {
                if flags.intersects(rhai::ASTFlags::NEGATED) {
                    return None;
                }
                let base = match &bin.lhs {
                    Expr::Variable(v, _, _) => self.base_of(&v.1)?,
                    other => Base::Node(self.expr(other)?),
                };
                self.chain(base, &bin.rhs)?
            }
            Expr::Index(bin, flags, _) => {
                if flags.intersects(rhai::ASTFlags::NEGATED) {
                    return None;
                }
                let base = match &bin.lhs {
                    Expr::Variable(v, _, _) => self.base_of(&v.1)?,
                    other => Base::Node(self.expr(other)?),
                };
                let Base::Node(target) = base else { return None };
                Node::Index(Box::new([target, self.expr(&bin.rhs)?]))
            }
            Expr::And(xs, _) => Node::And(self.exprs(xs)?),
            Expr::Or(xs, _) => Node::Or(self.exprs(xs)?),
            Expr::Coalesce(xs, _) => Node::Coalesce(self.exprs(xs)?),
            Expr::Stmt(block) => self.block(block.statements())?,
            _ => return None,
        })
    }

    /// What a variable name means here: a local, the customer, or the params.
    fn base_of(&self, name: &str) -> Option<Base> {
        if let Some(slot) = self.scope.iter().rposition(|n| n.as_str() == name) {
            Some(Base::Node(Node::Local(slot)))
        } else if name == self.customer {
            Some(Base::Cust)
        } else if name == self.params_var {
            Some(Base::Params)
        } else {
            None
        }
    }

    /// `base.rhs`, where rhs is a property, a method call, or a further chain.
    fn chain(&mut self, base: Base, rhs: &Expr) -> Option<Node> {
        match rhs {
            Expr::Property(prop, _) => self.property(base, &prop.2),
            Expr::MethodCall(call, _) => self.method(base, call),
            Expr::Dot(bin, flags, _) if !flags.intersects(rhai::ASTFlags::NEGATED) => {
                let inner = self.chain(base, &bin.lhs)?;
                self.chain(Base::Node(inner), &bin.rhs)
            }
            Expr::Index(bin, flags, _) if !flags.intersects(rhai::ASTFlags::NEGATED) => {
                let target = self.chain(base, &bin.lhs)?;
                Some(Node::Index(Box::new([target, self.expr(&bin.rhs)?])))
            }
            _ => None,
        }
    }

    fn property(&mut self, base: Base, name: &str) -> Option<Node> {
        match base {
            Base::Cust => Prop::named(name).map(Node::Prop),
            // An unknown param is rhai's error to report.
            Base::Params => self.params.get(name).and_then(V::from_dynamic).map(Node::Const),
            Base::Node(_) => None,
        }
    }

    fn method(&mut self, base: Base, call: &FnCallExpr) -> Option<Node> {
        if call.capture_parent_scope {
            return None;
        }
        let args = self.exprs(&call.args)?;
        match base {
            Base::Cust => Method::named(&call.name, args.len()).map(|m| Node::Method(m, args)),
            Base::Params => None,
            Base::Node(recv) => {
                let (m, arity) = match call.name.as_str() {
                    "pitch" => (ValueMethod::Pitch, 2),
                    "to" => (ValueMethod::To, 1),
                    "boost" => (ValueMethod::Boost, 1),
                    "len" => (ValueMethod::Len, 0),
                    _ => return None,
                };
                if args.len() != arity {
                    return None;
                }
                let mut all = Vec::with_capacity(arity + 1);
                all.push(recv);
                all.extend(args.into_vec());
                Some(Node::ValueMethod(m, all.into()))
            }
        }
    }

    fn call(&mut self, call: &FnCallExpr) -> Option<Node> {
        if call.capture_parent_scope {
            return None;
        }
        let mut args = self.exprs(&call.args)?.into_vec();
        let two = |args: Vec<Node>| -> Option<Box<[Node; 2]>> { <[Node; 2]>::try_from(args).ok().map(Box::new) };
        let name = call.name.as_str();
        Some(match (name, args.len()) {
            ("==", 2) => Node::Cmp(Cmp::Eq, two(args)?),
            ("!=", 2) => Node::Cmp(Cmp::Ne, two(args)?),
            ("<", 2) => Node::Cmp(Cmp::Lt, two(args)?),
            ("<=", 2) => Node::Cmp(Cmp::Le, two(args)?),
            (">", 2) => Node::Cmp(Cmp::Gt, two(args)?),
            (">=", 2) => Node::Cmp(Cmp::Ge, two(args)?),
            ("+", 2) => Node::Arith(Arith::Add, two(args)?),
            ("-", 2) => Node::Arith(Arith::Sub, two(args)?),
            ("*", 2) => Node::Arith(Arith::Mul, two(args)?),
            ("/", 2) => Node::Arith(Arith::Div, two(args)?),
            ("%", 2) => Node::Arith(Arith::Rem, two(args)?),
            ("-", 1) => Node::Neg(Box::new(args.pop()?)),
            ("!", 1) => Node::Not(Box::new(args.pop()?)),
            // `x in xs` is parsed as `contains(xs, x)`.
            ("contains", 2) => Node::Contains(two(args)?),
            ("suggest", 3) => Node::Call(Builtin::Suggest, args.into()),
            ("route", 3) => Node::Call(Builtin::Route, args.into()),
            ("high_value", 3) => Node::Call(Builtin::HighValue, args.into()),
            ("note", 2) => Node::Call(Builtin::Note, args.into()),
            ("yuan", 1) => Node::Call(Builtin::Yuan, args.into()),
            ("cny", 2) => Node::Call(Builtin::Cny, args.into()),
            ("product_simple", 1) => Node::Call(Builtin::ProductSimple, args.into()),
            ("product_risk", 1) => Node::Call(Builtin::ProductRisk, args.into()),
            _ => return None,
        })
    }
}

/// Running one compiled rule for one customer.
pub(crate) struct Run<'a> {
    pub facts: &'a Facts<'a>,
    pub api: &'a ApiContext,
    pub max_operations: u64,
    pub max_string_size: usize,
    /// Nodes evaluated: the trace's "operations" for a compiled rule.
    pub ops: u64,
    locals: Vec<V<'a>>,
}

impl<'a> Run<'a> {
    pub fn new(facts: &'a Facts<'a>, api: &'a ApiContext, max_operations: u64, max_string_size: usize) -> Run<'a> {
        Run {
            facts,
            api,
            max_operations,
            max_string_size,
            ops: 0,
            locals: Vec::new(),
        }
    }

    /// The rule's value, or [`Bail`].
    pub fn run(&mut self, p: &Program) -> R<V<'a>> {
        self.ops = 0;
        self.locals.clear();
        self.locals.resize(p.locals, V::Unit);
        self.eval(&p.body)
    }

    fn eval(&mut self, n: &Node) -> R<V<'a>> {
        self.ops += 1;
        if self.ops > self.max_operations {
            return Err(Bail);
        }
        match n {
            Node::Const(v) => Ok(v.clone()),
            Node::Local(i) => self.locals.get(*i).cloned().ok_or(Bail),
            Node::Let(i, value) => {
                let v = self.eval(value)?;
                *self.locals.get_mut(*i).ok_or(Bail)? = v;
                Ok(V::Unit)
            }
            Node::Block(stmts) => {
                let mut last = V::Unit;
                for s in stmts.iter() {
                    last = self.eval(s)?;
                }
                Ok(last)
            }
            Node::If(parts) => {
                let [cond, body, branch] = &**parts;
                if self.eval(cond)?.as_bool()? {
                    self.eval(body)
                } else {
                    self.eval(branch)
                }
            }
            Node::Prop(p) => Ok(p.get(self.facts)),
            Node::Method(m, nodes) => {
                let args = self.args3(nodes)?;
                m.call(self.facts, &args[..nodes.len()])
            }
            Node::ValueMethod(m, nodes) => {
                let mut args = self.args3(nodes)?;
                let recv = std::mem::replace(&mut args[0], V::Unit);
                self.value_method(*m, recv, args.get(1..nodes.len()).ok_or(Bail)?)
            }
            Node::Call(b, nodes) => {
                let args = self.args3(nodes)?;
                self.builtin(*b, &args[..nodes.len()])
            }
            Node::Cmp(op, ab) => {
                let a = self.eval(&ab[0])?;
                let b = self.eval(&ab[1])?;
                compare(*op, &a, &b).map(V::Bool)
            }
            Node::Arith(op, ab) => {
                let a = self.eval(&ab[0])?;
                let b = self.eval(&ab[1])?;
                self.arith(*op, a, b)
            }
            Node::Neg(x) => match self.eval(x)? {
                V::Int(i) => i.checked_neg().map(V::Int).ok_or(Bail),
                V::Float(f) => Ok(V::Float(-f)),
                _ => Err(Bail),
            },
            Node::Not(x) => Ok(V::Bool(!self.eval(x)?.as_bool()?)),
            Node::And(xs) => {
                for x in xs.iter() {
                    if !self.eval(x)?.as_bool()? {
                        return Ok(V::Bool(false));
                    }
                }
                Ok(V::Bool(true))
            }
            Node::Or(xs) => {
                for x in xs.iter() {
                    if self.eval(x)?.as_bool()? {
                        return Ok(V::Bool(true));
                    }
                }
                Ok(V::Bool(false))
            }
            Node::Coalesce(xs) => {
                let mut last = V::Unit;
                for x in xs.iter() {
                    last = self.eval(x)?;
                    if !matches!(last, V::Unit) {
                        break;
                    }
                }
                Ok(last)
            }
            Node::Contains(ab) => {
                let container = self.eval(&ab[0])?;
                let item = self.eval(&ab[1])?;
                contains(&container, &item).map(V::Bool)
            }
            Node::Index(ab) => {
                let target = self.eval(&ab[0])?;
                let at = self.eval(&ab[1])?;
                index(target, &at)
            }
            Node::Array(items) => Ok(V::Array(Rc::new(self.args(items)?))),
            Node::Interp(parts) => {
                let mut s = String::new();
                for p in parts.iter() {
                    let v = self.eval(p)?;
                    push_display(&mut s, &v)?;
                }
                self.string(s)
            }
        }
    }

    /// Up to three arguments without a heap allocation: every call this path knows takes at most three.
    fn args3(&mut self, nodes: &[Node]) -> R<[V<'a>; 3]> {
        if nodes.len() > 3 {
            return Err(Bail);
        }
        let mut out = [V::Unit, V::Unit, V::Unit];
        for (slot, n) in out.iter_mut().zip(nodes) {
            *slot = self.eval(n)?;
        }
        Ok(out)
    }

    fn args(&mut self, nodes: &[Node]) -> R<Vec<V<'a>>> {
        nodes.iter().map(|n| self.eval(n)).collect()
    }

    fn string(&self, s: String) -> R<V<'a>> {
        if self.max_string_size > 0 && s.len() > self.max_string_size {
            return Err(Bail);
        }
        Ok(V::Str(s.into()))
    }

    fn arith(&self, op: Arith, a: V<'a>, b: V<'a>) -> R<V<'a>> {
        if let (V::Int(x), V::Int(y)) = (&a, &b) {
            let r = match op {
                Arith::Add => x.checked_add(*y),
                Arith::Sub => x.checked_sub(*y),
                Arith::Mul => x.checked_mul(*y),
                Arith::Div => x.checked_div(*y),
                Arith::Rem => x.checked_rem(*y),
            };
            return r.map(V::Int).ok_or(Bail);
        }
        if let (Some(x), Some(y)) = (a.as_f64(), b.as_f64()) {
            return Ok(V::Float(match op {
                Arith::Add => x + y,
                Arith::Sub => x - y,
                Arith::Mul => x * y,
                Arith::Div => x / y,
                Arith::Rem => x % y,
            }));
        }
        if let Arith::Add = op {
            // Text joins as rhai's `+` does for the types it prints the same way.
            if a.as_str().is_some() || b.as_str().is_some() {
                let mut s = String::new();
                push_display(&mut s, &a)?;
                push_display(&mut s, &b)?;
                return self.string(s);
            }
        }
        Err(Bail)
    }

    fn builtin(&self, b: Builtin, args: &[V<'a>]) -> R<V<'a>> {
        let s = |i: usize| args.get(i).and_then(V::as_str).ok_or(Bail);
        let num = |i: usize| args.get(i).and_then(V::as_f64).ok_or(Bail);
        let out = |o: Out| Ok(V::Out(Box::new(o)));
        match b {
            Builtin::Suggest => out(Out::Suggest(
                api::suggest(self.api, s(0)?, s(1)?, s(2)?).map_err(|_| Bail)?,
            )),
            Builtin::Route => out(Out::Route(api::route(self.api, s(0)?, s(1)?, s(2)?).map_err(|_| Bail)?)),
            Builtin::HighValue => out(Out::Signal(
                api::high_value(self.api, s(0)?, s(1)?, s(2)?).map_err(|_| Bail)?,
            )),
            Builtin::Note => out(Out::Note(NoteProposal {
                zh: s(0)?.to_owned(),
                en: s(1)?.to_owned(),
            })),
            Builtin::Yuan => Ok(V::Str(api::yuan(num(0)?))),
            Builtin::Cny => Ok(V::Float(api::to_cny(self.api, num(0)?, s(1)?).map_err(|_| Bail)?)),
            Builtin::ProductSimple => Ok(V::Bool(self.api.catalogue.get(s(0)?).is_some_and(|p| p.simple))),
            Builtin::ProductRisk => Ok(self
                .api
                .catalogue
                .get(s(0)?)
                .map_or(V::Unit, |p| V::Int(INT::from(p.risk)))),
        }
    }

    fn value_method(&self, m: ValueMethod, recv: V<'a>, args: &[V<'a>]) -> R<V<'a>> {
        let s = |i: usize| args.get(i).and_then(V::as_str).ok_or(Bail);
        match (m, recv) {
            (ValueMethod::Len, V::Array(a)) => Ok(V::Int(a.len() as INT)),
            (ValueMethod::Len, v) => {
                let text = v.as_str().ok_or(Bail)?;
                Ok(V::Int(text.chars().count() as INT))
            }
            (m, V::Out(o)) => {
                let Out::Suggest(mut p) = *o else { return Err(Bail) };
                match m {
                    ValueMethod::Pitch => p.pitch = Some((s(0)?.to_owned(), s(1)?.to_owned())),
                    ValueMethod::To => {
                        api::check_destination(self.api, s(0)?).map_err(|_| Bail)?;
                        p.to = Some(s(0)?.to_owned());
                    }
                    ValueMethod::Boost => {
                        let points = match args.first() {
                            Some(V::Int(i)) => *i as f64,
                            Some(V::Float(f)) => *f,
                            _ => return Err(Bail),
                        };
                        p = api::boost(self.api, &p, points).map_err(|_| Bail)?;
                    }
                    ValueMethod::Len => return Err(Bail),
                }
                Ok(V::Out(Box::new(Out::Suggest(p))))
            }
            _ => Err(Bail),
        }
    }
}

/// rhai's comparison operators: numbers compare across int and float, text
/// with text; values of different types are unequal and not ordered.
fn compare(op: Cmp, a: &V, b: &V) -> R<bool> {
    use std::cmp::Ordering;
    let ord: Option<Ordering> = match (a, b) {
        (V::Int(x), V::Int(y)) => Some(x.cmp(y)),
        _ if a.as_f64().is_some() && b.as_f64().is_some() => {
            let (x, y) = (a.as_f64().unwrap_or(0.0), b.as_f64().unwrap_or(0.0));
            match op {
                Cmp::Eq => return Ok(x == y),
                Cmp::Ne => return Ok(x != y),
                Cmp::Lt => return Ok(x < y),
                Cmp::Le => return Ok(x <= y),
                Cmp::Gt => return Ok(x > y),
                Cmp::Ge => return Ok(x >= y),
            }
        }
        _ => match (a.as_str(), b.as_str()) {
            (Some(x), Some(y)) => Some(x.cmp(y)),
            _ => match (a, b) {
                (V::Bool(x), V::Bool(y)) if matches!(op, Cmp::Eq | Cmp::Ne) => Some(x.cmp(y)),
                (V::Unit, V::Unit) if matches!(op, Cmp::Eq | Cmp::Ne) => Some(Ordering::Equal),
                // Same kind of value but one this path does not compare.
                (V::Bool(_), V::Bool(_))
                | (V::Unit, V::Unit)
                | (V::Array(_), V::Array(_))
                | (V::Map(_), V::Map(_))
                | (V::Out(_), V::Out(_)) => return Err(Bail),
                (V::Array(_) | V::Map(_) | V::Out(_), _) | (_, V::Array(_) | V::Map(_) | V::Out(_)) => {
                    return Err(Bail)
                }
                _ => None,
            },
        },
    };
    Ok(match ord {
        None => matches!(op, Cmp::Ne),
        Some(o) => match op {
            Cmp::Eq => o == Ordering::Equal,
            Cmp::Ne => o != Ordering::Equal,
            Cmp::Lt => o == Ordering::Less,
            Cmp::Le => o != Ordering::Greater,
            Cmp::Gt => o == Ordering::Greater,
            Cmp::Ge => o != Ordering::Less,
        },
    })
}

/// `item in container`.
fn contains(container: &V, item: &V) -> R<bool> {
    match container {
        V::Array(items) => {
            for x in items.iter() {
                if compare(Cmp::Eq, x, item)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        V::Map(m) => Ok(m.contains_key(item.as_str().ok_or(Bail)?)),
        _ => match (container.as_str(), item.as_str()) {
            (Some(hay), Some(needle)) => Ok(hay.contains(needle)),
            _ => Err(Bail),
        },
    }
}

/// `target[at]`: an array by position (negative from the end), a map by key.
fn index<'a>(target: V<'a>, at: &V) -> R<V<'a>> {
    match (target, at) {
        (V::Array(items), V::Int(i)) => {
            let n = items.len() as INT;
            let i = if *i < 0 { n + *i } else { *i };
            if (0..n).contains(&i) {
                items.get(i as usize).cloned().ok_or(Bail)
            } else {
                Err(Bail)
            }
        }
        (V::Map(m), key) => m.get(key.as_str().ok_or(Bail)?).cloned().ok_or(Bail),
        _ => Err(Bail),
    }
}

/// Appends a value as rhai prints it into text; floats and collections are
/// left to rhai, whose formatting this path does not copy.
fn push_display(s: &mut String, v: &V) -> R<()> {
    match v {
        V::Unit => {}
        V::Bool(b) => s.push_str(if *b { "true" } else { "false" }),
        V::Int(i) => {
            use std::fmt::Write;
            write!(s, "{i}").map_err(|_| Bail)?;
        }
        V::Str(x) => s.push_str(x),
        V::Ref(x) => s.push_str(x),
        _ => return Err(Bail),
    }
    Ok(())
}
