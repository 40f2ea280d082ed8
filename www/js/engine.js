// One place that runs the engine and holds the live pack: the last pack that
// compiled cleanly. Teller and lobby evaluate with it; the studio compiles
// drafts and promotes one here only when it is clean.
//
// Evaluation runs in a dedicated module worker (worker.js) behind a watchdog:
// each request has a deadline from the pack's budget (pack.json
// budgets.customer_ms, 250 ms when absent; the deadline is max(2 s, 8 × it),
// so a legitimate evaluation never meets it). A request past its deadline
// gets the worker terminated and a new one started with the last good pack
// (the last that evaluated without being stopped; else the bundled one), and
// answers with a plain message. A trap in the module replaces the worker the
// same way. When no worker can be made, the page evaluates in itself.
//
// The page's own thread loads the module only for the studio (checkPack on
// every keystroke, bundledPack): inPage().

import * as store from "./store.js";
import { notify } from "./notices.js";
import { createCore, customerBudget, DEFAULT_CUSTOMER_MS, isTrap, plainError } from "./core.js";
import { useLivePack } from "./labels.js";

const HOOKS = new URLSearchParams(location.search).has("test-hooks"); // tests/e2e only
const hookArgs = { live: {}, studio: {} }; // test hooks, given to every worker started after they are set
const MIN_DEADLINE = 2000;
const START_DEADLINE = 20000; // loading the module and compiling a pack, on a busy machine
export const deadlineFor = (customerMs) => Math.max(MIN_DEADLINE, 8 * (customerMs || DEFAULT_CUSTOMER_MS));

// Marks for tests/e2e/perf.mjs (cold start = module compile + pack compile in the worker).
performance.mark("nextbest:init-start");

// The module, compiled once from index.html's preload while the worker
// script loads; sent to every worker (and used in the page when it must).
const wasmUrl = new URL("../pkg/nextbest_bg.wasm", import.meta.url);
const wasmModule = WebAssembly.compileStreaming(fetch(wasmUrl))
  .catch(async () => WebAssembly.compile(await (await fetch(wasmUrl)).arrayBuffer()))
  .catch((e) => {
    console.error("nextbest: could not compile the module here; the worker fetches it", e);
    return null;
  })
  .finally(() => performance.mark("nextbest:init-end"));

// ---------------------------------------------------------------------------
// A worker behind a watchdog, one request at a time.

const TIMEOUT = { kind: "timeout" };
const TRAP = { kind: "trap" };

class Host {
  constructor(name, onFail) {
    this.name = name;
    this.onFail = onFail; // (what, request) after the worker was stopped
    this.queue = [];
    this.current = null; // the request the worker is on, with its deadline running
    this.next = null; // one request sent right behind "init", so the first pitch waits for no round trip
    this.worker = null;
    this.inline = null; // the in-page core, when there is no worker
    this.seq = 0;
    this.startArgs = null;
  }

  /** (Re)starts with `pack` (null: bundled; false: none); requests wait behind it. */
  start(pack) {
    this.stop();
    this.startArgs = { pack, hooks: HOOKS && { ...hookArgs[this.name] } };
    if (!this.inline) {
      try {
        this.worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module", name: `nextbest-${this.name}` });
        this.worker.onmessage = (e) => this.answer(e.data);
        this.worker.onerror = (e) => this.broken(e);
        this.worker.onmessageerror = (e) => this.broken(e);
      } catch (e) {
        console.error("nextbest: no worker; evaluating in the page", e);
        this.worker = null;
        this.inline = inPageCore();
      }
    }
    return this.call("init", this.startArgs, { deadline: START_DEADLINE, first: true });
  }

  stop() {
    this.worker?.terminate();
    this.worker = null;
    this.requeueNext();
    const req = this.current;
    this.current = null;
    if (req) {
      clearTimeout(req.timer);
      req.resolve({ stopped: true });
    }
    // A queued "init" is for the worker just stopped.
    this.queue = this.queue.filter((r) => r.op !== "init" || (r.resolve({ stopped: true }), false));
  }

  call(op, args, { deadline = MIN_DEADLINE, first = false } = {}) {
    return new Promise((resolve) => {
      const req = { op, args, deadline, resolve };
      if (first) this.queue.unshift(req);
      else this.queue.push(req);
      this.pump();
    });
  }

