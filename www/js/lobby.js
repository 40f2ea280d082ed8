// 大堂经理 lobby tablet: the hall's queue with each customer's tier, visit
// purpose, arrival time, grade, high-value signals, route and top
// suggestions; hand-offs from tellers (with the visit purpose and what the
// customer accepted or declined); lead records (only with record consent)
// exported for the relationship manager; unmet needs logged for reporting
// upward; a chart of the day. Hall, leads and the day are tabs, so each is
// one tap away on a tablet rather than a long scroll down.

import { h, bi, clear, download } from "./dom.js";
import * as engine from "./engine.js";
import * as store from "./store.js";
import { named, zh, en, nameEl, isNoPitchPurpose } from "./labels.js";
import { recordProblem } from "./fields.js";
import * as shared from "./shared.js";
import * as sync from "./sync.js";
import * as staff from "./staff.js";

let root;
const QUEUE_SEED = 8;

const STAFF = {
  relationship_manager: ["客户经理", "relationship manager"],
  product_sales: ["产品销售经理", "product sales manager"],
  vip_area: ["VIP区柜员", "VIP-area teller"],
  private_banking: ["私人银行顾问", "private banking adviser"],
  teller_queue: ["柜员", "teller"],
  self_service: ["自助区引导员", "self-service guide"],
  lobby_manager_direct: ["大堂经理", "lobby manager"],
};

export async function mount(section) {
  root = section;
  if (store.get().queue === null) {
    store.update((s) => {
      s.queue = engine.hallCustomers().slice(0, QUEUE_SEED).map((c) => c.id);
      s.seen = [...s.queue];
    });
  }
  // Listening before the first draw: records that arrive while it runs draw again.
  store.subscribe(() => !root.hidden && draw());
  await draw();
  engine.onLiveChange(() => draw());
}

export function refresh() {
  draw();
}

let drawn = 0; // bumps per draw: only the latest draw's answers are shown

/** Draws once the engine (in its worker) has answered for everyone in the hall; until then the screen stays as it was. */
async function draw() {
  const seq = ++drawn;
  const customers = store.get().queue.map((id) => engine.findCustomer(id)).filter(Boolean);
  const shown = root.querySelector(".lobby");
  shown?.setAttribute("aria-busy", "true");
  if (!shown) clear(root).append(h("div", { class: "card busy", "data-testid": "evaluating" }, bi("正在评估大厅客户…", "Evaluating the hall…")));
  const entries = await Promise.all(customers.map(async (c) => ({ c, ...(await engine.evaluate(c, { channel: "lobby" })) })));
  if (seq !== drawn) return;
  let s = store.get();
  // The day's picture records what was suggested when each customer was first
  // seen, so later answers or pack edits do not rewrite it.
  const unlogged = entries.filter(({ c, out }) => out && !(s.day?.date === today() && Object.hasOwn(s.day.customers, c.id)));
  if (unlogged.length) {
    store.update(
      (st) => {
        for (const { c, out } of unlogged) {
          logDay(st, c.id, { destination: shownDestination(st, c, out).destination, products: out.suggestions.map((g) => g.product_zh) });
        }
      },
      { quiet: true },
    );
    s = store.get();
  }
  const tab = tabs().some(([t]) => t === s.lobby?.tab) ? s.lobby.tab : "hall";
  const panels = {
    hall: () => [
      handoffs(s),
      h("div", { class: "lobby-head row" }, bi(`大厅客户 ${entries.length} 位`, `${entries.length} in the hall`, "h2"), addCustomer(s)),
      h("div", { class: "queue" }, entries.map((e) => card(e, s))),
    ],
    leads: () => h("div", { class: "grid2" }, leads(s), unmet(s)),
    day: () => dayChart(s),
    staff: () => staff.board(s, () => !root.hidden && draw()),
  };
  clear(root).append(
    h(
      "div",
      { class: "lobby" },
      tabBar(tab, { hall: entries.length, leads: s.leads.length + s.unmet.length }, s.handoffs.filter((x) => x.status === "open").length),
      h("div", { class: "lobby-panel", role: "tabpanel", id: `lobby-panel-${tab}`, "data-tab": tab }, panels[tab]()),
    ),
  );
}

