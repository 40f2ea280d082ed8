//! Published rule packs: what a pack sent to `POST /api/packs` must be before
//! it is stored, and the hash that names its content.
//!
//! A pack is published only when it compiles and its fixtures pass, checked by
//! the core exactly as `nextbest check` and `nextbest test` do: the branch
//! never runs a pack whose behaviour nobody pinned.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::{run_fixtures, Engine, PackSource};

/// At most this many files in a published pack (the bundled one has well under 200).
pub const MAX_FILES: usize = 1000;
/// The largest file of a published pack, as `PackSource::from_dir` reads them.
pub const MAX_FILE_BYTES: usize = 4 << 20;
/// At most this many failures are returned; the rest are counted.
pub const MAX_FAILURES: usize = 50;

/// The canonical JSON of a pack's files (keys sorted, no spaces: a BTreeMap
/// serialized by serde_json) and its SHA-256 in hex. The same files always
/// give the same hash, whoever sent them and in whatever order.
pub fn canonical(files: &BTreeMap<String, String>) -> (String, String) {
    let json = serde_json::to_string(files).unwrap_or_default();
    let hash = Sha256::digest(json.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    (json, hash)
}

/// Whether a path names a pack file (as a pack folder holds them): `pack.json`,
/// `products.json`, `<rule>.rhai`, `fixtures/<name>.json`.
pub fn is_pack_path(path: &str) -> bool {
    let plain = |name: &str| {
        !name.is_empty()
            && !name.starts_with('.')
            && name.chars().all(|c| !c.is_control() && !matches!(c, '/' | '\\' | ':'))
    };
    match path {
        "pack.json" | "products.json" => true,
        _ => {
            if let Some(rest) = path.strip_prefix("fixtures/") {
                rest.ends_with(".json") && plain(rest)
            } else {
                path.ends_with(".rhai") && plain(path)
            }
        }
    }
}

/// The files' shape: how many, their names and sizes. An error names the file.
pub fn check_files(files: &BTreeMap<String, String>) -> Result<(), String> {
    if files.is_empty() {
        return Err("files: empty; a pack has pack.json, products.json, rules and fixtures".to_owned());
    }
    if files.len() > MAX_FILES {
        return Err(format!("files: {} files, at most {MAX_FILES}", files.len()));
    }
    for (path, text) in files {
        if !is_pack_path(path) {
            return Err(format!(
                "files.{path}: not a pack file (pack.json, products.json, <rule>.rhai, fixtures/<name>.json)"
            ));
        }
        if text.len() > MAX_FILE_BYTES {
            return Err(format!("files.{path}: {} bytes, at most 4 MiB", text.len()));
        }
    }
    Ok(())
}

/// Why a pack may not be published.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// pack.json or products.json is broken, or a rule does not compile.
    Compile(Vec<String>),
    /// A fixture case fails, or there are none.
    Fixtures(Vec<String>),
}

impl Refusal {
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Compile(_) => "compile_failed",
            Refusal::Fixtures(_) => "fixtures_failed",
        }
    }

    pub fn failures(&self) -> &[String] {
        match self {
            Refusal::Compile(f) | Refusal::Fixtures(f) => f,
        }
    }
}

fn capped(mut list: Vec<String>) -> Vec<String> {
    if list.len() > MAX_FAILURES {
        let more = list.len() - (MAX_FAILURES - 1);
        list.truncate(MAX_FAILURES - 1);
        list.push(format!("… and {more} more"));
    }
    list
}

/// Compiles the pack and runs its fixtures, as `nextbest check` and `nextbest
/// test` do. Refused when anything does not compile, any case fails, or there
/// is no case at all (a pack with no fixtures pins nothing).
pub fn check(files: &BTreeMap<String, String>) -> Result<(), Refusal> {
    let source = PackSource {
        files: files.clone(),
        unreadable: BTreeMap::new(),
    };
    let engine = Engine::new(&source).map_err(|e| Refusal::Compile(vec![e.to_string()]))?;
    if !engine.problems().is_empty() {
        return Err(Refusal::Compile(capped(
            engine.problems().iter().map(ToString::to_string).collect(),
        )));
    }
    let mut report = run_fixtures(&engine, &source);
    // The packs' budgets include wall-clock ones (rule_ms, customer_ms): on a
    // busy branch PC a case can overrun once by chance. One more run tells a
    // loaded machine from a failing pack; a real failure fails both.
    if report.failed > 0 {
        report = run_fixtures(&engine, &source);
    }
    if report.cases.is_empty() {
        return Err(Refusal::Fixtures(vec![
            "fixtures/: the pack has no fixture cases; add fixtures/*.json pinning its behaviour".to_owned(),
        ]));
    }
    let failed: Vec<String> = report
        .cases
        .iter()
        .filter(|c| !c.passed)
        .map(|c| format!("{} :: {}: {}", c.file, c.name, c.failures.join("; ")))
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(Refusal::Fixtures(capped(failed)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_pack_passes_and_hashes_stably() {
        let files = PackSource::bundled().files;
        assert_eq!(check_files(&files), Ok(()));
        assert_eq!(check(&files), Ok(()));
        let (json, hash) = canonical(&files);
        assert_eq!(hash.len(), 64);
        assert_eq!(canonical(&files).1, hash);
        assert!(json.starts_with('{'));
    }

    #[test]
    fn paths_are_pack_files_only() {
        for ok in ["pack.json", "products.json", "r1.rhai", "fixtures/a.json"] {
            assert!(is_pack_path(ok), "{ok}");
        }
        for bad in [
            "../x.rhai",
            "a/b.rhai",
            "fixtures/../x.json",
            "fixtures/a/b.json",
            "x.txt",
            ".rhai",
            "README.md",
        ] {
            assert!(!is_pack_path(bad), "{bad}");
        }
    }

    #[test]
    fn no_fixtures_no_publish() {
        let mut files = PackSource::bundled().files;
        files.retain(|k, _| !k.starts_with("fixtures/"));
        assert!(matches!(check(&files), Err(Refusal::Fixtures(_))));
        let mut files = PackSource::bundled().files;
        files.insert("broken.rhai".to_owned(), "//! nonsense\nlet = ;".to_owned());
        assert!(matches!(check(&files), Err(Refusal::Compile(_))));
    }
}
