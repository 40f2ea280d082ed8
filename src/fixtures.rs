//! Fixtures: a pack's behaviour pinned in files rule authors can read.
//!
//! Each `fixtures/*.json` holds an `about` text and named `cases`; a case is a
//! customer in and what must come out. Every `expect` field is optional and
//! checks only what it names:
//!
//! ```json
//! { "name": "大额取现 → 理财 / large withdrawal pitches wealth",
//!   "channel": "teller",
//!   "customer": { "id": "f1", "...": "..." },
//!   "branch": { "staff": [{ "role": "lobby", "state": "busy" }] },
//!   "expect": {
//!     "route": "relationship_manager",
//!     "high_value": true,
//!     "signals": ["large_cash"],
//!     "top": "wm.product",
//!     "suggests": ["wm.product"],
//!     "not_suggested": ["inv.fund"],
//!     "suppressed": { "inv.fund": "suitability" },
//!     "fired": ["large_cash_withdrawal"],
//!     "not_fired": ["fx_account_opening"],
//!     "unmet_needs": ["overseas_study"],
//!     "notes": 1,
//!     "lead_allowed": false,
//!     "grade": "B",
//!     "screens": { "can_pay": true },
//!     "then": true,
//!     "substituted": { "dep.large_cd": "wm.product" },
//!     "disclosed": ["wm.product"],
//!     "texts_exclude": ["商机", "wm.product"],
//!     "route_says": ["大堂经理繁忙"],
//!     "errors": []
//!   } }
//! ```
//! A case may name the seed section it comes from (`"seed": "004 二(一)2"`),
//! so a reviewer can read the source beside the behaviour it pins.
//! `errors` lists the rules expected to fail; absent, any rule error fails the case.
//!
//! A rule that does not compile is left out and reported once (it is in
//! [`Engine::problems`]); it fails only the cases that expect something of
//! it: that name it, or expect a route, product, signal, screening test,
//! grade or note its source writes. The other cases still say whether the rest of the pack is right.
//! A rule that fails at run time fails the cases it failed on, with its error.
//!
//! The report also lists the rules that fired in no case: the pack's guide
//! promises every rule fires in at least one.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::error::RuleError;
use crate::eval::{Engine, Options};
use crate::explain::{Evaluation, RuleStatus};
use crate::pack::{parse_json, PackSource};
use crate::signals::Stamp;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FixtureFile {
    #[serde(default)]
    #[allow(dead_code)]
    about: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    now: Option<String>,
    /// The seed section the case is written from.
    #[serde(default)]
    #[allow(dead_code)]
    seed: Option<String>,
    customer: serde_json::Value,
    /// The branch context (who is free, queues, VIP seats); absent: unknown.
    #[serde(default)]
    branch: Option<serde_json::Value>,
    expect: Expect,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Expect {
    route: Option<String>,
    high_value: Option<bool>,
    #[serde(default)]
    signals: Vec<String>,
    top: Option<String>,
    #[serde(default)]
    suggests: Vec<String>,
    #[serde(default)]
    not_suggested: Vec<String>,
    #[serde(default)]
    suppressed: BTreeMap<String, String>,
    #[serde(default)]
    fired: Vec<String>,
    #[serde(default)]
    not_fired: Vec<String>,
    unmet_needs: Option<Vec<String>>,
    notes: Option<usize>,
    lead_allowed: Option<bool>,
    /// The prospect grade letter ("" for none).
    grade: Option<String>,
    /// Screening tests and whether each passed.
    #[serde(default)]
    screens: BTreeMap<String, bool>,
    /// Whether the route has a second step.
    then: Option<bool>,
    /// Substitute product → the product suitability held back.
    #[serde(default)]
    substituted: BTreeMap<String, String>,
    /// Products whose pitch must carry the risk disclosure.
    #[serde(default)]
    disclosed: Vec<String>,
    /// Words no text staff read may contain (route, notes, pitches, reasons, signals).
    #[serde(default)]
    texts_exclude: Vec<String>,
    /// Words the route's reason or second step must contain (which way a rule went).
    #[serde(default)]
    route_says: Vec<String>,
    errors: Option<Vec<String>>,
}

/// One case's result.
#[derive(Debug, Clone, Serialize)]
pub struct CaseResult {
    pub file: String,
    pub name: String,
    pub passed: bool,
    /// What differed, one line each.
    pub failures: Vec<String>,
}

/// All fixtures of a pack.
#[derive(Debug, Clone, Serialize)]
pub struct FixtureReport {
    pub passed: usize,
    pub failed: usize,
    pub cases: Vec<CaseResult>,
    /// Rules that compile but fired in no case, in id order. A warning:
    /// `nextbest test --require-coverage` fails the run on it.
    pub unfired: Vec<String>,
}

/// Runs every fixture of `source` against `engine` (compiled from it).
pub fn run_fixtures(engine: &Engine, source: &PackSource) -> FixtureReport {
    let broken = broken_rules(engine, source);
    let mut fired: BTreeSet<String> = BTreeSet::new();
    let mut cases = Vec::new();
    for (file, why) in &source.unreadable {
        cases.push(CaseResult {
            file: file.clone(),
            name: "(file)".to_owned(),
            passed: false,
            failures: vec![format!("{file}: {why}")],
        });
    }
    for (file, text) in source.fixtures() {
        let parsed: FixtureFile = match parse_json(file, text) {
            Ok(f) => f,
            Err(e) => {
                cases.push(CaseResult {
                    file: file.to_owned(),
                    name: "(file)".to_owned(),
                    passed: false,
                    failures: vec![e.to_string()],
                });
                continue;
            }
        };
        for case in parsed.cases {
            let failures = run_case(engine, &broken, &case, &mut fired);
            cases.push(CaseResult {
                file: file.to_owned(),
                name: case.name,
                passed: failures.is_empty(),
                failures,
            });
        }
    }
    let passed = cases.iter().filter(|c| c.passed).count();
    // A broken rule is reported as broken, not again as unfired.
    let unfired = engine
        .rules()
        .iter()
        .map(|r| r.id.clone())
        .filter(|id| !fired.contains(id) && !broken.iter().any(|b| b.id == id))
        .collect();
    FixtureReport {
        passed,
        failed: cases.len() - passed,
        cases,
        unfired,
    }
}

/// A rule that does not compile, and what its source says it would return:
/// products, destinations and signals named by a literal first argument.
struct Broken<'a> {
    id: &'a str,
    /// Its first problem, where `nextbest test` points.
    error: &'a RuleError,
    products: Names<'a>,
    routes: Names<'a>,
    signals: Names<'a>,
    screens: Names<'a>,
    grades: Names<'a>,
    notes: bool,
}

