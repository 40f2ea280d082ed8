// 员工与排队 The staff board (signed in to a branch server): who is on duty
// and what each is doing, the counters' queues and the VIP area's seats.
// Every device sets its own person's state from the header; the lobby
// manager (or the head) keeps the queue counts. All of it is the branch
// context each device's evaluation receives (shared.branchContext), so rules
// route by who is free (seed 004 三: 客户经理正在接待，先请产品经理在低柜服务).

import { h, bi } from "./dom.js";
import * as store from "./store.js";
import * as sync from "./sync.js";
import * as shared from "./shared.js";

export const STATES = {
  available: ["可接待", "available"],
  busy: ["接待中", "with a customer"],
  away: ["暂离", "away"],
};

const COUNTERS = {
  teller: ["柜员窗口排队", "teller queue"],
  vip_teller: ["贵宾窗口排队", "VIP counter queue"],
  psm: ["低柜排队", "low counter queue"],
};

const STAFF_ROLES = ["teller", "vip_teller", "lobby", "psm", "cm", "head"];

let staff = null; // [{name, role, role_zh}] from the server, once asked
let hallLoader = null;
let asking = null;

/** The branch's staff accounts (GET /api/staff), asked once per page; [] until they arrive. */
export function staffList(onArrive) {
  if (staff) return staff;
  asking ??= sync
    .getJson("staff")
    .then((r) => {
      staff = Array.isArray(r?.staff) ? r.staff : [];
      onArrive?.();
    })
    .catch((e) => {
      console.error("nextbest: the staff list could not be fetched", e);
      asking = null;
    });
  return [];
}

const dayOf = (iso) => new Date(iso).toLocaleDateString("sv-SE", { timeZone: "Asia/Shanghai" });
const hhmm = (iso) => new Date(iso).toLocaleTimeString("zh-CN", { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: "Asia/Shanghai" });

/** A person's state today ({state, at}) or null when not reported today. */
export function stateOf(s, name) {
  const x = s.staff?.[name];
  return x && dayOf(x.at) === dayOf(Date.now()) ? x : null;
}

/** The header's "my state" selector, for staff roles. */
export function presenceSelect() {
  const me = sync.link.user;
  if (!me || !STAFF_ROLES.includes(me.role)) return null;
  const sel = h(
    "select",
    { "aria-label": "我的状态 My state", "data-testid": "my-state", onchange: (e) => e.target.value && shared.staffState(e.target.value) },
    h("option", { value: "" }, "我的状态 · my state"),
    Object.entries(STATES).map(([id, [zh, en]]) => h("option", { value: id }, `${zh} · ${en}`)),
  );
  const show = (s) => (sel.value = stateOf(s, me.name)?.state ?? "");
  show(store.get());
  store.subscribe(show);
  return sel;
}

/**
 * Who the lobby's leads go to today: the customer manager the lobby chose on
 * this board, else the first one available now, else the day's pool ("").
 */
export function leadAssignee(s) {
  const cms = staffList().filter((x) => x.role === "cm");
  const chosen = s.lobby?.assignTo;
  if (chosen && cms.some((x) => x.name === chosen)) return chosen;
  return cms.find((x) => stateOf(s, x.name)?.state === "available")?.name ?? "";
}

/** The board's panel (lobby tab). `redraw` draws again once the staff list has arrived. */
export function board(s, redraw) {
  const people = staffList(redraw).filter((x) => STAFF_ROLES.includes(x.role));
  const hall = s.hall && dayOf(s.hall.at) === dayOf(Date.now()) ? s.hall : null;
  const num = (id, label, value) =>
    h(
      "label",
      { class: "num" },
      bi(label[0], label[1]),
      h("input", { type: "number", min: 0, max: 999, step: 1, inputmode: "numeric", value: Number.isInteger(value) ? String(value) : "", "data-testid": `hall-${id}` }),
    );
  const counts = h(
    "form",
    { class: "card hall-counts", "data-testid": "hall-counts" },
    bi("排队与贵宾区", "Queues and the VIP area", "h3"),
    Object.entries(COUNTERS).map(([id, label]) => num(id, label, hall?.queues?.[id])),
    num("vip_seats_free", ["贵宾区空位", "free VIP seats"], hall?.vip_seats_free),
    h("button", { class: "primary", type: "submit", "data-testid": "hall-save" }, bi("更新", "Update")),
    hall ? h("p", { class: "muted" }, `更新于 ${hhmm(hall.at)} · updated`) : h("p", { class: "muted" }, bi("今日未报", "not reported today")),
    h("p", { class: "error", role: "alert", "data-testid": "hall-error" }),
  );
  counts.addEventListener("submit", (e) => {
    e.preventDefault();
    const read = (id) => {
      const v = counts.querySelector(`[data-testid=hall-${id}]`).value.trim();
      if (v === "") return null;
      const n = Number(v);
      return Number.isInteger(n) && n >= 0 && n <= 999 ? n : NaN;
    };
    const queues = {};
    for (const id of Object.keys(COUNTERS)) {
      const n = read(id);
      if (Number.isNaN(n)) return (counts.querySelector("[data-testid=hall-error]").textContent = `${COUNTERS[id][0]}：请填 0 到 999 的整数 · ${COUNTERS[id][1]}: a whole number from 0 to 999`);
      if (n !== null) queues[id] = n;
    }
    const seats = read("vip_seats_free");
    if (Number.isNaN(seats)) return (counts.querySelector("[data-testid=hall-error]").textContent = "贵宾区空位：请填 0 到 999 的整数 · free VIP seats: a whole number from 0 to 999");
    shared.hallState(queues, seats);
  });
  const cms = people.filter((x) => x.role === "cm");
  const assign = h(
    "label",
    { class: "assign" },
    bi("今日商机分配给", "Today's leads go to"),
    h(
      "select",
      {
        "data-testid": "lead-assign",
        onchange: (e) => store.update((st) => (st.lobby = { ...(st.lobby ?? {}), assignTo: e.target.value })),
      },
      h("option", { value: "" }, "空闲的客户经理（无则入商机池）· the first available, else the pool"),
      cms.map((x) => h("option", { value: x.name, selected: s.lobby?.assignTo === x.name }, x.name)),
    ),
  );
  // Made once and kept across redraws: the board redraws on every record, and the load's answer must stay on screen.
  if (["lobby", "head"].includes(sync.link.user?.role)) {
    hallLoader ??= h("section", { class: "card" }, sync.customerLoader("list=hall", ["载入今日大厅客户（JSON Lines）", "Load the day's visitors (JSON lines)"], "hall-load"));
  }
  const loader = hallLoader;
  return h(
    "div",
    { class: "grid2 staff-board", "data-testid": "staff-board" },
    loader,
    h(
      "section",
      { class: "card" },
      bi("今日在岗", "On duty today", "h3"),
      people.length
        ? h(
            "table",
            { class: "staff" },
            people.map((p) => {
              const st = stateOf(s, p.name);
              return h(
                "tr",
                { "data-testid": "staff-row", "data-name": p.name, "data-state": st?.state ?? "" },
                h("td", {}, p.name),
                h("td", {}, p.role_zh ?? p.role),
                h("td", { class: `presence ${st?.state ?? "unknown"}` }, st ? bi(STATES[st.state]?.[0] ?? st.state, STATES[st.state]?.[1]) : bi("未报", "not reported")),
                h("td", { class: "muted" }, st ? hhmm(st.at) : ""),
              );
            }),
          )
        : h("p", { class: "muted" }, bi("正在读取员工名单…", "Reading the staff list…")),
      assign,
    ),
    counts,
  );
}
