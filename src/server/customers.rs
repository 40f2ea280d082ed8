//! The customer lists a branch loads (`POST /api/customers`, `nextbest import`):
//! newline-delimited JSON, one customer a line, each held to the strict
//! customer contract (the same reading `nextbest eval` does, under the
//! `extra_fields` of the pack in force). One bad line refuses the whole file,
//! so a list is never half loaded.

use std::collections::BTreeMap;
use std::path::Path;

use super::access::{List, Role};
use super::store;
use crate::{Customer, Manifest, PackSource};

/// At most this many customers in one load (a branch's day or a manager's book is far fewer).
pub const MAX_LINES: usize = 20_000;
/// The largest load, in bytes.
pub const MAX_BYTES: usize = 16 << 20;

/// A customer ready to store: its id and its JSON as sent (re-serialized).
pub type Row = (String, String);

/// The `extra_fields` a pack's `pack.json` declares (its files as canonical
/// JSON, as stored); none when there is no pack or it cannot be read.
pub fn extra_fields(files_json: Option<&str>) -> BTreeMap<String, Vec<String>> {
    let files: BTreeMap<String, String> = match files_json {
        Some(j) => serde_json::from_str(j).unwrap_or_default(),
        None => PackSource::bundled().files,
    };
    files
        .get("pack.json")
        .and_then(|t| Manifest::parse("pack.json", t).ok())
        .map(|m| m.extra_fields)
        .unwrap_or_default()
}

/// Reads NDJSON customers; blank lines are skipped. An error names the line
/// (1-based) and the field: `line 3: accounts[0].balance: …`.
pub fn parse_ndjson(text: &str, extra: &BTreeMap<String, Vec<String>>) -> Result<Vec<Row>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let n = i + 1;
        if rows.len() >= MAX_LINES {
            return Err(format!(
                "line {n}: more than {MAX_LINES} customers in one load; split the file"
            ));
        }
        let value = crate::strict_json::parse(line).map_err(|e| {
            let path = if e.path.is_empty() { "(JSON)" } else { e.path.as_str() };
            format!("line {n}: {path}: {} (column {})", e.message, e.column)
        })?;
        let customer = Customer::from_value_with(&value, extra).map_err(|e| format!("line {n}: {e}"))?;
        let id = customer.id;
        if id.is_empty() || id.len() > 128 || id.chars().any(char::is_control) {
            return Err(format!("line {n}: id: 1 to 128 characters, no control characters"));
        }
        rows.push((id, value.to_string()));
    }
    Ok(rows)
}

/// The bundled sample customers as rows (the demo branch's hall and book).
pub fn bundled_rows() -> Result<Vec<Row>, String> {
    let values: Vec<serde_json::Value> =
        serde_json::from_str(crate::bundled_samples()).map_err(|e| format!("bundled samples: {e}"))?;
    let text: Vec<String> = values.iter().map(|v| v.to_string()).collect();
    parse_ndjson(&text.join("\n"), &extra_fields(None))
}

/// Refuses a replacing load of no customers: an empty or truncated file
/// would otherwise empty the list, which no branch means to do.
pub fn check_replace(rows: &[Row], replace: bool) -> Result<(), String> {
    if replace && rows.is_empty() {
        return Err("no customers: replacing a list with none would empty it".to_owned());
    }
    Ok(())
}

/// `nextbest import`: validates `text` and loads it into `list` of `owner` in
/// the data folder `data` (with `replace`, those not in it are removed), while
/// the server runs or not (WAL: the server's readers do not block it, the busy
/// timeout waits out its writes).
pub fn import(data: &Path, list: List, owner: &str, text: &str, replace: bool) -> Result<store::Loaded, String> {
    let db = data.join(store::DB_FILE);
    if !db.is_file() {
        return Err(format!(
            "{} does not exist (give --data DIR of the branch server)",
            db.display()
        ));
    }
    let (mut conn, _) = store::open_connection(data).map_err(|e| e.to_string())?;
    if list == List::Book {
        let role = store::active_role(&conn, owner).map_err(|e| e.to_string())?;
        if role.as_deref() != Some(Role::Cm.as_str()) {
            return Err(format!(
                "--book {owner:?}: no enabled customer manager (cm) account by that name"
            ));
        }
    }
    if text.len() > MAX_BYTES {
        return Err(format!(
            "{} bytes: at most {} MiB in one load",
            text.len(),
            MAX_BYTES >> 20
        ));
    }
    let files = store::current_pack_files(&conn).map_err(|e| e.to_string())?;
    let rows = parse_ndjson(text, &extra_fields(files.as_deref()))?;
    check_replace(&rows, replace)?;
    store::load_customers(&mut conn, list.as_str(), owner, &rows, "cli", replace).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_line_is_named() {
        let extra = extra_fields(None);
        let good = r#"{"id": "c1"}"#;
        assert_eq!(parse_ndjson(&format!("{good}\n\n"), &extra).map(|r| r.len()), Ok(1));
        let bad = r#"{"id": "c2", "visit": {"purpos": "cash_deposit"}}"#;
        let e = parse_ndjson(&format!("{good}\n\n{bad}\n"), &extra).expect_err("refused");
        assert!(e.starts_with("line 3: visit.purpos"), "{e}");
        let e = parse_ndjson("{oops", &extra).expect_err("refused");
        assert!(e.starts_with("line 1: "), "{e}");
    }

    #[test]
    fn the_samples_load() {
        let rows = bundled_rows().expect("the bundled samples are valid");
        assert!(rows.len() > 10);
    }
}
