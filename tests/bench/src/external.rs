//! Engines measured outside this binary (tests/bench/js: json-rules-engine,
//! nextbest wasm in Chromium and in Node): their result files, checked
//! against this run's customers and the hand-written fired sets.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::Value;

use crate::handwritten::Fired;
use crate::report::Row;

/// One engines file, read and compared.
pub struct External {
    pub row: Row,
    pub path: PathBuf,
}

fn modified(path: &Path) -> Result<SystemTime, String> {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Reads every `*.json` in `dir`. `customers_file` must hold exactly this
/// run's customers (`expected`, the JSON this run would write) and every
/// engines file must be newer than it, so stale results are an error rather
/// than a comparison against other customers. Mismatches are printed (up to
/// `show`) and counted per engine against `baseline`.
pub fn read_all(
    dir: &Path,
    customers_file: &Path,
    expected: &str,
    baseline: &[Fired],
    ids: &[String],
    show: usize,
) -> Result<Vec<External>, String> {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect(),
        Err(_) => return Ok(Vec::new()),
    };
    files.sort();
    if files.is_empty() {
        return Ok(Vec::new());
    }
    let written = std::fs::read_to_string(customers_file).map_err(|e| {
        format!(
            "{}: {e}; the engines in {} need the customers they ran on (--write-customers)",
            customers_file.display(),
            dir.display()
        )
    })?;
    if written != expected {
        return Err(format!(
            "{} is not this run's customers (other --customers/--seed/--txns?); rerun scripts/bench-all.sh, or remove {}",
            customers_file.display(),
            dir.display()
        ));
    }
    let customers_at = modified(customers_file)?;
    let mut out = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let v: Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let bad = |what: &str| format!("{}: {what}", path.display());
        if modified(&path)? < customers_at {
            return Err(bad(&format!(
                "older than {}: measured on earlier customers; rerun scripts/bench-all.sh or remove it",
                customers_file.display()
            )));
        }
        let num = |k: &str| {
            v.get(k)
                .and_then(Value::as_f64)
                .ok_or_else(|| bad(&format!("no number {k:?}")))
        };
        let text_of = |k: &str| {
            v.get(k)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| bad(&format!("no string {k:?}")))
        };
        let n = num("customers")? as usize;
        if n != baseline.len() {
            return Err(bad(&format!(
                "measured {n} customers, this run has {}: a stale file; rerun scripts/bench-all.sh or remove it",
                baseline.len()
            )));
        }
        let fired = v
            .get("fired")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("no \"fired\" list"))?;
        if fired.len() != n {
            return Err(bad(&format!("{} fired lists for {n} customers", fired.len())));
        }
        let engine = text_of("engine")?;
        let mut mismatches = 0usize;
        for (i, (list, ours)) in fired.iter().zip(baseline).enumerate() {
            let names: Vec<&str> = list
                .as_array()
                .ok_or_else(|| bad(&format!("fired[{i}] is not a list")))?
                .iter()
                .map(|x| x.as_str().ok_or_else(|| bad(&format!("fired[{i}] has a non-string"))))
                .collect::<Result<_, _>>()?;
            let theirs = Fired::from_ids(names.iter().copied()).map_err(|e| bad(&e))?;
            for (k, rule) in crate::handwritten::RULES.iter().enumerate() {
                if theirs.contains(k) != ours.contains(k) {
                    mismatches += 1;
                    if mismatches <= show {
                        let says = |f: bool| if f { "fired" } else { "did not fire" };
                        println!(
                            "  MISMATCH customer {} rule {rule}: {engine} {}, hand-written {}",
                            ids[i],
                            says(theirs.contains(k)),
                            says(ours.contains(k))
                        );
                    }
                }
            }
        }
        out.push(External {
            row: Row {
                engine,
                runtime: text_of("runtime")?,
                pack: text_of("pack")?,
                rules: num("rules")? as usize,
                setup_ms: num("setup_ms")?,
                samples: num("samples")? as usize,
                evals_per_s: num("evaluations_per_s")?,
                mean_us: num("mean_us")?,
                p50_us: num("p50_us")?,
                p99_us: num("p99_us")?,
                mismatches: Some(mismatches),
                source: Some(
                    path.file_name()
                        .map_or(String::new(), |f| f.to_string_lossy().into_owned()),
                ),
            },
            path,
        });
    }
    Ok(out)
}
