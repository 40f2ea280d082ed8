//! The WebAssembly boundary: a thin layer over the core for the page.
//!
//! Values cross as plain JS objects (serde-wasm-bindgen, JSON-compatible);
//! errors are JS `Error`s that carry the same fields as the core's errors
//! (`type`, `path` or `file`, `line`, `column`).

use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::{lint, run_fixtures, Customer, Engine, Error, Options, PackSource, Stamp};

#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}

/// A compiled rule pack, as the page holds it.
#[wasm_bindgen]
pub struct NextBest {
    engine: Engine,
    source: PackSource,
}

/// `{ now?: string | number (ms since epoch), channel?: string, branch?: object }`
/// (`branch`: the branch context, www/branch.schema.json; absent or null: unknown).
#[derive(serde::Deserialize, Default)]
struct JsOptions {
    #[serde(default)]
    now: Option<serde_json::Value>,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    branch: Option<serde_json::Value>,
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsValue::from(js_sys::Error::new(&e.to_string())))
}

/// A JS `Error` whose own fields repeat the core error's. `message` stays the
/// whole sentence (with the path); the core's bare message is `detail`.
fn js_error(e: &Error) -> JsValue {
    let err = js_sys::Error::new(&e.to_string());
    if let Ok(fields) = to_js(e) {
        if let Ok(keys) = js_sys::Reflect::own_keys(&fields) {
            for key in keys.iter() {
                if key.as_string().as_deref() == Some("message") {
                    if let Ok(v) = js_sys::Reflect::get(&fields, &key) {
                        let _ = js_sys::Reflect::set(&err, &JsValue::from_str("detail"), &v);
                    }
                    continue;
                }
                if let Ok(v) = js_sys::Reflect::get(&fields, &key) {
                    let _ = js_sys::Reflect::set(&err, &key, &v);
                }
            }
        }
    }
    err.into()
}

fn input_error(path: &str, message: impl Into<String>) -> JsValue {
    js_error(&Error::Input {
        path: path.to_owned(),
        message: message.into(),
    })
}

fn pack_from_js(pack: JsValue) -> Result<PackSource, JsValue> {
    if pack.is_undefined() || pack.is_null() {
        return Ok(PackSource::bundled());
    }
    let text = json_text(&pack, "pack")?;
    serde_json::from_str(&text).map_err(|e| input_error("pack", format!("expected {{files: {{name: text}}}}: {e}")))
}

#[wasm_bindgen]
impl NextBest {
    /// Compiles a pack `{files: {"pack.json": "...", "rule.rhai": "..."}}`;
    /// the bundled pack when `pack` is undefined. Broken rules do not fail
    /// this: they are reported by `problems()` and in every evaluation.
    #[wasm_bindgen(constructor)]
    pub fn new(pack: JsValue) -> Result<NextBest, JsValue> {
        let source = pack_from_js(pack)?;
        let engine = Engine::new(&source).map_err(|e| js_error(&e))?;
        Ok(NextBest { engine, source })
    }

    /// Evaluates one customer (an object, or its JSON text); options `{now, channel, branch}`.
    pub fn evaluate(&self, customer: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
        let text = json_text(&customer, "customer")?;
        let customer = self.engine.read_customer(&text).map_err(|e| js_error(&e))?;
        let opts = options_from_js(options, &customer)?;
        let out = self.engine.evaluate_ref(&customer, &opts).map_err(|e| js_error(&e))?;
        to_js(&out)
    }

    /// Evaluates the customer at `index` of a [`Customers`] set, read in
    /// place: the hall's customers cross into wasm once, not on every
    /// re-rank. Options as for `evaluate`.
    #[wasm_bindgen(js_name = evaluateLoaded)]
    pub fn evaluate_loaded(&self, customers: &Customers, index: usize, options: JsValue) -> Result<JsValue, JsValue> {
        let customer = customers.list.get(index).ok_or_else(|| {
            input_error(
                "index",
                format!("{index} is past the {} loaded customers", customers.list.len()),
            )
        })?;
        let opts = options_from_js(options, customer)?;
        let out = self.engine.evaluate_ref(customer, &opts).map_err(|e| js_error(&e))?;
        to_js(&out)
    }
}

/// Customers converted into wasm once, for evaluating again and again.
#[wasm_bindgen]
pub struct Customers {
    list: Vec<Customer>,
}

