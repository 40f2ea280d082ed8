//! A rule's header: the `//!` lines at the top of its `.rhai` file.
//!
//! ```text
//! //! kind: cross_sell
//! //! priority: 70
//! //! zh: 大额取现且暂无理财产品，推介理财
//! //! en: Large cash withdrawal and no wealth product: pitch a wealth product
//! //! triggers: txn:cash_withdrawal
//! ```
//! The header is part of the rhai source (rhai reads `//!` as a comment), so
//! line numbers in errors are the file's own.

use serde::Serialize;

use crate::error::{RuleError, Stage};

/// What a rule produces, which also decides when it runs: `signal` rules run
/// first, then `screen` rules (the five screening tests), then `grade` rules,
/// so that later rules can read `c.high_value`, `c.passes(test)` and `c.grade`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// Raises high-value signals with `high_value(...)`.
    Signal,
    /// Decides one of the screening tests (seed 003) with `screen(...)`.
    Screen,
    /// Gives the prospect grade A–D (seed 000) with `grade(...)`.
    Grade,
    /// Proposes a route with `route(...)`.
    Route,
    /// Proposes a product the customer does not have with `suggest(...)`.
    CrossSell,
    /// Proposes a better tier or a larger product with `suggest(...)`.
    UpSell,
    /// Proposes handing the customer to another role with `suggest(...).to(...)`.
    Referral,
}

impl RuleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::Signal => "signal",
            RuleKind::Screen => "screen",
            RuleKind::Grade => "grade",
            RuleKind::Route => "route",
            RuleKind::CrossSell => "cross_sell",
            RuleKind::UpSell => "up_sell",
            RuleKind::Referral => "referral",
        }
    }

    fn parse(s: &str) -> Option<RuleKind> {
        Some(match s {
            "signal" => RuleKind::Signal,
            "screen" => RuleKind::Screen,
            "grade" => RuleKind::Grade,
            "route" => RuleKind::Route,
            "cross_sell" => RuleKind::CrossSell,
            "up_sell" => RuleKind::UpSell,
            "referral" => RuleKind::Referral,
            _ => return None,
        })
    }

    /// When the rule runs: signals, screens, grades, then everything else.
    pub fn stage(self) -> u8 {
        match self {
            RuleKind::Signal => 0,
            RuleKind::Screen => 1,
            RuleKind::Grade => 2,
            _ => 3,
        }
    }

    /// Whether the rule proposes products.
    pub fn suggests(self) -> bool {
        matches!(self, RuleKind::CrossSell | RuleKind::UpSell | RuleKind::Referral)
    }
}

/// A rule's header fields.
#[derive(Debug, Clone, Serialize)]
pub struct RuleMeta {
    pub id: String,
    pub file: String,
    pub kind: RuleKind,
    /// Higher first: ranks suggestions and picks between routes.
    pub priority: i64,
    pub zh: String,
    pub en: String,
    /// Signals the rule needs (`txn:KIND`, `app:X`, `need:X`, `purpose:X`,
    /// `account:TYPE`, `holding:FAMILY`, `kind:corporate`, `history`); the
    /// rule is skipped when none is present. Empty: always runs.
    pub triggers: Vec<String>,
    /// Why the rule may read a protected attribute (pack.json
    /// `protected_attributes`), from `//! justification:`; absent when none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
}

/// Priorities stay small enough that scores and sorting never overflow.
const MAX_PRIORITY: i64 = 1_000_000;

const TRIGGER_PREFIXES: &[&str] = &["txn:", "app:", "need:", "purpose:", "account:", "holding:", "kind:"];

/// Reads the header. Errors point at the header line they are about.
pub fn parse_header(id: &str, file: &str, source: &str) -> Result<RuleMeta, RuleError> {
    let err = |line: usize, column: usize, message: String| RuleError {
        rule: id.to_owned(),
        file: file.to_owned(),
        stage: Stage::Compile,
        line,
        column,
        message,
    };
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(err(
            1,
            1,
            format!("rule id {id:?} (the file name) must be lowercase letters, digits and _"),
        ));
    }
    let (mut kind, mut priority, mut zh, mut en, mut triggers) = (None, None, None, None, Vec::new());
    let mut justification = None;
    let mut seen: Vec<&str> = Vec::new();
    // Windows editors write a byte-order mark; it is not part of the header.
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    for (n, line) in source.lines().enumerate() {
        let line_no = n + 1;
        let Some(rest) = line.trim_start().strip_prefix("//!") else {
            if line.trim().is_empty() {
                continue;
            }
            break;
        };
        let Some((key, value)) = rest.split_once(':') else {
            continue; // free text in the header is a comment
        };
        let (key, value) = (key.trim(), value.trim());
        let col = line.find(key).map_or(1, |i| line[..i].chars().count() + 1);
        if matches!(key, "kind" | "priority" | "zh" | "en" | "triggers" | "justification") {
            if seen.contains(&key) {
                return Err(err(
                    line_no,
                    col,
                    format!("{key} is given twice in the header: which one is meant cannot be known"),
                ));
            }
            seen.push(key);
        }
        match key {
            "kind" => {
                kind = Some(RuleKind::parse(value).ok_or_else(|| {
                    err(
                        line_no,
                        col,
                        format!("kind {value:?}: use signal, screen, grade, route, cross_sell, up_sell or referral"),
                    )
                })?)
            }
            "priority" => {
                let p = value
                    .parse::<i64>()
                    .ok()
                    .filter(|p| (-MAX_PRIORITY..=MAX_PRIORITY).contains(p));
                priority = Some(p.ok_or_else(|| {
                    err(
                        line_no,
                        col,
                        format!("priority {value:?}: must be a whole number from -{MAX_PRIORITY} to {MAX_PRIORITY}"),
                    )
                })?)
            }
            "zh" => zh = Some(value.to_owned()),
            "justification" => {
                if value.is_empty() {
                    return Err(err(
                        line_no,
                        col,
                        "justification is empty: say why the rule reads a protected attribute".to_owned(),
                    ));
                }
                justification = Some(value.to_owned())
            }
            "en" => en = Some(value.to_owned()),
            "triggers" => {
                for t in value.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                    if t != "history" && !TRIGGER_PREFIXES.iter().any(|p| t.starts_with(p) && t.len() > p.len()) {
                        return Err(err(line_no, col, format!(
                            "trigger {t:?}: use txn:KIND, app:X, need:X, purpose:X, account:TYPE, holding:FAMILY, kind:corporate or history"
                        )));
                    }
                    triggers.push(t.to_owned());
                }
            }
            "id" if value != id => {
                return Err(err(
                    line_no,
                    col,
                    format!("id {value:?} differs from the file name {file:?}"),
                ));
            }
            _ => {}
        }
    }
    let missing = |what: &str| err(1, 1, format!("header has no `//! {what}:` line"));
    Ok(RuleMeta {
        id: id.to_owned(),
        file: file.to_owned(),
        kind: kind.ok_or_else(|| missing("kind"))?,
        priority: priority.ok_or_else(|| missing("priority"))?,
        zh: zh.ok_or_else(|| missing("zh"))?,
        en: en.ok_or_else(|| missing("en"))?,
        triggers,
        justification,
    })
}