  /** The request sent behind "init" never ran when that worker is gone: it waits for the next one. */
  requeueNext() {
    if (this.next) this.queue.unshift(this.next);
    this.next = null;
  }

  async pump() {
    const cur = this.current;
    if (cur && cur.op === "init" && cur.posted && !this.next && this.worker && this.queue[0] && this.queue[0].op !== "init") {
      // The worker takes messages in order: this one starts the moment "init" ends. Its deadline starts then too.
      const req = (this.next = this.queue.shift());
      req.id = ++this.seq;
      this.worker.postMessage({ id: req.id, op: req.op, args: req.args });
      return;
    }
    if (this.current || !this.queue.length) return;
    const req = (this.current = this.queue.shift());
    req.id = ++this.seq;
    if (this.inline) return this.runInline(req);
    let args = req.args;
    if (req.op === "init") {
      args = { ...args, module: await wasmModule };
      if (this.current !== req || !this.worker) return; // stopped, or gone in-page, meanwhile
      // tests/e2e/perf.mjs: engine-start → engine-end is the worker's instantiate and pack compile (and its start-up, if later).
      if (this.name === "live") performance.mark("nextbest:engine-start");
    }
    req.timer = setTimeout(() => this.timedOut(req), req.deadline);
    try {
      this.worker.postMessage({ id: req.id, op: req.op, args });
    } catch (e) {
      // A module that cannot be sent (DataCloneError): the worker fetches its own.
      if (req.op !== "init" || !args.module) throw e;
      this.worker.postMessage({ id: req.id, op: req.op, args: { ...args, module: null } });
    }
    req.posted = true;
    if (req.op === "init") this.pump();
  }

  finish(req, answer) {
    if (req.op === "init" && answer.ok) this.startedOnce = true; // a worker answered: workers work here
    clearTimeout(req.timer);
    if (this.current === req) {
      this.current = this.next;
      this.next = null;
      const now = this.current;
      if (now) now.timer = setTimeout(() => this.timedOut(now), now.deadline);
    }
    req.resolve(answer);
    queueMicrotask(() => this.pump());
  }

  answer(data) {
    const req = this.current;
    if (!req || data?.id !== req.id) return;
    if (req.op === "init" && this.name === "live") performance.mark("nextbest:engine-end");
    if (data.trap) {
      console.error(`nextbest: the module trapped in ${req.op}; replacing the worker`, data.trap);
      this.worker.terminate();
      this.worker = null;
      this.requeueNext();
      this.finish(req, { trap: data.trap });
      this.onFail(TRAP, req);
      return;
    }
    this.finish(req, data);
  }

  timedOut(req) {
    if (this.current !== req) return;
    console.error(`nextbest: ${req.op} ran past its ${req.deadline} ms deadline; stopping the worker`);
    this.worker?.terminate();
    this.worker = null;
    this.requeueNext();
    this.finish(req, { timeout: true });
    this.onFail(TIMEOUT, req);
  }

  /** The worker failed outside a request's answer (its script did not load, or it died). */
  broken(e) {
    console.error(`nextbest: the ${this.name} worker failed`, e?.message ?? e);
    const req = this.current;
    const started = this.startedOnce;
    this.worker?.terminate();
    this.worker = null;
    this.requeueNext();
    if (!started) {
      // It never answered "init": no worker here (not built, not allowed). Evaluate in the page.
      this.inline = inPageCore();
      if (req) {
        clearTimeout(req.timer);
        this.current = null;
        this.queue.unshift(req);
      }
      this.pump();
      return;
    }
    if (req) this.finish(req, { trap: plainError(e) });
    this.onFail(TRAP, req);
  }

  async runInline(req) {
    let answer;
    try {
      const core = await this.inline;
      if (req.op === "init") answer = { ok: req.args.pack === false ? {} : core.load(req.args.pack) };
      else if (req.op === "hook") answer = { ok: false }; // no watchdog in the page: hooks would freeze it
      else answer = { ok: core[req.op](req.args) };
    } catch (e) {
      answer = isTrap(e) ? { trap: plainError(e) } : { error: plainError(e) };
    }
    if (req.op === "init" && this.name === "live") performance.mark("nextbest:engine-end");
    if (answer.trap) this.inline = inPageCore({ fresh: true });
    this.finish(req, answer);
    if (answer.trap) this.onFail(TRAP, req);
  }
}

