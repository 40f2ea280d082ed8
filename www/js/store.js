// Everything typed or recorded is kept in localStorage at once, so a reload
// loses nothing: outcomes, hand-offs, leads, unmet needs, the hall queue,
// pasted customers, studio drafts and the last pack that compiled.
//
// The stored state carries a schema version and is checked on every read,
// record by record. What passes is kept; what does not is moved aside to its
// own key (nextbest:quarantine:<time>) and staff are told what and where. A
// blob that cannot be read at all (not JSON, or from a newer version) is
// copied aside whole before anything is written over it; if it cannot be
// copied, nothing is written. A save that fails (storage full) is said
// plainly, and the change stays on screen and is tried again with the next
// save. Unversioned data from before (schema 1) is checked the same way and
// saved as the current version.

import { notify, dismiss } from "./notices.js";
import { download } from "./dom.js";

const BASE_KEY = "nextbest.v1"; // the key stays: tabs of the previous version share it
// Signed in to a branch server, each account keeps its own copy (useKey): a
// shared counter PC shows one member of staff nothing of the previous one's.
let KEY = BASE_KEY;
export const SCHEMA = 2;
export const QUARANTINE_PREFIX = "nextbest:quarantine:";

const empty = () => ({
  schema: SCHEMA,
  outcomes: {}, // customer id -> [{product, at, outcome, by}]
  handoffs: [], // {id, at, from, customer, name, need, destination, products, consent, status}
  leads: [], // {id, at, customer, name, contact, need, products, by}
  unmet: [], // {at, customer, name, need, by}
  confirmed: {}, // customer id -> {destination, at}
  queue: null, // customer ids in the hall; null = not seeded yet
  seen: [], // customer ids seen in the hall
  customers: {}, // customers pasted or loaded from a file, by id
  draft: null, // studio draft pack {files}
  draftEdited: false,
  live: null, // last draft that compiled cleanly {files}, used by teller and lobby
  studio: {}, // studio UI state (selected file, sample)
  teller: {}, // teller UI state (customer id, purpose, channel, last answer, paste problem)
  lobby: {}, // lobby UI state (which tab)
  day: null, // {date, customers: {id: {destination, products}}}
});

// ---------------------------------------------------------------------------
// Checking, record by record

const isObj = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const str = (v) => typeof v === "string";
const optStr = (v) => v === undefined || v === null || typeof v === "string";
const time = (v) => str(v) && Number.isFinite(Date.parse(v));
const OUTCOMES = new Set(["accepted", "declined", "not_now", "no_answer"]);

const ok = (test, why) => (v, key) => (test(v, key) ? null : why);
const RECORD = {
  outcome: ok((r) => isObj(r) && str(r.product) && time(r.at) && OUTCOMES.has(r.outcome) && optStr(r.by), "outcome needs product, a time, accepted/declined/not_now/no_answer"),
  handoff: ok(
    (r) => isObj(r) && str(r.id) && time(r.at) && safeId(r.customer) && str(r.name) && str(r.need) && str(r.destination) && (r.status === "open" || r.status === "done") && (r.products === undefined || Array.isArray(r.products)),
    "hand-off needs id, time, customer, name, need, destination, status open/done",
  ),
  lead: ok((r) => isObj(r) && str(r.id) && time(r.at) && safeId(r.customer) && str(r.name) && str(r.need) && optStr(r.contact) && optStr(r.products), "lead needs id, time, customer, name, need"),
  unmet: ok((r) => isObj(r) && time(r.at) && safeId(r.customer) && str(r.need), "unmet need needs time, customer, need"),
  confirmed: ok((r) => isObj(r) && str(r.destination), "confirmation needs a destination"),
  customer: ok((r, key) => isObj(r) && r.id === key, "customer must be an object whose id is its key"),
  id: ok((r) => safeId(r), "not a customer id"),
  pack: ok((p) => p === null || (isObj(p) && isObj(p.files) && Object.values(p.files).every(str)), 'pack must be {"files": {name: text}}'),
  ui: ok((v) => isObj(v), "must be an object"),
  day: ok((d) => d === null || (isObj(d) && str(d.date) && isObj(d.customers)), "day must be {date, customers}"),
  bool: ok((v) => typeof v === "boolean", "must be true or false"),
};

