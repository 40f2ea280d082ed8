// The link to the branch server (`nextbest serve`): sign-in, the outbox, the
// event stream. The page still works from a plain static host as one device:
// when there is no branch server (no /api/session), nothing here runs.
//
// Offline first. A record staff make is written to this device's store at
// once (the screen never waits for the network) and to the outbox, which is
// kept in localStorage under the signed-in account and sent in order, each
// record with its own id: the server stores an id once, so a record sent
// twice (a retry after a lost answer, two tabs flushing the same outbox) is
// stored once. What the server refuses is never dropped silently: it is set
// aside under its own key and staff are told.
//
// Records come back over /api/events (Server-Sent Events), from the last
// sequence number this device saw, so a device that was offline gets what it
// missed; each is applied to the store once (by its id), whichever device
// wrote it.
//
// Conflicts: records are facts, appended and never edited, so two devices
// cannot overwrite each other. The one shared thing two devices change is a
// hand-off's status: it is open until any lobby device confirms it, and a
// confirmation is kept even when the hand-off arrives again later.

import { h, bi, clear } from "./dom.js";
import { notify, dismiss } from "./notices.js";
import * as store from "./store.js";

/** The roles' screens: what each role's work needs and nothing more. */
export const SCREENS = {
  teller: ["teller"],
  vip_teller: ["teller"],
  lobby: ["lobby"],
  psm: ["teller", "lobby"],
  cm: ["cm"],
  head: ["head", "lobby", "cm", "studio"],
  author: ["studio"],
  admin: [],
};

export const ROLE_NAMES = {
  teller: ["柜员", "Teller"],
  vip_teller: ["贵宾柜员", "VIP teller"],
  lobby: ["大堂经理", "Lobby manager"],
  psm: ["产品销售经理", "Product sales manager"],
  cm: ["客户经理", "Customer manager"],
  head: ["网点负责人", "Branch head"],
  author: ["规则编写", "Rule author"],
  admin: ["账户管理", "Administrator"],
};

/** How the page is linked: "standalone" (no branch server), "signed-out" or "signed-in". */
export const link = { mode: "standalone", user: null, online: false };

const listeners = new Set();
export function onChange(fn) {
  listeners.add(fn);
}
function changed() {
  for (const l of listeners) l(link);
}

const api = (path) => new URL(`api/${path}`, document.baseURI).href;

/**
 * Is there a branch server, and who is signed in? Anything but the branch
 * server's answer (a static host, no network) means this page runs alone.
 */
export async function probe() {
  try {
    // A static host serves www/branch.json ({"server": false}); the branch server
    // answers {"server": true, "user": {name, role, csrf} | null}.
    const r = await fetch(new URL("branch.json", document.baseURI), { credentials: "same-origin", cache: "no-store" });
    const b = r.ok ? await r.json() : null;
    if (b?.server === true) {
      const who = b.user;
      if (typeof who?.name === "string" && typeof who?.role === "string") Object.assign(link, { mode: "signed-in", user: who });
      else Object.assign(link, { mode: "signed-out", user: null });
      return link;
    }
  } catch {
    // No server answered: a single device.
  }
  Object.assign(link, { mode: "standalone", user: null });
  return link;
}

/** Signs in; resolves to null or the error's {zh, en}. */
export async function signIn(name, password) {
  let r;
  try {
    r = await fetch(api("session"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name, password }),
    });
  } catch {
    return { zh: "无法连接网点服务器", en: "The branch server cannot be reached" };
  }
  if (r.ok) return null;
  const e = (await r.json().catch(() => null))?.error;
  return { zh: e?.message_zh ?? `登录失败（${r.status}）`, en: e?.message_en ?? `Sign-in failed (HTTP ${r.status})` };
}

