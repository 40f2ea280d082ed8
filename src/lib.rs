//! nextbest: a next-best-action engine for bank branches.
//!
//! A rule pack of rhai scripts runs over one customer's signals and returns
//! ranked cross-sell, up-sell and referral suggestions with a one-line pitch
//! and its reasons, a route through the branch, a high-value flag, and what
//! policy held back. The same core runs in the native CLI and, through the
//! thin `wasm` boundary, in the branch web page.
//!
//! ```
//! use nextbest::{Engine, Options, PackSource};
//! let engine = Engine::new(&PackSource::bundled()).expect("bundled pack loads");
//! let out = engine
//!     .evaluate_json(r#"{"id": "c1", "visit": {"purpose": "cash_deposit", "at": "2026-11-24T10:00:00"}}"#, &Options::default())
//!     .expect("valid customer");
//! assert_eq!(out.customer, "c1");
//! ```

pub mod backtest;
mod branch;
mod contract;
mod error;
mod eval;
mod explain;
mod fixtures;
mod lint;
mod pack;
pub mod plan;
mod policy;
pub mod records;
pub mod report;
#[cfg(any(feature = "cli", target_arch = "wasm32"))]
pub mod samples;
#[cfg(all(feature = "server", not(target_arch = "wasm32")))]
pub mod server;
mod signals;
pub mod strict_json;
#[cfg(target_arch = "wasm32")]
mod wasm;
mod wording;

pub use backtest::{backtest, Backtest, BacktestOptions};
pub use branch::{BranchContext, Presence, Queues, Role, StaffState};
pub use error::{Error, RuleError, Stage};
pub use eval::helpers::{self, Helper, HelperKind, HELPERS};
pub use eval::{default_limits, Engine, Limits, Options};
pub use explain::{
    Evaluation, HighValue, HoldReason, Note, Reason, Route, RuleStatus, Signal, Suggestion, Suppressed, TraceEntry,
    Withheld,
};
pub use fixtures::{run_fixtures, CaseResult, FixtureReport};
pub use lint::lint;
#[cfg(not(target_arch = "wasm32"))]
pub use pack::bundled_samples;
pub use pack::{Budgets, Destination, Manifest, PackSource, Policy, Product, RouteDefault, RuleKind, RuleMeta};
pub use signals::{
    Account, Amount, Consent, Contact, Customer, CustomerKind, Holding, Outcome, RiskRating, Segment, Stamp, Tier,
    Transaction, Visit,
};
#[cfg(target_arch = "wasm32")]
pub use wasm::{
    branch_board, bundled_pack, check_pack, generate_customers, helpers as helper_table, version, BacktestAcc,
    Customers, NextBest,
};

/// The crate version, for `--version` and the page footer.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
