//! The customer contract: one customer's signals as branch systems send them.
//!
//! Field names are snake_case and are the integration contract; `nextbest
//! schema` prints the JSON Schema generated from these types. Values are
//! checked while they are read, so a bad one is reported with its field path
//! (`transactions[2].amount`) instead of turning into a silent default.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use crate::error::Error;

/// Branch-local offset (China Standard Time): a date or time without an
/// offset is read in it, and "today" means today at the branch.
pub const BRANCH_UTC_OFFSET_SECONDS: i64 = 8 * 3600;

/// One customer's signals.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
pub struct Customer {
    /// The bank's customer id.
    pub id: String,
    /// Name as shown to staff and in lead records.
    #[serde(default)]
    pub name: Option<String>,
    /// Contact (phone) for lead records; only recorded with record consent.
    #[serde(default)]
    pub contact: Option<String>,
    #[serde(default)]
    pub kind: CustomerKind,
    #[serde(default)]
    pub segment: Segment,
    #[serde(default)]
    pub age: Option<u32>,
    /// Suitability questionnaire result C1–C5 as 1–5; null when not rated.
    #[serde(default)]
    pub risk_rating: Option<RiskRating>,
    /// Assets under management at the bank, CNY.
    #[serde(default)]
    pub aum: Amount,
    /// Average daily balance, CNY.
    #[serde(default)]
    pub avg_daily_balance: Amount,
    /// Corporate customers: registered capital, CNY.
    #[serde(default)]
    pub registered_capital: Option<Amount>,
    #[serde(default)]
    pub occupation: Option<String>,
    /// e.g. `high_end_residential`, `cbd_office`.
    #[serde(default)]
    pub address_area: Option<String>,
    #[serde(default)]
    pub accounts: Vec<Account>,
    #[serde(default)]
    pub holdings: Vec<Holding>,
    #[serde(default)]
    pub transactions: Vec<Transaction>,
    /// What the customer asks to open today, e.g. `fx_account`, `credit_card_platinum`.
    #[serde(default)]
    pub applications: Vec<String>,
    /// e.g. `child_education`, `retirement`, `business_loan`.
    #[serde(default)]
    pub stated_needs: Vec<String>,
    #[serde(default)]
    pub visit: Option<Visit>,
    #[serde(default)]
    pub consent: Consent,
    #[serde(default)]
    pub contact_history: Vec<Contact>,
    /// Fields this contract does not name are kept and readable by rules (`c.field("x")`).
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// Individual or corporate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum CustomerKind {
    #[default]
    Individual,
    Corporate,
}

impl CustomerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CustomerKind::Individual => "individual",
            CustomerKind::Corporate => "corporate",
        }
    }
}

/// Customer segment, from mass to private banking.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Segment {
    #[default]
    Mass,
    MassAffluent,
    Affluent,
    Private,
}

impl Segment {
    pub fn as_str(self) -> &'static str {
        match self {
            Segment::Mass => "mass",
            Segment::MassAffluent => "mass_affluent",
            Segment::Affluent => "affluent",
            Segment::Private => "private",
        }
    }
}

/// An account the customer holds.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
pub struct Account {
    /// e.g. savings, credit_card, fx, gold, wealth, settlement.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub tier: Tier,
    #[serde(default)]
    pub opened_on: Option<Stamp>,
    #[serde(default)]
    pub balance: Amount,
}

/// Card or account tier.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    #[default]
    Standard,
    Gold,
    Platinum,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Standard => "standard",
            Tier::Gold => "gold",
            Tier::Platinum => "platinum",
        }
    }
}

/// A product the customer holds, e.g. a wealth product with its maturity date.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
pub struct Holding {
    /// A catalogue product id such as `wm.product`.
    pub product: String,
    #[serde(default)]
    pub amount: Amount,
    #[serde(default)]
    pub matures_on: Option<Stamp>,
}

/// One transaction.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
pub struct Transaction {
    /// e.g. cash_withdrawal, fx_exchange, loan_prepayment.
    pub kind: String,
    pub amount: Amount,
    /// ISO 4217 code; CNY when absent. Converted with the pack's `fx_rates`.
    #[serde(default = "cny")]
    pub currency: String,
    pub at: Stamp,
    #[serde(default)]
    pub channel: Option<String>,
}

fn cny() -> String {
    "CNY".to_owned()
}

/// Today's visit.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
pub struct Visit {
    /// e.g. cash_withdrawal, fx_exchange, wealth_inquiry, complaint.
    #[serde(default)]
    pub purpose: Option<String>,
    /// When the customer arrived; evaluation's "now" when no other is given.
    #[serde(default)]
    pub at: Option<Stamp>,
    /// The customer is waiting in the hall for a number to be called.
    #[serde(default)]
    pub waiting: bool,
}

/// What the customer agreed to.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
pub struct Consent {
    /// May be pitched products. Absent means no.
    #[serde(default)]
    pub marketing: bool,
    /// May be recorded as a lead and handed on. Absent means no.
    #[serde(default)]
    pub record: bool,
}

/// One earlier contact about a product.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
pub struct Contact {
    pub product: String,
    pub at: Stamp,
    pub outcome: Outcome,
    /// Who made the contact: teller, vip_teller, lobby, psm, cm.
    #[serde(default)]
    pub by: Option<String>,
}

/// How a contact ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Accepted,
    Declined,
    NotNow,
    NoAnswer,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::Declined => "declined",
            Outcome::NotNow => "not_now",
            Outcome::NoAnswer => "no_answer",
        }
    }
}