let inPageLoads = 0;
/** The module in the page itself; `fresh` loads a new instance of the glue (after a trap). */
function inPageCore({ fresh = false } = {}) {
  return (async () => {
    // A new URL is a new module instance, with a new wasm instance: the trapped one is left behind.
    const again = new URL(`../pkg/nextbest.js?instance=${++inPageLoads}`, import.meta.url).href;
    const glue = fresh ? await import(again) : await import("../pkg/nextbest.js");
    await glue.default({ module_or_path: (await wasmModule) ?? undefined });
    return createCore(glue);
  })();
}

let pageGlue = null;
/** The module in the page's own thread, for the studio's checks: {NextBest, checkPack, bundledPack, version}. */
export function inPage() {
  return (pageGlue ??= (async () => {
    const glue = await import("../pkg/nextbest.js");
    await glue.default({ module_or_path: (await wasmModule) ?? undefined });
    return glue;
  })());
}

// ---------------------------------------------------------------------------
// The live pack

const STOPPED = {
  zh: "规则运行超时，已停止并恢复上一版规则",
  en: "A rule ran too long; it was stopped and the last good pack restored",
};
const STOPPED_SAME = {
  zh: "规则运行超时，已停止；本位客户未能评估",
  en: "A rule ran too long and was stopped; this customer could not be evaluated",
};
const TRAPPED = {
  zh: "规则引擎出错，已重新启动；若为新发布的规则，已恢复上一版",
  en: "The rule engine failed and was restarted; a newly published pack was replaced by the last good one",
};

const TRAPPED_PUBLISHED = {
  zh: "规则引擎出错，已用现行发布版本重新启动",
  en: "The rule engine failed and was restarted with the published version in force",
};

/** An answer that is not about the customer's data: {kind, zh, en, message}. */
function engineError(kind, text) {
  return { kind, zh: text.zh, en: text.en, message: `${text.zh} / ${text.en}` };
}

const listeners = new Set();
const infoListeners = new Set();
let livePack = store.get().live ?? null;
let liveJson = JSON.stringify(livePack);
let liveGen = 0; // bumps whenever the live pack changes
let info = { custom: !!livePack, products: [], manifest: { destinations: {} }, version: "" };
let bundledMs = null; // the bundled pack's budget, asked for once the first pitch is out
let lastGood = null; // {json, pack}: the last pack that evaluated without being stopped
const stoppedPacks = new Set(); // packs (as JSON) the watchdog stopped: not made live again in this page
const poisoned = new Map(); // `${gen}|request` -> the error it ended with: not run again

const live = new Host("live", (what) => recover(what));

/** Resolves once the live pack is loaded: {custom, version, products, manifest}. */
export let ready = startLive();

function startLive() {
  const gen = liveGen;
  return live.start(livePack).then((r) => {
    if (r.ok && gen === liveGen) took(r.ok);
    if (r.timeout || r.trap) console.error("nextbest: the live pack did not load", r);
    return info;
  });
}

function took(i) {
  info = { ...i, custom: i.custom ?? false };
  if (i.failed) console.error("nextbest: stored pack failed, using the bundled one", i.failed);
  if (bundledMs == null && !i.custom) {
    // Off the first pitch's path: the bundled pack's budget reads the whole pack.
    setTimeout(() => live.call("bundledBudget", {}, { deadline: START_DEADLINE }).then((r) => r.ok && (bundledMs = r.ok)), 500);
  }
  // Not a change of pack: what was queued behind the load already ran with it. Screens
  // need not draw again (the teller's first pitch would wait for a second evaluation).
  for (const l of infoListeners) l();
}

function budgetMs() {
  return (info.custom ? info.customerMs : bundledMs) ?? DEFAULT_CUSTOMER_MS;
}

/**
 * After the watchdog stopped the worker, or the module trapped: restart with
 * the last good pack. A trap is treated like a runaway rule: the pack that
 * caused it would cause it again (a rule is deterministic), so it is not
 * simply reloaded.
 */