/// A JS value as JSON text, through `JSON.stringify`: a cycle or a
/// structure too deep for the browser is a JS exception caught here, not a
/// trap in the module (serde-wasm-bindgen would recurse without limit).
/// Text is taken as it is. The strict reader then limits depth with a path.
fn json_text(value: &JsValue, what: &str) -> Result<String, JsValue> {
    if let Some(text) = value.as_string() {
        return Ok(text);
    }
    match js_sys::JSON::stringify(value) {
        Ok(s) => s
            .as_string()
            .ok_or_else(|| input_error(what, "cannot be written as JSON")),
        Err(e) => {
            let why = e
                .dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
                .unwrap_or_default();
            Err(input_error(
                what,
                format!("cannot be read: it refers to itself (a cycle) or nests too deep ({why})"),
            ))
        }
    }
}

#[wasm_bindgen]
impl Customers {
    /// Reads an array of customer objects; a bad one is an error naming its
    /// index and field (`[3].transactions[0].amount`).
    #[wasm_bindgen(constructor)]
    pub fn new(customers: JsValue) -> Result<Customers, JsValue> {
        let array: js_sys::Array = customers
            .dyn_into()
            .map_err(|_| input_error("customers", "expected an array of customers"))?;
        let mut list = Vec::with_capacity(array.length() as usize);
        for (i, value) in array.iter().enumerate() {
            let text = json_text(&value, &format!("[{i}]"))?;
            let c = Customer::from_json(&text).map_err(|e| {
                js_error(&match e {
                    Error::Input { path, message } => Error::Input {
                        path: format!("[{i}].{path}"),
                        message,
                    },
                    other => other,
                })
            })?;
            list.push(c);
        }
        Ok(Customers { list })
    }

    /// How many customers are loaded.
    #[wasm_bindgen(getter)]
    pub fn length(&self) -> usize {
        self.list.len()
    }
}

/// Options `{now, channel, branch}` from JS; without a time, the customer's visit
/// time, else the browser's clock.
fn options_from_js(options: JsValue, customer: &Customer) -> Result<Options, JsValue> {
    {
        let js: JsOptions = if options.is_undefined() || options.is_null() {
            JsOptions::default()
        } else {
            let text = json_text(&options, "options")?;
            serde_json::from_str(&text).map_err(|e| input_error("options", e.to_string()))?
        };
        let mut opts = Options::default();
        if let Some(ch) = js.channel {
            opts.channel = ch;
        }
        opts.branch = match js.branch {
            None | Some(serde_json::Value::Null) => None,
            Some(v) => Some(crate::BranchContext::from_value(&v).map_err(|e| match e {
                Error::Input { path, message } => input_error(&format!("options.{path}"), message),
                e => js_error(&e),
            })?),
        };
        opts.now = match js.now {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(s)) => {
                Some(Stamp::parse(&s).map_err(|m| input_error("options.now", m))?.unix)
            }
            Some(serde_json::Value::Number(n)) => Some((n.as_f64().unwrap_or(0.0) / 1000.0).floor() as i64),
            Some(_) => return Err(input_error("options.now", "expected an ISO date-time or milliseconds")),
        };
        if opts.now.is_none() && customer.visit.as_ref().and_then(|v| v.at.as_ref()).is_none() {
            opts.now = Some((js_sys::Date::now() / 1000.0).floor() as i64);
        }
        Ok(opts)
    }
}

#[wasm_bindgen]
impl NextBest {
    /// Every compile and lint problem, with file, line and column.
    pub fn problems(&self) -> Result<JsValue, JsValue> {
        to_js(&lint(&self.engine, &self.source))
    }

    /// The rules' headers (id, kind, priority, zh, en, triggers).
    pub fn rules(&self) -> Result<JsValue, JsValue> {
        to_js(&self.engine.rules())
    }

    /// The product catalogue.
    pub fn products(&self) -> Result<JsValue, JsValue> {
        to_js(&self.engine.catalogue().values().collect::<Vec<_>>())
    }

    /// The pack's manifest (params, destinations, policy).
    pub fn manifest(&self) -> Result<JsValue, JsValue> {
        to_js(self.engine.manifest())
    }

    /// Runs the pack's fixtures: `{passed, failed, cases: [{file, name, passed, failures}]}`.
    #[wasm_bindgen(js_name = runFixtures)]
    pub fn run_fixtures(&self) -> Result<JsValue, JsValue> {
        to_js(&run_fixtures(&self.engine, &self.source))
    }
}