/// The literal first arguments of one builder's calls; `any` when a call's
/// argument is not a literal, so it could be anything.
#[derive(Default)]
struct Names<'a> {
    named: Vec<&'a str>,
    any: bool,
}

impl Names<'_> {
    fn covers(&self, x: &str) -> bool {
        self.any || self.named.contains(&x)
    }

    fn is_empty(&self) -> bool {
        !self.any && self.named.is_empty()
    }
}

/// The pack's rules that did not compile (each once), read from their text.
fn broken_rules<'a>(engine: &'a Engine, source: &'a PackSource) -> Vec<Broken<'a>> {
    let mut out: Vec<Broken<'a>> = Vec::new();
    for error in engine.problems() {
        if out.iter().any(|b| b.id == error.rule) {
            continue;
        }
        let text = source.rules().find(|(id, ..)| *id == error.rule).map_or("", |r| r.2);
        let mut b = Broken {
            id: &error.rule,
            error,
            products: Names::default(),
            routes: Names::default(),
            signals: Names::default(),
            screens: Names::default(),
            grades: Names::default(),
            notes: false,
        };
        for line in text.lines() {
            let code = crate::lint::strip_comment(line);
            for (call, names) in [
                ("suggest(", &mut b.products),
                ("route(", &mut b.routes),
                ("high_value(", &mut b.signals),
                ("screen(", &mut b.screens),
                ("grade(", &mut b.grades),
            ] {
                for (_, arg) in crate::lint::first_args(code, call) {
                    match arg {
                        Some(name) => names.named.push(name),
                        None => names.any = true,
                    }
                }
            }
            b.notes |= !crate::lint::first_args(code, "note(").is_empty();
        }
        out.push(b);
    }
    out
}

