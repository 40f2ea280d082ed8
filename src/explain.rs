//! What an evaluation returns: the ranked suggestions, the route, the
//! high-value flag, what policy held back and why, rule errors and a trace.

use serde::Serialize;

use crate::error::RuleError;
use crate::pack::RuleKind;

/// The result for one customer.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    pub customer: String,
    /// The branch day the evaluation ran for, `YYYY-MM-DD`.
    pub today: String,
    /// Who is serving: teller, vip_teller, lobby, psm, cm.
    pub channel: String,
    /// Best first; at most the channel's pitch limit.
    pub suggestions: Vec<Suggestion>,
    pub route: Route,
    pub high_value: HighValue,
    /// The prospect grade (A–D) and the screening tests it rests on.
    pub grade: Grade,
    /// The customer's own risk rating (C1–C5 as 1–5), shown beside each
    /// product's level; absent when unrated.
    pub risk_rating: Option<u8>,
    /// Proposed by a rule but held back by policy, with the reason.
    pub suppressed: Vec<Suppressed>,
    /// Stated needs no rule proposed a product for: logged and reported upward.
    pub unmet_needs: Vec<String>,
    /// Hints for staff from the rules (e.g. hand over a leaflet).
    pub notes: Vec<Note>,
    /// Whether a lead may be recorded and handed on (record consent).
    pub lead_allowed: bool,
    /// Texts of rules that policy took out or replaced (a note, a route
    /// reason, a signal text): the rule's other results stand.
    pub withheld: Vec<Withheld>,
    pub errors: Vec<RuleError>,
    pub trace: Vec<TraceEntry>,
}

/// One ranked suggestion.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Suggestion {
    pub product: String,
    pub product_zh: String,
    pub product_en: String,
    pub kind: RuleKind,
    /// The rules that proposed it, best first.
    pub rules: Vec<String>,
    pub pitch_zh: String,
    pub pitch_en: String,
    pub reasons: Vec<Reason>,
    pub score: f64,
    /// The product's risk level, 1–5.
    pub risk: u8,
    /// For referrals: where the customer goes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// A teller can complete it at once.
    pub simple: bool,
    /// The risk disclosure said with this pitch (policy.risk_disclosure).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disclosure: Option<Disclosure>,
    /// Offered instead of this product, which suitability held back (R14).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub substitute_for: Option<String>,
}

/// What staff must say with a risky product's pitch.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Disclosure {
    pub zh: String,
    pub en: String,
}

/// The prospect grade and its screening tests.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Grade {
    /// `A` … `D`; `""` when no grade rule fired.
    pub grade: String,
    /// What the grade means (pack.json grading.grades).
    pub grade_zh: String,
    pub grade_en: String,
    /// The rule that gave it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Why, in the rule's words.
    pub zh: String,
    pub en: String,
    /// The screening tests decided, in the order their rules ran.
    pub tests: Vec<Screen>,
}

/// One screening test (seed 003's five tests).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Screen {
    pub test: String,
    pub passed: bool,
    pub rule: String,
    pub zh: String,
    pub en: String,
}

/// Why a product was proposed, in plain words.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Reason {
    pub rule: String,
    pub zh: String,
    pub en: String,
}

/// Where the customer should go.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Route {
    pub destination: String,
    pub destination_zh: String,
    pub destination_en: String,
    pub reason_zh: String,
    pub reason_en: String,
    /// A second step after the first ("then take a number for the withdrawal").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub then_zh: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub then_en: Option<String>,
    /// The rule that chose it; absent for the pack's default route.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

/// The high-value flag and the signals that raised it.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct HighValue {
    pub flag: bool,
    pub signals: Vec<Signal>,
}

/// One high-value signal.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Signal {
    pub signal: String,
    pub rule: String,
    pub zh: String,
    pub en: String,
}

/// Why policy held a suggestion back.
#[derive(Debug, Clone, Copy, Serialize, serde::Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum HoldReason {
    /// The visit is a complaint: nothing is pitched.
    Complaint,
    /// No marketing consent.
    Consent,
    /// The product's risk is above the customer's rating, or the customer is unrated.
    Suitability,
    /// A referral hands the customer on, which needs record consent.
    RecordConsent,
    /// The pitch or reason uses a forbidden phrase (policy.forbidden_phrases).
    Wording,
    /// The customer answered about this product recently (declined, not now…).
    Pacing,
    /// The channel's pitches for this visit are used up.
    PitchLimit,
}

impl HoldReason {
    /// The snake_case name, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            HoldReason::Complaint => "complaint",
            HoldReason::Consent => "consent",
            HoldReason::Suitability => "suitability",
            HoldReason::RecordConsent => "record_consent",
            HoldReason::Wording => "wording",
            HoldReason::Pacing => "pacing",
            HoldReason::PitchLimit => "pitch_limit",
        }
    }
}

/// A suggestion policy held back.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Suppressed {
    pub product: String,
    pub rules: Vec<String>,
    pub reason: HoldReason,
    pub zh: String,
    pub en: String,
}

/// A rule's text that policy withheld, and why: for the rule's author.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Withheld {
    pub rule: String,
    pub message: String,
}

/// A hint for staff.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Note {
    pub rule: String,
    pub zh: String,
    pub en: String,
}

/// What happened to one rule on this customer.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RuleStatus {
    /// It returned something.
    Fired,
    /// It ran and returned nothing.
    NotFired,
    /// None of its triggers is present, so it did not run.
    Skipped,
    /// It failed; see `errors`. Nothing it returned is used.
    Error,
    /// The customer's time budget ran out before its turn (pack.json budgets.customer_ms).
    NotRun,
}

/// One line of the per-rule trace.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TraceEntry {
    /// Shared with the engine's rule list: a trace line costs no copy of the id.
    pub rule: std::sync::Arc<str>,
    pub status: RuleStatus,
    /// rhai operations the rule used on this customer.
    pub operations: u64,
}
