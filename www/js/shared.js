// What this device shares with the branch: each record staff make here is
// kept in the store (the screens draw from it) and, signed in to a branch
// server, queued for it (sync.js) under the same id; each record another
// device made arrives from the server and is put into the store in the shape
// the screens read. One place for both directions, so a field added to a
// record (src/records.rs) is added here once.

import * as store from "./store.js";
import * as sync from "./sync.js";
import * as engine from "./engine.js";
import { zh } from "./labels.js";

/** A record id: 128 random bits as hex (crypto.randomUUID needs https; a branch LAN may be http). */
export function recordId() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

const strings = (v) => (Array.isArray(v) ? v.filter((x) => typeof x === "string") : []);

/** The customer's name for a card, from the customers this device holds (never the id alone when a name is known). */
function nameOf(id) {
  return engine.findCustomer(id)?.name ?? id;
}

// ---------------------------------------------------------------------------
// Written here

/**
 * A customer's answer to a pitch (teller, lobby, product sales): kept, and
 * shared for pacing. `also(s, rid)` changes more in the same store update.
 * Ids are made outside the update: a failed save replays it, with the same id.
 */
export function outcome(customerId, entry, also) {
  const rid = recordId();
  store.update((s) => {
    store.addOutcome(s, customerId, { ...entry, rid });
    also?.(s, rid);
  });
  sync.send("outcome", customerId, { product: entry.product, outcome: entry.outcome, rules: strings(entry.rules) }, rid);
  return rid;
}

/**
 * A customer manager's contact: the answer paces the product everywhere (an
 * outcome record, which counters read) and the contact itself (channel) goes
 * to the customer manager's and head's records (a follow_up record).
 */
export function followUp(customerId, entry) {
  const rid = recordId();
  store.update((s) => store.addOutcome(s, customerId, { ...entry, rid: `${rid}:o`, fid: rid }));
  sync.send("outcome", customerId, { product: entry.product, outcome: entry.outcome, rules: strings(entry.rules) }, `${rid}:o`);
  sync.send("follow_up", customerId, { channel: entry.via, outcome: entry.outcome, product: entry.product }, rid);
}

/**
 * A hand-off (the local object as teller.js builds it; its id is the record's).
 * The customer's name goes with it: a customer pasted at the counter is not in
 * the lobby's hall list, and the tablet must never show a bare id.
 */
export function handoff(h) {
  const name = typeof h.name === "string" && h.name.trim() && h.name !== h.customer ? h.name.trim().slice(0, 64) : undefined;
  sync.send("handoff", h.customer, { to: h.destination, products: strings(h.products), purpose: h.purpose || null, need: h.need || null, ...(name ? { name } : {}) }, h.id);
}

/**
 * Takes back a record this account made (Undo): still in the outbox, it is
 * simply not sent; already at the server, a retraction follows it, and every
 * device that holds the record drops it (pacing included).
 */
export function retract(customerId, rid, author) {
  // One takes back only one's own records (the server refuses the rest).
  if (!rid || (author && author !== sync.link.user?.name) || sync.unsend(rid)) return;
  sync.send("retraction", customerId, { record: rid }, recordId());
}

/** A lead; `products` are product ids. */
export function lead(l, products, assignedTo = "") {
  sync.send("lead", l.customer, { assigned_to: assignedTo, need: l.need || null, products }, l.id);
}

export function unmet(u) {
  sync.send("unmet_need", u.customer, { need: u.need, note: "" }, u.rid);
}

/** This person's state on the staff board. */
export function staffState(state) {
  if (sync.link.mode !== "signed-in") return;
  const id = recordId();
  store.update((s) => {
    s.staff = { ...(s.staff ?? {}), [sync.link.user.name]: { role: sync.link.user.role, state, at: new Date().toISOString(), rid: id } };
  });
  sync.send("staff_state", "", { state, name: sync.link.user.name }, id);
}

/** The hall's counts: people waiting at each counter, free seats in the VIP area (lobby, head). */
export function hallState(queues, vipSeatsFree) {
  const id = recordId();
  const body = { queues, ...(vipSeatsFree === null || vipSeatsFree === undefined ? {} : { vip_seats_free: vipSeatsFree }) };
  store.update((s) => (s.hall = { ...body, at: new Date().toISOString(), rid: id }));
  sync.send("hall_state", "", body, id);
}

// ---------------------------------------------------------------------------
// Arriving from other devices

/** How a role's records are marked `by` in the contact history. */
const BY = { teller: "teller", vip_teller: "teller", lobby: "lobby", psm: "psm", cm: "cm", head: "head" };

sync.onRecord("outcome", (s, r) => {
  const list = store.own(s.outcomes, r.customer) ?? [];
  if (list.some((x) => x.rid === r.id)) return;
  s.outcomes[r.customer] = [...list, { product: r.body.product, at: r.created, outcome: r.body.outcome, by: BY[r.role] ?? r.role, rules: strings(r.body.rules), rid: r.id }];
});

sync.onRecord("follow_up", (s, r) => {
  const list = store.own(s.outcomes, r.customer) ?? [];
  const paired = list.find((x) => x.rid === `${r.id}:o`);
  if (paired) paired.via = r.body.channel;
  else if (r.body.product && !list.some((x) => x.fid === r.id)) {
    s.outcomes[r.customer] = [...list, { product: r.body.product, at: r.created, outcome: r.body.outcome, by: "cm", via: r.body.channel, fid: r.id }];
  }
});

