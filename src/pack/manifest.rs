//! `pack.json` and `products.json`: the data rules and policy read.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// `pack.json`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub name: String,
    #[serde(default)]
    pub version: String,
    /// Thresholds and lists the rules read as `p`, e.g. `p.large_cash_cny`.
    #[serde(default)]
    pub params: serde_json::Map<String, serde_json::Value>,
    /// Why each threshold is what it is (the seed line, the branch practice),
    /// beside the parameter it explains: a reviewer reads both together.
    #[serde(default)]
    pub basis: BTreeMap<String, String>,
    /// CNY per one unit of each currency; CNY itself is 1.
    #[serde(default)]
    pub fx_rates: BTreeMap<String, f64>,
    /// Every destination a route may name, with its zh/en label.
    pub destinations: BTreeMap<String, Destination>,
    /// The route when no routing rule fires.
    pub default_route: RouteDefault,
    pub policy: Policy,
    /// The signal values rules may name in triggers, by trigger kind (`txn`,
    /// `app`, `need`, `purpose`, `account`): `nextbest check` flags others.
    #[serde(default)]
    pub vocabulary: BTreeMap<String, Vec<String>>,
    /// What one rule and one customer may cost: operations, time, output.
    #[serde(default)]
    pub budgets: Budgets,
    /// Fields a branch system sends inside the contract's objects that this
    /// pack accepts (ignored, not read), by object: `transaction`, `account`,
    /// `holding`, `visit`, `consent`, `contact`. Any other unknown field there
    /// is refused.
    #[serde(default)]
    pub extra_fields: BTreeMap<String, Vec<String>>,
    /// The prospect grades and screening tests grade and screen rules may give.
    #[serde(default)]
    pub grading: Grading,
    /// Names staff read for the vocabulary's values, by list (`purpose`,
    /// `channel`, `need`, `app`, `txn`, `account`, `segment`): the pages
    /// show these, never the ids.
    #[serde(default)]
    pub labels: BTreeMap<String, BTreeMap<String, Label>>,
    /// How the customer manager's contact plan ranks the book (plan.rs).
    #[serde(default)]
    pub plan: PlanWeights,
    /// Customer attributes no suggestion may turn on without a stated reason
    /// (`age`, `gender`…): a rule that reads one needs a `//! justification:`
    /// header line (`nextbest check`), and the backtest compares each group
    /// of them before and after a change (backtest.rs). A contract field
    /// (`age`, `segment`, `kind`, `occupation`, `address_area`,
    /// `risk_rating`) or a field the contract does not name (`gender`, read
    /// from the customer's extra fields).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub protected_attributes: Vec<String>,
}

/// Contract fields that cannot be a protected attribute: lists, and what
/// identifies a customer rather than describing them.
const NOT_ATTRIBUTES: &[&str] = &[
    "id",
    "name",
    "contact",
    "accounts",
    "holdings",
    "transactions",
    "applications",
    "stated_needs",
    "visit",
    "consent",
    "contact_history",
    "aum",
    "avg_daily_balance",
    "registered_capital",
];

/// The contact plan's ranking: a customer's score is the weight of their
/// grade, plus the best suggestion's score, plus a bonus when high value.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PlanWeights {
    /// Grade letter → points (a grade not listed counts 0).
    #[serde(default)]
    pub grade_weight: BTreeMap<String, f64>,
    #[serde(default)]
    pub high_value_bonus: f64,
}

/// A name in both languages.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Label {
    pub zh: String,
    pub en: String,
}

/// What `grade(...)` and `screen(...)` may name (seed 000's grades, seed
/// 003's five tests): a misspelt grade or test fails the rule that wrote it.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Grading {
    /// Grade letter → what it means, best first (`A` … `D`).
    #[serde(default)]
    pub grades: BTreeMap<String, Label>,
    /// Test id → what it asks.
    #[serde(default)]
    pub tests: BTreeMap<String, Label>,
}