function recover(what) {
  if (published) {
    // Signed in, only the published version may run here (records carry its number): the
    // worker restarts with it, and the customer that stopped it is not run again (poisoned).
    notify({ id: "engine", kind: what === TRAP ? "warn" : "error", ...(what === TRAP ? TRAPPED_PUBLISHED : STOPPED_SAME) });
    lastGood = null;
    ready = startLive();
    return;
  }
  if (livePack) stoppedPacks.add(liveJson);
  const next = lastGood && lastGood.json !== liveJson ? lastGood : { json: "null", pack: null };
  if (what === TRAP) notify({ id: "engine", kind: "warn", ...TRAPPED });
  if (next.json !== liveJson) {
    if (what !== TRAP) notify({ id: "engine", kind: "error", ...STOPPED });
    lastGood = next.pack ? next : null;
    swapLive(next.pack);
    store.update((s) => (s.live = next.pack));
  } else {
    // The bundled pack itself ran long (on this customer): nothing older to restore.
    if (what !== TRAP) notify({ id: "engine", kind: "error", ...STOPPED_SAME });
    lastGood = null;
    ready = startLive();
  }
}

function swapLive(pack) {
  livePack = pack ?? null;
  liveJson = JSON.stringify(livePack);
  liveGen++;
  info = { ...info, custom: !!livePack };
  ready = startLive();
  for (const l of listeners) l();
}

/** The live pack's catalogue and manifest (empty until it is loaded). */
export function products() {
  return info.products ?? [];
}
export function manifest() {
  return info.manifest ?? { destinations: {} };
}
// labels.js reads names (purposes, channels, destinations, products…) from the live pack.
useLivePack({ manifest, products });

export function version() {
  return info.version ?? "";
}

export function liveIsCustom() {
  return !!info.custom;
}

/** Whether the watchdog stopped this pack here: the studio does not make it live again unchanged. */
export function wasStopped(pack) {
  return !!pack && stoppedPacks.size > 0 && stoppedPacks.has(JSON.stringify({ files: pack.files }));
}

/**
 * Makes `pack` the live pack (null: the bundled one). Signed in to a branch
 * server, only a published version is ever live here: the studio's draft
 * stays the studio's until it is published.
 */
export function setLive(pack) {
  if (published) return;
  store.update((s) => (s.live = pack));
  swapLive(pack);
}

let published = null; // {version, hash}: the branch server's pack in force, or null on a single device

/** Runs the branch server's published version `meta.version` ({files}) from now on: teller and lobby switch live. */
export function usePublished(pack, meta) {
  published = meta;
  if (JSON.stringify(pack) !== liveJson) swapLive(pack);
  else for (const l of listeners) l();
}

/** The published pack in force here ({files}), or null on a single device. */
export function publishedPack() {
  return published ? livePack : null;
}

/** The published version in force here ({version, hash}), or null on a single device. */
export function publishedVersion() {
  return published;
}

export function onLiveChange(fn) {
  listeners.add(fn);
}

/** Called when a pack has loaded (its version, catalogue, whether the stored pack compiled). */
export function onInfo(fn) {
  infoListeners.add(fn);
}

// The studio in another tab may have made a new pack live.
store.subscribe((s) => {
  if (published) return; // the branch server decides what is live, not this device's store
  if (JSON.stringify(s.live ?? null) === liveJson) return;
  swapLive(s.live ?? null);
});

// ---------------------------------------------------------------------------
// Customers

// The sample customers are a static file beside the module (same origin: no
// customer data leaves the browser); fetched while the module compiles.
const samplesReady = fetch(new URL("../samples/customers.json", import.meta.url))
  .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`samples/customers.json: HTTP ${r.status}`))))
  .catch((e) => {
    console.error("nextbest: no sample customers", e);
    return [];
  });
export const samples = await samplesReady;
performance.mark("nextbest:samples-end");

// Signed in to a branch server, the customers are the ones it holds for this
// account (the day's visitors in the hall, a customer manager's book), not the
// bundled samples.
let branchCustomers = null; // Map id -> customer, or null on a single device

/** Uses the branch server's customers (a list) instead of the samples. */
export function useCustomers(list) {
  branchCustomers = new Map(list.filter((c) => c && typeof c.id === "string").map((c) => [c.id, c]));
  for (const l of listeners) l();
}