const TABS = [
  ["hall", "大厅客户", "Hall"],
  ["leads", "商机与未满足需求", "Leads & unmet needs"],
  ["day", "今日概况", "Today"],
];
/** The staff board needs the branch server (who is on duty comes from the other devices). */
const tabs = () => (sync.link.mode === "signed-in" ? [...TABS, ["staff", "员工与排队", "Staff & queues"]] : TABS);

/**
 * Hall, leads and the day's chart as tabs at the top: each one tap away,
 * never a long scroll down. Open hand-offs are on the hall tab, and its tab
 * says how many wait, whichever tab is shown.
 */
function tabBar(current, counts, waiting) {
  return h(
    "nav",
    { class: "lobby-tabs", role: "tablist", "aria-label": "大堂 Lobby" },
    tabs().map(([id, zhName, enName]) =>
      h(
        "button",
        {
          role: "tab",
          class: id === current ? "primary" : "",
          "aria-selected": String(id === current),
          "aria-controls": `lobby-panel-${id}`,
          "data-testid": `lobby-tab-${id}`,
          onclick: () => store.update((st) => (st.lobby = { ...(st.lobby ?? {}), tab: id })),
        },
        zhName,
        counts[id] !== undefined ? h("span", { class: "count" }, ` ${counts[id]}`) : null,
        h("span", { class: "en" }, enName),
        id === "hall" && waiting ? h("span", { class: "badge waiting", "data-testid": "handoffs-waiting" }, `转介 ${waiting}`, h("span", { class: "en" }, "hand-offs")) : null,
      ),
    ),
  );
}

function addCustomer(s) {
  const waiting = engine.allCustomers().filter((c) => !s.queue.includes(c.id));
  const sel = h(
    "select",
    { "aria-label": "加入客户 Add a customer", "data-testid": "add-customer" },
    waiting.map((c) => h("option", { value: c.id }, `${c.id} ${c.name ?? ""}`)),
  );
  const add = () =>
    sel.value &&
    store.update((st) => {
      st.queue.push(sel.value);
      st.seen = [...new Set([...(st.seen ?? []), sel.value])];
    });
  return h("div", { class: "row" }, sel, h("button", { onclick: add, "data-testid": "add-go" }, bi("进厅", "Add to hall")));
}

/** A time staff read on a card: branch-local HH:MM ("" when there is none). */
function hhmm(iso) {
  const d = new Date(iso ?? "");
  return Number.isNaN(d.getTime()) ? "" : d.toLocaleTimeString("zh-CN", { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: "Asia/Shanghai" });
}

/** The open hand-off for a customer, if a counter has called the lobby about them. */
function openHandoff(s, id) {
  return s.handoffs.find((x) => x.status === "open" && x.customer === id) ?? null;
}

/**
 * Where the card says the customer goes, and why: a confirmed destination
 * first, then an open hand-off's (the counter saw the customer after the
 * hall did: an accepted pitch, a high-value find), then the hall's route.
 * Confirming, from the card or from the hand-off, records this same one.
 */
function shownDestination(s, c, out) {
  const confirmed = store.own(s.confirmed, c.id);
  if (confirmed) return { destination: confirmed.destination, source: confirmed.handoff ? "handoff" : "confirmed" };
  const open = openHandoff(s, c.id);
  if (open) return { destination: open.destination, source: "handoff" };
  return { destination: out.route.destination, source: "route" };
}

/** The visit purpose by the pack's name; a complaint is said to be one, plainly. */
function purposeBadge(purpose, { testid = "card-purpose" } = {}) {
  if (!purpose) return null;
  if (isNoPitchPurpose(purpose)) {
    return h(
      "span",
      { class: "badge purpose complaint", "data-testid": testid, "data-purpose": purpose },
      "⚠ ",
      nameEl("purpose", purpose),
      h("span", { class: "complaint-note" }, " · 不做营销"),
      h("span", { class: "en" }, "no pitch"),
    );
  }
  return nameEl("purpose", purpose, { attrs: { class: "badge purpose", "data-testid": testid, "data-purpose": purpose } });
}