/// The sandbox's budgets. Operations and output bound every rule the same
/// on every machine; the time budgets are set far above what a legitimate
/// rule needs, as the last guard against a rule that is slow in a way
/// operations do not count, so answers stay deterministic in practice.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Budgets {
    /// rhai operations one rule may use on one customer; helpers that walk a
    /// list charge one operation per 32 items they walk.
    pub operations_per_rule: u64,
    /// Wall-clock milliseconds one rule may run on one customer.
    pub rule_ms: f64,
    /// Wall-clock milliseconds all rules together may run on one customer.
    pub customer_ms: f64,
    /// Results (suggestions, routes, signals, notes) one rule may return.
    pub results_per_rule: usize,
    /// Characters in any one text a rule returns (a pitch, a reason, a note).
    pub text_chars: usize,
    /// Characters of text all rules together may return for one customer.
    pub output_chars: usize,
}

impl Default for Budgets {
    fn default() -> Self {
        Budgets {
            operations_per_rule: 20_000,
            rule_ms: 50.0,
            customer_ms: 250.0,
            results_per_rule: 8,
            text_chars: 300,
            output_chars: 20_000,
        }
    }
}

impl Budgets {
    fn check(&self) -> Result<(), String> {
        let b = self;
        let bad = |field: &str, why: &str| Err(format!("budgets.{field}: {why}"));
        if !(1..=10_000_000).contains(&b.operations_per_rule) {
            return bad("operations_per_rule", "must be 1 to 10,000,000");
        }
        if !(b.rule_ms.is_finite() && b.rule_ms > 0.0 && b.rule_ms <= 10_000.0) {
            return bad("rule_ms", "must be more than 0 and at most 10,000");
        }
        if !(b.customer_ms.is_finite() && b.customer_ms >= b.rule_ms && b.customer_ms <= 60_000.0) {
            return bad("customer_ms", "must be at least rule_ms and at most 60,000");
        }
        if !(1..=1_000).contains(&b.results_per_rule) {
            return bad("results_per_rule", "must be 1 to 1,000");
        }
        if !(1..=100_000).contains(&b.text_chars) {
            return bad("text_chars", "must be 1 to 100,000");
        }
        if !(b.text_chars..=10_000_000).contains(&b.output_chars) {
            return bad("output_chars", "must be at least text_chars and at most 10,000,000");
        }
        Ok(())
    }
}

/// A place the lobby manager can send a customer.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Destination {
    pub zh: String,
    pub en: String,
}

/// The route when no routing rule fires.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RouteDefault {
    pub destination: String,
    pub zh: String,
    pub en: String,
}

/// What holds suggestions back after the rules ran. Rules cannot override it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// The highest product risk level an unrated customer may be pitched (1 = no-risk products only).
    pub unrated_max_risk: u8,
    /// Days a product is not pitched again after each contact outcome, e.g. `{"declined": 30}`.
    pub pacing_days: BTreeMap<String, i64>,
    /// Pitches per visit for each channel (who is serving: teller, vip_teller, lobby, psm, cm).
    pub max_pitches: BTreeMap<String, usize>,
    /// Visit purposes during which nothing is pitched (an open complaint).
    #[serde(default)]
    pub no_pitch_purposes: Vec<String>,
    /// Ranking multiplier for each segment.
    pub segment_weight: BTreeMap<String, f64>,
    /// Score added for each further rule that proposes the same product.
    #[serde(default)]
    pub extra_reason_bonus: f64,
    /// The largest score a rule's `.boost(points)` may add or take away.
    #[serde(default = "default_max_boost")]
    pub max_boost: f64,
    /// Words no pitch may use (promises the bank cannot keep); `nextbest check` flags them.
    #[serde(default)]
    pub forbidden_phrases: Vec<String>,
    /// The longest one-line pitch in characters: `nextbest check` flags longer
    /// ones, since a teller says the pitch in one breath between two steps.
    #[serde(default = "default_max_pitch_chars")]
    pub max_pitch_chars: usize,
    /// Said with every pitch of a product at `min_risk` or above (理财非存款…):
    /// policy adds it, so no rule can leave it out.
    #[serde(default)]
    pub risk_disclosure: Option<RiskDisclosure>,
}

/// The risk disclosure policy attaches to pitches of risky products.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RiskDisclosure {
    /// The lowest product risk level that carries it (2 = R2).
    pub min_risk: u8,
    pub zh: String,
    pub en: String,
}

fn default_max_pitch_chars() -> usize {
    40
}

fn default_max_boost() -> f64 {
    50.0
}

