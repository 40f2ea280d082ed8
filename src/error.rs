//! One error type for everything that can go wrong outside a single rule.
//!
//! A rule that fails is not an [`Error`]: it becomes a [`RuleError`] in the
//! evaluation output, and the other rules still run.

use serde::Serialize;

/// Everything that stops a whole operation: bad input, an unreadable pack.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Error {
    /// The customer record is malformed; `path` names the field, e.g. `transactions[2].amount`.
    #[error("{path}: {message}")]
    Input { path: String, message: String },
    /// A pack file could not be read or understood; positions are 1-based, 0 when unknown.
    #[error("{file}:{line}:{column}: {message}")]
    Pack {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
}

impl Error {
    pub(crate) fn input(path: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Input {
            path: path.into(),
            message: message.into(),
        }
    }

    pub(crate) fn pack(file: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Pack {
            file: file.into(),
            line: 0,
            column: 0,
            message: message.into(),
        }
    }
}

/// When a rule failed: while compiling the pack or while evaluating a customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// The rule did not compile (syntax, unknown variable, bad header).
    Compile,
    /// The rule compiled but failed on this customer (runtime error, limit hit).
    Run,
    /// The rule compiles but names something the pack does not have.
    Lint,
}

/// One rule's failure, with the 1-based position rhai reported (0 when it has none).
/// Serialized with `"type": "rule_error"`, like [`Error`]'s tagged variants.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename = "rule_error")]
pub struct RuleError {
    pub rule: String,
    /// The file inside the pack, e.g. `large_cash_withdrawal.rhai`.
    pub file: String,
    pub stage: Stage,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for RuleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: [{}] {}",
            self.file, self.line, self.column, self.rule, self.message
        )
    }
}

/// Turns a rhai position into 1-based line and column, 0 when rhai has none.
pub(crate) fn line_col(pos: rhai::Position) -> (usize, usize) {
    (pos.line().unwrap_or(0), pos.position().unwrap_or(0))
}

/// Where a compile error is shown. rhai notices a missing `;` only at the
/// next statement, usually the start of the next line; the author left it
/// off the end of the previous line of code, so the error points there
/// (just after its last character, comments and blank lines passed over).
pub(crate) fn parse_error_at(e: &rhai::ParseError, text: &str) -> (usize, usize) {
    let (line, column) = line_col(e.position());
    if !matches!(e.err_type(), rhai::ParseErrorType::MissingToken(t, _) if t == ";") {
        return (line, column);
    }
    let lines: Vec<&str> = text.lines().collect();
    let Some(here) = line.checked_sub(1).and_then(|i| lines.get(i)) else {
        return (line, column);
    };
    // Only when rhai stopped at a line's first token: `let a = 1 let b = 2`
    // is missing its `;` where rhai says.
    let first_token = here.chars().take_while(|c| c.is_whitespace()).count() + 1;
    if column > first_token {
        return (line, column);
    }
    lines[..line - 1]
        .iter()
        .enumerate()
        .rev()
        .find_map(|(i, l)| {
            let code = crate::lint::strip_comment(l).trim_end();
            (!code.trim_start().is_empty()).then(|| (i + 1, code.chars().count() + 1))
        })
        .unwrap_or((line, column))
}
