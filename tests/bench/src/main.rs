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

mod chart;
mod customers;
mod external;
mod handwritten;
mod report;
mod scaling;
mod worst;
#[cfg(feature = "zen")]
mod zen;

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use nextbest::{Customer, Engine, Manifest, Options, PackSource, RuleStatus};
use serde_json::json;

use handwritten::{Baseline, Fired};
use report::{ratio, round, Row};

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
    /// Write this run's customers (after --txns) as a JSON array in
    /// nextbest's input contract to FILE, for the JavaScript engines, and exit.
    #[arg(long, value_name = "FILE")]
    write_customers: Option<PathBuf>,
    /// Engine result files from tests/bench/js to merge into the table and check.
    #[arg(long, value_name = "DIR", default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/bench/engines"))]
    engines: PathBuf,
    /// The customers file the engines ran on; must hold this run's customers.
    #[arg(long, value_name = "FILE", default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/bench/customers.json"))]
    customers_file: PathBuf,
    /// zen-engine's JDM decision for the benchmark pack.
    #[arg(long, value_name = "FILE", default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/zen/bench.json"))]
    zen: PathBuf,
    /// Also measure the worst case the bundled pack's budgets allow (hostile rules that spend every budget).
    #[arg(long)]
    worst_case: bool,
    /// Also measure cost against rules and transactions; writes scaling.json and scaling.svg next to --out.
    #[arg(long, overrides_with = "no_scaling")]
    scaling: bool,
    /// Skip the scaling measurements (the default).
    #[arg(long)]
    no_scaling: bool,
    /// Timed passes per scaling point.
    #[arg(long, default_value_t = 3)]
    scaling_passes: usize,
}

