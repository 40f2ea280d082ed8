//! The customer contract, enforced: what a branch system sends is read
//! exactly or refused with the field named, never guessed at.
//!
//! - Inside the objects the contract names (transaction, account, holding,
//!   visit, consent, contact), a field it does not name is an error with a
//!   did-you-mean: `"currency_code": "USD"` once read as an amount in CNY.
//!   A pack that expects such a field declares it in `pack.json`
//!   `extra_fields`. Unknown top-level fields stay readable (`c.field`).
//! - Enumerated values are matched after trimming and case folding
//!   (`" COMPLAINT "` is a complaint) or refused, listing the known values.
//!   The pack's `vocabulary` is the list for visit purposes and transaction
//!   kinds (refused when unknown); account types, applications and needs are
//!   folded and kept (an unknown need is what gets logged as unmet).

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::Value;
use unicode_normalization::UnicodeNormalization;

use crate::error::Error;
use crate::eval::helpers::edit_distance;
use crate::pack::Manifest;
use crate::signals::Customer;

/// The fields of each object the contract names, by the name a pack's
/// `extra_fields` uses for it. A test holds these to the JSON Schema.
pub const OBJECT_FIELDS: &[(&str, &str, &[&str])] = &[
    (
        "transaction",
        "transactions[]",
        &["kind", "amount", "currency", "at", "channel"],
    ),
    ("account", "accounts[]", &["type", "tier", "opened_on", "balance"]),
    ("holding", "holdings[]", &["product", "amount", "matures_on"]),
    ("visit", "visit", &["purpose", "at", "waiting"]),
    ("consent", "consent", &["marketing", "record"]),
    ("contact", "contact_history[]", &["product", "at", "outcome", "by"]),
];

/// Fields that left the contract, by (object, field), with where they went:
/// a branch system still sending one gets told, not a did-you-mean.
const MOVED: &[(&str, &str, &str)] = &[(
    "visit",
    "lobby_busy",
    "visit.lobby_busy moved out of the customer record into the branch context (who is free at the branch is not the customer's data): send {\"staff\": [{\"role\": \"lobby\", \"state\": \"busy\"}]} as the branch context (nextbest eval --branch FILE; the page's options.branch; nextbest schema --branch). 大堂经理是否繁忙已移出客户记录，改由网点现场情况（branch）提供",
)];

/// The customer's own fields. A top-level field the contract does not name
/// is kept for rules (`c.field`), unless it looks like one of these
/// misspelt (`"Visit"`, `"contactHistory"`, `"contact_history "`): then the
/// real field would silently be absent, so it is refused.
pub const TOP_FIELDS: &[&str] = &[
    "id",
    "name",
    "contact",
    "kind",
    "segment",
    "age",
    "risk_rating",
    "aum",
    "avg_daily_balance",
    "registered_capital",
    "occupation",
    "address_area",
    "accounts",
    "holdings",
    "transactions",
    "applications",
    "stated_needs",
    "visit",
    "consent",
    "contact_history",
];

/// `contactHistory` → `contact_history`, ` Visit ` → `visit`, `risk-rating` → `risk_rating`.
fn normalise_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    let mut prev_lower = false;
    for c in key.trim().nfkc() {
        if c.is_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.extend(c.to_lowercase());
            prev_lower = false;
        } else if c.is_alphanumeric() {
            out.push(c);
            prev_lower = true;
        } else if c == '_' || c == '-' || c == ' ' {
            out.push('_');
            prev_lower = false;
        }
    }
    out
}

/// The contract field `key` looks like a misspelling of, if any.
fn near_miss(key: &str) -> Option<&'static str> {
    if TOP_FIELDS.contains(&key) {
        return None;
    }
    let k = normalise_key(key);
    TOP_FIELDS
        .iter()
        .copied()
        .find(|f| k == *f || (f.len() > 4 && edit_distance(&k, f) <= 2))
}

/// Enumerated text fields folded before they are read: (object, field).
const FOLDED: &[(&str, &str)] = &[
    ("", "kind"),
    ("", "segment"),
    ("transaction", "kind"),
    ("account", "type"),
    ("account", "tier"),
    ("visit", "purpose"),
    ("contact", "outcome"),
    ("contact", "by"),
    ("contact", "product"),
    ("holding", "product"),
];

/// Trimmed and lower-cased: how enumerated values are compared.
pub fn fold(s: &str) -> Cow<'_, str> {
    let t = s.trim();
    if t.chars().any(|c| c.is_uppercase()) {
        Cow::Owned(t.to_lowercase())
    } else {
        Cow::Borrowed(t)
    }
}