/** What each field is called to staff. */
export const FIELD = {
  outcomes: ["客户应答", "outcomes"],
  handoffs: ["柜员转介", "hand-offs"],
  leads: ["商机记录", "leads"],
  unmet: ["未满足需求", "unmet needs"],
  confirmed: ["已确认去向", "confirmed routes"],
  queue: ["大厅客户", "hall queue"],
  seen: ["来厅记录", "seen in the hall"],
  customers: ["粘贴的客户", "pasted customers"],
  draft: ["规则草稿", "studio draft"],
  draftEdited: ["草稿标记", "draft flag"],
  live: ["在用规则包", "live pack"],
  studio: ["规则编写页状态", "studio state"],
  teller: ["柜员页状态", "teller state"],
  lobby: ["大堂页状态", "lobby state"],
  day: ["今日概况", "today's picture"],
  schema: ["版本号", "schema version"],
};

// How each field is checked: list (array of records), map (id -> record),
// mapOfLists (id -> array of records), or one value.
const SHAPE = {
  outcomes: { mapOfLists: RECORD.outcome },
  handoffs: { list: RECORD.handoff },
  leads: { list: RECORD.lead },
  unmet: { list: RECORD.unmet },
  confirmed: { map: RECORD.confirmed },
  customers: { map: RECORD.customer },
  queue: { list: RECORD.id, nullable: true },
  seen: { list: RECORD.id },
  draft: { one: RECORD.pack },
  live: { one: RECORD.pack },
  draftEdited: { one: RECORD.bool },
  studio: { one: RECORD.ui },
  teller: { one: RECORD.ui },
  lobby: { one: RECORD.ui },
  day: { one: RECORD.day },
};

/** Checks one parsed state; returns {state, bad: [{field, at, value, why}]}. Unknown fields are kept. */
export function check(parsed) {
  const state = { ...empty(), ...parsed, schema: SCHEMA };
  const bad = [];
  const aside = (field, at, value, why) => bad.push({ field, at, value, why });
  for (const [field, shape] of Object.entries(SHAPE)) {
    if (!Object.hasOwn(parsed, field)) continue;
    const v = parsed[field];
    const fresh = empty()[field];
    if (shape.one) {
      const why = shape.one(v);
      if (why) aside(field, null, v, why), (state[field] = fresh);
    } else if (shape.list) {
      if (v === null && shape.nullable) continue;
      if (!Array.isArray(v)) {
        aside(field, null, v, "expected a list");
        state[field] = fresh;
        continue;
      }
      state[field] = v.filter((r, i) => {
        const why = shape.list(r);
        if (why) aside(field, i, r, why);
        return !why;
      });
    } else {
      if (!isObj(v)) {
        aside(field, null, v, "expected an object");
        state[field] = fresh;
        continue;
      }
      const out = {};
      for (const [id, r] of Object.entries(v)) {
        if (!safeId(id)) {
          aside(field, id, r, "not a usable customer id");
          continue;
        }
        if (shape.map) {
          const why = shape.map(r, id);
          if (why) aside(field, id, r, why);
          else out[id] = r;
        } else if (!Array.isArray(r)) {
          aside(field, id, r, "expected a list");
        } else {
          out[id] = r.filter((x, i) => {
            const why = shape.mapOfLists(x);
            if (why) aside(field, `${id}[${i}]`, x, why);
            return !why;
          });
        }
      }
      state[field] = out;
    }
  }
  return { state, bad };
}