/// A non-negative, finite amount.
#[derive(Debug, Clone, Copy, Default, PartialEq, PartialOrd, Serialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
#[serde(transparent)]
#[cfg_attr(feature = "cli", schemars(extend("minimum" = 0)))]
pub struct Amount(pub f64);

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = f64::deserialize(d)?;
        if !v.is_finite() || v < 0.0 {
            return Err(serde::de::Error::custom(format!(
                "amount must be a number ≥ 0, got {v}"
            )));
        }
        Ok(Amount(v))
    }
}

/// Suitability rating 1 (C1, conservative) to 5 (C5, aggressive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct RiskRating(#[cfg_attr(feature = "cli", schemars(range(min = 1, max = 5)))] pub u8);

impl<'de> Deserialize<'de> for RiskRating {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = i64::deserialize(d)?;
        if !(1..=5).contains(&v) {
            return Err(serde::de::Error::custom(format!(
                "risk rating must be 1 to 5 (C1–C5) or null, got {v}"
            )));
        }
        Ok(RiskRating(v as u8))
    }
}

/// A date (`2026-11-24`) or date-time (`2026-11-24T10:30:00+08:00`), kept as
/// its text and as Unix seconds. No offset means branch time (UTC+8).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "cli", derive(schemars::JsonSchema))]
#[serde(transparent)]
#[cfg_attr(
    feature = "cli",
    schemars(extend("pattern" = r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$"))
)]
pub struct Stamp {
    pub text: String,
    #[serde(skip)]
    #[cfg_attr(feature = "cli", schemars(skip))]
    pub unix: i64,
}

impl Stamp {
    /// Parses a date or date-time; the error says what is expected.
    pub fn parse(text: &str) -> Result<Stamp, String> {
        parse_unix(text)
            .map(|unix| Stamp {
                text: text.to_owned(),
                unix,
            })
            .ok_or_else(|| {
                format!("expected a date like 2026-11-24 or a time like 2026-11-24T10:30:00+08:00, got {text:?}")
            })
    }

    /// Days since 1970-01-01 in branch time: what "within N days" counts in.
    pub fn day(&self) -> i64 {
        branch_day(self.unix)
    }
}

/// The branch-local day number of a Unix time.
pub fn branch_day(unix: i64) -> i64 {
    unix.saturating_add(BRANCH_UTC_OFFSET_SECONDS).div_euclid(86_400)
}

impl<'de> Deserialize<'de> for Stamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Stamp::parse(&text).map_err(serde::de::Error::custom)
    }
}

fn parse_unix(text: &str) -> Option<i64> {
    use time::format_description::well_known::Rfc3339;
    use time::macros::format_description;
    use time::{Date, OffsetDateTime, PrimitiveDateTime, UtcOffset};

    let branch = UtcOffset::from_whole_seconds(BRANCH_UTC_OFFSET_SECONDS as i32).ok()?;
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(t.unix_timestamp());
    }
    let local = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]");
    if let Ok(t) = PrimitiveDateTime::parse(text, &local) {
        return Some(t.assume_offset(branch).unix_timestamp());
    }
    let local_minutes = format_description!("[year]-[month]-[day]T[hour]:[minute]");
    if let Ok(t) = PrimitiveDateTime::parse(text, &local_minutes) {
        return Some(t.assume_offset(branch).unix_timestamp());
    }
    let date = format_description!("[year]-[month]-[day]");
    let d = Date::parse(text, &date).ok()?;
    Some(d.midnight().assume_offset(branch).unix_timestamp())
}

impl Customer {
    /// Reads a customer from JSON text, strictly (duplicate keys, unknown
    /// fields inside the contract's objects and too-deep nesting are errors);
    /// errors name the field path. [`crate::Engine::read_customer`] also
    /// accepts the fields its pack declares.
    pub fn from_json(text: &str) -> Result<Customer, Error> {
        Customer::from_json_with(text, &BTreeMap::new())
    }

    /// [`Customer::from_json`] accepting the pack's declared `extra_fields`.
    pub fn from_json_with(text: &str, extra: &BTreeMap<String, Vec<String>>) -> Result<Customer, Error> {
        let mut value = crate::strict_json::parse(text).map_err(|e| {
            let path = if e.path.is_empty() {
                "customer".to_owned()
            } else {
                e.path
            };
            Error::input(path, format!("{} (line {}, column {})", e.message, e.line, e.column))
        })?;
        crate::contract::check_value(&mut value, extra)?;
        Customer::from_deserializer(value)
    }

    /// Reads a customer from any serde deserializer (JSON text, a JS object).
    pub fn from_deserializer<'de, D>(de: D) -> Result<Customer, Error>
    where
        D: Deserializer<'de>,
        D::Error: std::fmt::Display,
    {
        serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let path = if path == "." { "customer".to_owned() } else { path };
            Error::input(path, tidy_serde_message(&e.inner().to_string()))
        })
    }

    /// Reads a customer from a JSON value (fixtures, sample files), with
    /// the contract's checks.
    pub fn from_value(value: &serde_json::Value) -> Result<Customer, Error> {
        Customer::from_value_with(value, &BTreeMap::new())
    }

    /// [`Customer::from_value`] accepting the pack's declared `extra_fields`.
    pub fn from_value_with(
        value: &serde_json::Value,
        extra: &BTreeMap<String, Vec<String>>,
    ) -> Result<Customer, Error> {
        let mut value = value.clone();
        crate::contract::check_value(&mut value, extra)?;
        Customer::from_deserializer(value)
    }
}

/// serde_json appends " at line 1 column 40" to its messages; the path says more.
fn tidy_serde_message(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) if message[i..].contains(" column ") => message[..i].to_owned(),
        _ => message.to_owned(),
    }
}