sync.onRecord("handoff", (s, r) => {
  if (s.handoffs.some((x) => x.id === r.id)) return;
  const c = engine.findCustomer(r.customer);
  const products = strings(r.body.products);
  const today = new Date().toLocaleDateString("sv-SE", { timeZone: "Asia/Shanghai" });
  const answers = (store.own(s.outcomes, r.customer) ?? [])
    .filter((x) => new Date(x.at).toLocaleDateString("sv-SE", { timeZone: "Asia/Shanghai" }) === today)
    .map((x) => ({ product: x.product, outcome: x.outcome }));
  // One open hand-off per customer, as on the device that wrote it.
  s.handoffs = s.handoffs.filter((x) => !(x.status === "open" && x.customer === r.customer));
  s.handoffs.push({
    id: r.id,
    at: r.created,
    from: BY[r.role] ?? r.role,
    by_name: r.author,
    customer: r.customer,
    name: r.body.name ?? nameOf(r.customer),
    need: r.body.need ?? "",
    purpose: r.body.purpose ?? null,
    accepted: answers.find((a) => a.outcome === "accepted" && products.includes(a.product))?.product ?? null,
    answers,
    grade: "",
    products,
    product_zh: products[0] ? zh("product", products[0]) : "",
    destination: r.body.to,
    destination_zh: zh("destination", r.body.to),
    // Unknown customer here: not recorded as consented (the lobby guides, and records nothing).
    consent: c?.consent?.record === true,
    // Open only on the day it was made: a device that signs in later (or the next morning) replays
    // the whole history, and yesterday's hand-offs are not waiting in today's hall.
    status: s.confirmed?.[r.customer]?.handoff === r.id || new Date(r.created).toLocaleDateString("sv-SE", { timeZone: "Asia/Shanghai" }) !== today ? "done" : "open",
  });
});

sync.onRecord("lead", (s, r) => {
  if (s.leads.some((x) => x.id === r.id)) return;
  const c = engine.findCustomer(r.customer);
  s.leads.push({
    id: r.id,
    at: r.created,
    customer: r.customer,
    name: nameOf(r.customer),
    contact: c?.contact ?? "",
    need: r.body.need ?? "",
    products: strings(r.body.products)
      .map((p) => zh("product", p))
      .join("、"),
    by: BY[r.role] ?? r.role,
    by_name: r.author,
    assigned_to: r.body.assigned_to ?? "",
  });
});

sync.onRecord("unmet_need", (s, r) => {
  if (s.unmet.some((x) => x.rid === r.id)) return;
  s.unmet.push({ at: r.created, customer: r.customer, name: nameOf(r.customer), need: r.body.need, by: BY[r.role] ?? r.role, rid: r.id });
});

// A record its author took back: gone from every screen and from pacing, as if never made.
sync.onRecord("retraction", (s, r) => {
  const id = r.body?.record;
  if (typeof id !== "string") return;
  const list = store.own(s.outcomes, r.customer);
  if (list) {
    const kept = list.filter((x) => x.rid !== id && x.fid !== id && x.rid !== `${id}:o`);
    if (kept.length) s.outcomes[r.customer] = kept;
    else delete s.outcomes[r.customer];
  }
  s.handoffs = s.handoffs.filter((x) => x.id !== id);
  s.leads = s.leads.filter((x) => x.id !== id);
  s.unmet = s.unmet.filter((x) => x.rid !== id);
});

sync.onRecord("staff_state", (s, r) => {
  const prev = s.staff?.[r.author];
  // Newest wins by the server's clock; this device's own entry (its clock) yields to its echo.
  if (prev && prev.rid !== r.id && Date.parse(prev.at) > Date.parse(r.created)) return;
  s.staff = { ...(s.staff ?? {}), [r.author]: { role: r.role, state: r.body.state, at: r.created, rid: r.id } };
});

sync.onRecord("hall_state", (s, r) => {
  if (s.hall && s.hall.rid !== r.id && Date.parse(s.hall.at) > Date.parse(r.created)) return;
  s.hall = { queues: r.body.queues ?? {}, vip_seats_free: r.body.vip_seats_free, at: r.created, rid: r.id };
});

// ---------------------------------------------------------------------------
// The branch context every evaluation here receives (www/branch.schema.json)

const dayOf = (iso) => new Date(iso).toLocaleDateString("sv-SE", { timeZone: "Asia/Shanghai" });

/**
 * Who is on duty today and what each is doing, the counters' queues and the
 * VIP seats, from today's staff and hall records; undefined when nothing is
 * known today (the engine then knows nothing about the branch, which rules
 * read as "no information", never as "everyone is free").
 */
export function branchContext(s = store.get()) {
  const today = dayOf(Date.now());
  const staff = Object.entries(s.staff ?? {})
    .filter(([, x]) => x && dayOf(x.at) === today && BY[x.role] && ["available", "busy", "away"].includes(x.state))
    .map(([name, x]) => ({ role: x.role, name, state: x.state }));
  const hall = s.hall && dayOf(s.hall.at) === today ? s.hall : null;
  if (!staff.length && !hall) return undefined;
  const queues = {};
  for (const k of ["teller", "vip_teller", "psm"]) if (Number.isInteger(hall?.queues?.[k])) queues[k] = hall.queues[k];
  return { staff, queues, ...(Number.isInteger(hall?.vip_seats_free) ? { vip_seats_free: hall.vip_seats_free } : {}) };
}