/// What `x` expects of a rule that was left out, in words; empty when nothing.
fn expected_of(engine: &Engine, b: &Broken<'_>, x: &Expect) -> Vec<String> {
    let mut why = Vec::new();
    let named = |ids: &[String]| ids.iter().any(|r| r == b.id);
    if named(&x.fired) {
        why.push("fired".to_owned());
    }
    if named(&x.not_fired) {
        why.push("not_fired".to_owned());
    }
    if let Some(route) = x.route.as_ref().filter(|r| b.routes.covers(r)) {
        why.push(format!("route {route}"));
    }
    if x.then.is_some() && !b.routes.is_empty() {
        why.push("then".to_owned());
    }
    let products = x
        .top
        .iter()
        .map(|p| ("top", p))
        .chain(x.suggests.iter().map(|p| ("suggests", p)))
        .chain(x.not_suggested.iter().map(|p| ("not_suggested", p)))
        .chain(x.suppressed.keys().map(|p| ("suppressed", p)))
        .chain(x.substituted.values().map(|p| ("substituted", p)))
        .chain(x.disclosed.iter().map(|p| ("disclosed", p)));
    for (field, p) in products.filter(|(_, p)| b.products.covers(p)) {
        why.push(format!("{field} {p}"));
    }
    for s in x.signals.iter().filter(|s| b.signals.covers(s)) {
        why.push(format!("signals {s}"));
    }
    if x.high_value.is_some() && !b.signals.is_empty() {
        why.push("high_value".to_owned());
    }
    for test in x.screens.keys().filter(|t| b.screens.covers(t)) {
        why.push(format!("screens {test}"));
    }
    if let Some(grade) = x.grade.as_ref().filter(|_| !b.grades.is_empty()) {
        why.push(format!("grade {grade:?}"));
    }
    if x.notes.is_some() && b.notes {
        why.push("notes".to_owned());
    }
    // A need the rule's product would have met stays unmet without it.
    if let Some(needs) = &x.unmet_needs {
        let served = |need: &String| {
            b.products.any
                || b.products.named.iter().any(|p| {
                    engine
                        .catalogue()
                        .get(*p)
                        .is_some_and(|prod| prod.serves.contains(need))
                })
        };
        if needs.iter().any(served) {
            why.push("unmet_needs".to_owned());
        }
    }
    why
}