#[wasm_bindgen]
impl NextBest {
    /// The customer manager's contact plan over a [`Customers`] book on the
    /// day of `now` (Unix seconds): `[{customer, name, grade, score,
    /// reasons, offers, paced}]`, best first.
    #[wasm_bindgen(js_name = contactPlan)]
    pub fn contact_plan(&self, book: &Customers, now: f64) -> Result<JsValue, JsValue> {
        if !now.is_finite() {
            return Err(input_error("now", "must be a time in seconds"));
        }
        let lines =
            crate::plan::contact_plan(&self.engine, &book.list, now.floor() as i64).map_err(|e| js_error(&e))?;
        to_js(&lines)
    }
}

/// The branch head's board from records as JSON lines (report.rs); a bad
/// record is an error naming its line and field.
#[wasm_bindgen(js_name = branchBoard)]
pub fn branch_board(records: &str) -> Result<JsValue, JsValue> {
    let records = crate::records::read_jsonl(records).map_err(|e| js_error(&e))?;
    to_js(&crate::report::board(&records))
}

/// Compiles and lints a pack without keeping it: the studio's live diagnostics.
#[wasm_bindgen(js_name = checkPack)]
pub fn check_pack(pack: JsValue) -> Result<JsValue, JsValue> {
    let source = pack_from_js(pack)?;
    match Engine::new(&source) {
        Ok(engine) => to_js(&lint(&engine, &source)),
        Err(e) => Err(js_error(&e)),
    }
}

/// The bundled pack's files, for the studio to start from or reset to.
#[wasm_bindgen(js_name = bundledPack)]
pub fn bundled_pack() -> Result<JsValue, JsValue> {
    to_js(&PackSource::bundled())
}

/// The helper API rules may use, from its one table (name, kind,
/// signature, returns, zh, en): the studio's completion and hover docs.
#[wasm_bindgen]
pub fn helpers() -> Result<JsValue, JsValue> {
    to_js(&crate::HELPERS)
}

/// The crate version.
#[wasm_bindgen]
pub fn version() -> String {
    crate::VERSION.to_owned()
}

/// Backtest options from JS: `{channel?: string = "lobby", now?: ISO string
/// | ms since epoch (absent: each customer's visit.at), timing?: bool = true,
/// max_changed?: number = 200, reuse?: bool = true}` (`reuse`: backtest.rs
/// `BacktestOptions::reuse`).
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct JsBacktestOptions {
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    now: Option<serde_json::Value>,
    #[serde(default)]
    timing: Option<bool>,
    #[serde(default)]
    max_changed: Option<usize>,
    #[serde(default)]
    reuse: Option<bool>,
}

fn backtest_options(options: JsValue) -> Result<crate::BacktestOptions, JsValue> {
    let js: JsBacktestOptions = if options.is_undefined() || options.is_null() {
        JsBacktestOptions::default()
    } else {
        let text = json_text(&options, "options")?;
        serde_json::from_str(&text).map_err(|e| input_error("options", e.to_string()))?
    };
    let mut o = crate::BacktestOptions {
        timing: true,
        ..crate::BacktestOptions::default()
    };
    if let Some(ch) = js.channel {
        o.channel = ch;
    }
    if let Some(t) = js.timing {
        o.timing = t;
    }
    if let Some(m) = js.max_changed {
        o.max_changed = m;
    }
    if let Some(r) = js.reuse {
        o.reuse = r;
    }
    o.now = match js.now {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(Stamp::parse(&s).map_err(|m| input_error("options.now", m))?.unix),
        Some(serde_json::Value::Number(n)) => match n.as_f64() {
            Some(ms) if ms.is_finite() => Some((ms / 1000.0).floor() as i64),
            _ => return Err(input_error("options.now", "expected an ISO date-time or milliseconds")),
        },
        Some(_) => return Err(input_error("options.now", "expected an ISO date-time or milliseconds")),
    };
    Ok(o)
}

#[wasm_bindgen]
impl NextBest {
    /// Backtests `draft` against this pack over `customers`, all at once:
    /// the same JSON as `nextbest backtest --json` (with `{timing: false}`
    /// and `--no-timing`, byte for byte the same values). Options
    /// `{channel, now, timing, max_changed}`.
    pub fn backtest(&self, draft: &NextBest, customers: &Customers, options: JsValue) -> Result<JsValue, JsValue> {
        let options = backtest_options(options)?;
        let result =
            crate::backtest(&self.engine, &draft.engine, &customers.list, &options).map_err(|e| js_error(&e))?;
        to_js(&result)
    }