/** The customers the hall starts from: the branch's visitors, or the samples on a single device. */
export function hallCustomers() {
  return branchCustomers ? [...branchCustomers.values()] : samples;
}

/** Every customer the page knows: the branch's (or the samples), then pasted or loaded ones. */
export function allCustomers() {
  const extra = Object.values(store.get().customers);
  const ids = new Set(extra.map((c) => c.id));
  return [...hallCustomers().filter((c) => !ids.has(c.id)), ...extra];
}

export function findCustomer(id) {
  return store.own(store.get().customers, id) ?? (branchCustomers ? branchCustomers.get(id) : samples.find((c) => c.id === id));
}

let branchNow = () => undefined;
/** Where the branch context comes from when a caller gives none (the staff board, signed in). */
export function useBranchContext(fn) {
  branchNow = fn;
}

function recordedFor(id) {
  return store.own(store.get().outcomes, id) ?? [];
}

/**
 * A recorded outcome as the customer contract's contact (product, at, outcome, by):
 * what the page keeps beside it (a follow-up's channel, the rules behind the pitch)
 * is for the records, not for the engine, which refuses fields it does not know.
 */
function asContact(r) {
  return { product: r.product, at: r.at, outcome: r.outcome, ...(r.by ? { by: r.by } : {}) };
}

/** The customer with what this page recorded added to its contact history. */
export function withRecorded(customer, overrides = {}) {
  const recorded = recordedFor(customer.id);
  const visit = { ...(customer.visit ?? {}), ...(overrides.visit ?? {}) };
  return {
    ...customer,
    visit,
    contact_history: [...(customer.contact_history ?? []), ...recorded.map(asContact)],
  };
}

/**
 * Evaluates with the live pack, at the later of the visit time and the
 * latest outcome recorded here, so a recording made a moment ago counts.
 * Resolves to {out} or {error}, never rejects. error is the engine's error
 * (path, detail, message) for bad data, or {kind: "timeout" | "trap", zh, en,
 * message} when the watchdog stopped the rules or the module failed.
 */
export async function evaluate(customer, { channel = "lobby", purpose, now, branch } = {}) {
  let c, options;
  try {
    branch ??= branchNow();
    c = withRecorded(customer, purpose ? { visit: { purpose } } : {});
    const latest = recordedFor(customer.id)
      .map((r) => Date.parse(r.at))
      .filter(Number.isFinite)
      .sort((a, b) => a - b)
      .at(-1);
    const visitAt = Date.parse(c.visit?.at ?? "");
    const when = now ?? (latest && (!Number.isFinite(visitAt) || latest > visitAt) ? new Date(latest).toISOString() : undefined);
    // The branch context (who is free, queues, VIP seats: www/branch.schema.json)
    // when the caller has one; without it the engine knows nothing about the branch.
    options = branch ? { channel, now: when, branch } : { channel, now: when };
  } catch (error) {
    return { error: plainError(error) };
  }
  const gen = liveGen;
  const key = `${gen}|${safeJson([c, options])}`;
  if (poisoned.has(key)) return { error: poisoned.get(key) };
  const json = liveJson;
  const pack = livePack;
  const r = await live.call("evaluate", { customer: c, options }, { deadline: deadlineFor(budgetMs()) });
  if (r.ok) {
    if (gen === liveGen) lastGood = { json, pack };
    return { out: r.ok };
  }
  if (r.error) return { error: r.error };
  if (r.stopped) return evaluate(customer, { channel, purpose, now, branch }); // the pack changed under it: again, with the new one
  const error = r.trap ? engineError("trap", TRAPPED) : engineError("timeout", json === liveJson ? STOPPED_SAME : STOPPED);
  // A rule that ran too long (or trapped) on this customer with this pack would again: not run twice.
  if (poisoned.size > 200) poisoned.clear();
  poisoned.set(key, error);
  return { error };
}

/**
 * The customer manager's contact plan (wasm contactPlan) over `customers` on the
 * day of `nowSeconds`, with the live pack: {out: [line…]} best first, or {error}.
 * What this page recorded counts (withRecorded), so pacing follows it.
 */
