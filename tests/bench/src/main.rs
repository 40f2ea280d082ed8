//! nextbest's benchmark: the same generated customers through nextbest
//! (bundled pack and the fixed benchmark pack in `tests/bench/pack/`) and
//! through the benchmark pack written by hand in plain Rust
//! (`handwritten.rs`, the floor). It checks that nextbest and the hand-written
//! rules fire exactly the same rules for every customer, times every
//! evaluation on its own, prints a table and writes `target/bench/summary.json`.
//!
//!   cargo run --release -p nextbest-bench -- --customers 1000 --seed 7
//!
//! Exit status 1 when any customer's fired rules differ or any rule fails.

mod customers;
mod handwritten;

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use nextbest::{Customer, Engine, Manifest, Options, PackSource, RuleStatus};
use serde_json::{json, Value};

use handwritten::{Baseline, Fired};

#[derive(Parser, Debug)]
#[command(
    about = "nextbest against a hand-written Rust baseline on the same rules and customers",
    args_override_self = true
)]
struct Args {
    /// How many generated customers.
    #[arg(long, default_value_t = 1000)]
    customers: usize,
    /// Seed for `nextbest::samples::generate`.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Timed passes over all customers, per engine.
    #[arg(long, default_value_t = 10)]
    passes: usize,
    /// Untimed passes before the timed ones, per engine.
    #[arg(long, default_value_t = 1)]
    warmup: usize,
    /// Give every customer exactly this many transactions (10, 100, 1000 …)
    /// instead of the generator's 0–30.
    #[arg(long)]
    txns: Option<usize>,
    /// The benchmark pack folder.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/pack"))]
    pack: PathBuf,
    /// Where to write the summary.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/bench/summary.json"))]
    out: PathBuf,
    /// Mismatches to print in full.
    #[arg(long, default_value_t = 10)]
    show: usize,
}

/// One engine's figures.
struct Stats {
    engine: &'static str,
    pack: &'static str,
    rules: usize,
    setup_ms: f64,
    samples: usize,
    mean_us: f64,
    p50_us: f64,
    p99_us: f64,
}

impl Stats {
    fn from(engine: &'static str, pack: &'static str, rules: usize, setup: Duration, mut ns: Vec<u64>) -> Stats {
        ns.sort_unstable();
        let n = ns.len().max(1);
        let at = |q: f64| {
            let rank = ((q * n as f64).ceil() as usize).clamp(1, n);
            ns.get(rank - 1).copied().unwrap_or(0) as f64 / 1000.0
        };
        Stats {
            engine,
            pack,
            rules,
            setup_ms: setup.as_secs_f64() * 1000.0,
            samples: ns.len(),
            mean_us: ns.iter().sum::<u64>() as f64 / n as f64 / 1000.0,
            p50_us: at(0.50),
            p99_us: at(0.99),
        }
    }

    fn evals_per_s(&self) -> f64 {
        if self.mean_us > 0.0 {
            1e6 / self.mean_us
        } else {
            0.0
        }
    }

    fn json(&self) -> Value {
        json!({
            "engine": self.engine,
            "pack": self.pack,
            "rules": self.rules,
            "setup_ms": round(self.setup_ms, 3),
            "samples": self.samples,
            "evaluations_per_s": self.evals_per_s().round(),
            "mean_us": round(self.mean_us, 3),
            "p50_us": round(self.p50_us, 3),
            "p99_us": round(self.p99_us, 3),
        })
    }
}

fn round(x: f64, places: i32) -> f64 {
    let k = 10f64.powi(places);
    (x * k).round() / k
}

/// Runs `eval` over every customer `warmup` times untimed, then `passes` times
/// keeping the duration it reports for each evaluation.
fn measure(n: usize, warmup: usize, passes: usize, mut eval: impl FnMut(usize) -> Duration) -> Vec<u64> {
    for _ in 0..warmup {
        for i in 0..n {
            black_box(eval(i));
        }
    }
    let mut ns = Vec::with_capacity(n * passes);
    for _ in 0..passes {
        for i in 0..n {
            ns.push(eval(i).as_nanos() as u64);
        }
    }
    ns
}

/// nextbest's evaluation of one customer, timed, result built and all; the
/// customer is read in place, as the hand-written code reads it, and the
/// result is dropped after the clock stops.
fn time_nextbest(engine: &Engine, customer: &Customer, options: &Options) -> Duration {
    let t = Instant::now();
    let out = engine.evaluate_ref(customer, options);
    let d = t.elapsed();
    black_box(out).ok();
    d
}

/// The median cost of reading the clock twice: the resolution of every figure.
fn timer_overhead_ns() -> u64 {
    let mut v: Vec<u64> = (0..20_000)
        .map(|_| {
            let t = Instant::now();
            black_box(t.elapsed()).as_nanos() as u64
        })
        .collect();
    v.sort_unstable();
    v[v.len() / 2]
}

