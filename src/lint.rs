//! `nextbest check`: what a compile cannot see. rhai only finds an unknown
//! product, destination, parameter or customer property when a customer
//! reaches that line; the linter finds it in the source, with its position.

use std::collections::BTreeSet;

use crate::error::{RuleError, Stage};
use crate::eval::Engine;
use crate::pack::{PackSource, RuleKind};

/// Roles a product can be sold by.
const ROLES: &[&str] = &["teller", "vip_teller", "lobby", "psm", "cm", "private_banking"];

/// Every problem in the pack: rules that do not compile, then what they
/// name that the pack lacks, then catalogue problems.
pub fn lint(engine: &Engine, source: &PackSource) -> Vec<RuleError> {
    let mut out: Vec<RuleError> = engine.problems().to_vec();
    let params: BTreeSet<&str> = engine.manifest().params.keys().map(String::as_str).collect();
    let destinations = &engine.manifest().destinations;
    let catalogue = engine.catalogue();
    let metas: std::collections::BTreeMap<&str, &crate::pack::RuleMeta> =
        engine.rules().iter().map(|m| (m.id.as_str(), m)).collect();
    // The same matcher policy uses at run time (case, width, gaps), so lint and policy cannot drift.
    let phrases = crate::wording::Matcher::new(&engine.manifest().policy.forbidden_phrases);
    let max_pitch = engine.manifest().policy.max_pitch_chars;
    for (id, file, text) in source.rules() {
        let mut push = |line: usize, column: usize, message: String| {
            out.push(RuleError {
                rule: id.to_owned(),
                file: file.to_owned(),
                stage: Stage::Lint,
                line,
                column,
                message,
            })
        };
        // A misspelt trigger makes a rule silently never run: check each
        // against the pack's vocabulary of signal values.
        if let Some(meta) = metas.get(id) {
            let header_line = text
                .lines()
                .position(|l| l.contains("//! triggers:"))
                .map_or(1, |i| i + 1);
            for t in &meta.triggers {
                if let Some(problem) = trigger_problem(engine, t) {
                    push(header_line, 1, problem);
                }
            }
        }
        // A protected attribute (pack.json protected_attributes) read
        // without a stated reason: once per rule and attribute, where first read.
        let justified = metas.get(id).is_some_and(|m| m.justification.is_some());
        if !justified {
            for attribute in &engine.manifest().protected_attributes {
                if let Some((line, col, how)) = protected_read(text, attribute) {
                    push(
                        line,
                        col,
                        format!(
                            "reads the protected attribute {attribute} ({how}; pack.json protected_attributes) without a `//! justification:` header line saying why"
                        ),
                    );
                }
            }
        }
        for (n, line) in text.lines().enumerate() {
            let code = strip_comment(line);
            for (col, arg) in string_args(code, ".pitch(") {
                if let Some(why) = pitch_problem(arg, max_pitch) {
                    push(n + 1, col, format!("pitch {why}"));
                }
            }
            for (col, arg) in string_args(code, "label(")
                .into_iter()
                .chain(string_args(code, "label_en("))
            {
                if !engine.manifest().labels.contains_key(arg) {
                    let known: Vec<&str> = engine.manifest().labels.keys().map(String::as_str).collect();
                    push(
                        n + 1,
                        col,
                        format!(
                            "unknown label list {arg:?}: not in pack.json labels ({})",
                            known.join(", ")
                        ),
                    );
                }
            }
            for (col, arg) in string_args(code, "screen(") {
                if !engine.manifest().grading.tests.contains_key(arg) {
                    push(
                        n + 1,
                        col,
                        format!("unknown screening test {arg:?}: not in pack.json grading.tests"),
                    );
                }
            }
            for (col, arg) in string_args(code, "grade(") {
                if !engine.manifest().grading.grades.contains_key(arg) {
                    push(
                        n + 1,
                        col,
                        format!("unknown grade {arg:?}: not in pack.json grading.grades"),
                    );
                }
            }
            // A near name is suggested in the message's own words ("did you mean …?"):
            // the studio offers it as a quick fix (www/js/authoring.js fixOf).
            for (col, arg) in string_args(code, "suggest(") {
                if !catalogue.contains_key(arg) {
                    let hint = nearest(arg, catalogue.keys().map(String::as_str))
                        .map_or(String::new(), |near| format!(": did you mean {near:?}?"));
                    push(
                        n + 1,
                        col,
                        format!("unknown product {arg:?}: not in products.json{hint}"),
                    );
                }
            }
            for call in ["route(", ".to("] {
                for (col, arg) in string_args(code, call) {
                    if !destinations.contains_key(arg) {
                        let hint = nearest(arg, destinations.keys().map(String::as_str))
                            .map_or(String::new(), |near| format!(": did you mean {near:?}?"));
                        push(
                            n + 1,
                            col,
                            format!("unknown destination {arg:?}: not in pack.json destinations{hint}"),
                        );
                    }
                }
            }
            for (col, name) in members(code, "p") {
                if !params.contains(name) {
                    let hint = nearest(name, params.iter().copied())
                        .map_or(String::new(), |near| format!(": did you mean p.{near}?"));
                    push(
                        n + 1,
                        col,
                        format!("unknown parameter p.{name}: not in pack.json params{hint}"),
                    );
                }
            }
            for phrase in phrases.phrases_in(line) {
                let col = line.find(phrase).map_or(1, |i| line[..i].chars().count() + 1);
                push(
                    n + 1,
                    col,
                    format!(
                        "{phrase:?} is a forbidden phrase (policy.forbidden_phrases): no promises the bank cannot keep"
                    ),
                );
            }
            for (col, name) in members(code, "c") {
                use crate::eval::helpers::{self, HelperKind as K};
                if !helpers::HELPERS
                    .iter()
                    .any(|h| h.name == name && matches!(h.kind, K::Property | K::Method))
                {
                    let hint = if name == "lobby_busy" {
                        ": it moved to the branch context, write b.busy(\"lobby\") (false when nothing is known)"
                            .to_owned()
                    } else {
                        helpers::did_you_mean(name, &[K::Property, K::Method])
                            .map_or(String::new(), |near| format!(": did you mean c.{near}?"))
                    };
                    push(
                        n + 1,
                        col,
                        format!("unknown customer property or method c.{name}{hint}"),
                    );
                }
            }
            for (col, name) in members(code, "b") {
                use crate::eval::helpers::{self, HelperKind as K};
                if !helpers::HELPERS
                    .iter()
                    .any(|h| h.name == name && matches!(h.kind, K::BranchProperty | K::BranchMethod))
                {
                    let hint = helpers::did_you_mean(name, &[K::BranchProperty, K::BranchMethod])
                        .map_or(String::new(), |near| format!(": did you mean b.{near}?"));
                    let moved = if name == "lobby_busy" || c_helper(name) {
                        " (b is the branch context: who is free, queues, VIP seats; the customer is c)"
                    } else {
                        ""
                    };
                    push(
                        n + 1,
                        col,
                        format!("unknown branch context property or method b.{name}{hint}{moved}"),
                    );
                }
            }
        }
    }
    out.extend(misplaced_results(engine));
    // Pack texts staff read as written: destinations, the default route and
    // rule headers are held to the same wording policy as rule output.
    let manifest_text = source.files.get("pack.json").map_or("", String::as_str);
    let mut pack_texts: Vec<(String, Vec<&str>)> = engine
        .manifest()
        .destinations
        .iter()
        .map(|(k, d)| (format!("destinations.{k}"), vec![d.zh.as_str(), d.en.as_str()]))
        .collect();
    let m = engine.manifest();
    let d = &m.default_route;
    pack_texts.push(("default_route".to_owned(), vec![d.zh.as_str(), d.en.as_str()]));
    if let Some(d) = &m.policy.risk_disclosure {
        pack_texts.push(("policy.risk_disclosure".to_owned(), vec![d.zh.as_str(), d.en.as_str()]));
    }
    for (k, l) in &m.grading.grades {
        pack_texts.push((format!("grading.grades.{k}"), vec![l.zh.as_str(), l.en.as_str()]));
    }
    for (k, l) in &m.grading.tests {
        pack_texts.push((format!("grading.tests.{k}"), vec![l.zh.as_str(), l.en.as_str()]));
    }
    for (list, names) in &m.labels {
        for (k, l) in names {
            pack_texts.push((format!("labels.{list}.{k}"), vec![l.zh.as_str(), l.en.as_str()]));
        }
    }
    for (path, texts) in pack_texts {
        if let Some(phrase) = phrases.find(&texts) {
            let (line, column) = crate::pack::locate(manifest_text, &path);
            out.push(RuleError {
                rule: path.clone(),
                file: "pack.json".into(),
                stage: Stage::Lint,
                line,
                column,
                message: format!("{path}: {phrase:?} is a forbidden phrase (policy.forbidden_phrases)"),
            });
        }
    }
    out.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    let products_text = source.files.get("products.json").map_or("", String::as_str);
    // File order, for positions inside each product (the engine loaded it, so it parses).
    let in_file: Vec<String> = crate::pack::parse_products("products.json", products_text)
        .map(|ps| ps.into_iter().map(|p| p.id).collect())
        .unwrap_or_default();
    let needs: Option<&Vec<String>> = engine.manifest().vocabulary.get("need");
    for p in catalogue.values() {
        // The product's own line: where its id is written.
        let (line, column) = products_text.find(&format!("\"{}\"", p.id)).map_or((0, 0), |at| {
            let line = products_text[..at].matches('\n').count() + 1;
            let start = products_text[..at].rfind('\n').map_or(0, |i| i + 1);
            (line, products_text[start..at].chars().count() + 1)
        });
        let mut problem = |(line, column): (usize, usize), message: String| {
            out.push(RuleError {
                rule: p.id.clone(),
                file: "products.json".into(),
                stage: Stage::Lint,
                line,
                column,
                message: format!("product {} ({}): {message}", p.id, p.zh),
            })
        };
        if let Some(phrase) = phrases.find(&[&p.pitch_zh, &p.pitch_en, &p.zh, &p.en]) {
            problem(
                (line, column),
                format!("{phrase:?} is a forbidden phrase (policy.forbidden_phrases)"),
            );
        }
        if let Some(why) = pitch_problem(&p.pitch_zh, max_pitch) {
            problem((line, column), format!("pitch_zh {why}"));
        }
        for role in p.sold_by.iter().filter(|r| !ROLES.contains(&r.as_str())) {
            problem(
                (line, column),
                format!("sold_by {role:?} is not a role ({})", ROLES.join(", ")),
            );
        }
        // A misspelt need is never met by this product: the customer's
        // stated need would be reported unmet although the product is pitched.
        for need in p.serves.iter().filter(|n| needs.is_some_and(|v| !v.contains(n))) {
            let hint = needs
                .and_then(|v| nearest(need, v.iter().map(String::as_str)))
                .map_or(String::new(), |near| format!(": did you mean {near:?}?"));
            let at = in_file
                .iter()
                .position(|id| *id == p.id)
                .map(|i| value_position(products_text, i, "serves", need))
                .filter(|(l, _)| *l > 0)
                .unwrap_or((line, column));
            problem(
                at,
                format!("serves {need:?}: not a need in pack.json vocabulary.need{hint}"),
            );
        }
    }
    out
}

