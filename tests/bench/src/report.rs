//! One row per engine, the table (console and markdown) and the targets of
//! issue 5, all from the same figures that go into summary.json.

use std::time::Duration;

use serde_json::{json, Value};

/// One engine's figures on one pack.
pub struct Row {
    pub engine: String,
    pub runtime: String,
    pub pack: String,
    pub rules: usize,
    pub setup_ms: f64,
    pub samples: usize,
    pub evals_per_s: f64,
    pub mean_us: f64,
    pub p50_us: f64,
    pub p99_us: f64,
    /// Customer × rule differences from the hand-written rules (bench pack only).
    pub mismatches: Option<usize>,
    /// Where an external engine's figures came from.
    pub source: Option<String>,
}

/// mean, p50 and p99 in µs of nanosecond samples.
pub fn percentiles(mut ns: Vec<u64>) -> (usize, f64, f64, f64) {
    ns.sort_unstable();
    let n = ns.len().max(1);
    let at = |q: f64| {
        let rank = ((q * n as f64).ceil() as usize).clamp(1, n);
        ns.get(rank - 1).copied().unwrap_or(0) as f64 / 1000.0
    };
    let mean = ns.iter().sum::<u64>() as f64 / n as f64 / 1000.0;
    (ns.len(), mean, at(0.50), at(0.99))
}

impl Row {
    pub fn measured(engine: &str, runtime: &str, pack: &str, rules: usize, setup: Duration, ns: Vec<u64>) -> Row {
        let (samples, mean_us, p50_us, p99_us) = percentiles(ns);
        Row {
            engine: engine.to_owned(),
            runtime: runtime.to_owned(),
            pack: pack.to_owned(),
            rules,
            setup_ms: setup.as_secs_f64() * 1000.0,
            samples,
            evals_per_s: if mean_us > 0.0 { 1e6 / mean_us } else { 0.0 },
            mean_us,
            p50_us,
            p99_us,
            mismatches: None,
            source: None,
        }
    }

    pub fn json(&self, hand: &Row, native: &Row) -> Value {
        let bench = self.pack == "bench";
        json!({
            "engine": self.engine,
            "runtime": self.runtime,
            "pack": self.pack,
            "rules": self.rules,
            "setup_ms": round(self.setup_ms, 3),
            "samples": self.samples,
            "evaluations_per_s": self.evals_per_s.round(),
            "mean_us": round(self.mean_us, 3),
            "p50_us": round(self.p50_us, 3),
            "p99_us": round(self.p99_us, 3),
            "p50_over_handwritten": bench.then(|| round(ratio(self.p50_us, hand.p50_us), 2)),
            "mean_over_handwritten": bench.then(|| round(ratio(self.mean_us, hand.mean_us), 2)),
            "p50_over_nextbest_native": bench.then(|| round(ratio(self.p50_us, native.p50_us), 2)),
            "mismatches": self.mismatches,
            "source": self.source,
        })
    }
}

pub fn round(x: f64, places: i32) -> f64 {
    let k = 10f64.powi(places);
    (x * k).round() / k
}

pub fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        f64::NAN
    }
}

/// 28.5×, or 0.04× below 1.
fn times(x: f64) -> String {
    if x < 1.0 {
        format!("{x:.2}×")
    } else {
        format!("{x:.1}×")
    }
}

const HEAD: [&str; 12] = [
    "engine",
    "runtime",
    "pack",
    "rules",
    "set-up ms",
    "evals/s",
    "mean µs",
    "p50 µs",
    "p99 µs",
    "p50 ÷ hand-written",
    "native speed-up (peer p50 ÷ native p50)",
    "mismatches",
];

fn cells(r: &Row, hand: &Row, native: &Row) -> [String; 12] {
    let bench = r.pack == "bench";
    let is = |o: &Row| r.engine == o.engine && r.pack == o.pack && r.runtime == o.runtime;
    [
        r.engine.clone(),
        r.runtime.clone(),
        r.pack.clone(),
        r.rules.to_string(),
        format!("{:.2}", r.setup_ms),
        format!("{:.0}", r.evals_per_s),
        format!("{:.2}", r.mean_us),
        format!("{:.2}", r.p50_us),
        format!("{:.2}", r.p99_us),
        if bench {
            times(ratio(r.p50_us, hand.p50_us))
        } else {
            "(other rules)".into()
        },
        if !bench || is(native) {
            "–".into()
        } else {
            times(ratio(r.p50_us, native.p50_us))
        },
        r.mismatches.map_or("–".into(), |m| m.to_string()),
    ]
}

