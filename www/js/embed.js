// Embedding in the bank's teller system (see README):
// Parent → page: {type: "nextbest:customer", customer, purpose?, channel?}
// Page → parent: {type: "nextbest:ready"}, {type: "nextbest:outcome", …},
//                {type: "nextbest:handoff", …}, {type: "nextbest:error", path, message}
//
// app.js imports this first, so the page listens from its first moment: a
// customer sent while the engine is still loading waits for it, in order,
// instead of being dropped.

import * as store from "./store.js";
import { knownPurpose } from "./labels.js";

let embedOrigin = null; // the allowed origin that sent the current customer
const configReady = import("../config.js").then(
  (m) => allowedOrigins(m.default),
  (e) => {
    console.error("nextbest: config.js did not load; no origin may embed the page", e);
    return new Set();
  },
);
let queue = Promise.resolve();
const warned = new Set();

/** Configured origins as the browser writes them; anything else is dropped. */
function allowedOrigins(config) {
  const out = new Set();
  for (const o of config?.allowedOrigins ?? []) {
    try {
      const origin = new URL(o).origin;
      if (origin !== "null") out.add(origin);
      else console.warn("nextbest: allowedOrigins entry has no origin:", o);
    } catch {
      console.warn("nextbest: allowedOrigins entry is not a URL:", o);
    }
  }
  return out;
}

window.addEventListener("message", (e) => {
  if (e.data?.type !== "nextbest:customer") return;
  // Taken now (the event's fields), handled in arrival order once config and engine are ready.
  const { origin, source, data } = e;
  queue = queue.then(() => take(origin, source, data)).catch((err) => console.error("nextbest: embedder message failed", err));
});

async function take(origin, source, data) {
  const allowed = await configReady;
  if (!allowed.has(origin)) {
    // Said once per origin, for the branch's IT: a teller system whose origin is missing from config.js.
    if (!warned.has(origin)) console.warn(`nextbest: ignored a customer message from ${origin}: not in config.js allowedOrigins`);
    warned.add(origin);
    return;
  }
  if (source !== window.parent) return;
  embedOrigin = origin;
  const { customer: c, purpose, channel } = data;
  const fail = (path, message) => tellEmbedder({ type: "nextbest:error", path, message });
  if (!c || typeof c !== "object" || Array.isArray(c)) return fail("customer", "expected one customer object");
  if (!store.safeId(c.id)) return fail("customer.id", "expected a non-empty id string");
  if (channel != null && channel !== "teller" && channel !== "vip_teller") return fail("channel", "expected teller or vip_teller");
  const engine = await import("./engine.js");
  await engine.ready; // the live pack's vocabulary decides which purposes there are
  const visitPurpose = purpose == null ? null : knownPurpose(purpose);
  if (purpose != null && !visitPurpose) return fail("purpose", `unknown visit purpose ${JSON.stringify(purpose)} (the live pack's pack.json vocabulary.purpose does not list it)`);
  const test = await engine.evaluate(c, { channel: channel ?? "teller", purpose: visitPurpose ?? undefined });
  if (test.error?.kind) return fail("customer", test.error.message); // the rules, not the record: said, not stored
  if (test.error) return fail(test.error.path ? `customer.${test.error.path}` : "customer", test.error.detail ?? test.error.message);
  store.update((s) => {
    s.customers[c.id] = c;
    s.teller = { ...s.teller, customer: c.id, purpose: visitPurpose, pasteError: null, channel: channel ?? s.teller.channel ?? "teller" };
  });
  location.hash = "#teller";
}

if (window.parent !== window) {
  configReady.then((allowed) => {
    // Tell each allowed parent we are ready; the browser delivers only to the real one.
    for (const origin of allowed) window.parent.postMessage({ type: "nextbest:ready" }, origin);
    const parentOrigin = location.ancestorOrigins?.[0];
    if (parentOrigin && allowed.has(parentOrigin)) embedOrigin ??= parentOrigin;
  });
}

export function tellEmbedder(message) {
  if (embedOrigin && window.parent !== window) window.parent.postMessage(message, embedOrigin);
}