/// Why a pitch is not one sentence a teller can say in a breath, if it is not:
/// longer than `max` characters, or more than one sentence.
fn pitch_problem(pitch: &str, max: usize) -> Option<String> {
    let n = pitch.chars().count();
    if n > max {
        return Some(format!(
            "is {n} characters; a one-line pitch is said in a breath (policy.max_pitch_chars: {max})"
        ));
    }
    let body = pitch.trim_end_matches(['。', '！', '？', '.', '!', '?']);
    if body.contains(['。', '！', '？', '!', '?']) {
        return Some("is more than one sentence; a one-line pitch is one sentence".into());
    }
    None
}

/// Result builders called in a rule of a kind that may not return them.
/// At run time such a call fails the rule when it is reached (api.rs checks
/// the running rule's kind), so none of its results count; check says so
/// before any customer reaches that line.
fn misplaced_results(engine: &Engine) -> Vec<RuleError> {
    let mut out = Vec::new();
    for (meta, calls, own) in engine.rule_calls() {
        for call in calls.iter().filter(|c| !c.pointer) {
            // A rule's own function of that name and arity is called instead of the helper.
            if !call.method && own.iter().any(|(n, a)| *n == call.name && *a == call.args) {
                continue;
            }
            let why = match call.name.as_str() {
                "route" if meta.kind != RuleKind::Route => "only route rules choose a route",
                "suggest" if !meta.kind.suggests() => "only cross_sell, up_sell and referral rules propose products",
                "high_value" if meta.kind != RuleKind::Signal => {
                    "only signal rules raise high-value signals (they run first)"
                }
                "screen" if meta.kind != RuleKind::Screen => "only screen rules decide a screening test",
                "grade" if meta.kind != RuleKind::Grade => "only grade rules give the prospect grade",
                _ => continue,
            };
            out.push(RuleError {
                rule: meta.id.clone(),
                file: meta.file.clone(),
                stage: Stage::Lint,
                line: call.line,
                column: call.column,
                message: format!(
                    "{}规则不能调用 {name}() / {name}() in a {} rule: {why}; when reached it fails the rule and none of its results count",
                    kind_zh(meta.kind),
                    meta.kind.as_str(),
                    name = call.name,
                ),
            });
        }
    }
    out
}