/// Runs `eval` over every customer `warmup` times untimed, then `passes` times
/// keeping the duration it reports for each evaluation.
pub(crate) fn measure(n: usize, warmup: usize, passes: usize, mut eval: impl FnMut(usize) -> Duration) -> Vec<u64> {
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
pub(crate) fn time_nextbest(engine: &Engine, customer: &Customer, options: &Options) -> Duration {
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

/// This run's customers as nextbest reads them: `Customer` serialized, each
/// checked to read back to the same JSON.
fn customers_json(customers: &[Customer]) -> Result<String, String> {
    let mut all = Vec::with_capacity(customers.len());
    for c in customers {
        let v = serde_json::to_value(c).map_err(|e| format!("customer {}: {e}", c.id))?;
        let back = Customer::from_value(&v).map_err(|e| format!("customer {} does not read back: {e}", c.id))?;
        if serde_json::to_value(&back).map_err(|e| e.to_string())? != v {
            return Err(format!("customer {} changes when read back", c.id));
        }
        all.push(v);
    }
    serde_json::to_string(&all).map(|t| t + "\n").map_err(|e| e.to_string())
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    let shown = path.canonicalize().unwrap_or_else(|_| path.to_owned());
    println!("saved {}", shown.display());
    Ok(())
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
    let customers_text = customers_json(&customers)?;
    if let Some(path) = &args.write_customers {
        write(path, &customers_text)?;
        return Ok(true);
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

    let manifest_path = args.pack.join("pack.json");
    let manifest_text =
        std::fs::read_to_string(&manifest_path).map_err(|e| format!("{}: {e}", manifest_path.display()))?;
    let t = Instant::now();
    let manifest = Manifest::parse("pack.json", &manifest_text).map_err(|e| e.to_string())?;
    let baseline = Baseline::new(&manifest)?;
    let baseline_setup = t.elapsed();

    #[cfg(feature = "zen")]
    let (zen, zen_setup) = {
        let t = Instant::now();
        let zen = zen::Zen::new(&args.zen, &manifest)?;
        (zen, t.elapsed())
    };

    let pack_rules: Vec<&str> = bench.rules().iter().map(|r| r.id.as_str()).collect();
    if pack_rules != handwritten::RULES {
        return Err(format!(
            "the hand-written rules {:?} are not the pack's {:?}",
            handwritten::RULES,
            pack_rules
        ));
    }

    // Correctness: the same rules fire for every customer.
    let list = |f: Fired| f.ids().collect::<Vec<_>>().join(" ");
    let says = |f: bool| if f { "fired" } else { "did not fire" };
    let expected: Vec<Fired> = customers
        .iter()
        .zip(&today)
        .map(|(c, &d)| baseline.evaluate(c, d))
        .collect();
    let mut mismatches = 0usize;
    let mut rule_errors = 0usize;
    let mut fired_count = vec![0usize; handwritten::RULES.len()];
    for (i, c) in customers.iter().enumerate() {
        let out = bench
            .evaluate_ref(c, &options)
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
        let ours = expected[i];
        for (k, count) in fired_count.iter_mut().enumerate() {
            *count += usize::from(theirs.contains(k));
        }
        if theirs != ours {
            if mismatches < args.show {
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
                            says(theirs.contains(k)),
                            says(ours.contains(k)),
                        );
                    }
                }
            }
        }
    }

    // zen-engine: inputs prepared outside the timing, then the same check.
    #[cfg(not(feature = "zen"))]
    let zen_mismatches = 0usize;
    #[cfg(feature = "zen")]
    let (zen_inputs, zen_mismatches) = {
        let zen_inputs: Vec<zen::ZenInput> = customers
            .iter()
            .zip(&today)
            .map(|(c, &d)| zen.input(c, d))
            .collect::<Result<_, _>>()?;
        let mut zen_mismatches = 0usize;
        for (i, input) in zen_inputs.iter().enumerate() {
            let theirs = zen
                .evaluate(input)
                .map_err(|e| format!("zen-engine, customer {}: {e}", customers[i].id))?;
            let ours = expected[i];
            for (k, rule) in handwritten::RULES.iter().enumerate() {
                if theirs.contains(k) != ours.contains(k) {
                    zen_mismatches += 1;
                    if zen_mismatches <= args.show {
                        println!(
                            "  MISMATCH customer {} rule {rule}: zen-engine {}, hand-written {}",
                            customers[i].id,
                            says(theirs.contains(k)),
                            says(ours.contains(k)),
                        );
                    }
                }
            }
        }
        (zen_inputs, zen_mismatches)
    };

    // Engines measured by tests/bench/js on the customers this binary wrote.
    let ids: Vec<String> = customers.iter().map(|c| c.id.clone()).collect();
    let externals = external::read_all(
        &args.engines,
        &args.customers_file,
        &customers_text,
        &expected,
        &ids,
        args.show,
    )?;

    // Speed: each engine over every customer, each evaluation timed alone.
    let overhead = timer_overhead_ns();
    let native = "Rust (release)";
    let ns = measure(n, args.warmup, args.passes, |i| {
        time_nextbest(&bundled, &customers[i], &options)
    });
    let s_bundled = Row::measured(
        "nextbest native",
        native,
        "bundled",
        bundled.rules().len(),
        bundled_setup,
        ns,
    );
    let ns = measure(n, args.warmup, args.passes, |i| {
        time_nextbest(&bench, &customers[i], &options)
    });
    let mut s_bench = Row::measured("nextbest native", native, "bench", bench.rules().len(), bench_setup, ns);
    s_bench.mismatches = Some(mismatches);
    let ns = measure(n, args.warmup, args.passes, |i| {
        let t = Instant::now();
        let f = baseline.evaluate(black_box(&customers[i]), black_box(today[i]));
        let d = t.elapsed();
        black_box(f);
        d
    });
    let mut s_hand = Row::measured(
        "hand-written Rust",
        native,
        "bench",
        handwritten::RULES.len(),
        baseline_setup,
        ns,
    );
    s_hand.mismatches = Some(0);
    #[cfg(not(feature = "zen"))]
    let zen_row: Option<Row> = None;
    #[cfg(feature = "zen")]
    let zen_row = {
        let mut zen_error = None;
        let ns = measure(n, args.warmup, args.passes, |i| {
            let t = Instant::now();
            let f = zen.evaluate(black_box(&zen_inputs[i]));
            let d = t.elapsed();
            if let Err(e) = black_box(f) {
                zen_error.get_or_insert(e);
            }
            d
        });
        if let Some(e) = zen_error {
            return Err(format!("zen-engine: {e}"));
        }
        let mut s_zen = Row::measured("zen-engine", "", "bench", handwritten::RULES.len(), zen_setup, ns);
        s_zen.runtime = format!("Rust (release), zen-engine {}", zen_version());
        s_zen.mismatches = Some(zen_mismatches);
        Some(s_zen)
    };

    let mut rows = vec![s_bundled, s_bench, s_hand];
    rows.extend(zen_row);
    let ext_mismatches: usize = externals.iter().map(|e| e.row.mismatches.unwrap_or(0)).sum();
    let ext_sources: Vec<String> = externals.iter().map(|e| e.path.display().to_string()).collect();
    rows.extend(externals.into_iter().map(|e| e.row));
    let (hand, bench_row) = (&rows[2], &rows[1]);

    // The table.
    println!();
    print!("{}", report::text_table(&rows, hand, bench_row));
    println!("(µs per customer, per evaluation; reading the clock twice costs about {overhead} ns, included in the Rust figures;");
    println!(" the JavaScript engines time blocks of repeated evaluations, see each file's \"timing\")");
    if ext_sources.is_empty() {
        println!(
            "no engine files in {} (scripts/bench-all.sh runs tests/bench/js first)",
            args.engines.display()
        );
    }

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

    let targets = report::targets(&rows, bench_row, hand, wasm.map(|(_, gz)| gz));
    println!();
    println!("targets (issue 5; p50s of this run; KB = 1,024 bytes):");
    for t in &targets {
        println!("  {}", t.line());
    }
    println!();

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
    let total = mismatches + zen_mismatches + ext_mismatches;
    println!("mismatches (customer × rule, against hand-written): total {total}");
    for r in rows.iter().filter(|r| r.pack == "bench" && r.engine != hand.engine) {
        println!(
            "  {} ({}): {}",
            r.engine,
            r.runtime,
            r.mismatches.map_or("–".into(), |m| m.to_string())
        );
    }
    println!("rule errors: {rule_errors}");

    let scaling = if args.scaling && !args.no_scaling {
        println!();
        println!(
            "scaling ({n} customers, {} warm-up + {} timed passes per point):",
            args.warmup, args.scaling_passes
        );
        let s = scaling::run(
            &source,
            &baseline,
            &customers,
            args.seed,
            args.warmup,
            args.scaling_passes,
        )?;
        let dir = args.out.parent().unwrap_or(Path::new("."));
        let text = serde_json::to_string_pretty(&s.json(args.seed)).map_err(|e| e.to_string())? + "\n";
        write(&dir.join("scaling.json"), &text)?;
        let subtitle = format!(
            "nextbest {} · {n} customers, seed {} · {} {} · {} CPUs",
            nextbest::VERSION,
            args.seed,
            std::env::consts::OS,
            std::env::consts::ARCH,
            std::thread::available_parallelism().map_or(0, |n| n.get())
        );
        write(&dir.join("scaling.svg"), &chart::svg(&s, &subtitle))?;
        Some(s.json(args.seed))
    } else {
        None
    };

    let worst_case = if args.worst_case {
        Some(worst::run(&customers, 20)?)
    } else {
        None
    };

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
        "engines": rows.iter().map(|r| r.json(hand, bench_row)).collect::<Vec<_>>(),
        "ratios_vs_handwritten": {
            "nextbest_native_bench": {
                "mean": round(ratio(bench_row.mean_us, hand.mean_us), 2),
                "p50": round(ratio(bench_row.p50_us, hand.p50_us), 2),
                "p99": round(ratio(bench_row.p99_us, hand.p99_us), 2),
            },
        },
        "targets": targets.iter().map(report::Target::json).collect::<Vec<_>>(),
        "mismatches": total,
        "mismatches_by_engine": rows.iter().filter(|r| r.mismatches.is_some())
            .map(|r| json!({"engine": r.engine, "runtime": r.runtime, "mismatches": r.mismatches}))
            .collect::<Vec<_>>(),
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
        "engine_files": ext_sources,
        "scaling": scaling,
        "worst_case": worst_case,
    });
    let text = serde_json::to_string_pretty(&summary).map_err(|e| e.to_string())? + "\n";
    write(&args.out, &text)?;
    let dir = args.out.parent().unwrap_or(Path::new("."));
    let md = format!(
        "{} customers (seed {}), µs per customer; {} timed passes.\n\n{}\n| target | want | this run | |\n| --- | --- | ---: | --- |\n{}",
        n,
        args.seed,
        args.passes,
        report::markdown_table(&rows, hand, bench_row),
        targets
            .iter()
            .map(|t| format!(
                "| {} | {} | {} | {} |\n",
                t.name,
                t.want,
                t.figure.map_or("not measured".into(), |f| format!("{f:.2}{}", t.unit)),
                match t.met {
                    Some(true) => "met",
                    Some(false) => "missed",
                    None => "not measured",
                }
            ))
            .collect::<String>()
    );
    write(&dir.join("table.md"), &md)?;

    if total > 0 || rule_errors > 0 {
        eprintln!("nextbest-bench: FAILED: {total} mismatches, {rule_errors} rule errors");
        return Ok(false);
    }
    Ok(true)
}

/// zen-engine's version, from Cargo.lock at build time.
#[cfg(feature = "zen")]
fn zen_version() -> &'static str {
    const LOCK: &str = include_str!("../../../Cargo.lock");
    LOCK.split("[[package]]")
        .find(|p| p.contains("name = \"zen-engine\""))
        .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = \"")))
        .map_or("?", |v| v.trim_end_matches('"'))
}