/** Reads a stored blob: {state, bad, unreadable (why, or null), migrated}. Never throws. */
export function read(raw) {
  if (raw === null || raw === undefined) return { state: empty(), bad: [], unreadable: null, migrated: false };
  let parsed;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    return { state: empty(), bad: [], unreadable: `not JSON (${e.message})`, migrated: false };
  }
  if (!isObj(parsed)) return { state: empty(), bad: [], unreadable: "not an object", migrated: false };
  const schema = parsed.schema;
  if (typeof schema === "number" && schema > SCHEMA) {
    return { state: empty(), bad: [], unreadable: `written by a newer version of the page (schema ${schema})`, migrated: false };
  }
  // Schema 1 had no version field; its records are checked like today's.
  const { state, bad } = check(parsed);
  return { state, bad, unreadable: null, migrated: schema !== SCHEMA };
}

// ---------------------------------------------------------------------------
// Loading, setting aside, saving

let state = null; // what the page shows: the stored state, checked, with unsaved changes on top
let blocked = null; // why saving is off: stored data could not be read nor set aside
const setAsideAlready = new Set(); // raw blobs already copied aside this session
let pending = new Map(); // changes not saved yet: replayed on every read, retried on every save
let pendingSeq = 0;

function getRaw() {
  return localStorage.getItem(KEY);
}

function load() {
  let raw;
  try {
    raw = getRaw();
  } catch (e) {
    // No storage at all (disabled by policy): keep working in memory and say so.
    blocked ??= { zh: "浏览器存储不可用，记录不会保存", en: `Browser storage is unavailable; nothing is saved (${e?.name ?? e})` };
    showBlocked();
    return state ?? empty();
  }
  const r = read(raw);
  if ((r.unreadable || r.bad.length) && !setAsideAlready.has(raw)) setAside(raw, r);
  else if (r.unreadable) return state ?? empty(); // set aside before; our own copy stands until a save lands
  else if (r.migrated && !blocked) write(r.state); // the old version, checked: saved as the current one
  return r.state;
}

/** Copies what cannot be kept to its own key, then (only then) saves the rest over it. */
function setAside(raw, r) {
  const at = new Date().toISOString();
  let key = QUARANTINE_PREFIX + at;
  for (let i = 2; localStorageHas(key); i++) key = `${QUARANTINE_PREFIX}${at}-${i}`;
  const body = r.unreadable
    ? { schema: SCHEMA, at, from: KEY, reason: r.unreadable, raw }
    : { schema: SCHEMA, at, from: KEY, reason: "records that failed their check", items: r.bad };
  const text = JSON.stringify(body);
  try {
    localStorage.setItem(key, text);
    if (localStorage.getItem(key) !== text) throw new Error("the copy did not read back");
  } catch (e) {
    console.error("nextbest: could not set aside unreadable data; not saving over it", e);
    blocked = {
      zh: "已存数据有无法读取的部分，且无法另存；为免覆盖，本页暂不保存",
      en: `Some stored data cannot be read and could not be copied aside (${e?.name ?? e}); to avoid overwriting it, this page is not saving`,
    };
    showBlocked();
    return;
  }
  setAsideAlready.add(raw);
  blocked = null;
  write(r.state); // the bad data is safe under `key`: the main key may now hold what was kept
  tellSetAside(key, r, text);
}

function localStorageHas(key) {
  try {
    return localStorage.getItem(key) !== null;
  } catch {
    return false;
  }
}

function tellSetAside(key, r, text) {
  let zh, en;
  if (r.unreadable) {
    zh = "已存数据无法读取，已原样移到一旁，本页从空白开始";
    en = `The stored data could not be read (${r.unreadable}); it was set aside as it was, and this page starts empty`;
  } else {
    const counts = {};
    for (const b of r.bad) counts[b.field] = (counts[b.field] ?? 0) + 1;
    const list = Object.entries(counts);
    zh = `有 ${r.bad.length} 条记录无法读取，已移到一旁（${list.map(([f, n]) => `${(FIELD[f] ?? [f])[0]} ${n} 条`).join("、")}），其余记录照常保留`;
    en = `${r.bad.length} record(s) could not be read and were set aside (${list.map(([f, n]) => `${n} ${(FIELD[f] ?? [, f])[1]}`).join(", ")}); everything else was kept`;
  }
  notify({
    id: "quarantine",
    kind: "warn",
    zh,
    en,
    detail: `localStorage: ${key}`,
    actions: [{ zh: "下载移出的数据", en: "Download what was set aside", run: () => download(`${key.replaceAll(":", "-")}.json`, text) }],
  });
}