/// A rule kind as branch staff name it.
fn kind_zh(kind: RuleKind) -> &'static str {
    match kind {
        RuleKind::Signal => "信号",
        RuleKind::Screen => "筛选",
        RuleKind::Grade => "等级",
        RuleKind::Route => "分流",
        RuleKind::CrossSell => "交叉销售",
        RuleKind::UpSell => "提升销售",
        RuleKind::Referral => "转介",
    }
}

/// Why a trigger cannot match, if it cannot: its value is not in the pack's
/// `vocabulary` (or, for holdings, not a catalogue product or family).
fn trigger_problem(engine: &Engine, trigger: &str) -> Option<String> {
    let (kind, value) = trigger.split_once(':')?;
    let words: Vec<&str> = match kind {
        "kind" => vec!["individual", "corporate"],
        "holding" => engine
            .catalogue()
            .keys()
            .flat_map(|id| {
                [
                    id.as_str(),
                    id.split_once('.').map_or(id.as_str(), |(family, _)| family),
                ]
            })
            .collect(),
        _ => engine
            .manifest()
            .vocabulary
            .get(kind)?
            .iter()
            .map(String::as_str)
            .collect(),
    };
    if words.contains(&value) {
        return None;
    }
    let hint = nearest(value, words).map_or(String::new(), |near| format!(" (did you mean {near:?}?)"));
    Some(format!(
        "trigger {trigger:?}: {value:?} is not in pack.json vocabulary.{kind}{hint}; a typo here means the rule never runs"
    ))
}