/// The table as fixed-width text for the console.
pub fn text_table(rows: &[Row], hand: &Row, native: &Row) -> String {
    let all: Vec<[String; 12]> = rows.iter().map(|r| cells(r, hand, native)).collect();
    let head = HEAD.map(|h| match h {
        "native speed-up (peer p50 ÷ native p50)" => "native speed-up".to_owned(),
        _ => h.to_owned(),
    });
    let width: Vec<usize> = (0..12)
        .map(|k| {
            all.iter()
                .map(|c| c[k].chars().count())
                .chain([head[k].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |c: &[String; 12]| {
        c.iter()
            .enumerate()
            .map(|(k, s)| {
                let pad = " ".repeat(width[k] - s.chars().count());
                if k < 3 {
                    format!("{s}{pad}")
                } else {
                    format!("{pad}{s}")
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
    };
    let mut out = line(&head) + "\n";
    for c in &all {
        out += &(line(c) + "\n");
    }
    out
}

/// The same table in GitHub markdown.
pub fn markdown_table(rows: &[Row], hand: &Row, native: &Row) -> String {
    let mut out = format!("| {} |\n", HEAD.join(" | "));
    out += &format!(
        "|{}\n",
        (0..12)
            .map(|k| if k < 3 { " --- |" } else { " ---: |" })
            .collect::<String>()
    );
    for r in rows {
        out += &format!("| {} |\n", cells(r, hand, native).join(" | "));
    }
    out
}

/// One target of issue 5, from this run's figures.
pub struct Target {
    pub name: &'static str,
    pub want: &'static str,
    /// The figure, or `None` when the engine was not measured in this run.
    pub figure: Option<f64>,
    pub unit: &'static str,
    pub met: Option<bool>,
}

impl Target {
    fn new(
        name: &'static str,
        want: &'static str,
        unit: &'static str,
        figure: Option<f64>,
        ok: impl Fn(f64) -> bool,
    ) -> Target {
        Target {
            name,
            want,
            figure,
            unit,
            met: figure.filter(|f| f.is_finite()).map(ok),
        }
    }

    pub fn line(&self) -> String {
        let fig = self
            .figure
            .map_or("not measured".into(), |f| format!("{f:.2}{}", self.unit));
        let verdict = match self.met {
            Some(true) => "met",
            Some(false) => "MISSED",
            None => "not measured",
        };
        format!("{:<64} {:<10} {:>14}  {verdict}", self.name, self.want, fig)
    }

    pub fn json(&self) -> Value {
        json!({
            "target": self.name,
            "want": self.want,
            "figure": self.figure.map(|f| round(f, 3)),
            "unit": self.unit.trim(),
            "met": self.met,
        })
    }
}

/// The targets, from the p50s of this run (bench-pack rows found by engine name and runtime prefix).
pub fn targets(rows: &[Row], native: &Row, hand: &Row, wasm_gzip: Option<u64>) -> Vec<Target> {
    let over_native = |engine: &str, runtime: &str| {
        rows.iter()
            .find(|r| r.engine == engine && r.pack == "bench" && r.runtime.starts_with(runtime))
            .map(|r| ratio(r.p50_us, native.p50_us))
    };
    vec![
        Target::new(
            "nextbest native p50 ÷ hand-written Rust p50",
            "≤ 10",
            "×",
            Some(ratio(native.p50_us, hand.p50_us)),
            |f| f <= 10.0,
        ),
        Target::new(
            "zen-engine p50 ÷ nextbest native p50",
            "≥ 5",
            "×",
            over_native("zen-engine", ""),
            |f| f >= 5.0,
        ),
        Target::new(
            "json-rules-engine p50 ÷ nextbest native p50",
            "≥ 50",
            "×",
            over_native("json-rules-engine", ""),
            |f| f >= 50.0,
        ),
        Target::new(
            "nextbest wasm in Chromium p50 ÷ nextbest native p50",
            "≤ 1.5",
            "×",
            over_native("nextbest wasm", "chromium"),
            |f| f <= 1.5,
        ),
        Target::new(
            "nextbest wasm in Chromium, loaded customers, p50 ÷ native p50",
            "≤ 1.5",
            "×",
            over_native("nextbest wasm, loaded customers", "chromium"),
            |f| f <= 1.5,
        ),
        Target::new(
            "wasm module, gzip -6",
            "≤ 600 KB",
            " KB",
            wasm_gzip.map(|b| b as f64 / 1024.0),
            |f| f <= 600.0,
        ),
    ]
}
