//! `nextbest`: the command-line tool over the same core as the page.
//!
//! Exit codes: 0 ok, 1 rule or fixture failures, 2 bad input.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use nextbest::{Engine, Error, Evaluation, Options, PackSource, Stamp};

#[derive(Parser)]
#[command(
    name = "nextbest",
    version,
    about = "Next-best-action rules for bank branches · 网点联动营销规则引擎"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct PackArg {
    /// The rule pack folder; the bundled pack when absent.
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Evaluate a customer (or a JSON array of customers) and print the result as JSON.
    Eval {
        #[command(flatten)]
        pack: PackArg,
        /// Evaluation time (2026-11-24 or 2026-11-24T10:30:00+08:00); default the customer's visit.at, else now.
        #[arg(long)]
        now: Option<String>,
        /// Who is serving: teller, vip_teller, lobby, psm, cm.
        #[arg(long, default_value = "lobby")]
        channel: String,
        /// Leave out the per-rule trace.
        #[arg(long)]
        no_trace: bool,
        /// The branch context (who is free, queues, VIP seats) as a JSON file
        /// (`nextbest schema --branch`); without it nothing is known about the branch.
        #[arg(long, value_name = "FILE")]
        branch: Option<PathBuf>,
        /// A customer JSON file, or - for standard input.
        customer: String,
    },
    /// Compile and lint the pack; print every problem as file:line:column.
    Check {
        #[command(flatten)]
        pack: PackArg,
    },
    /// Run the pack's fixtures. A rule that does not compile is reported once and fails
    /// only the cases that expect something of it; rules that fire in no case are listed
    /// as warnings.
    Test {
        #[command(flatten)]
        pack: PackArg,
        /// Print every case, not only the failing ones.
        #[arg(long, short)]
        verbose: bool,
        /// Fail the run when a rule fires in no fixture case (rules/README.md promises every rule fires in one).
        #[arg(long)]
        require_coverage: bool,
    },
    /// Evaluate the bundled sample customers and print a summary (the demo).
    Demo {
        #[command(flatten)]
        pack: PackArg,
        /// How many customers to show one line for.
        #[arg(long, default_value_t = 12)]
        show: usize,
    },
    /// The customer manager's contact plan: the book ranked by opportunity, each with its reasons.
    Plan {
        #[command(flatten)]
        pack: PackArg,
        /// The plan's day (2026-11-24 or 2026-11-24T09:00:00+08:00); default now.
        #[arg(long)]
        now: Option<String>,
        /// CSV for a spreadsheet instead of JSON.
        #[arg(long)]
        csv: bool,
        /// A JSON array of customers (the manager's book); the bundled samples when absent.
        #[arg(long)]
        customers: Option<PathBuf>,
    },
    /// The branch head's board from a day's records (JSON lines): referrals and close rates by role,
    /// outcomes per product and rule, unmet needs, the referral chain behind each sale.
    Report {
        /// Records, one JSON object a line (- for standard input).
        records: String,
        /// Only the unmet needs, as CSV to report upward (R14).
        #[arg(long)]
        unmet_csv: bool,
    },
    /// Backtest a draft pack against the pack in force over a sample of customers:
    /// what changes (route, top pitch, grade), per-rule cost and coverage, conflicts
    /// between rules, and fairness by protected attribute.
    Backtest {
        /// The pack in force; the bundled pack when absent.
        #[arg(long, value_name = "DIR")]
        base: Option<PathBuf>,
        /// The draft pack.
        #[arg(long, value_name = "DIR")]
        draft: PathBuf,
        /// Customers, one JSON object a line (- for standard input).
        customers: String,
        /// Who is serving: teller, vip_teller, lobby, psm, cm.
        #[arg(long, default_value = nextbest::backtest::DEFAULT_CHANNEL)]
        channel: String,
        /// One evaluation time for every customer (2026-11-27T18:00:00+08:00);
        /// default each customer's own visit.at.
        #[arg(long)]
        now: Option<String>,
        /// Write every changed customer here as JSON lines, with both whole outputs
        /// ({customer, name, base, draft, base_output, draft_output}); none written when absent.
        #[arg(long, value_name = "CHANGED.jsonl")]
        out: Option<PathBuf>,
        /// Print the whole backtest as JSON instead of the summary.
        #[arg(long)]
        json: bool,
        /// Do not time each rule: the output then depends only on the input
        /// (compare it with the page's).
        #[arg(long)]
        no_timing: bool,
        /// How many changed customers the backtest lists (all are counted and written to --out).
        #[arg(long, default_value_t = nextbest::backtest::DEFAULT_MAX_CHANGED)]
        max_changed: usize,
        /// Run every draft rule again even where the pack in force's result
        /// for the customer must be the same (same rule text, same parameters
        /// read, same stages before it): the same output, slower; a check.
        #[arg(long)]
        no_reuse: bool,
    },
    /// Print deterministic synthetic customers as a JSON array.
    Samples {
        #[arg(long, default_value_t = 200)]
        count: usize,
        #[arg(long, default_value_t = 20261124)]
        seed: u64,
        /// JSON lines, one customer a line (`nextbest backtest`'s input), instead of an array.
        #[arg(long)]
        jsonl: bool,
    },
    /// Print the JSON Schema of the customer contract (--branch: of the branch context).
    Schema {
        /// The branch context's schema (`eval --branch`, the page's options.branch) instead.
        #[arg(long)]
        branch: bool,
    },
    /// Print the helper API rules may use (JSON; --markdown for the guide's table).
    Helpers {
        #[arg(long)]
        markdown: bool,
    },
    /// Measure evaluations per second over the sample customers.
    Bench {
        #[command(flatten)]
        pack: PackArg,
        /// Minimum seconds to measure.
        #[arg(long, default_value_t = 2.0)]
        seconds: f64,
        /// A JSON array of customers; the bundled samples when absent.
        #[arg(long)]
        customers: Option<PathBuf>,
    },
    /// Serve the branch page (www/) with a strict security policy on every response.
    #[cfg(feature = "server")]
    Serve(ServeArgs),
    /// Staff accounts of the branch server.
    #[cfg(feature = "server")]
    #[command(subcommand)]
    User(UserCommand),
    /// Load customers (JSON lines, one customer a line) into the branch server's hall list
    /// or a customer manager's book, as POST /api/customers does (safe while it serves).
    #[cfg(feature = "server")]
    Import {
        #[command(flatten)]
        data: DataArg,
        /// The day's visitors (the hall list).
        #[arg(long, conflicts_with = "book", required_unless_present = "book")]
        hall: bool,
        /// A customer manager's book: the manager's account name.
        #[arg(long, value_name = "CM_NAME")]
        book: Option<String>,
        /// Replace the whole list: customers not in FILE are removed (the day's
        /// visitors, not yesterday's), in the same transaction as the load.
        #[arg(long)]
        replace: bool,
        /// The customers, one JSON object a line (- for standard input).
        file: String,
    },
    /// Copy the branch server's database to a new file (safe while it serves).
    #[cfg(feature = "server")]
    Backup {
        #[command(flatten)]
        data: DataArg,
        /// The new file (an existing one is not overwritten).
        out: PathBuf,
    },
}