function card({ c, out, error }, s) {
  if (error) {
    return h(
      "div",
      { class: "card lobby-card error", "data-testid": "queue-card", "data-customer": c.id, "data-kind": error.kind ?? "data" },
      h("strong", {}, c.name ?? c.id),
      error.kind ? bi(error.zh, error.en, "p") : (({ zh: z, en: e }) => h("p", {}, z, h("span", { class: "en" }, e)))(recordProblem(error)),
      h("button", { onclick: () => leave(c) }, bi("离厅", "Left")),
    );
  }
  const confirmed = store.own(s.confirmed, c.id);
  const r = out.route;
  const shown = shownDestination(s, c, out);
  const arrived = hhmm(c.visit?.at);
  const grade = out.grade?.grade;
  return h(
    "article",
    {
      class: `card lobby-card${isNoPitchPurpose(c.visit?.purpose) ? " is-complaint" : ""}`,
      "data-testid": "queue-card",
      "data-customer": c.id,
      "data-destination": shown.destination,
      "data-source": shown.source,
    },
    h(
      "div",
      { class: "row card-top" },
      grade
        ? h("span", { class: `grade-chip grade-${grade}`, "data-testid": "card-grade", "data-grade": grade, title: `${out.grade.grade_zh || named("grade", grade).zh} ${out.grade.grade_en || named("grade", grade).en}` }, grade)
        : null,
      h("strong", { class: "name" }, c.name ?? c.id),
      nameEl("segment", c.segment ?? "mass", { attrs: { class: "badge" } }),
      out.high_value.flag ? h("span", { class: "badge hv" }, "★ 高价值", h("span", { class: "en" }, "High value")) : null,
    ),
    c.visit?.purpose || arrived
      ? h(
          "p",
          { class: "row purpose-line" },
          arrived
            ? h("span", { class: "arrived", "data-testid": "card-arrived", title: engine.localTime(c.visit.at) }, h("strong", { class: "at" }, arrived), " 到店", h("span", { class: "en" }, "arrived"))
            : null,
          purposeBadge(c.visit?.purpose),
        )
      : null,
    out.high_value.flag ? h("p", { class: "muted signals" }, out.high_value.signals.map((g) => g.zh).join("；")) : null,
    h(
      "p",
      { class: "route-line", "data-testid": "card-route" },
      "→ ",
      nameEl("destination", shown.destination, { tag: "strong", attrs: { "data-testid": "card-destination", "data-id": shown.destination } }),
      h("br"),
      shown.source === "route"
        ? h("span", { class: "muted" }, r.reason_zh)
        : h("span", { class: "muted" }, shown.destination === r.destination ? r.reason_zh : "柜员转介的去向 · from the counter's hand-off"),
      shown.source === "route" && r.then_zh
        ? h("span", { class: "then", "data-testid": "card-then" }, h("br"), "↳ ", h("strong", {}, r.then_zh), r.then_en ? h("span", { class: "en" }, r.then_en) : null)
        : null,
    ),
    out.suggestions.length
      ? h(
          "ol",
          { class: "sugg" },
          out.suggestions.map((g) =>
            h(
              "li",
              { "data-product": g.product },
              h("strong", {}, g.product_zh),
              ` R${g.risk} · `,
              g.reasons[0].zh,
              h("span", { class: "en" }, g.product_en),
              g.substitute_for ? h("span", { class: "muted" }, ` · 替代 ${zh("product", g.substitute_for)}`) : null,
              g.disclosure ? h("div", { class: "disclosure small", "data-testid": "card-disclosure" }, "须告知：", g.disclosure.zh) : null,
            ),
          ),
        )
      : h("p", { class: "muted" }, "暂无推介", h("span", { class: "en" }, "No pitch")),
    h(
      "div",
      { class: "row" },
      confirmed
        ? h("span", { class: "badge ok", "data-testid": "confirmed" }, "✓ 已确认", h("span", { class: "en" }, "Confirmed"))
        : h("button", { class: "primary", "data-testid": "confirm", onclick: () => confirm(c, out) }, bi("确认去向", "Confirm route")),
      h("button", { "data-testid": "lead", onclick: (e) => saveLead(c, out, e.currentTarget) }, bi("记录商机", "Save lead")),
      out.unmet_needs.length
        ? h("button", { "data-testid": "unmet", onclick: () => logUnmet(c, out) }, bi("记录未满足需求", "Log unmet need"))
        : null,
      h("button", { onclick: () => leave(c) }, bi("离厅", "Left")),
    ),
    h("p", { class: "error lead-msg", role: "alert" }),
  );
}

/** Confirms what the card shows (read again at the click: a hand-off may have come in since it was drawn). */
function confirm(c, out) {
  store.update((s) => {
    const { destination } = shownDestination(s, c, out);
    const open = openHandoff(s, c.id);
    if (open && open.destination === destination) open.status = "done";
    s.confirmed[c.id] = { destination, at: engine.stamp(), ...(open && open.destination === destination ? { handoff: open.id } : {}) };
    logDay(s, c.id, { destination });
  });
}