fn run_case(engine: &Engine, broken: &[Broken<'_>], case: &Case, fired: &mut BTreeSet<String>) -> Vec<String> {
    let mut options = Options::default();
    if let Some(ch) = &case.channel {
        options.channel = ch.clone();
    }
    if let Some(now) = &case.now {
        match Stamp::parse(now) {
            Ok(s) => options.now = Some(s.unix),
            Err(e) => return vec![format!("now: {e}")],
        }
    }
    if let Some(b) = &case.branch {
        match crate::branch::BranchContext::from_value(b) {
            Ok(ctx) => options.branch = Some(ctx),
            Err(e) => return vec![format!("branch: {e}")],
        }
    }
    let customer = match engine.customer_from_value(&case.customer) {
        Ok(c) => c,
        Err(e) => return vec![format!("customer: {e}")],
    };
    let mut failures = unknown_ids(engine, &case.expect);
    for b in broken {
        let why = expected_of(engine, b, &case.expect);
        if !why.is_empty() {
            failures.push(format!(
                "expects {} of rule {}, which does not compile and was left out: {}",
                why.join(", "),
                b.id,
                b.error
            ));
        }
    }
    match engine.evaluate(customer, &options) {
        Ok(out) => {
            fired.extend(
                out.trace
                    .iter()
                    .filter(|t| t.status == RuleStatus::Fired)
                    .map(|t| t.rule.to_string()),
            );
            failures.extend(check(engine, &case.expect, &out));
        }
        Err(e) => failures.push(format!("evaluation failed: {e}")),
    }
    failures
}

/// A misspelt id would make "must not" expectations pass vacuously.
fn unknown_ids(engine: &Engine, x: &Expect) -> Vec<String> {
    // A rule whose header is broken is still a rule of this pack.
    let rules: Vec<&str> = engine
        .rules()
        .iter()
        .map(|r| r.id.as_str())
        .chain(engine.problems().iter().map(|p| p.rule.as_str()))
        .collect();
    let catalogue = engine.catalogue();
    let mut f = Vec::new();
    let rule_lists = [("fired", &x.fired), ("not_fired", &x.not_fired)];
    for (field, ids) in rule_lists {
        for id in ids.iter().filter(|id| !rules.contains(&id.as_str())) {
            f.push(format!("{field}: {id:?} is not a rule of this pack"));
        }
    }
    let products = x
        .suggests
        .iter()
        .map(|p| ("suggests", p))
        .chain(x.not_suggested.iter().map(|p| ("not_suggested", p)))
        .chain(x.suppressed.keys().map(|p| ("suppressed", p)))
        .chain(x.top.iter().map(|p| ("top", p)));
    for (field, id) in products {
        if !catalogue.contains_key(id) {
            f.push(format!("{field}: {id:?} is not a product in products.json"));
        }
    }
    if let Some(route) = &x.route {
        if !engine.manifest().destinations.contains_key(route) {
            f.push(format!("route: {route:?} is not a destination in pack.json"));
        }
    }
    f
}

fn check(engine: &Engine, x: &Expect, out: &Evaluation) -> Vec<String> {
    let mut f = Vec::new();
    let products: Vec<&str> = out.suggestions.iter().map(|s| s.product.as_str()).collect();
    if let Some(route) = &x.route {
        if &out.route.destination != route {
            f.push(format!(
                "route: expected {route}, got {} ({})",
                out.route.destination,
                out.route.rule.as_deref().unwrap_or("default route")
            ));
        }
    }
    if let Some(hv) = x.high_value {
        if out.high_value.flag != hv {
            f.push(format!("high_value: expected {hv}, got {}", out.high_value.flag));
        }
    }
    for s in &x.signals {
        if !out.high_value.signals.iter().any(|g| &g.signal == s) {
            let got: Vec<&str> = out.high_value.signals.iter().map(|g| g.signal.as_str()).collect();
            f.push(format!("signals: expected {s}, got [{}]", got.join(", ")));
        }
    }
    if let Some(top) = &x.top {
        if products.first() != Some(&top.as_str()) {
            f.push(format!("top: expected {top}, got [{}]", products.join(", ")));
        }
    }
    for p in &x.suggests {
        if !products.contains(&p.as_str()) {
            f.push(format!("suggests: expected {p}, got [{}]", products.join(", ")));
        }
    }
    for p in &x.not_suggested {
        if products.contains(&p.as_str()) {
            f.push(format!("not_suggested: {p} was suggested"));
        }
    }
    for (p, why) in &x.suppressed {
        match out.suppressed.iter().find(|s| &s.product == p) {
            Some(s) if s.reason.as_str() == why => {}
            Some(s) => f.push(format!(
                "suppressed: {p} expected for {why}, held for {}",
                s.reason.as_str()
            )),
            None => f.push(format!("suppressed: expected {p} held back for {why}, it was not")),
        }
    }
    let status = |id: &str| out.trace.iter().find(|t| &*t.rule == id).map(|t| t.status);
    for r in &x.fired {
        match (status(r), out.errors.iter().find(|e| &e.rule == r)) {
            (Some(RuleStatus::Fired), _) => {}
            // A broken rule has no trace line; the case already says why.
            (None, Some(e)) if engine.problems().contains(e) => {}
            (_, Some(e)) => f.push(format!("fired: expected {r} to fire, it failed: {e}")),
            (s, None) => f.push(format!("fired: expected {r} to fire, it was {s:?}")),
        }
    }
    for r in &x.not_fired {
        if status(r) == Some(RuleStatus::Fired) {
            f.push(format!("not_fired: {r} fired"));
        }
    }
    if let Some(needs) = &x.unmet_needs {
        if &out.unmet_needs != needs {
            f.push(format!("unmet_needs: expected {needs:?}, got {:?}", out.unmet_needs));
        }
    }
    if let Some(n) = x.notes {
        if out.notes.len() != n {
            f.push(format!("notes: expected {n}, got {}", out.notes.len()));
        }
    }
    if let Some(lead) = x.lead_allowed {
        if out.lead_allowed != lead {
            f.push(format!("lead_allowed: expected {lead}, got {}", out.lead_allowed));
        }
    }
    if let Some(g) = &x.grade {
        if &out.grade.grade != g {
            f.push(format!(
                "grade: expected {g:?}, got {:?} ({})",
                out.grade.grade, out.grade.zh
            ));
        }
    }
    for (test, passed) in &x.screens {
        match out.grade.tests.iter().find(|t| &t.test == test) {
            Some(t) if t.passed == *passed => {}
            Some(t) => f.push(format!(
                "screens: expected {test} {passed}, got {} ({})",
                t.passed, t.zh
            )),
            None => f.push(format!("screens: expected {test} to be decided, it was not")),
        }
    }
    if let Some(then) = x.then {
        if out.route.then_zh.is_some() != then {
            f.push(format!(
                "then: expected a second step {then}, got {:?}",
                out.route.then_zh
            ));
        }
    }
    for (sub, held) in &x.substituted {
        match out.suggestions.iter().find(|s| &s.product == sub) {
            Some(s) if s.substitute_for.as_ref() == Some(held) => {}
            Some(s) => f.push(format!(
                "substituted: {sub} expected in place of {held}, it stands for {:?}",
                s.substitute_for
            )),
            None => f.push(format!(
                "substituted: expected {sub} in place of {held}, got [{}]",
                products.join(", ")
            )),
        }
    }
    for p in &x.disclosed {
        match out.suggestions.iter().find(|s| &s.product == p) {
            Some(s) if s.disclosure.is_some() => {}
            Some(_) => f.push(format!("disclosed: {p}'s pitch carries no risk disclosure")),
            None => f.push(format!("disclosed: {p} was not suggested")),
        }
    }
    for word in &x.route_says {
        let said = [
            Some(out.route.reason_zh.as_str()),
            Some(out.route.reason_en.as_str()),
            out.route.then_zh.as_deref(),
            out.route.then_en.as_deref(),
        ];
        if !said.iter().flatten().any(|t| t.contains(word.as_str())) {
            f.push(format!(
                "route_says: {word:?} is not in the route's texts ({:?})",
                out.route.reason_zh
            ));
        }
    }
    if !x.texts_exclude.is_empty() {
        let mut texts: Vec<&str> = vec![&out.route.reason_zh, &out.route.reason_en];
        texts.extend(out.route.then_zh.as_deref());
        texts.extend(out.route.then_en.as_deref());
        texts.extend(out.notes.iter().flat_map(|n| [n.zh.as_str(), n.en.as_str()]));
        texts.extend(
            out.high_value
                .signals
                .iter()
                .flat_map(|n| [n.zh.as_str(), n.en.as_str()]),
        );
        for s in &out.suggestions {
            texts.extend([s.pitch_zh.as_str(), s.pitch_en.as_str()]);
            texts.extend(s.reasons.iter().flat_map(|r| [r.zh.as_str(), r.en.as_str()]));
        }
        for word in &x.texts_exclude {
            if let Some(t) = texts.iter().find(|t| t.contains(word.as_str())) {
                f.push(format!("texts_exclude: {word:?} appears in {t:?}"));
            }
        }
    }
    // Rules that do not compile are reported once, not in every case:
    // only a case that lists one in `errors` sees it here.
    let expected = x.errors.as_deref().unwrap_or_default();
    let errors: Vec<&RuleError> = out
        .errors
        .iter()
        .filter(|e| !engine.problems().contains(e) || expected.contains(&e.rule))
        .collect();
    let mut failed: Vec<&str> = Vec::new();
    for e in &errors {
        if !failed.contains(&e.rule.as_str()) {
            failed.push(&e.rule);
        }
    }
    match &x.errors {
        None if !errors.is_empty() => {
            for e in &errors {
                f.push(format!("rule error: {e}"));
            }
        }
        Some(expected) if expected.iter().map(String::as_str).ne(failed.iter().copied()) => {
            f.push(format!("errors: expected {expected:?}, got {failed:?}"));
            for e in errors.iter().filter(|e| !expected.contains(&e.rule)) {
                f.push(format!("rule error: {e}"));
            }
        }
        _ => {}
    }
    f
}
