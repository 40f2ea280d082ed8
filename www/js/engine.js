// One place that loads the wasm module and holds the live pack: the last
// pack that compiled cleanly. Teller and lobby evaluate with it; the studio
// compiles drafts separately and promotes one here only when it is clean.

import init, { NextBest, sampleCustomers, bundledPack, checkPack, version } from "../pkg/nextbest.js";
import * as store from "./store.js";

await init();

export { NextBest, checkPack, bundledPack, version };

export const samples = sampleCustomers();
const listeners = new Set();
let live = makeLive(store.get().live);

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
  return store.get().customers[id] ?? samples.find((c) => c.id === id);
}

/** The customer with what this page recorded added to its contact history. */
export function withRecorded(customer, overrides = {}) {
  const recorded = store.get().outcomes[customer.id] ?? [];
  const visit = { ...(customer.visit ?? {}), ...(overrides.visit ?? {}) };
  return {
    ...customer,
    visit,
    contact_history: [...(customer.contact_history ?? []), ...recorded],
  };
}

/**
 * Evaluates with the live pack. `now` defaults to the customer's visit time
 * or, for a recorded outcome after it, the latest recorded time, so a
 * recording made a moment ago counts.
 * Returns {out} or {error} (a JS Error with path/message), never throws.
 */
export function evaluate(customer, { channel = "lobby", purpose, now } = {}) {
  const c = withRecorded(customer, purpose ? { visit: { purpose } } : {});
  const recorded = store.get().outcomes[customer.id] ?? [];
  const latest = recorded.map((r) => r.at).sort().at(-1);
  const visitAt = c.visit?.at;
  const when = now ?? (latest && (!visitAt || Date.parse(latest) > Date.parse(visitAt)) ? latest : undefined);
  try {
    return { out: live.engine.evaluate(c, { channel, now: when }) };
  } catch (error) {
    return { error };
  }
}

/** A branch-local timestamp for a recording: just after the visit, or now. */
export function stampFor(customer) {
  const recorded = store.get().outcomes[customer.id] ?? [];
  const base = [customer.visit?.at, ...recorded.map((r) => r.at)].filter(Boolean).map((t) => Date.parse(t));
  const t = base.length ? Math.max(...base) + 60_000 : Date.now();
  return new Date(t).toISOString();
}