function leave(c) {
  store.update((s) => (s.queue = s.queue.filter((id) => id !== c.id)));
}

/** A lead is recorded only with the customer's record consent. */
function saveLead(c, out, button) {
  const msg = button.closest("article").querySelector(".lead-msg");
  if (!out.lead_allowed) {
    msg.textContent = "客户未同意记录，不能保存商机 · No record consent: the lead cannot be saved";
    return;
  }
  const products = out.suggestions.map((g) => g.product_zh);
  const needs = (c.stated_needs ?? []).map((n) => zh("need", n));
  const lead = {
    id: shared.recordId(),
    at: engine.stamp(),
    customer: c.id,
    name: c.name ?? c.id,
    contact: c.contact ?? "",
    need: [...needs, ...out.suggestions.map((g) => g.reasons[0].zh)].join("；"),
    products: products.join("、"),
    by: "lobby",
    assigned_to: sync.link.mode === "signed-in" ? staff.leadAssignee(store.get()) : "",
  };
  if (!lead.need) {
    msg.textContent = "没有可记录的产品需求 · No product need to record";
    return;
  }
  // One lead per customer per day: saving again updates it.
  const day = today();
  // Saving again replaces today's lead: the one it replaces is taken back at the server too, so the
  // customer manager's inbox and the head's board count one.
  const replaced = store.get().leads.filter((l) => l.customer === c.id && dayOf(l.at) === day);
  store.update((s) => {
    s.leads = s.leads.filter((l) => !(l.customer === c.id && dayOf(l.at) === day));
    s.leads.push(lead);
  });
  for (const old of replaced) shared.retract(old.customer, old.id, old.by_name);
  shared.lead(lead, out.suggestions.map((g) => g.product), lead.assigned_to);
}

function logUnmet(c, out) {
  const logged = store.get().unmet;
  const fresh = out.unmet_needs
    .filter((need) => !logged.some((u) => u.customer === c.id && u.need === need))
    .map((need) => ({ at: engine.stamp(), customer: c.id, name: c.name ?? c.id, need, by: "lobby", rid: shared.recordId() }));
  if (!fresh.length) return;
  store.update((s) => {
    for (const u of fresh) if (!s.unmet.some((x) => x.customer === u.customer && x.need === u.need)) s.unmet.push(u);
  });
  for (const u of fresh) shared.unmet(u);
}

/** What the customer answered at the counter, by product name: 接受 理财产品；婉拒 基金. */
function answersLine(answers) {
  if (!answers?.length) return null;
  return h(
    "p",
    { class: "answers", "data-testid": "handoff-answers" },
    bi("客户答复", "Answers", "span", { class: "muted" }),
    " ",
    answers.map((a, i) => [
      i ? "；" : "",
      h("span", { class: "answer", "data-outcome": a.outcome, "data-product": a.product }, zh("outcome", a.outcome), " ", h("strong", {}, zh("product", a.product)), h("span", { class: "en" }, `${en("outcome", a.outcome)}: ${en("product", a.product)}`)),
    ]),
  );
}

/** The answers recorded at the counter today, live (an Undo there takes one back here too); else the hand-off's own. */
function answersFor(s, x) {
  const day = today();
  const recorded = (store.own(s.outcomes, x.customer) ?? []).filter((r) => dayOf(r.at) === day).map((r) => ({ product: r.product, outcome: r.outcome }));
  return recorded.length || !Array.isArray(x.answers) ? recorded : x.answers.filter((a) => a && typeof a.product === "string" && typeof a.outcome === "string");
}