/// The closest of `words` to a misspelt `word`, as helpers' did-you-mean judges near.
fn nearest<'a>(word: &str, words: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    words
        .into_iter()
        .map(|w| (crate::eval::helpers::edit_distance(word, w), w))
        .filter(|(d, w)| *d <= 2.max(w.len() / 4) && *d < word.len().max(1))
        .min()
        .map(|(_, w)| w)
}

/// Where the string `value` is written in the `key` array of the
/// `index`-th product of products.json; else where `key` is; (0, 0) when neither is found.
fn value_position(text: &str, index: usize, key: &str, value: &str) -> (usize, usize) {
    let (line, column) = crate::pack::locate(text, &format!("[{index}].{key}"));
    if line == 0 {
        return (0, 0);
    }
    let line_start: usize = text.split_inclusive('\n').take(line - 1).map(str::len).sum();
    let key_at = text[line_start..]
        .char_indices()
        .nth(column - 1)
        .map_or(line_start, |(i, _)| line_start + i);
    let end = text[key_at..].find(']').map_or(text.len(), |e| key_at + e);
    match text[key_at..end].find(&format!("\"{value}\"")) {
        Some(i) => {
            let at = key_at + i;
            let start = text[..at].rfind('\n').map_or(0, |n| n + 1);
            (
                text[..at].matches('\n').count() + 1,
                text[start..at].chars().count() + 2,
            )
        }
        None => (line, column),
    }
}