/// One catalogue product.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Product {
    /// e.g. `wm.product`; the part before the dot is its family prefix.
    pub id: String,
    pub zh: String,
    pub en: String,
    /// e.g. deposit, fx, metal, fund, wealth, card, loan, service.
    pub family: String,
    /// Risk level 1 (no risk) to 5; pitched only to customers rated at least this.
    pub risk: u8,
    /// Roles that can sell it: teller, vip_teller, lobby, psm, cm, private_banking.
    pub sold_by: Vec<String>,
    /// Ranking weight for the bank.
    #[serde(default)]
    pub value: f64,
    /// A teller can complete it on the spot (R7); otherwise it goes to the low counter (R8).
    #[serde(default)]
    pub simple: bool,
    /// The smallest amount it can be bought with (a large CD from CNY
    /// 200,000): policy offers it as a substitute only to a customer whose
    /// assets or recent business reach it.
    #[serde(default)]
    pub min_cny: f64,
    /// The default one-line pitch, when a rule gives none.
    pub pitch_zh: String,
    pub pitch_en: String,
    /// Stated needs it serves; a need no proposed product serves is reported as unmet.
    #[serde(default)]
    pub serves: Vec<String>,
    /// Other words that name it ("理财", "white-gold card"…): without
    /// marketing consent no note or reason may use them either.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Products to offer instead, best first, when suitability holds this
    /// one back (R14: a C1 customer gets a large CD, not a wealth product).
    #[serde(default)]
    pub substitutes: Vec<String>,
}