function handoffs(s) {
  const open = s.handoffs.filter((x) => x.status === "open");
  if (!open.length) return null;
  return h(
    "section",
    { class: "card handoffs", "data-testid": "handoffs" },
    bi(`柜员转介 ${open.length}`, `Hand-offs from counters: ${open.length}`, "h2"),
    open.map((x) => {
      const dest = named("destination", x.destination);
      const [staff, staffEn] = Object.hasOwn(STAFF, x.destination) ? STAFF[x.destination] : [dest.zh, dest.en || dest.zh];
      const complaint = isNoPitchPurpose(x.purpose);
      const wants = x.accepted ? `，已同意办理${zh("product", x.accepted)}` : x.product_zh ? `，想了解${x.product_zh}` : "";
      const intro = complaint
        ? `「${x.name}您好，这位是我们的${staff}，由他为您处理。」「${staff}您好，这位是${x.name}，来办理投诉，请亲自接待，本次不做营销。」`
        : `「${x.name}您好，这位是我们的${staff}。」「${staff}您好，这位是${x.name}：${x.need}${wants}。」`;
      const introEn = complaint
        ? `Introduce both sides: "${x.name}, this is our ${staffEn}." Tell the ${staffEn} it is a complaint: receive it in person, no pitch.`
        : `Introduce both sides: "${x.name}, this is our ${staffEn}." Then state the need to the ${staffEn}.`;
      return h(
        "div",
        { class: `handoff${complaint ? " is-complaint" : ""}`, "data-testid": "handoff", "data-customer": x.customer, "data-destination": x.destination, "data-purpose": x.purpose ?? "" },
        h(
          "p",
          { class: "row handoff-top" },
          x.grade ? h("span", { class: `grade-chip grade-${x.grade}`, title: named("grade", x.grade).zh }, x.grade) : null,
          h("strong", {}, x.name),
          h("span", {}, `${x.from ? zh("channel", x.from) : ""} → `),
          nameEl("destination", x.destination, { tag: "strong", attrs: { "data-testid": "handoff-destination" } }),
          h("span", { class: "muted" }, hhmm(x.at)),
        ),
        complaint
          ? h("p", { class: "complaint-banner", "data-testid": "handoff-complaint" }, "⚠ 投诉客户：请亲自接待，本次不做营销", h("span", { class: "en" }, "Complaint: receive the customer in person; no pitch"))
          : null,
        x.purpose ? h("p", { class: "row" }, bi("来访目的", "Visit purpose", "span", { class: "muted" }), purposeBadge(x.purpose, { testid: "handoff-purpose" })) : null,
        answersLine(answersFor(s, x)),
        h("p", { class: "intro" }, intro),
        h("p", { class: "en" }, introEn),
        x.then_zh ? h("p", { class: "then" }, "↳ ", h("strong", {}, x.then_zh), x.then_en ? h("span", { class: "en" }, x.then_en) : null) : null,
        x.consent ? null : h("p", { class: "error" }, "客户未同意记录：可引导，不记录 · No record consent: guide, do not record"),
        h(
          "button",
          {
            class: "primary",
            "data-testid": "handoff-confirm",
            onclick: () =>
              store.update((st) => {
                const item = st.handoffs.find((y) => y.id === x.id);
                if (!item || item.status !== "open") return; // confirmed meanwhile (another tab)
                item.status = "done";
                st.confirmed[x.customer] = { destination: item.destination, at: engine.stamp(), handoff: item.id };
                logDay(st, x.customer, { destination: item.destination });
                if (!st.queue.includes(x.customer)) st.queue.unshift(x.customer);
                st.seen = [...new Set([...(st.seen ?? []), x.customer])];
              }),
          },
          bi("确认并引导", "Confirm and guide"),
        ),
      );
    }),
  );
}

const LEAD_COLUMNS = [
  ["at", "记录时间"],
  ["customer", "客户号"],
  ["name", "客户名称"],
  ["contact", "联系方式"],
  ["need", "产品需求"],
  ["products", "推介产品"],
  ["by", "记录人"],
];

function csv(rows, columns) {
  const cell = (v) => `"${String(v ?? "").replaceAll('"', '""')}"`;
  // A cell a spreadsheet would read as a formula (=, +, -, @, tab, CR) gets a
  // leading apostrophe; a phone number such as +86 138 stays as it is.
  const safe = (v) => {
    const t = String(v ?? "");
    return /^[=+\-@\t\r]/.test(t) && !/^\+?[\d\s*()-]+$/.test(t) ? `'${t}` : t;
  };
  // The BOM lets Excel read the Chinese as UTF-8.
  const row = (r) => columns.map(([k]) => cell(safe(k === "at" ? engine.localTime(r[k]) : r[k]))).join(",");
  return "\uFEFF" + [columns.map(([, zh]) => cell(zh)).join(","), ...rows.map(row)].join("\r\n") + "\r\n";
}

