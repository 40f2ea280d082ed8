//! The fuzz targets' inputs, replayed on stable in `cargo test`: the
//! curated corpus (`fuzz/curated/`) and every input a fuzz run found a crash
//! with (`fuzz/regressions/<target>/`, the artifact as libFuzzer wrote it,
//! selector byte included). Each goes through what its target does
//! (fuzz/fuzz_targets) and must end in a result or a named error, keeping
//! policy. To pin a new crash: copy `fuzz/artifacts/TARGET/crash-…` into
//! `fuzz/regressions/TARGET/`, see this test fail, then fix.
#![cfg(not(target_arch = "wasm32"))]

use std::path::{Path, PathBuf};

use nextbest::{lint, run_fixtures, Customer, Engine, Evaluation, Options, PackSource};

fn inputs(dir: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).filter(|p| p.is_file()).collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let data = std::fs::read(&p).expect("readable input");
            (p, data)
        })
        .collect()
}

/// The curated files carry no selector byte; the regressions do.
fn all(target: &str, curated_prefix: impl Fn(&Path) -> Vec<u8>) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out: Vec<(PathBuf, Vec<u8>)> = inputs(&format!("fuzz/curated/{target}"))
        .into_iter()
        .map(|(p, d)| {
            let mut data = curated_prefix(&p);
            data.extend(d);
            (p, data)
        })
        .collect();
    out.extend(inputs(&format!("fuzz/regressions/{target}")));
    out
}

fn options(i: usize) -> Options {
    Options {
        now: (i % 2 == 1).then_some(1_795_487_400),
        channel: ["teller", "lobby", "cm"][i % 3].to_owned(),
        ..Options::default()
    }
}

/// Policy no rule can override (the fuzz targets check the same).
fn check(engine: &Engine, customer: &Customer, options: &Options, out: &Evaluation, input: &Path) {
    let policy = &engine.manifest().policy;
    let max_risk = customer.risk_rating.map_or(policy.unrated_max_risk, |r| r.0);
    assert!(
        out.suggestions.is_empty() || customer.consent.marketing,
        "{}: pitched without consent",
        input.display()
    );
    assert!(out.suggestions.len() <= policy.max_pitches.get(&options.channel).copied().unwrap_or(0));
    for s in &out.suggestions {
        assert!(
            s.risk <= max_risk,
            "{}: {} above the rating",
            input.display(),
            s.product
        );
        assert!(
            s.to.is_none() || customer.consent.record,
            "{}: referral without consent",
            input.display()
        );
    }
    // The fuzz targets' own policy check too (forbidden phrases included).
    fuzz_lib::check_policy(engine, customer, options, out);
    // A rule that failed contributed nothing at all (as fuzz/src/lib.rs checks).
    for e in &out.errors {
        let r = &e.rule;
        let at = input.display();
        assert!(
            !out.suggestions.iter().any(|s| s.rules.contains(r)),
            "{at}: failed rule {r} in suggestions"
        );
        assert!(
            !out.suppressed.iter().any(|s| s.rules.contains(r)),
            "{at}: failed rule {r} in suppressed"
        );
        assert!(
            out.route.rule.as_ref() != Some(r),
            "{at}: failed rule {r} chose the route"
        );
        assert!(
            !out.high_value.signals.iter().any(|s| &s.rule == r),
            "{at}: failed rule {r} raised a signal"
        );
        assert!(
            !out.notes.iter().any(|n| &n.rule == r),
            "{at}: failed rule {r} left a note"
        );
    }
    serde_json::to_string(out).expect("an evaluation serialises");
}

/// The fuzz targets' own helpers (fuzz/src/lib.rs), so a crash input meets
/// the same customers here as it did there.
#[allow(dead_code)]
#[path = "../fuzz/src/lib.rs"]
mod fuzz_lib;

fn samples() -> Vec<Customer> {
    let all: Vec<serde_json::Value> = serde_json::from_str(nextbest::bundled_samples()).expect("samples");
    let mut out = fuzz_lib::fixed_customers();
    out.extend(all.iter().step_by(50).map(|v| Customer::from_value(v).expect("sample")));
    out
}