/// Checks a customer's JSON value against the contract and folds its
/// enumerated values in place. `extra` is the pack's `extra_fields`.
pub fn check_value(v: &mut Value, extra: &BTreeMap<String, Vec<String>>) -> Result<(), Error> {
    let Value::Object(top) = v else {
        return Err(Error::input(
            "customer",
            "expected a JSON object with the customer's fields",
        ));
    };
    let declared_top = extra.get("customer").map(Vec::as_slice).unwrap_or(&[]);
    for key in top.keys() {
        if declared_top.iter().any(|d| d == key) {
            continue;
        }
        if let Some(field) = near_miss(key) {
            return Err(Error::input(
                key.as_str(),
                format!("unknown field {key:?}: did you mean {field:?}? A field the contract names must be spelt exactly, or it would be read as absent (a pack that really sends {key:?} declares it in pack.json extra_fields.customer)"),
            ));
        }
    }
    fold_fields(top, "", "");
    for (object, at, fields) in OBJECT_FIELDS {
        let (key, is_list) = match at.strip_suffix("[]") {
            Some(k) => (k, true),
            None => (*at, false),
        };
        let Some(value) = top.get_mut(key) else { continue };
        let declared = extra.get(*object).map(Vec::as_slice).unwrap_or(&[]);
        let check = |path: String, item: &mut Value| -> Result<(), Error> {
            let Value::Object(map) = item else {
                return Ok(()); // the typed read names the wrong type
            };
            for name in map.keys() {
                if !fields.contains(&name.as_str()) && !declared.iter().any(|d| d == name) {
                    if let Some((_, _, why)) = MOVED.iter().find(|(o, f, _)| o == object && f == name) {
                        return Err(Error::input(format!("{path}.{name}"), *why));
                    }
                    return Err(Error::input(
                        format!("{path}.{name}"),
                        unknown_field(object, name, fields),
                    ));
                }
            }
            // Declared extras are accepted and not read.
            map.retain(|k, _| fields.contains(&k.as_str()));
            fold_fields(map, object, &path);
            Ok(())
        };
        if is_list {
            if let Value::Array(items) = value {
                for (i, item) in items.iter_mut().enumerate() {
                    check(format!("{key}[{i}]"), item)?;
                }
            }
        } else {
            check(key.to_owned(), value)?;
        }
    }
    Ok(())
}

fn fold_fields(map: &mut serde_json::Map<String, Value>, object: &str, _path: &str) {
    for (o, field) in FOLDED {
        if *o != object {
            continue;
        }
        if let Some(Value::String(s)) = map.get_mut(*field) {
            if let Cow::Owned(f) = fold(s) {
                *s = f;
            } else if s.trim().len() != s.len() {
                *s = s.trim().to_owned();
            }
        }
    }
    if object == "transaction" {
        if let Some(Value::String(s)) = map.get_mut("currency") {
            *s = s.trim().to_uppercase();
        }
    }
}

fn unknown_field(object: &str, name: &str, fields: &[&str]) -> String {
    let near = fields
        .iter()
        .map(|f| (edit_distance(name, f), *f))
        .filter(|(d, f)| *d <= 3.max(f.len() / 3) || name.contains(*f) || f.contains(name))
        .min()
        .map_or(String::new(), |(_, f)| format!("did you mean {f:?}? "));
    format!(
        "unknown field {name:?} in a {object}: {near}(known: {}; a pack that expects it declares it in pack.json extra_fields.{object})",
        fields.join(", ")
    )
}

/// Folds the customer's vocabulary values and checks them against the
/// pack's `vocabulary`; a value the pack does not know is refused, listing
/// the known ones, so no rule ever meets it. Copies the customer only when
/// a value needs folding.
pub fn check_vocabulary<'c>(customer: &mut Cow<'c, Customer>, manifest: &Manifest) -> Result<(), Error> {
    let vocab = &manifest.vocabulary;
    // Purposes and transaction kinds drive rules directly: one the pack does
    // not know is refused. Account types, applications and needs are folded
    // but kept when unknown: an unknown need is exactly what R14 logs.
    // The field's path is only spelt out for an error: most records have none.
    let lookup = |kind: &str, path: &dyn Fn() -> String, what: &str, value: &str| -> Result<Option<String>, Error> {
        let Some(words) = vocab.get(kind) else { return Ok(None) };
        if words.iter().any(|w| w == value) {
            return Ok(None);
        }
        let folded = fold(value);
        if words.iter().any(|w| *w == folded) || !matches!(kind, "purpose" | "txn") {
            return Ok((folded != value).then(|| folded.into_owned()));
        }
        Err(Error::input(
            path(),
            format!(
                "unknown {what} {value:?} (known: {}; pack.json vocabulary.{kind})",
                words.join(", ")
            ),
        ))
    };
    // First pass on the borrowed customer: most records need no change.
    let mut changes: Vec<(usize, usize, String)> = Vec::new();
    {
        let c: &Customer = customer;
        if let Some(p) = c.visit.as_ref().and_then(|v| v.purpose.as_deref()) {
            if let Some(f) = lookup("purpose", &|| "visit.purpose".to_owned(), "visit purpose", p)? {
                changes.push((0, 0, f));
            }
        }
        for (i, t) in c.transactions.iter().enumerate() {
            if let Some(f) = lookup(
                "txn",
                &|| format!("transactions[{i}].kind"),
                "transaction kind",
                &t.kind,
            )? {
                changes.push((1, i, f));
            }
        }
        for (i, a) in c.accounts.iter().enumerate() {
            if let Some(f) = lookup("account", &|| format!("accounts[{i}].type"), "account type", &a.kind)? {
                changes.push((2, i, f));
            }
        }
        for (i, a) in c.applications.iter().enumerate() {
            if let Some(f) = lookup("app", &|| format!("applications[{i}]"), "application", a)? {
                changes.push((3, i, f));
            }
        }
        for (i, n) in c.stated_needs.iter().enumerate() {
            if let Some(f) = lookup("need", &|| format!("stated_needs[{i}]"), "stated need", n)? {
                changes.push((4, i, f));
            }
        }
    }
    if changes.is_empty() {
        return Ok(());
    }
    let c = customer.to_mut();
    for (what, i, value) in changes {
        match what {
            0 => {
                if let Some(v) = c.visit.as_mut() {
                    v.purpose = Some(value);
                }
            }
            1 => c.transactions[i].kind = value,
            2 => c.accounts[i].kind = value,
            3 => c.applications[i] = value,
            _ => c.stated_needs[i] = value,
        }
    }
    Ok(())
}