export async function contactPlan(customers, nowSeconds) {
  let book;
  try {
    book = customers.map((c) => withRecorded(c));
  } catch (error) {
    return { error: plainError(error) };
  }
  const ms = budgetMs();
  const r = await live.call("contactPlan", { customers: book, now: nowSeconds }, { deadline: deadlineFor(ms) + 8 * ms * Math.max(0, book.length - 1) });
  if (r.ok) return { out: r.ok };
  if (r.error) return { error: r.error };
  if (r.stopped) return contactPlan(customers, nowSeconds);
  return { error: engineError(r.trap ? "trap" : "timeout", r.trap ? TRAPPED : STOPPED_SAME) };
}

/** The branch head's board (wasm branchBoard) from records as JSON lines: {out} or {error}. */
export async function branchBoard(jsonl) {
  const r = await live.call("branchBoard", { jsonl }, { deadline: START_DEADLINE });
  if (r.ok) return { out: r.ok };
  if (r.error) return { error: r.error };
  if (r.stopped) return branchBoard(jsonl);
  return { error: engineError(r.trap ? "trap" : "timeout", r.trap ? TRAPPED : STOPPED_SAME) };
}

let rulesCache = null; // {gen, list}
/** The live pack's rule headers [{id, kind, zh, en…}] ([] when they cannot be had). */
export async function rules() {
  const gen = liveGen;
  if (rulesCache?.gen === gen) return rulesCache.list;
  const r = await live.call("rules", {}, { deadline: START_DEADLINE });
  const list = Array.isArray(r.ok) ? r.ok : [];
  if (r.ok && gen === liveGen) rulesCache = { gen, list };
  return list;
}

function safeJson(v) {
  try {
    return JSON.stringify(v);
  } catch {
    return String(Math.random());
  }
}

// ---------------------------------------------------------------------------
// The studio's runs: a worker of their own, so a draft that runs forever
// never stops the teller's.

let studio = null;
function studioHost() {
  if (!studio) {
    studio = new Host("studio", () => studio.start(false));
    studio.start(false);
  }
  return studio;
}

/**
 * Runs a draft pack: op "runDraft" ({pack, customer, options}) or
 * "runFixtures" ({pack}). Resolves to {out} or {error} like evaluate().
 */
export async function runDraft(op, args) {
  const ms = customerBudget(args.pack?.files?.["pack.json"]);
  const cases = op === "runFixtures" ? fixtureCount(args.pack) : 1;
  const r = await studioHost().call(op, args, { deadline: deadlineFor(ms) + 8 * ms * Math.max(0, cases - 1) });
  if (r.ok) return { out: r.ok };
  if (r.error) return { error: r.error };
  if (r.timeout) return { error: engineError("timeout", { zh: "规则运行超时，已停止", en: "A rule ran too long; it was stopped" }) };
  return { error: engineError("trap", TRAPPED) };
}

function fixtureCount(pack) {
  let n = 0;
  for (const [name, text] of Object.entries(pack?.files ?? {})) {
    if (!name.startsWith("fixtures/")) continue;
    try {
      n += JSON.parse(text)?.cases?.length ?? 0;
    } catch {}
  }
  return n;
}

// ---------------------------------------------------------------------------
// The workbench's backtest: the draft and a base pack over a sample, in
// workers of its own, two on a machine with two cores or more, each taking
// half of the sample; the second's counts are added to the first's at the
// end (BacktestAcc.part / merge), which gives what one worker would. The
// workers stay between runs with the sample read into the module, so a run
// after the first compiles the two packs and evaluates, nothing more. A
// chunk at a time, so the page shows progress; Stop (or any failure)
// terminates them, and nothing half-counted shows.

const BACKTEST_CHUNK = 1000;
const btPool = [];

function btHosts() {
  const n = Math.max(1, Math.min(2, navigator.hardwareConcurrency || 1));
  while (btPool.length < n) btPool.push(new Host(`backtest${btPool.length}`, () => {}));
  return btPool.slice(0, n);
}

/** Starts the backtest workers now, so the first run does not wait for them (the studio opens). */
export function warmBacktest() {
  for (const h of btHosts()) if (!h.worker && !h.inline && !h.current) h.start(false);
}

/**
 * Runs a backtest: {base, draft} packs ({files}; null: the bundled one),
 * `sample` {customers: [..]} | {jsonl: text} | {generate: {n, seed}}, options
 * {channel, now, timing}. onProgress(done, total). Returns {promise, stop}; the
 * promise resolves to {out} (the Backtest), {error} or {stopped: true}.
 */
