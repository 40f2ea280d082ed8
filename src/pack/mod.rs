//! The rule pack: its files, its manifest and catalogue, and its rules'
//! headers. Compiling the rules is [`crate::eval`]'s job.
//!
//! A pack is a folder:
//! - `pack.json`: parameters (`params`, seen by rules as `p`), FX rates,
//!   destinations, the default route and the policy that runs after the rules;
//! - `products.json`: the product catalogue;
//! - `<rule id>.rhai`: one rule each, its header in `//!` lines at the top;
//! - `fixtures/*.json`: cases that pin the pack's behaviour (`nextbest test`).

mod header;
mod manifest;

use std::collections::BTreeMap;
use std::path::Path;

pub use header::{parse_header, RuleKind, RuleMeta};
pub(crate) use manifest::{locate, parse_json};
pub use manifest::{
    parse_products, Budgets, Destination, Grading, Label, Manifest, PlanWeights, Policy, Product, RouteDefault,
};

use crate::error::Error;

/// A pack's files as text, keyed by their path inside the pack (`/`-separated).
///
/// The same value comes from a folder, from the bundled pack or from the
/// page, so every caller compiles packs the same way.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PackSource {
    pub files: BTreeMap<String, String>,
    /// Fixture files that could not be read as text, with the reason: the
    /// pack still loads and evaluates; `nextbest test` fails those files.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub unreadable: BTreeMap<String, String>,
}

/// The pack compiled into the binary (`rules/` at build time).
const BUNDLED: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/bundled_pack.rs"));

/// Where the sample customers sit inside the bundled folder (native builds
/// only: build.rs leaves them out of the wasm module, the page fetches them).
#[cfg(not(target_arch = "wasm32"))]
const SAMPLES_FILE: &str = "samples/customers.json";

impl PackSource {
    /// The bundled pack: what the CLI and the page use unless told otherwise.
    pub fn bundled() -> PackSource {
        let files = BUNDLED
            .iter()
            .filter(|(name, _)| is_pack_file(name))
            .map(|(name, text)| ((*name).to_owned(), (*text).to_owned()))
            .collect();
        PackSource {
            files,
            unreadable: BTreeMap::new(),
        }
    }

    /// Reads a pack folder from disk.
    pub fn from_dir(dir: &Path) -> Result<PackSource, Error> {
        let mut pack = PackSource::default();
        read_dir(dir, dir, &mut pack)?;
        let files = pack.files;
        let unreadable = pack.unreadable;
        if files.is_empty() {
            return Err(Error::pack(
                dir.display().to_string(),
                "no pack here: expected pack.json, products.json and *.rhai rules",
            ));
        }
        Ok(PackSource { files, unreadable })
    }

    /// The rule files, in id order: `(rule id, file name, source)`.
    pub fn rules(&self) -> impl Iterator<Item = (&str, &str, &str)> {
        self.files.iter().filter_map(|(name, text)| {
            let id = name.strip_suffix(".rhai")?;
            // A byte-order mark (Windows editors write one) is not code.
            let text = text.strip_prefix('\u{feff}').unwrap_or(text);
            (!id.contains('/')).then_some((id, name.as_str(), text))
        })
    }

    /// The fixture files, in name order: `(file name, text)`.
    pub fn fixtures(&self) -> impl Iterator<Item = (&str, &str)> {
        self.files.iter().filter_map(|(name, text)| {
            let rest = name.strip_prefix("fixtures/")?;
            (rest.ends_with(".json") && !rest.contains('/')).then_some((name.as_str(), text.as_str()))
        })
    }
}

/// The bundled sample customers, as JSON text (an array of customers).
#[cfg(not(target_arch = "wasm32"))]
pub fn bundled_samples() -> &'static str {
    BUNDLED
        .iter()
        .find(|(name, _)| *name == SAMPLES_FILE)
        .map_or("[]", |(_, text)| text)
}

/// A pack file's text. Only regular files (a symlink is followed, then
/// checked): a FIFO would block the read forever and a device such as
/// /dev/zero would never end.
fn read_text(path: &Path) -> Result<String, String> {
    use std::io::Read;
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if !meta.is_file() {
        return Err("not a regular file (a pipe, device or socket): refused".to_owned());
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!(
            "{} bytes: larger than the {} MiB a pack file may be",
            meta.len(),
            MAX_FILE_BYTES >> 20
        ));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("cannot read: {e}"))?;
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "not UTF-8 text (the first bad byte is at offset {}): save it as UTF-8",
            e.utf8_error().valid_up_to()
        )
    })
}

fn is_pack_file(name: &str) -> bool {
    matches!(name, "pack.json" | "products.json")
        || (name.ends_with(".rhai") && !name.contains('/'))
        || (name.starts_with("fixtures/") && name.ends_with(".json"))
}

/// The largest pack file read: far above any real rule or catalogue, far
/// below what would exhaust memory.
const MAX_FILE_BYTES: u64 = 4 << 20;

fn read_dir(base: &Path, dir: &Path, out: &mut PackSource) -> Result<(), Error> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::pack(dir.display().to_string(), e.to_string()))?;
    for entry in entries {
        let path = entry
            .map_err(|e| Error::pack(dir.display().to_string(), e.to_string()))?
            .path();
        let rel = path
            .strip_prefix(base)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        if path.is_dir() {
            if rel == "fixtures" {
                read_dir(base, &path, out)?;
            }
        } else if is_pack_file(&rel) {
            match read_text(&path) {
                Ok(text) => {
                    out.files.insert(rel, text);
                }
                Err(message) if rel.starts_with("fixtures/") => {
                    out.unreadable.insert(rel, message);
                }
                Err(message) => return Err(Error::pack(path.display().to_string(), message)),
            }
        }
    }
    Ok(())
}