/// The line without a `//` comment (outside strings).
pub(crate) fn strip_comment(line: &str) -> &str {
    let mut in_str = false;
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'"' if i == 0 || bytes[i - 1] != b'\\' => in_str = !in_str,
            b'/' if !in_str && bytes.get(i + 1) == Some(&b'/') => return &line[..i],
            _ => {}
        }
    }
    line
}

/// The string literal that is the first argument of each `call` on the line,
/// with its 1-based column (in characters).
fn string_args<'a>(code: &'a str, call: &str) -> Vec<(usize, &'a str)> {
    first_args(code, call)
        .into_iter()
        .filter_map(|(col, arg)| Some((col, arg?)))
        .collect()
}

/// Each `call` on the line with its first argument when that is a string
/// literal (`None` when it is anything else: a variable, an expression, or
/// on the next line), with the 1-based column (in characters) after the `(`.
pub(crate) fn first_args<'a>(code: &'a str, call: &str) -> Vec<(usize, Option<&'a str>)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = code[from..].find(call) {
        let at = from + i;
        from = at + call.len();
        // `suggest(` must not be the tail of a longer name.
        if !call.starts_with('.') && at > 0 && is_ident(code.as_bytes()[at - 1]) {
            continue;
        }
        let rest = code[from..].trim_start();
        let literal = rest
            .strip_prefix('"')
            .and_then(|lit| lit.find('"').map(|end| &lit[..end]));
        let start = code.len() - rest.len() + usize::from(literal.is_some());
        out.push((code[..start].chars().count() + 1, literal));
    }
    out
}

/// Each `var.name` on the line (not a method on a longer name), with the
/// column of `name`. Backtick strings are code here: `${p.x}` is checked too.
fn members<'a>(code: &'a str, var: &str) -> Vec<(usize, &'a str)> {
    let bytes = code.as_bytes();
    let mut out = Vec::new();
    let mut in_str = false;
    let mut skip_to = 0;
    for (i, ch) in code.char_indices() {
        if i < skip_to {
            continue;
        }
        if ch == '"' && (i == 0 || bytes[i - 1] != b'\\') {
            in_str = !in_str;
            continue;
        }
        let before_ok = i == 0 || !(is_ident(bytes[i - 1]) || bytes[i - 1] == b'.');
        if in_str || !before_ok || !code[i..].starts_with(var) || bytes.get(i + var.len()) != Some(&b'.') {
            continue;
        }
        let start = i + var.len() + 1;
        let end = code[start..]
            .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .map_or(code.len(), |e| start + e);
        if end > start {
            out.push((code[..start].chars().count() + 1, &code[start..end]));
        }
        skip_to = end;
    }
    out
}

/// Where a rule first reads `attribute`: through the customer property of
/// that name in the helper table (`c.age`), or `c.field("gender")` for a
/// field the contract does not name. (line, column, what was written).
fn protected_read(text: &str, attribute: &str) -> Option<(usize, usize, String)> {
    use crate::eval::helpers::{HelperKind as K, HELPERS};
    let property = HELPERS.iter().any(|h| h.name == attribute && h.kind == K::Property);
    for (n, line) in text.lines().enumerate() {
        let code = strip_comment(line);
        if property {
            if let Some((col, _)) = members(code, "c").into_iter().find(|(_, m)| *m == attribute) {
                return Some((n + 1, col, format!("c.{attribute}")));
            }
        }
        if let Some((col, _)) = string_args(code, ".field(").into_iter().find(|(_, a)| *a == attribute) {
            return Some((n + 1, col, format!("c.field({attribute:?})")));
        }
    }
    None
}

/// A customer property or method: `b.x` for one of these is a mix-up of `b` and `c`.
fn c_helper(name: &str) -> bool {
    use crate::eval::helpers::{HelperKind as K, HELPERS};
    HELPERS
        .iter()
        .any(|h| h.name == name && matches!(h.kind, K::Property | K::Method))
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}
