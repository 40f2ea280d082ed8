//! How nextbest's cost per customer grows: against the number of rules (the
//! benchmark pack's rules replicated under new ids), against the number of
//! transactions per customer, and what rules whose triggers are absent cost.

use std::hint::black_box;
use std::time::Instant;

use nextbest::{Customer, Engine, Options, PackSource, RuleStatus};
use serde_json::{json, Value};

use crate::handwritten::Baseline;
use crate::report::{percentiles, round};

pub const RULE_COUNTS: [usize; 4] = [30, 100, 300, 1000];
pub const TXN_COUNTS: [usize; 3] = [10, 100, 1000];
/// Rules added with a trigger no customer has.
pub const UNTRIGGERED: usize = 1000;
const NEVER: &str = "never_present";

/// One measured point: µs per customer.
pub struct Point {
    pub series: &'static str,
    pub x: usize,
    pub p50_us: f64,
    pub mean_us: f64,
}

pub struct Scaling {
    pub by_rules: Vec<Point>,
    pub by_txns: Vec<Point>,
    /// (34-rule pack alone, the same plus 1,000 untriggered rules).
    pub untriggered: (Point, Point),
    pub customers: usize,
    pub passes: usize,
}

/// The pack's rule files in id order, then copies `<id>__r2`, `<id>__r3` …, the first `n` of them.
pub fn replicate(source: &PackSource, n: usize) -> PackSource {
    let rules: Vec<(String, String)> = source
        .rules()
        .map(|(id, _, text)| (id.to_owned(), text.to_owned()))
        .collect();
    let mut files: std::collections::BTreeMap<String, String> = source
        .files
        .iter()
        .filter(|(name, _)| !name.ends_with(".rhai"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for k in 0..n {
        let (id, text) = &rules[k % rules.len()];
        let copy = k / rules.len() + 1;
        let name = if copy == 1 {
            format!("{id}.rhai")
        } else {
            format!("{id}__r{copy}.rhai")
        };
        files.insert(name, text.clone());
    }
    PackSource {
        files,
        ..Default::default()
    }
}

/// The pack plus `extra` copies of its rules whose only trigger is
/// `need:never_present` (added to pack.json's vocabulary), so none can run.
pub fn with_untriggered(source: &PackSource, extra: usize) -> Result<PackSource, String> {
    let rules: Vec<(String, String)> = source
        .rules()
        .map(|(id, _, text)| (id.to_owned(), text.to_owned()))
        .collect();
    let mut files = source.files.clone();
    let manifest = files.get_mut("pack.json").ok_or("the pack has no pack.json")?;
    let mut m: Value = serde_json::from_str(manifest).map_err(|e| format!("pack.json: {e}"))?;
    m.pointer_mut("/vocabulary/need")
        .and_then(Value::as_array_mut)
        .ok_or("pack.json has no vocabulary.need list")?
        .push(json!(NEVER));
    *manifest = m.to_string();
    for k in 0..extra {
        let (id, text) = &rules[k % rules.len()];
        let body: Vec<&str> = text.lines().filter(|l| !l.starts_with("//! triggers:")).collect();
        let header = body.iter().take_while(|l| l.starts_with("//!")).count();
        let mut lines: Vec<String> = body.iter().map(|l| (*l).to_owned()).collect();
        lines.insert(header, format!("//! triggers: need:{NEVER}"));
        files.insert(format!("{id}__never{}.rhai", k + 1), lines.join("\n") + "\n");
    }
    Ok(PackSource {
        files,
        ..Default::default()
    })
}

fn engine(source: &PackSource, what: &str) -> Result<Engine, String> {
    let e = Engine::new(source).map_err(|e| format!("{what}: {e}"))?;
    if !e.problems().is_empty() {
        return Err(format!("{what}: {:?}", e.problems().first()));
    }
    Ok(e)
}

fn time_engine(e: &Engine, customers: &[Customer], warmup: usize, passes: usize) -> (f64, f64) {
    let options = Options::default();
    let ns = crate::measure(customers.len(), warmup, passes, |i| {
        crate::time_nextbest(e, &customers[i], &options)
    });
    let (_, mean, p50, _) = percentiles(ns);
    (p50, mean)
}

fn fired(e: &Engine, c: &Customer) -> Result<usize, String> {
    let out = e.evaluate_ref(c, &Options::default()).map_err(|e| e.to_string())?;
    Ok(out.trace.iter().filter(|t| t.status == RuleStatus::Fired).count())
}

pub fn run(
    source: &PackSource,
    baseline: &Baseline,
    customers: &[Customer],
    seed: u64,
    warmup: usize,
    passes: usize,
) -> Result<Scaling, String> {
    let mut by_rules = Vec::new();
    for n in RULE_COUNTS {
        let e = engine(&replicate(source, n), &format!("{n}-rule pack"))?;
        if e.rules().len() != n {
            return Err(format!("{n}-rule pack has {} rules", e.rules().len()));
        }
        let (p50_us, mean_us) = time_engine(&e, customers, warmup, passes);
        println!("  {n:>5} rules: nextbest native p50 {p50_us:.2} µs, mean {mean_us:.2} µs per customer");
        by_rules.push(Point {
            series: "nextbest native",
            x: n,
            p50_us,
            mean_us,
        });
    }

    let base = engine(source, "benchmark pack")?;
    let mut by_txns = Vec::new();
    for k in TXN_COUNTS {
        let cs = crate::customers::generate(seed, customers.len(), Some(k))?;
        let today: Vec<i64> = cs
            .iter()
            .map(|c| crate::customers::today(c).ok_or_else(|| format!("customer {} has no visit.at", c.id)))
            .collect::<Result<_, _>>()?;
        let (p50_us, mean_us) = time_engine(&base, &cs, warmup, passes);
        let ns = crate::measure(cs.len(), warmup, passes, |i| {
            let t = Instant::now();
            let f = baseline.evaluate(black_box(&cs[i]), black_box(today[i]));
            let d = t.elapsed();
            black_box(f);
            d
        });
        let (_, h_mean, h_p50, _) = percentiles(ns);
        println!(
            "  {k:>5} transactions: nextbest native p50 {p50_us:.2} µs, mean {mean_us:.2} µs; hand-written p50 {h_p50:.2} µs, mean {h_mean:.2} µs"
        );
        by_txns.push(Point {
            series: "nextbest native",
            x: k,
            p50_us,
            mean_us,
        });
        by_txns.push(Point {
            series: "hand-written Rust",
            x: k,
            p50_us: h_p50,
            mean_us: h_mean,
        });
    }

    let more = engine(&with_untriggered(source, UNTRIGGERED)?, "pack with untriggered rules")?;
    let rules = base.rules().len();
    for c in customers {
        if fired(&base, c)? != fired(&more, c)? {
            return Err(format!("customer {}: an untriggered rule fired", c.id));
        }
    }
    let (p50_us, mean_us) = time_engine(&base, customers, warmup, passes);
    let alone = Point {
        series: "nextbest native",
        x: rules,
        p50_us,
        mean_us,
    };
    let (p50_us, mean_us) = time_engine(&more, customers, warmup, passes);
    let plus = Point {
        series: "nextbest native",
        x: rules + UNTRIGGERED,
        p50_us,
        mean_us,
    };
    println!(
        "  {rules} rules: p50 {:.2} µs; {rules} + {UNTRIGGERED} rules whose triggers are absent: p50 {:.2} µs (+{:.2} µs, {:.1} ns per untriggered rule)",
        alone.p50_us,
        plus.p50_us,
        plus.p50_us - alone.p50_us,
        (plus.p50_us - alone.p50_us) * 1000.0 / UNTRIGGERED as f64
    );
    Ok(Scaling {
        by_rules,
        by_txns,
        untriggered: (alone, plus),
        customers: customers.len(),
        passes,
    })
}

fn points(ps: &[Point], axis: &str) -> Vec<Value> {
    ps.iter()
        .map(|p| json!({"series": p.series, axis: p.x, "p50_us": round(p.p50_us, 3), "mean_us": round(p.mean_us, 3)}))
        .collect()
}

impl Scaling {
    pub fn json(&self, seed: u64) -> Value {
        let (a, b) = &self.untriggered;
        json!({
            "customers": self.customers,
            "seed": seed,
            "timed_passes": self.passes,
            "unit": "µs per customer (nextbest: evaluate_ref, result built)",
            "by_rules": {
                "note": "benchmark pack rules in id order, then copies under new ids (<id>__r2 …); customers with 0–30 transactions",
                "points": points(&self.by_rules, "rules"),
            },
            "by_transactions": {
                "note": "benchmark pack (34 rules); every customer given exactly this many transactions",
                "points": points(&self.by_txns, "transactions"),
            },
            "untriggered_rules": {
                "note": "the benchmark pack alone, and with 1,000 more rules whose only trigger (need:never_present) no customer has",
                "pack_alone": {"rules": a.x, "p50_us": round(a.p50_us, 3), "mean_us": round(a.mean_us, 3)},
                "with_untriggered": {"rules": b.x, "p50_us": round(b.p50_us, 3), "mean_us": round(b.mean_us, 3)},
                "ns_per_untriggered_rule_p50": round((b.p50_us - a.p50_us) * 1000.0 / UNTRIGGERED as f64, 2),
            },
        })
    }
}