function showBlocked() {
  if (blocked) notify({ id: "save", kind: "error", zh: blocked.zh, en: blocked.en });
}

/** Writes; returns whether it landed. */
function write(s) {
  if (blocked) {
    showBlocked();
    return false;
  }
  try {
    localStorage.setItem(KEY, JSON.stringify(s));
    return true;
  } catch (e) {
    console.error("nextbest: could not save", e);
    saveFailed(e);
    return false;
  }
}

state = load();
const listeners = new Set();

export function get() {
  return state;
}

/**
 * Changes the state with `fn(state)`, saves it, and tells listeners, unless
 * `quiet` (keystrokes in a text box are saved without redrawing the screen).
 * A change that could not be saved stays (on screen and in memory) and is
 * tried again with every later save; `as` names a change that a later one
 * with the same name replaces (keystrokes into the same box).
 */
export function update(fn, { quiet = false, as } = {}) {
  // Another tab (teller and lobby side by side) may have written since we
  // last read: apply this change to what is stored now, not to our copy.
  state = load();
  for (const p of pending.values()) p(state);
  fn(state);
  const key = as ?? `#${++pendingSeq}`;
  if (write(state)) {
    if (pending.size) dismiss("save");
    pending = new Map();
  } else {
    pending.delete(key);
    pending.set(key, fn);
  }
  if (!quiet) for (const l of listeners) l(state);
}

/** Changes not yet saved (a failed save), for tests and for saying so. */
export function unsaved() {
  return pending.size;
}

/** A save that fails (storage full) must not look like it worked. */
function saveFailed(e) {
  const full = e?.name === "QuotaExceededError" || e?.code === 22;
  notify({
    id: "save",
    kind: "error",
    zh: full ? "存储空间已满，最近的记录未能保存（仍显示在屏幕上），刷新页面会丢失" : "未能保存，最近的记录仍显示在屏幕上，刷新页面会丢失",
    en: full
      ? "Storage is full: the latest records were not saved (they are still on screen) and a reload would lose them. Export the leads, or clear old records, to free space."
      : `Could not save (${e?.name ?? e}): the latest records are still on screen, but a reload would lose them.`,
    detail: e?.name ? `${e.name}: ${e.message ?? ""}` : undefined,
  });
}

/** The value at `key` only if the object itself has it (not Object.prototype's). */
export function own(obj, key) {
  return obj && Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** Customer ids become object keys: refuse the few that would reach Object.prototype. */
export function safeId(id) {
  return typeof id === "string" && id !== "" && !(id in Object.prototype);
}

/**
 * Adds a customer's answer to `s.outcomes` (inside an update): the teller's
 * answers and the customer manager's follow-ups alike, so pacing follows both.
 * entry: {product, at, outcome, by, via?, rules?}; engine.js gives the engine
 * only product, at, outcome and by.
 */
export function addOutcome(s, customerId, entry) {
  s.outcomes[customerId] = [...(own(s.outcomes, customerId) ?? []), entry];
}

/**
 * Switches to the signed-in account's own copy (before any screen is drawn).
 * Nothing of the single-device copy is carried over: the server is the
 * source of what this account may see.
 */
export function useKey(account) {
  KEY = `${BASE_KEY}@${account}`;
  pending = new Map();
  state = load();
  for (const l of listeners) l(state);
}

/** Removes this account's copy from the device (signing out; the server keeps the records). */
export function forget() {
  try {
    localStorage.removeItem(KEY);
  } catch {
    // no storage: nothing kept
  }
}

export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Another tab changed the store: take its state (and keep our unsaved changes on top). */
window.addEventListener("storage", (e) => {
  if (e.key !== KEY) return;
  state = load();
  for (const p of pending.values()) p(state);
  for (const l of listeners) l(state);
});

export function uid() {
  return Date.now().toString(36) + Math.random().toString(36).slice(2, 7);
}