    /// Both whole evaluations of the customer at `index` (a changed customer
    /// the author clicks on): `{customer, base_output, draft_output}`, each
    /// an evaluation as `evaluate` returns it, with the backtest's options.
    #[wasm_bindgen(js_name = backtestOne)]
    pub fn backtest_one(
        &self,
        draft: &NextBest,
        customers: &Customers,
        index: usize,
        options: JsValue,
    ) -> Result<JsValue, JsValue> {
        let o = backtest_options(options)?;
        let customer = customers.list.get(index).ok_or_else(|| {
            input_error(
                "index",
                format!("{index} is past the {} loaded customers", customers.list.len()),
            )
        })?;
        let opts = Options {
            now: o.now,
            channel: o.channel,
            branch: None,
        };
        let base_output = self.engine.evaluate_ref(customer, &opts).map_err(|e| js_error(&e))?;
        let draft_output = draft.engine.evaluate_ref(customer, &opts).map_err(|e| js_error(&e))?;
        to_js(&serde_json::json!({
            "customer": customer.id,
            "base_output": base_output,
            "draft_output": draft_output,
        }))
    }

    /// Reads customers as JSON lines, one customer a line, under the contract
    /// this pack and `draft` accept together, exactly as `nextbest backtest`
    /// reads its file; an error names the line and field (`line 3: age`).
    #[wasm_bindgen(js_name = customersFromJsonl)]
    pub fn customers_from_jsonl(&self, draft: &NextBest, text: &str) -> Result<Customers, JsValue> {
        let list =
            crate::backtest::read_customers_jsonl(text, &self.engine, &draft.engine).map_err(|e| js_error(&e))?;
        Ok(Customers { list })
    }
}

/// A backtest run in chunks (a progress bar and Stop): `new BacktestAcc(base,
/// draft, options)`, then `add(base, draft, customers, start, end)` as often
/// as wanted, then `finish(base, draft)`, always with the same two packs.
#[wasm_bindgen]
pub struct BacktestAcc {
    acc: crate::backtest::Accumulator,
}

#[wasm_bindgen]
impl BacktestAcc {
    #[wasm_bindgen(constructor)]
    pub fn new(base: &NextBest, draft: &NextBest, options: JsValue) -> Result<BacktestAcc, JsValue> {
        let options = backtest_options(options)?;
        let acc = crate::backtest::Accumulator::new(&base.engine, &draft.engine, options).map_err(|e| js_error(&e))?;
        Ok(BacktestAcc { acc })
    }

    /// Evaluates `customers[start..end]` (clamped to the set) with both packs
    /// and adds them; returns how many customers have been added in all.
    pub fn add(
        &mut self,
        base: &NextBest,
        draft: &NextBest,
        customers: &Customers,
        start: usize,
        end: usize,
    ) -> Result<usize, JsValue> {
        let end = end.min(customers.list.len());
        let start = start.min(end);
        self.acc.add(
            &base.engine,
            &draft.engine,
            &customers.list[start..end],
            &mut |_, _, _| {},
        );
        Ok(self.acc.customers())
    }

    /// Customers added so far.
    #[wasm_bindgen(getter)]
    pub fn added(&self) -> usize {
        self.acc.customers()
    }

    /// What this accumulator counted, as JSON text, to `merge` into another
    /// of the same packs and options (a second worker's share of the sample).
    pub fn part(&self) -> String {
        self.acc.part()
    }

    /// Adds another accumulator's `part()`, counted over the customers after
    /// this one's: `finish` then gives the backtest of both in order.
    pub fn merge(&mut self, part: &str) -> Result<(), JsValue> {
        self.acc.merge(part).map_err(|e| js_error(&e))
    }

    /// The backtest of everything added so far (it may be called again after more `add`s).
    pub fn finish(&self, base: &NextBest, draft: &NextBest) -> Result<JsValue, JsValue> {
        to_js(&self.acc.finish(&base.engine, &draft.engine))
    }
}

/// `n` synthetic customers (the generator of `nextbest samples`) as JSON
/// lines, one customer a line: `nextbest samples --count n --seed seed --jsonl`
/// prints the same text. At most 100,000.
#[wasm_bindgen(js_name = generateCustomers)]
pub fn generate_customers(n: usize, seed: f64) -> Result<String, JsValue> {
    if n > 100_000 {
        return Err(input_error("n", "at most 100,000 customers"));
    }
    if !(0.0..=9_007_199_254_740_991.0).contains(&seed) {
        return Err(input_error("seed", "must be a whole number from 0 to 2^53 - 1"));
    }
    Ok(crate::samples::jsonl(seed as u64, n))
}