impl Manifest {
    /// Reads and checks `pack.json`.
    pub fn parse(file: &str, text: &str) -> Result<Manifest, Error> {
        let m: Manifest = parse_json(file, text)?;
        let err = |msg: String| Err(at_path(file, text, msg));
        if !m.destinations.contains_key(&m.default_route.destination) {
            return err(format!(
                "default_route.destination: {:?} is not in destinations",
                m.default_route.destination
            ));
        }
        m.budgets.check().map_err(|msg| at_path(file, text, msg))?;
        // Staff never see ids: a list the pack labels is labelled whole, so
        // a purpose added to the vocabulary without a name fails here, not
        // on a teller's screen.
        for (list, names) in &m.labels {
            // Closed lists: the pack's vocabulary, its channels, and the
            // contract's segments and outcomes. Open lists (occupations,
            // industries) name what branch systems send.
            let closed: Option<Vec<&str>> = match list.as_str() {
                "channel" => Some(m.policy.max_pitches.keys().map(String::as_str).collect()),
                "segment" => Some(vec!["mass", "mass_affluent", "affluent", "private"]),
                "outcome" => Some(vec!["accepted", "declined", "not_now", "no_answer"]),
                "occupation" | "industry" => None,
                other => match m.vocabulary.get(other) {
                    Some(v) => Some(v.iter().map(String::as_str).collect()),
                    None => {
                        let mut known: Vec<&str> = m.vocabulary.keys().map(String::as_str).collect();
                        known.extend(["channel", "segment", "outcome", "occupation", "industry"]);
                        return err(format!(
                            "labels.{list}: not a list the pack knows ({})",
                            known.join(", ")
                        ));
                    }
                },
            };
            let Some(ids) = closed else { continue };
            if let Some(missing) = ids.iter().find(|id| !names.contains_key(**id)) {
                return err(format!(
                    "labels.{list}: {missing:?} has no name (staff would see the id)"
                ));
            }
            if let Some(stray) = names.keys().find(|k| !ids.contains(&k.as_str())) {
                return err(format!(
                    "labels.{list}.{stray}: not a value of the list (a misspelling?)"
                ));
            }
        }
        for (what, map) in [("grades", &m.grading.grades), ("tests", &m.grading.tests)] {
            for (id, label) in map {
                if label.zh.trim().is_empty() || label.en.trim().is_empty() {
                    return err(format!("grading.{what}.{id}: zh and en must both be given"));
                }
            }
        }
        for (list, names) in &m.labels {
            for (id, label) in names {
                if label.zh.trim().is_empty() || label.en.trim().is_empty() {
                    return err(format!("labels.{list}.{id}: zh and en must both be given"));
                }
            }
        }
        let finite = |x: f64| x.is_finite() && x.abs() <= 1_000_000.0;
        if !finite(m.plan.high_value_bonus) || m.plan.grade_weight.values().any(|w| !finite(*w)) {
            return err("plan: weights must be numbers from -1,000,000 to 1,000,000".into());
        }
        if let Some(g) = m.plan.grade_weight.keys().find(|g| !m.grading.grades.contains_key(*g)) {
            return err(format!("plan.grade_weight.{g}: not a grade in grading.grades"));
        }
        for key in m.basis.keys() {
            if !m.params.contains_key(key) {
                return err(format!("basis.{key}: explains no parameter (not in params)"));
            }
        }
        for object in m.extra_fields.keys() {
            if object != "customer" && !crate::contract::OBJECT_FIELDS.iter().any(|(o, ..)| o == object) {
                let known: Vec<&str> = crate::contract::OBJECT_FIELDS.iter().map(|(o, ..)| *o).collect();
                return err(format!(
                    "extra_fields.{object}: not an object of the customer contract ({})",
                    known.join(", ")
                ));
            }
        }
        if !(m.policy.max_boost.is_finite() && (0.0..=1_000_000.0).contains(&m.policy.max_boost)) {
            return err("policy.max_boost: must be a number from 0 to 1,000,000".into());
        }
        if !(m.policy.extra_reason_bonus.is_finite() && m.policy.extra_reason_bonus.abs() <= 1_000_000.0) {
            return err("policy.extra_reason_bonus: must be a number from -1,000,000 to 1,000,000".into());
        }
        for (segment, w) in &m.policy.segment_weight {
            if !(w.is_finite() && (0.0..=100.0).contains(w)) {
                return err(format!(
                    "policy.segment_weight.{segment}: must be a number from 0 to 100"
                ));
            }
        }
        if let Some(d) = &m.policy.risk_disclosure {
            if !(1..=5).contains(&d.min_risk) || d.zh.trim().is_empty() || d.en.trim().is_empty() {
                return err("policy.risk_disclosure: min_risk must be 1 to 5, and zh and en must be given".into());
            }
        }
        if !(1..=5).contains(&m.policy.unrated_max_risk) {
            return err("policy.unrated_max_risk: must be 1 to 5".into());
        }
        for (i, a) in m.protected_attributes.iter().enumerate() {
            let ident = !a.is_empty()
                && a.len() <= 64
                && a.starts_with(|c: char| c.is_ascii_lowercase())
                && a.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !ident {
                return err(format!(
                    "protected_attributes[{i}]: {a:?} must be a field name (lowercase letters, digits and _)"
                ));
            }
            if NOT_ATTRIBUTES.contains(&a.as_str()) {
                return err(format!(
                    "protected_attributes[{i}]: {a:?} is not an attribute of the customer that groups them (use e.g. age, gender, segment)"
                ));
            }
            if m.protected_attributes[..i].contains(a) {
                return err(format!("protected_attributes[{i}]: {a:?} is listed twice"));
            }
        }
        for (cur, rate) in &m.fx_rates {
            if !rate.is_finite() || *rate <= 0.0 {
                return err(format!("fx_rates.{cur}: must be a positive number"));
            }
        }
        for (outcome, days) in &m.policy.pacing_days {
            if !matches!(outcome.as_str(), "accepted" | "declined" | "not_now" | "no_answer") {
                return err(format!(
                    "policy.pacing_days.{outcome}: not an outcome (accepted, declined, not_now, no_answer)"
                ));
            }
            if *days < 0 {
                return err(format!("policy.pacing_days.{outcome}: must be ≥ 0"));
            }
        }
        Ok(m)
    }
}