fn evaluate_all(engine: &Engine, customers: &[Customer], input: &Path) {
    for (i, c) in customers.iter().enumerate() {
        let opts = options(i);
        if let Ok(out) = engine.evaluate_ref(c, &opts) {
            check(engine, c, &opts, &out, input);
        }
    }
}

#[test]
fn customer_json_inputs() {
    let engine = Engine::new(&PackSource::bundled()).expect("bundled");
    let found = all("customer_json", |_| Vec::new());
    assert!(!found.is_empty(), "no curated customer inputs");
    for (path, data) in found {
        let text = String::from_utf8_lossy(&data);
        let parsed = Customer::from_json(&text);
        for i in 0..2 {
            let opts = options(i);
            match (&parsed, engine.evaluate_json(&text, &opts)) {
                (Ok(c), Ok(out)) => check(&engine, c, &opts, &out, &path),
                (Err(_), Ok(_)) => panic!("{}: evaluated what does not parse", path.display()),
                (_, Err(e)) => assert!(!e.to_string().is_empty()),
            }
        }
    }
}

/// rule_source's headers, by its first byte; the last is "none".
const HEADERS: [&str; 6] = [
    "//! kind: signal\n//! priority: 50\n//! zh: 模糊\n//! en: fuzz\n",
    "//! kind: route\n//! priority: 900\n//! zh: 模糊\n//! en: fuzz\n",
    "//! kind: cross_sell\n//! priority: 900\n//! zh: 模糊\n//! en: fuzz\n",
    "//! kind: up_sell\n//! priority: 50\n//! zh: 模糊\n//! en: fuzz\n",
    "//! kind: referral\n//! priority: 900\n//! zh: 模糊\n//! en: fuzz\n",
    "",
];

#[test]
fn rule_source_inputs() {
    let customers = samples();
    // Curated rules are whole files: selector 5.
    let found = all("rule_source", |_| vec![5]);
    assert!(!found.is_empty(), "no curated rule inputs");
    for (path, data) in found {
        let Some((&pick, rest)) = data.split_first() else {
            continue;
        };
        let source = format!("{}{}", HEADERS[pick as usize % 6], String::from_utf8_lossy(rest));
        // The whole bundled pack, with its own budgets.
        let mut pack = PackSource::bundled();
        pack.files.insert("zz_fuzz.rhai".into(), source);
        let engine = Engine::new(&pack).expect("a rule's problems are listed, never an engine error");
        let _ = lint(&engine, &pack);
        evaluate_all(&engine, &customers, &path);
    }
}

#[test]
fn pack_inputs() {
    let customers = samples();
    // Curated pack files are named N-…: N is the file they replace.
    let found = all("pack", |p| {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        vec![name.bytes().next().map_or(0, |b| b.wrapping_sub(b'0'))]
    });
    for (path, data) in found {
        let Some((&pick, rest)) = data.split_first() else {
            continue;
        };
        let mut pack = PackSource::bundled();
        let text = String::from_utf8_lossy(rest).into_owned();
        match pick % 4 {
            0 => drop(pack.files.insert("pack.json".into(), text)),
            1 => drop(pack.files.insert("products.json".into(), text)),
            2 => {
                let Some((&which, rule)) = rest.split_first() else {
                    continue;
                };
                let files: Vec<String> = pack.rules().map(|(_, f, _)| f.to_owned()).collect();
                let file = files[which as usize % files.len()].clone();
                pack.files.insert(file, String::from_utf8_lossy(rule).into_owned());
            }
            _ => {
                pack.files.retain(|name, _| !name.starts_with("fixtures/"));
                pack.files.insert("fixtures/fuzz.json".into(), text);
            }
        }
        let Ok(engine) = Engine::new(&pack) else { continue };
        let _ = lint(&engine, &pack);
        let report = run_fixtures(&engine, &pack);
        assert_eq!(report.passed + report.failed, report.cases.len());
        evaluate_all(&engine, &customers, &path);
    }
}