function leads(s) {
  return h(
    "section",
    { class: "card", "data-testid": "leads" },
    bi(`商机记录 ${s.leads.length}`, `Leads: ${s.leads.length}`, "h2"),
    h(
      "table",
      {},
      h("tr", {}, h("th", {}, "客户"), h("th", {}, "联系方式"), h("th", {}, "需求")),
      s.leads.map((l) => h("tr", {}, h("td", {}, l.name), h("td", {}, l.contact), h("td", {}, l.need))),
    ),
    h(
      "div",
      { class: "row" },
      h("button", { "data-testid": "export-csv", disabled: !s.leads.length, onclick: () => download("leads.csv", csv(s.leads, LEAD_COLUMNS), "text/csv") }, bi("导出CSV", "Export CSV")),
      h("button", { "data-testid": "export-json", disabled: !s.leads.length, onclick: () => download("leads.json", JSON.stringify(s.leads, null, 2)) }, bi("导出JSON", "Export JSON")),
    ),
  );
}

function unmet(s) {
  const cols = [
    ["at", "记录时间"],
    ["customer", "客户号"],
    ["name", "客户名称"],
    ["need_zh", "未满足需求"],
    ["need", "需求代码"],
    ["by", "记录人"],
  ];
  const rows = s.unmet.map((u) => ({ ...u, need_zh: zh("unmet", u.need) }));
  return h(
    "section",
    { class: "card", "data-testid": "unmet-list" },
    bi(`未满足需求 ${s.unmet.length}`, `Unmet needs: ${s.unmet.length}`, "h2"),
    h("ul", {}, s.unmet.map((u) => h("li", { "data-need": u.need }, `${u.name} · `, nameEl("unmet", u.need)))),
    h("button", { disabled: !s.unmet.length, onclick: () => download("unmet-needs.csv", csv(rows, cols), "text/csv") }, bi("导出上报", "Export for reporting")),
  );
}

/** The branch-local date (YYYY-MM-DD) of a time; "today" by default. */
function dayOf(iso) {
  return new Date(iso ?? Date.now()).toLocaleDateString("sv-SE", { timeZone: "Asia/Shanghai" });
}

function today() {
  return dayOf();
}

/** Today's record of who came in, where they went and what was suggested. */
function logDay(s, id, patch) {
  const day = today();
  if (s.day?.date !== day) s.day = { date: day, customers: {} };
  s.day.customers[id] = { ...(store.own(s.day.customers, id) ?? {}), ...patch };
}

/** Counts by route and by product suggested for everyone logged today, as SVG bars. */
function dayChart(s) {
  const routes = {};
  const products = {};
  const logged = s.day?.date === today() ? Object.values(s.day.customers) : [];
  for (const entry of logged) {
    if (entry.destination) routes[entry.destination] = (routes[entry.destination] ?? 0) + 1;
    for (const p of entry.products ?? []) products[p] = (products[p] ?? 0) + 1;
  }
  const names = Object.fromEntries(Object.keys(routes).map((k) => [k, zh("destination", k)]));
  return h(
    "section",
    { class: "card", "data-testid": "day-chart" },
    bi(`今日概况（${logged.length} 位客户）`, `Today at a glance (${logged.length} customers)`, "h2"),
    h("div", { class: "grid2" }, bars("按去向 By route", routes, names), bars("按推介产品 By product suggested", products, {})),
  );
}

function bars(title, counts, names) {
  const rows = Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const max = Math.max(1, ...rows.map(([, n]) => n));
  const rowH = 24;
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 420 ${Math.max(rowH, rows.length * rowH)}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", title);
  svg.setAttribute("class", "bars");
  rows.forEach(([k, n], i) => {
    const y = i * rowH;
    const text = document.createElementNS(ns, "text");
    text.setAttribute("x", "0");
    text.setAttribute("y", String(y + 16));
    text.textContent = names[k] ?? k;
    const rect = document.createElementNS(ns, "rect");
    rect.setAttribute("x", "160");
    rect.setAttribute("y", String(y + 4));
    rect.setAttribute("height", "16");
    rect.setAttribute("width", String((220 * n) / max));
    rect.setAttribute("rx", "3");
    const num = document.createElementNS(ns, "text");
    num.setAttribute("x", String(166 + (220 * n) / max));
    num.setAttribute("y", String(y + 16));
    num.textContent = String(n);
    svg.append(text, rect, num);
  });
  return h("figure", {}, h("figcaption", { class: "muted" }, title), svg);
}
