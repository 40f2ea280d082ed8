// 大堂经理 lobby tablet: the hall's queue with each customer's tier,
// high-value signals, route and top suggestions; hand-offs from tellers;
// lead records (only with record consent) exported for the relationship
// manager; unmet needs logged for reporting upward; a chart of the day.

import { h, bi, clear, download, SEGMENT } from "./dom.js";
import * as engine from "./engine.js";
import * as store from "./store.js";
import { NEEDS, CHANNELS, label } from "./labels.js";

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
      s.queue = engine.samples.slice(0, QUEUE_SEED).map((c) => c.id);
      s.seen = [...s.queue];
    });
  }
  await draw();
  store.subscribe(() => !root.hidden && draw());
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
          logDay(st, c.id, { destination: store.own(st.confirmed, c.id)?.destination ?? out.route.destination, products: out.suggestions.map((g) => g.product_zh) });
        }
      },
      { quiet: true },
    );
    s = store.get();
  }
  clear(root).append(
    h(
      "div",
      { class: "lobby" },
      handoffs(s),
      h("div", { class: "lobby-head row" }, bi(`大厅客户 ${entries.length} 位`, `${entries.length} in the hall`, "h2"), addCustomer(s)),
      h("div", { class: "queue" }, entries.map(card)),
      h("div", { class: "grid2" }, leads(s), unmet(s)),
      dayChart(s),
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

function card({ c, out, error }) {
  if (error) {
    return h(
      "div",
      { class: "card lobby-card error", "data-testid": "queue-card", "data-customer": c.id, "data-kind": error.kind ?? "data" },
      h("strong", {}, c.name ?? c.id),
      error.kind ? bi(error.zh, error.en, "p") : h("p", {}, `${error.path ?? ""} ${error.detail ?? error.message}`),
      h("button", { onclick: () => leave(c) }, bi("离厅", "Left")),
    );
  }
  const s = store.get();
  const [seg, segEn] = label(SEGMENT, c.segment ?? "mass");
  const confirmed = store.own(s.confirmed, c.id);
  const r = out.route;
  return h(
    "article",
    { class: "card lobby-card", "data-testid": "queue-card", "data-customer": c.id, "data-destination": r.destination },
    h(
      "div",
      { class: "row" },
      h("strong", { class: "name" }, c.name ?? c.id),
      h("span", { class: "badge" }, seg, h("span", { class: "en" }, segEn)),
      out.high_value.flag ? h("span", { class: "badge hv" }, "★ 高价值", h("span", { class: "en" }, "High value")) : null,
    ),
    out.high_value.flag ? h("p", { class: "muted signals" }, out.high_value.signals.map((g) => g.zh).join("；")) : null,
    h(
      "p",
      { class: "route-line" },
      "→ ",
      h("strong", {}, r.destination_zh),
      h("span", { class: "en" }, r.destination_en),
      h("br"),
      h("span", { class: "muted" }, r.reason_zh),
    ),
    out.suggestions.length
      ? h(
          "ol",
          { class: "sugg" },
          out.suggestions.map((g) =>
            h("li", {}, h("strong", {}, g.product_zh), ` R${g.risk} · `, g.reasons[0].zh, h("span", { class: "en" }, g.product_en)),
          ),
        )
      : h("p", { class: "muted" }, "暂无推介", h("span", { class: "en" }, "No pitch")),
    h(
      "div",
      { class: "row" },
      confirmed
        ? h("span", { class: "badge ok", "data-testid": "confirmed" }, "✓ 已确认", h("span", { class: "en" }, "Confirmed"))
        : h("button", { class: "primary", "data-testid": "confirm", onclick: () => confirm(c, r) }, bi("确认去向", "Confirm route")),
      h("button", { "data-testid": "lead", onclick: (e) => saveLead(c, out, e.currentTarget) }, bi("记录商机", "Save lead")),
      out.unmet_needs.length
        ? h("button", { "data-testid": "unmet", onclick: () => logUnmet(c, out) }, bi("记录未满足需求", "Log unmet need"))
        : null,
      h("button", { onclick: () => leave(c) }, bi("离厅", "Left")),
    ),
    h("p", { class: "error lead-msg", role: "alert" }),
  );
}

function confirm(c, r) {
  store.update((s) => {
    s.confirmed[c.id] = { destination: r.destination, at: engine.stamp() };
    logDay(s, c.id, { destination: r.destination });
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
  const needs = (c.stated_needs ?? []).map((n) => label(NEEDS, n)[0]);
  const lead = {
    id: store.uid(),
    at: engine.stamp(),
    customer: c.id,
    name: c.name ?? c.id,
    contact: c.contact ?? "",
    need: [...needs, ...out.suggestions.map((g) => g.reasons[0].zh)].join("；"),
    products: products.join("、"),
    by: "lobby",
  };
  if (!lead.need) {
    msg.textContent = "没有可记录的产品需求 · No product need to record";
    return;
  }
  // One lead per customer per day: saving again updates it.
  const day = today();
  store.update((s) => {
    s.leads = s.leads.filter((l) => !(l.customer === c.id && dayOf(l.at) === day));
    s.leads.push(lead);
  });
}

function logUnmet(c, out) {
  store.update((s) => {
    for (const need of out.unmet_needs) {
      if (!s.unmet.some((u) => u.customer === c.id && u.need === need)) {
        s.unmet.push({ at: engine.stamp(), customer: c.id, name: c.name ?? c.id, need, by: "lobby" });
      }
    }
  });
}

function handoffs(s) {
  const open = s.handoffs.filter((x) => x.status === "open");
  if (!open.length) return null;
  return h(
    "section",
    { class: "card handoffs", "data-testid": "handoffs" },
    bi(`柜员转介 ${open.length}`, `Hand-offs from counters: ${open.length}`, "h2"),
    open.map((x) => {
      const [staff, staffEn] = Object.hasOwn(STAFF, x.destination) ? STAFF[x.destination] : [x.destination_zh, x.destination];
      const intro = `「${x.name}您好，这位是我们的${staff}。」「${staff}您好，这位是${x.name}：${x.need}${x.product_zh ? `，想了解${x.product_zh}` : ""}。」`;
      const introEn = `Introduce both sides: "${x.name}, this is our ${staffEn}." Then state the need to the ${staffEn}.`;
      return h(
        "div",
        { class: "handoff", "data-testid": "handoff", "data-customer": x.customer },
        h("p", {}, h("strong", {}, x.name), ` · ${label(CHANNELS, x.from)[0]} → `, h("strong", {}, x.destination_zh), ` · ${engine.localTime(x.at)}`),
        h("p", { class: "intro" }, intro),
        h("p", { class: "en" }, introEn),
        x.consent ? null : h("p", { class: "error" }, "客户未同意记录：可引导，不记录 · No record consent: guide, do not record"),
        h(
          "button",
          {
            class: "primary",
            "data-testid": "handoff-confirm",
            onclick: () =>
              store.update((st) => {
                const item = st.handoffs.find((y) => y.id === x.id);
                item.status = "done";
                st.confirmed[x.customer] = { destination: x.destination, at: engine.stamp(), handoff: x.id };
                logDay(st, x.customer, { destination: x.destination });
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
    ["need", "未满足需求"],
    ["by", "记录人"],
  ];
  return h(
    "section",
    { class: "card", "data-testid": "unmet-list" },
    bi(`未满足需求 ${s.unmet.length}`, `Unmet needs: ${s.unmet.length}`, "h2"),
    h("ul", {}, s.unmet.map((u) => h("li", {}, `${u.name} · ${label(NEEDS, u.need)[0]} `, h("span", { class: "en" }, u.need)))),
    h("button", { disabled: !s.unmet.length, onclick: () => download("unmet-needs.csv", csv(s.unmet, cols), "text/csv") }, bi("导出上报", "Export for reporting")),
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
  const names = Object.fromEntries(Object.entries(engine.manifest().destinations).map(([k, v]) => [k, v.zh]));
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