/// Reads and checks `products.json`.
pub fn parse_products(file: &str, text: &str) -> Result<Vec<Product>, Error> {
    let products: Vec<Product> = parse_json(file, text)?;
    let mut seen = std::collections::BTreeSet::new();
    for (i, p) in products.iter().enumerate() {
        if !seen.insert(p.id.as_str()) {
            return Err(at_path(
                file,
                text,
                format!("[{i}].id: product {:?} is listed twice", p.id),
            ));
        }
        if !(1..=5).contains(&p.risk) {
            return Err(at_path(
                file,
                text,
                format!("[{i}].risk: product {}: risk must be 1 to 5, got {}", p.id, p.risk),
            ));
        }
    }
    for (i, p) in products.iter().enumerate() {
        if !(p.min_cny.is_finite() && p.min_cny >= 0.0) {
            return Err(at_path(
                file,
                text,
                format!("[{i}].min_cny: product {}: must be an amount of 0 or more", p.id),
            ));
        }
    }
    // A substitute that is not in the catalogue would silently never be offered.
    for (i, p) in products.iter().enumerate() {
        for (j, sub) in p.substitutes.iter().enumerate() {
            if !seen.contains(sub.as_str()) || sub == &p.id {
                return Err(at_path(
                    file,
                    text,
                    format!("[{i}].substitutes[{j}]: product {}: substitute {sub:?} is not another product of the catalogue", p.id),
                ));
            }
        }
    }
    Ok(products)
}

/// Parses JSON with the failing field's path and the text position.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, Error> {
    // Duplicate keys, too-deep nesting and a BOM first: serde would keep the last duplicate.
    crate::strict_json::parse(text).map_err(|e| Error::Pack {
        file: file.to_owned(),
        line: e.line,
        column: e.column,
        message: if e.path.is_empty() {
            e.message
        } else {
            format!("{}: {}", e.path, e.message)
        },
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let msg = inner.to_string();
        let msg = msg.split(" at line ").next().unwrap_or(&msg).to_owned();
        Error::Pack {
            file: file.to_owned(),
            line: inner.line(),
            column: char_column(text, inner.line(), inner.column()),
            message: if path == "." { msg } else { format!("{path}: {msg}") },
        }
    })
}

use crate::strict_json::char_column;

/// A validation error whose message starts with the path it is about
/// (`policy.pacing_days.maybe: …`, `[3].risk: …`), placed at that path's
/// line and column in the file.
pub(crate) fn at_path(file: &str, text: &str, message: String) -> Error {
    let path = message.split(": ").next().unwrap_or("");
    let (line, column) = locate(text, path);
    Error::Pack {
        file: file.to_owned(),
        line,
        column,
        message,
    }
}

/// The 1-based line and column of a path's last key in a JSON text, found
/// by walking its keys in order (`[i]` counts the i-th object of a top-level
/// array by its first key); (0, 0) when it cannot be found.
pub(crate) fn locate(text: &str, path: &str) -> (usize, usize) {
    let mut from = 0usize;
    let mut found = None;
    let mut rest = path;
    if let Some(stripped) = rest.strip_prefix('[') {
        let (n, tail) = stripped.split_once(']').unwrap_or((stripped, ""));
        let Ok(n) = n.parse::<usize>() else { return (0, 0) };
        // The n-th object of the array: count `{` at depth 1, outside strings.
        let (mut depth, mut in_str, mut esc, mut seen) = (0i32, false, false, 0usize);
        for (i, ch) in text.char_indices() {
            if in_str {
                match (esc, ch) {
                    (true, _) => esc = false,
                    (false, '\\') => esc = true,
                    (false, '"') => in_str = false,
                    _ => {}
                }
                continue;
            }
            match ch {
                '"' => in_str = true,
                '[' | '{' => {
                    depth += 1;
                    if ch == '{' && depth == 2 {
                        if seen == n {
                            from = i;
                            found = Some(i);
                            break;
                        }
                        seen += 1;
                    }
                }
                ']' | '}' => depth -= 1,
                _ => {}
            }
        }
        if found.is_none() {
            return (0, 0);
        }
        rest = tail.trim_start_matches('.');
    }
    for key in rest.split('.').filter(|k| !k.is_empty()) {
        let quoted = format!("\"{key}\"");
        let mut search = from;
        let hit = loop {
            let Some(i) = text[search..].find(&quoted) else {
                break None;
            };
            let at = search + i;
            let after = text[at + quoted.len()..].trim_start();
            if after.starts_with(':') {
                break Some(at);
            }
            search = at + quoted.len();
        };
        match hit {
            Some(at) => {
                from = at + quoted.len();
                found = Some(at);
            }
            None => break,
        }
    }
    match found {
        Some(at) => {
            let line = text[..at].matches('\n').count() + 1;
            let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
            (line, text[line_start..at].chars().count() + 1)
        }
        None => (0, 0),
    }
}