#[cfg(feature = "server")]
#[derive(clap::Args)]
struct DataArg {
    /// The branch server's data folder (nextbest.db inside it).
    #[arg(long, value_name = "DIR", default_value = nextbest::server::DEFAULT_DATA)]
    data: PathBuf,
}

#[cfg(feature = "server")]
#[derive(Subcommand)]
enum UserCommand {
    /// Add an account. Without --password-stdin a strong password is generated and printed once.
    Add {
        #[command(flatten)]
        data: DataArg,
        /// The sign-in name.
        name: String,
        /// teller, vip_teller, lobby, psm, cm, head, author or admin.
        #[arg(long)]
        role: nextbest::server::access::Role,
        /// Read the password from standard input (its first line).
        #[arg(long)]
        password_stdin: bool,
    },
}

#[cfg(feature = "server")]
#[derive(clap::Args)]
struct ServeArgs {
    /// Where to listen (loopback by default; port 0 picks a free port).
    #[arg(long, value_name = "IP:PORT", default_value = nextbest::server::DEFAULT_ADDR)]
    addr: std::net::SocketAddr,
    /// The page's folder.
    #[arg(long, value_name = "DIR", default_value = "www")]
    www: PathBuf,
    /// An origin (scheme://host[:port]) allowed to show the page in a frame and send it
    /// customers; repeat for more. Sets CSP frame-ancestors and the served /config.js.
    #[arg(long = "frame-ancestor", value_name = "ORIGIN")]
    frame_ancestors: Vec<nextbest::server::Origin>,
    #[command(flatten)]
    data: DataArg,
    /// Mark the session cookie Secure: set it when staff reach the server over https (a TLS proxy in front).
    #[arg(long)]
    secure_cookie: bool,
    /// Do not create the demo accounts on first start of an empty data folder.
    #[arg(long)]
    no_demo: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("nextbest: {e}");
            ExitCode::from(2)
        }
    }
}

fn load_pack(arg: &PackArg) -> Result<(PackSource, String), Error> {
    match &arg.rules {
        Some(dir) => Ok((PackSource::from_dir(dir)?, dir.display().to_string())),
        None => Ok((PackSource::bundled(), "rules".to_owned())),
    }
}