export function backtest({ base, draft, sample, options }, onProgress = () => {}) {
  let hosts = btHosts();
  let stopped = false;
  let failed = null;
  const stopAll = () => hosts.forEach((h) => h.stop());
  const failure = (r, fallback) => (r.stopped || stopped ? { stopped: true } : { error: r.error ?? engineError(r.timeout ? "timeout" : "trap", r.timeout ? { zh: "规则运行超时，回测已停止", en: "A rule ran too long; the backtest was stopped" } : fallback ?? TRAPPED) });
  const promise = (async () => {
    const started = await Promise.all(hosts.map((h) => (h.worker || h.inline ? { ok: true } : h.start(false))));
    const bad = started.find((r) => !r.ok);
    if (bad) return failure(bad);
    if (hosts.some((h) => h.inline)) hosts = hosts.filter((h) => h.inline).slice(0, 1); // no workers: one, in the page
    const ms = Math.max(customerBudget(base?.files?.["pack.json"]), customerBudget(draft?.files?.["pack.json"]));
    const loaded = await Promise.all(hosts.map((h) => h.call("btStart", { base, draft, sample, options }, { deadline: 60_000 })));
    const notLoaded = loaded.find((r) => !r.ok);
    if (notLoaded) return failure(notLoaded, { zh: "回测准备失败", en: "The backtest did not start" });
    const total = loaded[0].ok.customers;
    const cuts = hosts.map((_, k) => Math.floor((total * k) / hosts.length)).concat(total);
    const done = hosts.map(() => 0);
    onProgress(0, total);
    const runs = await Promise.all(
      hosts.map(async (h, k) => {
        for (let start = cuts[k]; start < cuts[k + 1]; start += BACKTEST_CHUNK) {
          if (stopped || failed) return { stopped: true };
          const end = Math.min(cuts[k + 1], start + BACKTEST_CHUNK);
          const r = await h.call("btStep", { start, end }, { deadline: deadlineFor(ms) + 2 * ms * (end - start) });
          if (!r.ok) return (failed = r);
          done[k] = end - cuts[k];
          onProgress(done.reduce((a, b) => a + b, 0), total);
        }
        return { ok: true };
      }),
    );
    if (stopped) return { stopped: true };
    if (failed) return failure(failed);
    if (runs.some((r) => !r.ok)) return { stopped: true };
    for (let k = 1; k < hosts.length; k++) {
      const part = await hosts[k].call("btPart", {}, { deadline: 60_000 });
      if (!part.ok) return failure(part);
      const merged = await hosts[0].call("btMerge", { part: part.ok }, { deadline: 60_000 });
      if (!merged.ok) return failure(merged);
    }
    const fin = await hosts[0].call("btFinish", {}, { deadline: 60_000 });
    return fin.ok ? { out: fin.ok } : failure(fin);
  })().then((r) => {
    // A worker left mid-backtest holds half-counted state: it is not used again.
    if (!r.out) stopAll();
    return r;
  });
  return {
    promise,
    stop() {
      stopped = true;
      stopAll();
    },
  };
}

// ---------------------------------------------------------------------------
// Test hooks: only with ?test-hooks in the address (tests/e2e).

if (HOOKS) {
  window.__nextbest = {
    /**
     * {hang: "evaluate" | "run", rule?} or {trap: "evaluate" | "run"} in the live (or studio)
     * worker, now and in every worker started after (not after a trap: that one is spent).
     */
    hook: async (args, which = "live") => {
      hookArgs[which] = { ...args };
      if (args.trap) delete hookArgs[which].trap;
      return (await (which === "live" ? live : studioHost()).call("hook", args)).ok;
    },
    ready: () => ready,
    deadline: () => deadlineFor(budgetMs()),
  };
}

// ---------------------------------------------------------------------------

/** When something is recorded: now, as it really is. */
export function stamp() {
  return new Date().toISOString();
}

/** A time staff read: branch-local, to the minute. */
export function localTime(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso ?? "") : d.toLocaleString("zh-CN", { hour12: false, timeZone: "Asia/Shanghai" }).slice(0, -3);
}