export async function signOut() {
  const waiting = outbox().length;
  if (waiting) {
    notify({
      id: "signout",
      kind: "warn",
      zh: `还有 ${waiting} 条记录未发送到网点服务器；联网后再退出，否则它们留在本机，下次以此账户登录时发送`,
      en: `${waiting} record(s) have not reached the branch server yet; sign out once online, or they stay on this device until this account signs in here again`,
    });
    return false;
  }
  await fetch(api("session"), { method: "DELETE", credentials: "same-origin", headers: csrfHeaders() }).catch(() => {});
  // What this device kept for the account (customers, records) is the server's too: not left behind.
  store.forget();
  for (const k of [outboxKey(), cursorKey(), recordsKey()]) localStorage.removeItem(k);
  location.reload();
  return true;
}

function csrfHeaders() {
  return link.user?.csrf ? { "X-CSRF-Token": link.user.csrf } : {};
}

export async function getJson(path) {
  const r = await fetch(api(path), { credentials: "same-origin", cache: "no-store" });
  if (r.status === 401) return lostSession();
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r.json();
}

/** POSTs JSON; resolves to {status, body}. Network errors reject. */
export async function postJson(path, body) {
  const r = await fetch(api(path), {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", ...csrfHeaders() },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  if (r.status === 401) lostSession();
  return { status: r.status, body: await r.json().catch(() => null) };
}

let lost = false;
/** POSTs text (JSON lines); resolves to {status, body}. Network errors reject. */
export async function postText(path, text) {
  const r = await fetch(api(path), {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/x-ndjson", ...csrfHeaders() },
    body: text,
  });
  if (r.status === 401) lostSession();
  return { status: r.status, body: await r.json().catch(() => null) };
}

/**
 * A file control that loads customers (JSON lines) into a list on the branch
 * server: the day's visitors (`list=hall`) or a customer manager's book. The
 * server checks every line under the customer contract and refuses the whole
 * file on one bad line, naming it; `replace` drops those not in the file.
 */
export function customerLoader(query, [zh, en], testid) {
  const msg = h("p", { class: "muted", role: "status", "data-testid": `${testid}-msg` });
  const replace = h("input", { type: "checkbox", checked: true, "data-testid": `${testid}-replace` });
  const input = h("input", {
    type: "file",
    accept: ".jsonl,.ndjson,.json,application/x-ndjson,application/json",
    "data-testid": testid,
    onchange: async (e) => {
      const file = e.target.files?.[0];
      if (!file) return;
      msg.className = "muted";
      msg.textContent = "正在载入… · loading…";
      let r;
      try {
        r = await postText(`customers?${query}${replace.checked ? "&replace=true" : ""}`, await file.text());
      } catch {
        r = { status: 0, body: { error: { message_zh: "无法连接网点服务器", message_en: "the branch server cannot be reached" } } };
      }
      e.target.value = "";
      const err = r.body?.error;
      msg.className = err ? "error" : "ok";
      msg.textContent = err
        ? `未载入：${err.message_zh} · Not loaded: ${err.message_en}`
        : `已载入 ${r.body?.loaded ?? 0} 位${r.body?.removed ? `，移除 ${r.body.removed} 位` : ""} · loaded ${r.body?.loaded ?? 0}${r.body?.removed ? `, removed ${r.body.removed}` : ""}`;
    },
  });
  return h(
    "div",
    { class: "loader" },
    h("label", {}, bi(zh, en), input),
    h("label", { class: "muted" }, replace, bi(" 替换整个名单（不在文件中的移除）", "replace the whole list (those not in the file are removed)")),
    msg,
  );
}

function lostSession() {
  if (lost) return null;
  lost = true;
  link.mode = "signed-out";
  link.online = false;
  source?.close();
  notify({
    id: "session",
    kind: "error",
    zh: "登录已失效，请重新登录；未发送的记录保留在本机，登录后发送",
    en: "Your session has ended: sign in again. Records not yet sent stay on this device and are sent once you do.",
    actions: [{ zh: "重新登录", en: "Sign in", run: () => location.reload() }],
  });
  changed();
  return null;
}

// ---------------------------------------------------------------------------
// Per-account keys

const who = () => link.user?.name ?? "";
const outboxKey = () => `nextbest.outbox@${who()}`;
const cursorKey = () => `nextbest.cursor@${who()}`;
const recordsKey = () => `nextbest.records@${who()}`;
const asideKey = () => `nextbest:quarantine:outbox@${who()}:${new Date().toISOString()}`;

function readJson(key, fallback) {
  try {
    const v = JSON.parse(localStorage.getItem(key) ?? "null");
    return v ?? fallback;
  } catch {
    return fallback;
  }
}

export function outbox() {
  const v = readJson(outboxKey(), []);
  return Array.isArray(v) ? v : [];
}

function saveOutbox(list) {
  localStorage.setItem(outboxKey(), JSON.stringify(list));
}

/** Every record the server sent this device (records.rs shape, with seq): the head's board reads them. */
export function serverRecords() {
  const v = readJson(recordsKey(), []);
  return Array.isArray(v) ? v : [];
}

// ---------------------------------------------------------------------------
// Sending

let packVersion = null;
/** The published pack version in force here: every record carries it. */
export function setPackVersion(v) {
  packVersion = v;
}

/**
 * Queues a record for the branch server (a no-op on a single device).
 * Call it beside the store.update that keeps the same record here, with the
 * same id, so the server's echo is recognised.
 */
export function send(kind, customer, body, id) {
  if (link.mode === "standalone") return;
  const rec = { id, kind, customer, body, ...(packVersion ? { pack_version: packVersion } : {}) };
  try {
    const queued = outbox();
    if (queued.some((x) => x.id === id)) return;
    saveOutbox([...queued, rec]);
  } catch (e) {
    notify({
      id: "outbox",
      kind: "error",
      zh: "本机存储已满，这条记录未能排队发送",
      en: `Local storage is full: this record could not be queued for the branch server (${e?.name ?? e})`,
    });
    return;
  }
  changed();
  flush();
}

/**
 * Takes back a record not yet sent (Undo at the counter): true when it was
 * still here. One already stored at the server stays there.
 */
export function unsend(id) {
  if (sending === id) return false; // on its way: the server will have it
  const queued = outbox();
  const entry = queued.find((x) => x.id === id);
  if (!entry || entry.tried) return false; // sent once already (perhaps stored): a retraction follows it
  saveOutbox(queued.filter((x) => x.id !== id));
  changed();
  return true;
}

let flushing = null;
let sending = null; // the id of the record being posted right now
let retryTimer = null;
let backoff = 1000;

/** Sends the outbox in order; stops at the first network failure and tries again later. */
export function flush() {
  if (link.mode !== "signed-in") return Promise.resolve();
  // Cleared in .finally (a later microtask), never inside the run: a run that ends at
  // once (an empty outbox) must not leave a settled promise standing in for the next one.
  flushing ??= sendAll().finally(() => (flushing = null));
  return flushing;
}

async function sendAll() {
  for (;;) {
    const [next] = outbox();
    if (!next) break;
    let r;
    sending = next.id;
    // Marked before it leaves: the server may store it even when the answer is lost,
    // so from now on Undo must send a retraction rather than just drop it here.
    if (!next.tried) saveOutbox(outbox().map((x) => (x.id === next.id ? { ...x, tried: true } : x)));
    try {
      r = await postJson("records", { id: next.id, kind: next.kind, customer: next.customer, body: next.body, ...(next.pack_version ? { pack_version: next.pack_version } : {}) });
    } catch {
      return later();
    } finally {
      sending = null;
    }
    if (r.status === 401) return; // signed out: kept, sent after signing in
    if (r.status === 403 && (r.body?.error?.code === "csrf" || r.body?.error?.code === "cross_site")) {
      // This tab's session ended elsewhere (signed out in another tab): kept, not set aside.
      const l = await probe().catch(() => link);
      if (l.user?.name !== who()) lostSession();
      return;
    }
    if (r.status >= 500 || r.status === 429) return later();
    if (r.status !== 200 && r.status !== 201) setAside(next, r);
    // Sent (or set aside): off the outbox. Another tab may have sent it too.
    saveOutbox(outbox().filter((x) => x.id !== next.id));
    backoff = 1000;
    changed();
  }
  dismiss("outbox");
}

function later() {
  link.online = false;
  changed();
  clearTimeout(retryTimer);
  retryTimer = setTimeout(flush, backoff);
  backoff = Math.min(backoff * 2, 30_000);
}

/** A record the server refused (not a network failure): kept aside, and staff told. */
function setAside(rec, r) {
  const key = asideKey();
  try {
    localStorage.setItem(key, JSON.stringify({ record: rec, status: r.status, error: r.body?.error ?? null }));
  } catch {
    console.error("nextbest: could not set aside a refused record", rec);
  }
  const e = r.body?.error;
  notify({
    id: "outbox",
    kind: "error",
    zh: `网点服务器拒收一条记录：${e?.message_zh ?? r.status}；已另存在本机`,
    en: `The branch server refused a record: ${e?.message_en ?? `HTTP ${r.status}`}; it was kept on this device`,
    detail: `localStorage: ${key}`,
  });
}

window.addEventListener("online", () => flush());
// This account signed out in another tab (its copy removed): this tab's session is gone too.
window.addEventListener("storage", (e) => {
  if (link.mode === "signed-in" && e.key === `nextbest.v1@${who()}` && e.newValue === null) lostSession();
});

// ---------------------------------------------------------------------------
// Receiving

let source = null;
let opened = 0; // stream connections so far: the first needs no catching up
let arrived = [];
let applyTimer = null;
const appliers = new Map(); // kind -> (state, record) => void
const eventHandlers = new Map(); // event name -> fn(data)

/** How a record of `kind` from the server enters this device's store. */
export function onRecord(kind, fn) {
  appliers.set(kind, fn);
}

/** Other server events: "pack", "customers". */
export function onEvent(name, fn) {
  eventHandlers.set(name, fn);
}

/** Opens the event stream from the last record this device saw. */
export function listen() {
  if (link.mode !== "signed-in") return;
  source?.close();
  const since = Number(localStorage.getItem(cursorKey())) || 0;
  source = new EventSource(api(`events?since=${since}`), { withCredentials: true });
  source.onopen = () => {
    link.online = true;
    backoff = 1000;
    changed();
    flush();
    // What changed while the stream was down is not replayed as events (only records
    // are): ask again for the pack in force and the customer lists.
    if (opened++) for (const name of ["pack", "customers"]) eventHandlers.get(name)?.(null);
  };
  source.addEventListener("reset", () => {
    // This server never had the records this device saw (another data folder, a restored
    // backup): forget its sequence numbers; what was applied stays (each record by its id).
    localStorage.removeItem(cursorKey());
    localStorage.removeItem(recordsKey());
  });
  source.addEventListener("record", (e) => {
    try {
      arrived.push(JSON.parse(e.data));
    } catch {
      return;
    }
    applyTimer ??= setTimeout(applyArrived, 30);
  });
  for (const name of ["pack", "customers"]) {
    source.addEventListener(name, (e) => {
      let data = null;
      try {
        data = JSON.parse(e.data);
      } catch {
        // an empty or broken event: the handler fetches what it needs anyway
      }
      eventHandlers.get(name)?.(data);
    });
  }
  source.onerror = async () => {
    link.online = false;
    changed();
    if (source.readyState !== EventSource.CLOSED) return; // the browser reconnects (with Last-Event-ID)
    // Closed for good (an HTTP error): the session may have ended.
    const l = await probe().catch(() => link);
    if (l.mode === "signed-in") setTimeout(listen, backoff);
    else if (l.mode === "signed-out") lostSession();
    else setTimeout(listen, 5000);
  };
}

/** Applies what arrived since the last batch in one store update (one save, one redraw). */
function applyArrived() {
  applyTimer = null;
  const batch = arrived;
  arrived = [];
  if (!batch.length) return;
  // Only the head's board reads the records as stored; other roles keep just their effect
  // in the store (a teller's device holding every record of the day would fill its storage).
  const keep = link.user?.role === "head";
  const known = keep ? serverRecords() : [];
  const seen = new Set(known.map((r) => r.id));
  const fresh = batch.filter((r) => r && typeof r.id === "string" && !seen.has(r.id) && seen.add(r.id));
  let cursor = Number(localStorage.getItem(cursorKey())) || 0;
  for (const r of batch) cursor = Math.max(cursor, Number(r.seq) || 0);
  // The head's board reads these as the store's listeners redraw: written first.
  try {
    if (keep && fresh.length) localStorage.setItem(recordsKey(), JSON.stringify([...known, ...fresh]));
  } catch (e) {
    console.error("nextbest: could not keep the server's records here", e);
  }
  if (fresh.length) {
    store.update((s) => {
      for (const r of fresh) {
        try {
          if (typeof r.customer === "string" && (r.customer === "" || store.safeId(r.customer))) appliers.get(r.kind)?.(s, r);
        } catch (e) {
          console.error("nextbest: a record from the server could not be applied", r, e);
        }
      }
    });
  }
  // The cursor moves only once the records are in the store: a reload before that asks again.
  try {
    localStorage.setItem(cursorKey(), String(cursor));
  } catch (e) {
    console.error("nextbest: could not keep the server's records here", e);
  }
}

// ---------------------------------------------------------------------------
// Sign-in screen and the header's status

/** Draws the sign-in form into `el`. */
export function signInForm(el) {
  const name = h("input", { id: "signin-name", name: "username", autocomplete: "username", required: true, "data-testid": "signin-name" });
  const password = h("input", { id: "signin-password", name: "password", type: "password", autocomplete: "current-password", required: true, "data-testid": "signin-password" });
  const msg = h("p", { class: "error", role: "alert", "data-testid": "signin-error" });
  const form = h(
    "form",
    { class: "card signin", "data-testid": "signin" },
    bi("登录网点系统", "Sign in to the branch", "h2"),
    h("label", { for: "signin-name" }, bi("用户名", "Name")),
    name,
    h("label", { for: "signin-password" }, bi("密码", "Password")),
    password,
    h("button", { class: "primary", type: "submit", "data-testid": "signin-go" }, bi("登录", "Sign in")),
    msg,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    msg.textContent = "";
    const err = await signIn(name.value.trim(), password.value);
    if (err) {
      msg.textContent = `${err.zh} · ${err.en}`;
      password.value = "";
      return;
    }
    location.reload();
  });
  clear(el).append(form);
  name.focus();
}

/** The header's account and link status, kept up to date. */
export function statusEl() {
  const el = h("span", { class: "link-status", "data-testid": "link-status" });
  const draw = () => {
    if (link.mode !== "signed-in") return clear(el);
    const [rz, re] = ROLE_NAMES[link.user.role] ?? [link.user.role, link.user.role];
    const waiting = outbox().length;
    el.dataset.online = String(link.online);
    el.dataset.waiting = String(waiting);
    clear(el).append(
      h("span", { class: "who" }, `${link.user.name} · ${rz}`, h("span", { class: "en" }, re)),
      link.online
        ? bi(waiting ? ` 已连接 · 发送中 ${waiting} 条` : " 已连接", waiting ? `online · sending ${waiting}` : "online", "span", { class: "ok" })
        : bi(` 离线 · 待发送 ${waiting} 条`, `offline · ${waiting} waiting`, "span", { class: "warn" }),
      h("button", { class: "link", "data-testid": "signout", onclick: () => signOut() }, bi("退出", "Sign out")),
    );
  };
  onChange(draw);
  draw();
  return el;
}