fn read_input(path: &str) -> Result<String, Error> {
    let mut text = String::new();
    let res = if path == "-" {
        std::io::stdin().read_to_string(&mut text).map(|_| ())
    } else {
        std::fs::read_to_string(Path::new(path)).map(|t| text = t)
    };
    res.map_err(|e| Error::Input {
        path: path.to_owned(),
        message: format!("cannot read: {e}"),
    })?;
    Ok(text)
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn run(command: Command) -> Result<ExitCode, Error> {
    match command {
        Command::Eval {
            pack,
            now,
            channel,
            no_trace,
            branch,
            customer,
        } => {
            let (source, _) = load_pack(&pack)?;
            let engine = Engine::new(&source)?;
            let branch = match branch {
                Some(file) => {
                    let file = file.display().to_string();
                    let text = read_input(&file)?;
                    Some(nextbest::BranchContext::from_json(&text).map_err(|e| match e {
                        Error::Input { path, message } => Error::Input {
                            path,
                            message: format!("{message} (--branch {file})"),
                        },
                        e => e,
                    })?)
                }
                None => None,
            };
            let text = read_input(&customer)?;
            let value = nextbest::strict_json::parse(&text).map_err(|e| Error::Input {
                path: if e.path.is_empty() { customer.clone() } else { e.path },
                message: format!("{} ({customer}:{}:{})", e.message, e.line, e.column),
            })?;
            let mut options = Options {
                now: None,
                channel,
                branch,
            };
            if let Some(now) = now {
                options.now = Some(
                    Stamp::parse(&now)
                        .map_err(|message| Error::Input {
                            path: "--now".into(),
                            message,
                        })?
                        .unix,
                );
            }
            let eval_one = |v: &serde_json::Value, prefix: &str| -> Result<Evaluation, Error> {
                let c = engine.customer_from_value(v).map_err(|e| prefix_path(e, prefix))?;
                let mut opts = options.clone();
                if opts.now.is_none() && c.visit.as_ref().and_then(|v| v.at.as_ref()).is_none() {
                    opts.now = Some(now_unix());
                }
                let mut out = engine.evaluate(c, &opts).map_err(|e| prefix_path(e, prefix))?;
                if no_trace {
                    out.trace.clear();
                }
                Ok(out)
            };
            let (json, had_errors) = match &value {
                serde_json::Value::Array(items) => {
                    let outs = items
                        .iter()
                        .enumerate()
                        .map(|(i, v)| eval_one(v, &format!("[{i}]")))
                        .collect::<Result<Vec<_>, _>>()?;
                    let errs = outs.iter().any(|o| !o.errors.is_empty());
                    (serde_json::to_string_pretty(&outs), errs)
                }
                v => {
                    let out = eval_one(v, "")?;
                    let errs = !out.errors.is_empty();
                    (serde_json::to_string_pretty(&out), errs)
                }
            };
            println!("{}", json.unwrap_or_default());
            if had_errors {
                eprintln!("nextbest: some rules failed; see \"errors\" in the output");
                return Ok(ExitCode::from(1));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { pack } => {
            let (source, dir) = load_pack(&pack)?;
            let engine = Engine::new(&source)?;
            let problems = nextbest::lint(&engine, &source);
            for p in &problems {
                eprintln!("{dir}/{p}");
            }
            let rules = engine.rules().len();
            if problems.is_empty() {
                println!(
                    "{dir}: {rules} rules, {} products: no problems",
                    engine.catalogue().len()
                );
                Ok(ExitCode::SUCCESS)
            } else {
                println!("{dir}: {rules} rules: {} problem(s)", problems.len());
                Ok(ExitCode::from(1))
            }
        }
        Command::Test {
            pack,
            verbose,
            require_coverage,
        } => {
            let (source, dir) = load_pack(&pack)?;
            let engine = Engine::new(&source)?;
            for p in engine.problems() {
                eprintln!("{dir}/{p}");
            }
            if !engine.problems().is_empty() {
                eprintln!("nextbest: rules that do not compile are left out; only the cases that expect something of them fail");
            }
            let report = nextbest::run_fixtures(&engine, &source);
            for case in &report.cases {
                if !case.passed {
                    println!("FAIL {dir}/{} :: {}", case.file, case.name);
                    for f in &case.failures {
                        println!("     {f}");
                    }
                } else if verbose {
                    println!("ok   {dir}/{} :: {}", case.file, case.name);
                }
            }
            // Every rule should fire in some case (rules/README.md): an unfired one is untested.
            for id in &report.unfired {
                let file = engine
                    .rules()
                    .iter()
                    .find(|r| &r.id == id)
                    .map_or(id.as_str(), |r| r.file.as_str());
                println!("warning: {dir}/{file}: [{id}] fires in no fixture case");
            }
            println!("fixtures: {} passed, {} failed", report.passed, report.failed);
            if !report.unfired.is_empty() {
                println!(
                    "{} rule(s) fire in no fixture case{}",
                    report.unfired.len(),
                    if require_coverage {
                        " (--require-coverage: the run fails)"
                    } else {
                        " (a warning; --require-coverage fails the run)"
                    }
                );
            }
            if report.cases.is_empty() {
                eprintln!("nextbest: {dir} has no fixtures");
                return Ok(ExitCode::from(1));
            }
            let covered = report.unfired.is_empty() || !require_coverage;
            Ok(if report.failed == 0 && engine.problems().is_empty() && covered {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Helpers { markdown } => {
            if markdown {
                print!("{}", nextbest::helpers::markdown());
            } else {
                let json = serde_json::to_string_pretty(nextbest::HELPERS).unwrap_or_default();
                println!("{json}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Plan {
            pack,
            now,
            csv,
            customers,
        } => {
            let (source, _) = load_pack(&pack)?;
            let engine = Engine::new(&source)?;
            let text = match &customers {
                Some(path) => read_input(&path.to_string_lossy())?,
                None => nextbest::bundled_samples().to_owned(),
            };
            let values: Vec<serde_json::Value> = serde_json::from_str(&text).map_err(|e| Error::Input {
                path: "--customers".into(),
                message: format!("expected a JSON array of customers: {e}"),
            })?;
            let book = values
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    engine
                        .customer_from_value(v)
                        .map_err(|e| prefix_path(e, &format!("[{i}]")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let now = match now {
                Some(t) => {
                    Stamp::parse(&t)
                        .map_err(|message| Error::Input {
                            path: "--now".into(),
                            message,
                        })?
                        .unix
                }
                None => now_unix(),
            };
            let lines = nextbest::plan::contact_plan(&engine, &book, now)?;
            if csv {
                print!("{}", nextbest::plan::plan_csv(&lines));
            } else {
                println!("{}", serde_json::to_string_pretty(&lines).unwrap_or_default());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Report { records, unmet_csv } => {
            let text = read_input(&records)?;
            let records = nextbest::records::read_jsonl(&text)?;
            let b = nextbest::report::board(&records);
            if unmet_csv {
                println!("需求 need,次数 count,客户 customers");
                for u in &b.unmet_needs {
                    println!(
                        "\"{}\",{},\"{}\"",
                        u.need.replace('"', "\"\""),
                        u.count,
                        u.customers.join(" ").replace('"', "\"\"")
                    );
                }
            } else {
                println!("{}", serde_json::to_string_pretty(&b).unwrap_or_default());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo { pack, show } => {
            let (source, dir) = load_pack(&pack)?;
            let engine = Engine::new(&source)?;
            demo(&engine, &dir, show)
        }
        Command::Backtest {
            base,
            draft,
            customers,
            channel,
            now,
            out,
            json,
            no_timing,
            max_changed,
            no_reuse,
        } => {
            let (base_source, base_dir) = load_pack(&PackArg { rules: base })?;
            let base = Engine::new(&base_source)?;
            let draft_dir = draft.display().to_string();
            let draft = Engine::new(&PackSource::from_dir(&draft)?)?;
            let text = read_input(&customers)?;
            let list = nextbest::backtest::read_customers_jsonl(&text, &base, &draft).map_err(|e| match e {
                Error::Input { path, message } => Error::Input {
                    path: format!("{customers}: {path}"),
                    message,
                },
                e => e,
            })?;
            let now = match now {
                Some(t) => Some(
                    Stamp::parse(&t)
                        .map_err(|message| Error::Input {
                            path: "--now".into(),
                            message,
                        })?
                        .unix,
                ),
                None => None,
            };
            let options = nextbest::BacktestOptions {
                channel,
                now,
                timing: !no_timing,
                max_changed,
                reuse: !no_reuse,
            };
            let mut acc = nextbest::backtest::Accumulator::new(&base, &draft, options)?;
            let mut file = match &out {
                Some(path) => Some(std::io::BufWriter::new(std::fs::File::create(path).map_err(|e| {
                    Error::Input {
                        path: path.display().to_string(),
                        message: format!("cannot write: {e}"),
                    }
                })?)),
                None => None,
            };
            let mut write_error = None;
            acc.add(&base, &draft, &list, &mut |c, before, after| {
                use std::io::Write;
                let Some(f) = file.as_mut() else { return };
                let line = serde_json::json!({
                    "customer": c.customer, "name": c.name, "base": c.base, "draft": c.draft,
                    "base_output": before, "draft_output": after,
                });
                if let Err(e) = writeln!(f, "{line}") {
                    write_error.get_or_insert(e);
                }
            });
            if let Some(f) = file.as_mut() {
                use std::io::Write;
                if let Err(e) = f.flush() {
                    write_error.get_or_insert(e);
                }
            }
            if let (Some(e), Some(path)) = (write_error, &out) {
                return Err(Error::Input {
                    path: path.display().to_string(),
                    message: format!("cannot write: {e}"),
                });
            }
            let result = acc.finish(&base, &draft);
            if json {
                println!("{}", serde_json::to_string_pretty(&result).unwrap_or_default());
            } else {
                print_backtest(&result, &base_dir, &draft_dir, &base, &draft, out.as_deref());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Samples {
            count,
            seed,
            jsonl: true,
        } => {
            print!("{}", nextbest::samples::jsonl(seed, count));
            Ok(ExitCode::SUCCESS)
        }
        Command::Samples {
            count,
            seed,
            jsonl: false,
        } => {
            let customers = nextbest::samples::generate(seed, count);
            println!("{}", serde_json::to_string_pretty(&customers).unwrap_or_default());
            Ok(ExitCode::SUCCESS)
        }
        Command::Schema { branch } => {
            let schema = if branch {
                schemars::schema_for!(nextbest::BranchContext)
            } else {
                schemars::schema_for!(nextbest::Customer)
            };
            println!("{}", serde_json::to_string_pretty(&schema).unwrap_or_default());
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench {
            pack,
            seconds,
            customers,
        } => {
            let (source, _) = load_pack(&pack)?;
            let text = match customers {
                Some(p) => read_input(&p.display().to_string())?,
                None => nextbest::bundled_samples().to_owned(),
            };
            bench(&source, &text, seconds)
        }
        #[cfg(feature = "server")]
        Command::Serve(args) => {
            let config = nextbest::server::Config {
                addr: args.addr,
                www: args.www,
                frame_ancestors: args.frame_ancestors,
                data: args.data.data,
                secure_cookie: args.secure_cookie,
                demo: !args.no_demo,
            };
            match nextbest::server::run(&config) {
                Ok(()) => Ok(ExitCode::SUCCESS),
                Err(e) => {
                    eprintln!("nextbest serve: {e}");
                    Ok(ExitCode::from(2))
                }
            }
        }
        #[cfg(feature = "server")]
        Command::User(UserCommand::Add {
            data,
            name,
            role,
            password_stdin,
        }) => user_add(&data.data, &name, role, password_stdin),
        #[cfg(feature = "server")]
        Command::Backup { data, out } => backup(&data.data, &out),
        #[cfg(feature = "server")]
        Command::Import {
            data,
            hall,
            book,
            replace,
            file,
        } => import(&data.data, hall, book, replace, &file),
    }
}

#[cfg(feature = "server")]
fn import(data: &Path, hall: bool, book: Option<String>, replace: bool, file: &str) -> Result<ExitCode, Error> {
    use nextbest::server::{access::List, customers, store};
    let (list, owner) = match (hall, book) {
        (_, Some(cm)) => (List::Book, cm),
        _ => (List::Hall, String::new()),
    };
    let text = read_input(file)?;
    match customers::import(data, list, &owner, &text, replace) {
        Ok(store::Loaded { loaded: n, removed }) => {
            let whose = if owner.is_empty() {
                String::new()
            } else {
                format!(" of {owner}")
            };
            let gone = if replace {
                format!(", removed {removed} not in the file")
            } else {
                String::new()
            };
            println!(
                "loaded {n} customers into {}{whose}{gone} in {}",
                list.as_str(),
                data.join(store::DB_FILE).display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("nextbest import: {file}: {e}");
            Ok(ExitCode::from(2))
        }
    }
}

#[cfg(feature = "server")]
fn user_add(
    data: &Path,
    name: &str,
    role: nextbest::server::access::Role,
    password_stdin: bool,
) -> Result<ExitCode, Error> {
    use nextbest::server::{auth, store};
    let fail = |message: String| {
        eprintln!("nextbest user add: {message}");
        Ok(ExitCode::from(2))
    };
    if name.is_empty() || name.len() > 64 || name.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return fail("the name must be 1 to 64 bytes with no spaces".to_owned());
    }
    let (password, generated) = if password_stdin {
        let mut line = String::new();
        if let Err(e) = std::io::stdin().read_line(&mut line) {
            return fail(format!("cannot read the password: {e}"));
        }
        let p = line.trim_end_matches(['\r', '\n']).to_owned();
        if p.chars().count() < 10 {
            return fail("the password must have at least 10 characters".to_owned());
        }
        (p, false)
    } else {
        (auth::random_password(), true)
    };
    let hash = match auth::hash_password(&password) {
        Ok(h) => h,
        Err(e) => return fail(e),
    };
    let added = store::open_connection(data)
        .and_then(|(mut conn, _)| store::add_user(&mut conn, name, role.as_str(), &hash, "cli"));
    if let Err(e) = added {
        return fail(format!("{}: {e}", data.display()));
    }
    println!("added {name} ({role}) to {}", data.join(store::DB_FILE).display());
    if generated {
        println!("password (shown only now): {password}");
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(feature = "server")]
fn backup(data: &Path, out: &Path) -> Result<ExitCode, Error> {
    use nextbest::server::store;
    let db = data.join(store::DB_FILE);
    if !db.is_file() {
        eprintln!("nextbest backup: {} does not exist (give --data DIR)", db.display());
        return Ok(ExitCode::from(2));
    }
    match store::open_connection(data).and_then(|(conn, _)| store::backup(&conn, out)) {
        Ok(()) => {
            println!("backed up {} to {}", db.display(), out.display());
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("nextbest backup: {e}");
            Ok(ExitCode::from(2))
        }
    }
}

fn prefix_path(e: Error, prefix: &str) -> Error {
    match e {
        Error::Input { path, message } if !prefix.is_empty() => Error::Input {
            path: format!("{prefix}.{path}"),
            message,
        },
        e => e,
    }
}

fn parse_samples(text: &str) -> Result<Vec<nextbest::Customer>, Error> {
    let values: Vec<serde_json::Value> = serde_json::from_str(text).map_err(|e| Error::Input {
        path: "customers".into(),
        message: format!("expected a JSON array of customers: {e}"),
    })?;
    values
        .iter()
        .enumerate()
        .map(|(i, v)| nextbest::Customer::from_value(v).map_err(|e| prefix_path(e, &format!("[{i}]"))))
        .collect()
}

fn demo(engine: &Engine, dir: &str, show: usize) -> Result<ExitCode, Error> {
    let customers = parse_samples(nextbest::bundled_samples())?;
    let total = customers.len();
    let mut products = std::collections::BTreeMap::<String, usize>::new();
    let mut tally = Tally::default();
    let mut errors = 0;
    println!(
        "nextbest {} · {dir}: {} rules over {total} sample customers (teller view)\n",
        nextbest::VERSION,
        engine.rules().len(),
    );
    for (i, c) in customers.into_iter().enumerate() {
        let name = c.name.clone().unwrap_or_else(|| c.id.clone());
        let out = engine.evaluate(
            c,
            &Options {
                now: None,
                channel: "teller".into(),
                ..Options::default()
            },
        )?;
        for s in &out.suggestions {
            *products.entry(s.product.clone()).or_default() += 1;
        }
        tally.add(&out);
        errors += out.errors.len();
        if i < show {
            let pitch = out.suggestions.first().map_or_else(
                || "（无合适产品 no suitable product）".to_owned(),
                |s| format!("{} · {}", s.pitch_zh, s.reasons[0].zh),
            );
            println!(
                "{:<8} {:<6} {} → {:<22} {}",
                out.customer,
                name,
                if out.high_value.flag { "★" } else { " " },
                out.route.destination,
                pitch
            );
        }
    }
    println!("\nsuggested 推介: {products:?}");
    println!("high value 高价值: {}; rule errors: {errors}", tally.high_value);
    tally.print(total);
    Ok(if errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// What the demo counts over the samples: where they were sent, their grade,
/// and what suitability did to their suggestions.
#[derive(Default)]
struct Tally {
    /// Destination id → (zh name, customers).
    routes: std::collections::BTreeMap<String, (String, usize)>,
    /// Grade (`""` ungraded) → (zh name, customers).
    grades: std::collections::BTreeMap<String, (String, usize)>,
    high_value: usize,
    /// Customers with at least one suggestion held back by suitability, and how many were held.
    withheld: (usize, usize),
    /// Customers offered a substitute for a product suitability held back, and how many.
    substituted: (usize, usize),
}

impl Tally {
    fn add(&mut self, out: &Evaluation) {
        let route = &out.route;
        self.routes
            .entry(route.destination.clone())
            .or_insert_with(|| (route.destination_zh.clone(), 0))
            .1 += 1;
        let grade = &out.grade;
        // grade_zh reads "A类：资金充足…"; the name is the part before the colon.
        let zh = grade.grade_zh.split(['：', ':']).next().unwrap_or_default();
        self.grades
            .entry(grade.grade.clone())
            .or_insert_with(|| (zh.to_owned(), 0))
            .1 += 1;
        self.high_value += usize::from(out.high_value.flag);
        let held = out
            .suppressed
            .iter()
            .filter(|s| s.reason == nextbest::HoldReason::Suitability)
            .count();
        self.withheld.0 += usize::from(held > 0);
        self.withheld.1 += held;
        let substitutes = out.suggestions.iter().filter(|s| s.substitute_for.is_some()).count();
        self.substituted.0 += usize::from(substitutes > 0);
        self.substituted.1 += substitutes;
    }

    fn print(&self, total: usize) {
        let pct = |n: usize| {
            if total == 0 {
                0.0
            } else {
                n as f64 * 100.0 / total as f64
            }
        };
        let row = |label: String, n: usize| println!("  {} {n:>4}  {:>5.1}%", pad(&label, 44), pct(n));
        println!("\n分布 Distribution · {total} 位客户 customers（人数 count · 占比 share）");
        println!("分流去向 Route");
        let mut routes: Vec<_> = self.routes.iter().collect();
        routes.sort_by(|a, b| b.1 .1.cmp(&a.1 .1).then(a.0.cmp(b.0)));
        for (id, (zh, n)) in routes {
            row(format!("{zh} {id}"), *n);
        }
        println!("客户等级 Prospect grade");
        // A–D first, the ungraded ("") last.
        let mut grades: Vec<_> = self.grades.iter().collect();
        grades.sort_by_key(|(g, _)| (g.is_empty(), g.as_str()));
        for (grade, (zh, n)) in grades {
            let label = if grade.is_empty() {
                "未分级 ungraded".to_owned()
            } else if zh.is_empty() {
                grade.clone()
            } else {
                format!("{zh} {grade}")
            };
            row(label, *n);
        }
        println!("高价值 High value");
        row("高价值客户 flagged".to_owned(), self.high_value);
        println!("适当性 Suitability");
        row(
            format!("暂缓推介 withheld ({} 条 suggestions)", self.withheld.1),
            self.withheld.0,
        );
        row(
            format!("改荐替代 substituted ({} 条 suggestions)", self.substituted.1),
            self.substituted.0,
        );
    }
}

/// `text` padded with spaces to `width` terminal columns (CJK characters take two).
fn pad(text: &str, width: usize) -> String {
    let wide = |c: char| matches!(c, '\u{1100}'..='\u{115F}' | '\u{2E80}'..='\u{A4CF}' | '\u{AC00}'..='\u{D7A3}' | '\u{F900}'..='\u{FAFF}' | '\u{FE30}'..='\u{FE4F}' | '\u{FF00}'..='\u{FF60}' | '\u{FFE0}'..='\u{FFE6}');
    let used: usize = text.chars().map(|c| if wide(c) { 2 } else { 1 }).sum();
    format!("{text}{}", " ".repeat(width.saturating_sub(used)))
}

fn bench(source: &PackSource, customers: &str, seconds: f64) -> Result<ExitCode, Error> {
    use std::time::Instant;
    let t0 = Instant::now();
    let engine = Engine::new(source)?;
    let setup_ms = t0.elapsed().as_secs_f64() * 1e3;
    let values: Vec<serde_json::Value> = serde_json::from_str(customers).map_err(|e| Error::Input {
        path: "customers".into(),
        message: e.to_string(),
    })?;
    let parsed = parse_samples(customers)?;
    let options = Options {
        now: None,
        channel: "lobby".into(),
        ..Options::default()
    };
    // Warm up, and check every customer evaluates.
    for c in &parsed {
        engine.evaluate(c.clone(), &options)?;
    }
    let (mut n, start) = (0usize, Instant::now());
    while start.elapsed().as_secs_f64() < seconds {
        for v in &values {
            let c = nextbest::Customer::from_value(v)?;
            std::hint::black_box(engine.evaluate(c, &options)?);
            n += 1;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let summary = serde_json::json!({
        "engine": "nextbest native",
        "rules": engine.rules().len(),
        "customers": values.len(),
        "evaluations": n,
        "evals_per_sec": (n as f64 / secs).round(),
        "mean_us": (secs * 1e6 / n as f64 * 10.0).round() / 10.0,
        "setup_ms": (setup_ms * 10.0).round() / 10.0,
    });
    println!("{summary}");
    Ok(ExitCode::SUCCESS)
}

/// The backtest as a bilingual summary for the rule author.
fn print_backtest(
    b: &nextbest::Backtest,
    base_dir: &str,
    draft_dir: &str,
    base: &Engine,
    draft: &Engine,
    out: Option<&Path>,
) {
    let when = b.now.map_or_else(
        || "每位客户的到访时间 each customer's visit.at".to_owned(),
        nextbest::samples::branch_time,
    );
    println!("回测 Backtest · {base_dir} → {draft_dir}");
    println!("渠道 channel {} · 时间 time {when}\n", b.channel);
    let pct = |n: usize| {
        if b.compared == 0 {
            0.0
        } else {
            n as f64 * 100.0 / b.compared as f64
        }
    };
    println!("  {} {:>6}", pad("客户 customers", 36), b.customers);
    println!("  {} {:>6}", pad("两版均可评估 compared", 36), b.compared);
    if b.refused.base + b.refused.draft > 0 {
        println!(
            "  {} {:>6} → {}",
            pad("拒收 refused (base → draft)", 36),
            b.refused.base,
            b.refused.draft
        );
        for r in b.refusals.base.iter().chain(&b.refusals.draft) {
            println!("      {}: {}", r.customer, r.message);
        }
    }
    if b.out_of_time.base + b.out_of_time.draft > 0 {
        println!(
            "  ⚠ {} / {} 位客户超出时间预算 customers ran out of wall-clock budget (base / draft): the machine was busy, their outputs may differ from run to run",
            b.out_of_time.base, b.out_of_time.draft
        );
    }
    for (label, n) in [
        ("有变化 changed (any)", b.changed),
        ("分流变化 changed route", b.changed_route),
        ("首推变化 changed top pitch", b.changed_top),
        ("等级变化 changed grade", b.changed_grade),
    ] {
        println!("  {} {n:>6}  {:>5.1}%", pad(label, 36), pct(n));
    }
    let arrow = |before: usize, after: usize| {
        let d = after as i64 - before as i64;
        let mark = if d == 0 { String::new() } else { format!("  ({d:+})") };
        format!("{before:>6} → {after:<6}{mark}")
    };
    println!("\n推介产品 Products (suggested · top pitch, before → after)");
    for p in &b.products {
        let name = draft
            .catalogue()
            .get(&p.product)
            .or_else(|| base.catalogue().get(&p.product))
            .map_or(p.product.clone(), |x| format!("{} {}", x.zh, p.product));
        println!(
            "  {} {} · top {}",
            pad(&name, 40),
            arrow(p.before, p.after),
            arrow(p.top_before, p.top_after)
        );
    }
    println!("\n分流去向 Routes (before → after)");
    for r in &b.routes {
        let name = draft
            .manifest()
            .destinations
            .get(&r.destination)
            .map_or(r.destination.clone(), |d| format!("{} {}", d.zh, r.destination));
        println!("  {} {}", pad(&name, 40), arrow(r.before, r.after));
    }
    println!("\n客户等级 Grades (before → after)");
    for g in &b.grades {
        let name = if g.grade.is_empty() {
            "未分级 ungraded".to_owned()
        } else {
            g.grade.clone()
        };
        println!("  {} {}", pad(&name, 40), arrow(g.before, g.after));
    }
    println!("\n规则 Rules of the draft (over {} customers)", b.customers);
    let mut flagged = 0;
    for r in &b.rules.draft {
        let mut flags = Vec::new();
        if !r.compiled {
            flags.push("不能编译 does not compile".to_owned());
        } else if r.never_fired {
            flags.push("从未触发 never fired".to_owned());
        }
        if r.all_suppressed {
            let why: Vec<String> = r.suppressed_by.iter().map(|(k, v)| format!("{k} {v}")).collect();
            flags.push(format!("全部被拦 every proposal suppressed ({})", why.join(", ")));
        }
        if r.errors > 0 {
            flags.push(format!("出错 errors on {} customers", r.errors));
        }
        if r.near_budget {
            let ms =
                r.ms.as_ref()
                    .map_or(String::new(), |m| format!(", {} ms of {} ms", m.max, m.budget));
            flags.push(format!(
                "接近预算 near budget (max {} of {} operations{ms})",
                r.operations.max, r.operations.budget
            ));
        }
        if flags.is_empty() {
            continue;
        }
        flagged += 1;
        println!("  [{}] {}", r.rule, flags.join("; "));
    }
    if flagged == 0 {
        println!("  无异常 nothing to flag");
    }
    let busiest = b.rules.draft.iter().max_by_key(|r| r.operations.max);
    if let Some(r) = busiest {
        let ms = r.ms.as_ref().map_or_else(
            || " (未计时 not timed)".to_owned(),
            |m| format!(", {} ms median, {} ms max", m.median, m.max),
        );
        println!(
            "  最耗运算 most operations: [{}] median {}, max {} of {}{ms}",
            r.rule, r.operations.median, r.operations.max, r.operations.budget
        );
    }
    println!("\n冲突 Conflicts of the draft");
    let c = &b.conflicts.draft;
    if c.routes.is_empty() && c.pitches.is_empty() {
        println!("  无 none");
    }
    for r in &c.routes {
        let won: Vec<String> = r
            .won
            .iter()
            .map(|(k, v)| format!("{} {v}", if k.is_empty() { "(neither)" } else { k }))
            .collect();
        let ex: Vec<String> = r
            .examples
            .iter()
            .map(|e| format!("{} {}≠{}→{}", e.customer, e.destinations[0], e.destinations[1], e.route))
            .collect();
        println!(
            "  分流 route [{}] × [{}]: {} customers; won 胜出: {}; e.g. {}",
            r.rules[0],
            r.rules[1],
            r.count,
            won.join(", "),
            ex.join("; ")
        );
    }
    for p in &c.pitches {
        let ex: Vec<String> = p
            .examples
            .iter()
            .map(|e| format!("{} {}/{}", e.customer, e.products[0], e.products[1]))
            .collect();
        println!(
            "  同优先级推介 same-priority pitches [{}] × [{}] at {}: {} customers; e.g. {}",
            p.rules[0],
            p.rules[1],
            p.priority,
            p.count,
            ex.join("; ")
        );
    }
    println!("\n公平性 Fairness (share with a suggestion · routed to the customer manager, before → after)");
    if b.fairness.is_empty() {
        println!("  pack.json 未列受保护属性 lists no protected_attributes");
    }
    for f in &b.fairness {
        println!(
            "  {} (all: suggested {:+.1} pts, to manager {:+.1} pts)",
            f.attribute, f.all.suggested.change, f.all.to_manager.change
        );
        for g in &f.groups {
            println!(
                "    {} {:>5}  suggested {:>5.1}% → {:>5.1}%  manager {:>5.1}% → {:>5.1}%{}",
                pad(&g.group, 14),
                g.customers,
                g.suggested.before,
                g.suggested.after,
                g.to_manager.before,
                g.to_manager.after,
                if g.flagged {
                    "  ⚠ 变化明显偏离整体 moves ≥10 pts more than the whole sample"
                } else {
                    ""
                }
            );
        }
    }
    let reads: Vec<_> = b.unjustified_reads().collect();
    if !reads.is_empty() {
        println!("\n受保护属性 Protected attributes read without a justification");
        for p in reads {
            println!("  {draft_dir}/{p}");
        }
    }
    if b.changed_truncated {
        println!(
            "\n(列出前 {} 位变化客户 the first {} changed customers are listed in --json)",
            b.changed_customers.len(),
            b.changed_customers.len()
        );
    }
    match out {
        Some(path) => println!("\n变化客户 changed customers with both outputs: {}", path.display()),
        None if b.changed > 0 => {
            println!("\n--out CHANGED.jsonl 写出变化客户及两版完整结果 writes the changed customers with both outputs")
        }
        None => {}
    }
}