/// Raw and gzip (level 6, as `gzip -c`) size of the page's wasm module, if built.
fn wasm_size(path: &Path) -> Option<(u64, u64)> {
    use std::io::Write;
    let bytes = std::fs::read(path).ok()?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    gz.write_all(&bytes).ok()?;
    let zipped = gz.finish().ok()?;
    Some((bytes.len() as u64, zipped.len() as u64))
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("nextbest-bench: ERROR: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Args) -> Result<bool, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let customers = customers::generate(args.seed, args.customers, args.txns)?;
    let n = customers.len();
    if n == 0 {
        return Err("no customers to measure (--customers 0)".into());
    }
    let today: Vec<i64> = customers
        .iter()
        .map(|c| customers::today(c).ok_or_else(|| format!("customer {} has no visit.at", c.id)))
        .collect::<Result<_, _>>()?;
    let txn_total: usize = customers.iter().map(|c| c.transactions.len()).sum();
    let options = Options::default();
    println!(
        "nextbest-bench: {n} customers (seed {}, {} transactions each on average), {} warm-up + {} timed passes per engine",
        args.seed,
        round(txn_total as f64 / n as f64, 1),
        args.warmup,
        args.passes
    );

    // Set-up, each timed once: compiling a pack, or reading its thresholds.
    let t = Instant::now();
    let bundled = Engine::new(&PackSource::bundled()).map_err(|e| format!("bundled pack: {e}"))?;
    let bundled_setup = t.elapsed();

    let t = Instant::now();
    let source = PackSource::from_dir(&args.pack).map_err(|e| format!("{}: {e}", args.pack.display()))?;
    let bench = Engine::new(&source).map_err(|e| format!("benchmark pack: {e}"))?;
    let bench_setup = t.elapsed();
    if !bench.problems().is_empty() {
        return Err(format!("benchmark pack has problems: {:?}", bench.problems()));
    }

    let t = Instant::now();
    let manifest_path = args.pack.join("pack.json");
    let manifest_text =
        std::fs::read_to_string(&manifest_path).map_err(|e| format!("{}: {e}", manifest_path.display()))?;
    let manifest = Manifest::parse("pack.json", &manifest_text).map_err(|e| e.to_string())?;
    let baseline = Baseline::new(&manifest)?;
    let baseline_setup = t.elapsed();

    let pack_rules: Vec<&str> = bench.rules().iter().map(|r| r.id.as_str()).collect();
    if pack_rules != handwritten::RULES {
        return Err(format!(
            "the hand-written rules {:?} are not the pack's {:?}",
            handwritten::RULES,
            pack_rules
        ));
    }

    // Correctness: the same rules fire for every customer.
    let mut mismatches = 0usize;
    let mut rule_errors = 0usize;
    let mut fired_count = vec![0usize; handwritten::RULES.len()];
    for (i, c) in customers.iter().enumerate() {
        let out = bench
            .evaluate(c.clone(), &options)
            .map_err(|e| format!("customer {}: {e}", c.id))?;
        rule_errors += out.errors.len();
        for e in out
            .errors
            .iter()
            .take(args.show.saturating_sub(rule_errors - out.errors.len()))
        {
            println!("  rule error: customer {} rule {}: {}", c.id, e.rule, e.message);
        }
        let theirs = Fired::from_ids(
            out.trace
                .iter()
                .filter(|e| e.status == RuleStatus::Fired)
                .map(|e| &*e.rule),
        )?;
        let ours = baseline.evaluate(c, today[i]);
        for (k, count) in fired_count.iter_mut().enumerate() {
            *count += usize::from(theirs.contains(k));
        }
        if theirs != ours {
            if mismatches < args.show {
                let list = |f: Fired| f.ids().collect::<Vec<_>>().join(" ");
                println!(
                    "  customer {}: nextbest fired [{}]; hand-written fired [{}]",
                    c.id,
                    list(theirs),
                    list(ours)
                );
            }
            for (k, rule) in handwritten::RULES.iter().enumerate() {
                if theirs.contains(k) != ours.contains(k) {
                    mismatches += 1;
                    if mismatches <= args.show {
                        println!(
                            "  MISMATCH customer {} rule {rule}: nextbest {}, hand-written {}",
                            c.id,
                            if theirs.contains(k) { "fired" } else { "did not fire" },
                            if ours.contains(k) { "fired" } else { "did not fire" },
                        );
                    }
                }
            }
        }
    }

    // Speed: each engine over every customer, each evaluation timed alone.
    let overhead = timer_overhead_ns();
    let ns = measure(n, args.warmup, args.passes, |i| {
        time_nextbest(&bundled, &customers[i], &options)
    });
    let s_bundled = Stats::from("nextbest native", "bundled", bundled.rules().len(), bundled_setup, ns);
    let ns = measure(n, args.warmup, args.passes, |i| {
        time_nextbest(&bench, &customers[i], &options)
    });
    let s_bench = Stats::from("nextbest native", "bench", bench.rules().len(), bench_setup, ns);
    let ns = measure(n, args.warmup, args.passes, |i| {
        let t = Instant::now();
        let f = baseline.evaluate(black_box(&customers[i]), black_box(today[i]));
        let d = t.elapsed();
        black_box(f);
        d
    });
    let s_hand = Stats::from(
        "hand-written Rust",
        "bench",
        handwritten::RULES.len(),
        baseline_setup,
        ns,
    );

    // The table.
    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { f64::NAN };
    println!();
    println!(
        "{:<18} {:<8} {:>5} {:>9} {:>12} {:>9} {:>9} {:>9}   ÷ hand-written (mean / p50 / p99)",
        "engine", "pack", "rules", "setup ms", "evals/s", "mean µs", "p50 µs", "p99 µs"
    );
    for s in [&s_bundled, &s_bench, &s_hand] {
        let vs = if s.pack == "bench" && s.engine != s_hand.engine {
            format!(
                "{:.1}× / {:.1}× / {:.1}×",
                ratio(s.mean_us, s_hand.mean_us),
                ratio(s.p50_us, s_hand.p50_us),
                ratio(s.p99_us, s_hand.p99_us)
            )
        } else if s.engine == s_hand.engine {
            "1×".to_owned()
        } else {
            "(other rules)".to_owned()
        };
        println!(
            "{:<18} {:<8} {:>5} {:>9.3} {:>12.0} {:>9.3} {:>9.3} {:>9.3}   {vs}",
            s.engine,
            s.pack,
            s.rules,
            s.setup_ms,
            s.evals_per_s(),
            s.mean_us,
            s.p50_us,
            s.p99_us
        );
    }
    println!("(per evaluation; reading the clock twice costs about {overhead} ns, included in every figure)");

    let wasm_path = root.join("www/pkg/nextbest_bg.wasm");
    let wasm = wasm_size(&wasm_path);
    match wasm {
        Some((raw, gz)) => println!(
            "wasm module www/pkg/nextbest_bg.wasm: {:.1} KB raw, {:.1} KB gzip",
            raw as f64 / 1024.0,
            gz as f64 / 1024.0
        ),
        None => println!("wasm module: not built (scripts/build-wasm.sh makes www/pkg/nextbest_bg.wasm)"),
    }

    let share: Vec<String> = handwritten::RULES
        .iter()
        .zip(&fired_count)
        .map(|(r, k)| format!("{r} {:.0}%", 100.0 * *k as f64 / n as f64))
        .collect();
    println!(
        "benchmark pack, share of customers each rule fires for: {}",
        share.join(", ")
    );
    let never: Vec<&str> = handwritten::RULES
        .iter()
        .zip(&fired_count)
        .filter(|(_, k)| **k == 0)
        .map(|(r, _)| *r)
        .collect();
    if !never.is_empty() {
        println!("  note: never fired on these customers: {}", never.join(", "));
    }
    println!("mismatches (customer × rule, nextbest vs hand-written): {mismatches}; rule errors: {rule_errors}");

    let summary = json!({
        "generated_unix": std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        "nextbest_version": nextbest::VERSION,
        "machine": {
            "os": std::env::consts::OS,
            "arch": std::env::consts::ARCH,
            "cpus": std::thread::available_parallelism().map_or(0, |n| n.get()),
        },
        "customers": n,
        "seed": args.seed,
        "transactions_per_customer": args.txns,
        "transactions_mean": round(txn_total as f64 / n as f64, 2),
        "warmup_passes": args.warmup,
        "timed_passes": args.passes,
        "timer_overhead_ns": overhead,
        "engines": [s_bundled.json(), s_bench.json(), s_hand.json()],
        "ratios_vs_handwritten": {
            "nextbest_native_bench": {
                "mean": round(ratio(s_bench.mean_us, s_hand.mean_us), 2),
                "p50": round(ratio(s_bench.p50_us, s_hand.p50_us), 2),
                "p99": round(ratio(s_bench.p99_us, s_hand.p99_us), 2),
            },
        },
        "mismatches": mismatches,
        "rule_errors": rule_errors,
        "rule_fire_counts": handwritten::RULES.iter().zip(&fired_count)
            .map(|(r, k)| (r.to_string(), json!(k)))
            .collect::<serde_json::Map<_, _>>(),
        "wasm": wasm.map(|(raw, gz)| json!({
            "path": "www/pkg/nextbest_bg.wasm",
            "raw_bytes": raw,
            "gzip_bytes": gz,
            "gzip_level": 6,
        })),
    });
    if let Some(dir) = args.out.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let text = serde_json::to_string_pretty(&summary).map_err(|e| e.to_string())? + "\n";
    std::fs::write(&args.out, text).map_err(|e| format!("{}: {e}", args.out.display()))?;
    let shown = args.out.canonicalize().unwrap_or_else(|_| args.out.clone());
    println!("saved {}", shown.display());

    if mismatches > 0 || rule_errors > 0 {
        eprintln!("nextbest-bench: FAILED: {mismatches} mismatches, {rule_errors} rule errors");
        return Ok(false);
    }
    Ok(true)
}
