// One place that loads the wasm module and holds the live pack: the last
// pack that compiled cleanly. Teller and lobby evaluate with it; the studio
// compiles drafts separately and promotes one here only when it is clean.

import init, { NextBest, bundledPack, checkPack, version } from "../pkg/nextbest.js";
import * as store from "./store.js";

// The sample customers are a static file beside the module (same origin: no
// customer data leaves the browser); fetched while the module compiles.
const samplesReady = fetch(new URL("../samples/customers.json", import.meta.url))
  .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`samples/customers.json: HTTP ${r.status}`))))
  .catch((e) => {
    console.error("nextbest: no sample customers", e);
    return [];
  });

// Marks for tests/e2e/perf.mjs (cold start = fetch + instantiate + pack compile).
performance.mark("nextbest:init-start");
await init();
performance.mark("nextbest:init-end");

export { NextBest, checkPack, bundledPack, version };

const listeners = new Set();
performance.mark("nextbest:engine-start");
let live = makeLive(store.get().live);
performance.mark("nextbest:engine-end");

export const samples = await samplesReady;
performance.mark("nextbest:samples-end");
let liveJson = JSON.stringify(store.get().live ?? null);

function makeLive(pack) {
  if (pack) {
    try {
      return { engine: new NextBest(pack), custom: true };
    } catch (e) {
      console.error("nextbest: stored pack failed, using the bundled one", e);
    }
  }
  return { engine: new NextBest(undefined), custom: false };
}

/** The engine teller and lobby use. */
export function liveEngine() {
  return live.engine;
}

export function liveIsCustom() {
  return live.custom;
}

/** Makes `pack` the live pack (null: the bundled one). */
export function setLive(pack) {
  live = makeLive(pack);
  liveJson = JSON.stringify(pack ?? null);
  store.update((s) => (s.live = pack));
  for (const l of listeners) l();
}

export function onLiveChange(fn) {
  listeners.add(fn);
}

/** Every customer the page knows: samples, then pasted or loaded ones. */
export function allCustomers() {
  const extra = Object.values(store.get().customers);
  const ids = new Set(extra.map((c) => c.id));
  return [...samples.filter((c) => !ids.has(c.id)), ...extra];
}

export function findCustomer(id) {
  return store.own(store.get().customers, id) ?? samples.find((c) => c.id === id);
}

function recordedFor(id) {
  return store.own(store.get().outcomes, id) ?? [];
}

/** The customer with what this page recorded added to its contact history. */
export function withRecorded(customer, overrides = {}) {
  const recorded = recordedFor(customer.id);
  const visit = { ...(customer.visit ?? {}), ...(overrides.visit ?? {}) };
  return {
    ...customer,
    visit,
    contact_history: [...(customer.contact_history ?? []), ...recorded],
  };
}

/**
 * Evaluates with the live pack, at the later of the visit time and the
 * latest outcome recorded here, so a recording made a moment ago counts.
 * Returns {out} or {error} (a JS Error with path/message), never throws.
 */
export function evaluate(customer, { channel = "lobby", purpose, now } = {}) {
  try {
    const c = withRecorded(customer, purpose ? { visit: { purpose } } : {});
    const latest = recordedFor(customer.id)
      .map((r) => Date.parse(r.at))
      .filter(Number.isFinite)
      .sort((a, b) => a - b)
      .at(-1);
    const visitAt = Date.parse(c.visit?.at ?? "");
    const when = now ?? (latest && (!Number.isFinite(visitAt) || latest > visitAt) ? new Date(latest).toISOString() : undefined);
    return { out: live.engine.evaluate(c, { channel, now: when }) };
  } catch (error) {
    return { error };
  }
}

/** When something is recorded: now, as it really is. */
export function stamp() {
  return new Date().toISOString();
}

/** A time staff read: branch-local, to the minute. */
export function localTime(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso ?? "") : d.toLocaleString("zh-CN", { hour12: false, timeZone: "Asia/Shanghai" }).slice(0, -3);
}

// The studio in another tab may have made a new pack live.
store.subscribe((s) => {
  if (JSON.stringify(s.live ?? null) === liveJson) return;
  live = makeLive(s.live);
  liveJson = JSON.stringify(s.live ?? null);
  for (const l of listeners) l();
});
