// 网点负责人 branch head: the board (wasm branchBoard) over what this
// browser recorded, turned into the records format (src/records.rs):
// referrals and close rates by role, outcomes per product and per rule,
// unmet needs to report upward (CSV), the referral chain behind each sale,
// the pack versions. Charts first, for a head who would rather look than
// read, each with its figures as text beside it.
//
// On a single device every record's author is this device and its role the
// channel that recorded it. Signed in to the branch server, the board reads
// every record of the branch as the server stored them (sync.js), with
// their authors, roles and pack versions.

import { h, bi, clear, download } from "./dom.js";
import * as engine from "./engine.js";
import * as store from "./store.js";
import { named, zh, en, nameEl } from "./labels.js";
import { toCsv } from "./csv.js";
import * as sync from "./sync.js";

export const AUTHOR = "本机 this device";
const OUTCOMES = ["accepted", "declined", "not_now", "no_answer"];

let root;
let drawn = 0;

export async function mount(section) {
  root = section;
  // Listening before the first draw: records that arrive while it runs draw again.
  store.subscribe(() => !root.hidden && draw());
  await draw();
  engine.onLiveChange(() => !root.hidden && draw());
}

export function refresh() {
  draw();
}

const secs = (iso) => Math.floor(Date.parse(iso) / 1000);
const strings = (v) => (Array.isArray(v) ? v.filter((x) => typeof x === "string") : []);

/**
 * What the store holds as records (src/records.rs), one JSON object a line:
 * outcomes (and, for a customer manager's follow-up, a follow_up beside it),
 * hand-offs, leads, unmet needs. Ids are derived from what each record is,
 * so the same store gives the same records.
 */
export function recordsOf(s) {
  const out = [];
  const add = (kind, key, customer, role, at, body) =>
    Number.isFinite(secs(at)) && out.push({ id: `${kind}:${key}`, customer, author: AUTHOR, role, at: secs(at), kind, body });
  for (const [customer, list] of Object.entries(s.outcomes ?? {})) {
    for (const r of list) {
      const key = `${customer}:${r.at}:${r.product}:${r.outcome}`;
      add("outcome", key, customer, r.by || "teller", r.at, { product: r.product, outcome: r.outcome, rules: strings(r.rules) });
      if (r.via) add("follow_up", key, customer, r.by || "cm", r.at, { channel: r.via, outcome: r.outcome, product: r.product });
    }
  }
  for (const x of s.handoffs ?? []) {
    add("handoff", x.id, x.customer, x.from || "teller", x.at, {
      to: x.destination,
      products: strings(x.products),
      purpose: typeof x.purpose === "string" ? x.purpose : null,
      need: x.need ?? null,
    });
  }
  for (const l of s.leads ?? []) {
    const products = String(l.products ?? "")
      .split("、")
      .filter(Boolean);
    add("lead", l.id, l.customer, l.by || "lobby", l.at, { assigned_to: "", need: l.need ?? null, products });
  }
  for (const u of s.unmet ?? []) add("unmet_need", `${u.customer}:${u.at}:${u.need}`, u.customer, u.by || "lobby", u.at, { need: u.need, note: "" });
  return out.map((r) => JSON.stringify(r)).join("\n");
}

/** The kinds the board reads (the staff board's own records are not the day's business; a retraction takes one back). */
const BOARD_KINDS = new Set(["outcome", "handoff", "lead", "unmet_need", "follow_up", "retraction"]);

/** The branch's records as the server stored them, as JSON lines for the board. */
function branchRecords() {
  return sync
    .serverRecords()
    .filter((r) => BOARD_KINDS.has(r.kind) && Number.isFinite(secs(r.created)))
    .map((r) =>
      JSON.stringify({
        id: r.id,
        customer: r.customer,
        author: r.author,
        role: r.role,
        at: secs(r.created),
        ...(Number.isInteger(r.pack_version) ? { pack_version: r.pack_version } : {}),
        kind: r.kind,
        body: r.body,
      }),
    )
    .join("\n");
}

async function draw() {
  const seq = ++drawn;
  const shown = root.querySelector(".head");
  shown?.setAttribute("aria-busy", "true");
  if (!shown) clear(root).append(h("div", { class: "card busy", "data-testid": "evaluating" }, bi("正在汇总…", "Adding up…")));
  const branch = sync.link.mode === "signed-in";
  const jsonl = branch ? branchRecords() : recordsOf(store.get());
  const [board, rules] = await Promise.all([engine.branchBoard(jsonl), engine.rules()]);
  if (seq !== drawn) return;
  if (board.error) {
    clear(root).append(
      h(
        "div",
        { class: "head" },
        h(
          "section",
          { class: "card error", role: "alert", "data-testid": "board-error" },
          bi("看板无法生成", "The board could not be worked out", "h2"),
          h("p", {}, board.error.zh ?? board.error.message),
          board.error.path ? h("p", { class: "muted" }, board.error.path) : null,
        ),
      ),
    );
    return;
  }
  const b = board.out;
  const ruleNames = new Map(rules.map((r) => [r.id, r]));
  const count = jsonl ? jsonl.split("\n").length : 0;
  clear(root).append(
    h(
      "div",
      { class: "head" },
      branch
        ? h("p", { class: "muted head-note" }, `全网点记录 ${count} 条`, h("span", { class: "en" }, `${count} records from the whole branch`))
        : h(
            "p",
            { class: "muted head-note" },
            `本机记录 ${count} 条（柜员答复、转介、商机、未满足需求）· 全网点汇总待网点服务器`,
            h("span", { class: "en" }, `${count} records on this device (answers, hand-offs, leads, unmet needs); the whole branch comes with the branch server`),
          ),
      h("div", { class: "grid2" }, referrals(b), products(b)),
      h("div", { class: "grid2" }, perRule(b, ruleNames), unmet(b)),
      h("div", { class: "grid2" }, sales(b), versions(b)),
    ),
  );
}

// ---------------------------------------------------------------------------
// Charts: inline SVG, no library, no request.

const NS = "http://www.w3.org/2000/svg";
function svgEl(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** Long names are cut on the chart (the table beside has them whole). */
const short = (t, n = 11) => (t.length > n ? `${t.slice(0, n - 1)}…` : t);

/**
 * Horizontal bars, one row each: {label, parts: [{value, cls}], note}; a part's
 * length is to scale with the longest row. `title` is the chart's accessible name.
 */
function barChart(title, rows, { testid } = {}) {
  const rowH = 28;
  const labelW = 150;
  const barW = 250;
  const max = Math.max(1, ...rows.map((r) => r.parts.reduce((a, p) => a + p.value, 0)));
  const svg = svgEl("svg", { viewBox: `0 0 ${labelW + barW + 120} ${Math.max(rowH, rows.length * rowH)}`, role: "img", "aria-label": title, class: "hbars" });
  if (testid) svg.setAttribute("data-testid", testid);
  rows.forEach((r, i) => {
    const y = i * rowH;
    const label = svgEl("text", { x: 0, y: y + 19 }, short(r.label));
    label.append(svgEl("title", {}, r.label));
    svg.append(label);
    let x = labelW;
    for (const p of r.parts) {
      const w = (barW * p.value) / max;
      if (w > 0) svg.append(svgEl("rect", { x, y: y + 5, width: w, height: 18, rx: 2, class: p.cls }));
      x += w;
    }
    svg.append(svgEl("text", { x: x + 6, y: y + 19, class: "note" }, r.note));
  });
  return svg;
}

function legend(items) {
  return h(
    "p",
    { class: "legend" },
    items.map(([cls, zhName, enName]) => h("span", {}, h("i", { class: `swatch ${cls}`, "aria-hidden": "true" }), zhName, h("span", { class: "en" }, enName))),
  );
}

const pct = (r) => `${Math.round(r * 100)}%`;

// ---------------------------------------------------------------------------

function roleName(role) {
  return named("channel", role);
}

function referrals(b) {
  const rows = [...b.referrals].sort((a, c) => c.close_rate - a.close_rate || c.handoffs - a.handoffs);
  return h(
    "section",
    { class: "card", "data-testid": "head-referrals" },
    bi("转介与成交率（按岗位）", "Referrals and close rate by role", "h2"),
    rows.length
      ? [
          barChart(
            "转介与成交率 Referrals and close rate",
            rows.map((r) => ({
              label: roleName(r.role).zh,
              parts: [
                { value: r.closed, cls: "closed" },
                { value: r.handoffs - r.closed, cls: "open" },
              ],
              note: `${pct(r.close_rate)} · ${r.closed}/${r.handoffs}`,
            })),
            { testid: "close-rate-chart" },
          ),
          legend([
            ["closed", "已成交", "closed"],
            ["open", "未成交", "not closed"],
          ]),
          h(
            "table",
            { class: "figures" },
            h("tr", {}, h("th", {}, "岗位 Role"), h("th", {}, "转介 Hand-offs"), h("th", {}, "成交 Closed"), h("th", {}, "成交率 Close rate")),
            rows.map((r) =>
              h("tr", { "data-testid": "referral-row", "data-role": r.role }, h("td", {}, nameEl("channel", r.role)), h("td", {}, r.handoffs), h("td", {}, r.closed), h("td", {}, pct(r.close_rate))),
            ),
          ),
        ]
      : h("p", { class: "muted" }, bi("暂无转介记录", "No hand-offs recorded yet")),
  );
}

const OUTCOME_CLS = { accepted: "accepted", declined: "declined", not_now: "not-now", no_answer: "no-answer" };

function tallyChart(title, tallies, nameOf, testid) {
  const total = (t) => OUTCOMES.reduce((a, o) => a + t[o], 0);
  const rows = [...tallies].sort((a, c) => c.accepted - a.accepted || total(c) - total(a));
  return [
    barChart(
      title,
      rows.map((t) => ({
        label: nameOf(t.key).zh,
        parts: OUTCOMES.map((o) => ({ value: t[o], cls: OUTCOME_CLS[o] })),
        note: `${t.accepted}/${total(t)}`,
      })),
      { testid },
    ),
    legend(OUTCOMES.map((o) => [OUTCOME_CLS[o], zh("outcome", o), en("outcome", o)])),
    h(
      "table",
      { class: "figures" },
      h(
        "tr",
        {},
        h("th", {}, ""),
        OUTCOMES.map((o) => h("th", {}, nameEl("outcome", o))),
      ),
      rows.map((t) => {
        const n = nameOf(t.key);
        return h(
          "tr",
          { "data-key": t.key },
          h("td", {}, n.missing ? h("span", { class: "unlabelled" }, `⚠ ${n.zh}`) : [n.zh, n.en ? h("span", { class: "en" }, n.en) : null]),
          OUTCOMES.map((o) => h("td", {}, t[o])),
        );
      }),
    ),
  ];
}

function products(b) {
  return h(
    "section",
    { class: "card", "data-testid": "head-products" },
    bi("客户答复（按产品）", "Answers per product", "h2"),
    b.products.length
      ? tallyChart("客户答复（按产品）Answers per product", b.products, (k) => named("product", k), "product-chart")
      : h("p", { class: "muted" }, bi("暂无客户答复", "No answers recorded yet")),
  );
}

function perRule(b, ruleNames) {
  const nameOf = (id) => {
    const r = ruleNames.get(id);
    return r?.zh ? { zh: r.zh, en: r.en ?? "", missing: false } : { zh: id, en: "", missing: true };
  };
  return h(
    "section",
    { class: "card", "data-testid": "head-rules" },
    bi("客户答复（按规则）", "Answers per rule", "h2"),
    b.rules.length
      ? tallyChart("客户答复（按规则）Answers per rule", b.rules, nameOf, "rule-chart")
      : h("p", { class: "muted" }, bi("暂无可归因到规则的答复", "No answers traced to a rule yet")),
  );
}

function customerName(id) {
  return engine.findCustomer(id)?.name ?? id;
}

const UNMET_COLUMNS = [
  ["need_zh", "未满足需求"],
  ["need", "需求代码"],
  ["count", "次数"],
  ["names", "客户名称"],
  ["customers", "客户号"],
];

function unmetCsv(b) {
  const rows = b.unmet_needs.map((u) => ({
    need_zh: zh("unmet", u.need),
    need: u.need,
    count: u.count,
    names: u.customers.map(customerName).join("、"),
    customers: u.customers.join("、"),
  }));
  return toCsv(rows, UNMET_COLUMNS);
}

function unmet(b) {
  const list = b.unmet_needs;
  return h(
    "section",
    { class: "card", "data-testid": "head-unmet" },
    h(
      "div",
      { class: "row" },
      bi(`未满足需求 ${list.length}`, `Unmet needs: ${list.length}`, "h2"),
      h(
        "button",
        { "data-testid": "unmet-csv", disabled: !list.length, onclick: () => download(`unmet-needs-${new Date().toISOString().slice(0, 10)}.csv`, unmetCsv(b), "text/csv") },
        bi("导出上报CSV", "Export CSV for reporting"),
      ),
    ),
    list.length
      ? [
          barChart(
            "未满足需求 Unmet needs",
            list.map((u) => ({ label: named("unmet", u.need).zh, parts: [{ value: u.count, cls: "unmet" }], note: String(u.count) })),
            { testid: "unmet-chart" },
          ),
          h(
            "ul",
            { class: "figures" },
            list.map((u) => h("li", { "data-need": u.need }, nameEl("unmet", u.need), ` × ${u.count} · `, u.customers.map(customerName).join("、"))),
          ),
        ]
      : h("p", { class: "muted" }, bi("暂无未满足需求", "No unmet needs logged yet")),
  );
}

function when(at) {
  return engine.localTime(new Date(at * 1000).toISOString());
}

function sales(b) {
  return h(
    "section",
    { class: "card", "data-testid": "head-sales" },
    bi(`成交与转介链 ${b.sales.length}`, `Sales and their referral chain: ${b.sales.length}`, "h2"),
    b.sales.length
      ? h(
          "ol",
          { class: "sales" },
          [...b.sales].reverse().map((x) =>
            h(
              "li",
              { "data-testid": "sale", "data-customer": x.customer },
              h("strong", {}, customerName(x.customer)),
              " · ",
              nameEl("product", x.product),
              h("div", { class: "muted" }, `${when(x.at)} 由 `, nameEl("channel", x.closed_role, { english: false }), ` 成交 · closed by ${roleName(x.closed_role).en || x.closed_role}`),
              x.chain.length
                ? h(
                    "div",
                    { class: "chain", "data-testid": "sale-chain" },
                    "转介链 Chain: ",
                    x.chain.map((c, i) => [i ? " → " : "", h("span", { class: "link" }, zh("channel", c.role), " ⇒ ", zh("destination", c.to), h("span", { class: "muted" }, ` ${when(c.at)}`))]),
                  )
                : h("div", { class: "muted" }, "无转介：直接成交 · no hand-off before it"),
            ),
          ),
        )
      : h("p", { class: "muted" }, bi("暂无成交", "No sales recorded yet")),
  );
}

function versions(b) {
  const m = engine.manifest();
  const entries = Object.entries(b.pack_versions ?? {});
  return h(
    "section",
    { class: "card", "data-testid": "head-versions" },
    bi("规则包版本", "Pack versions", "h2"),
    engine.publishedVersion()
      ? h("p", { "data-testid": "head-version-live" }, "现行 In force: ", h("strong", {}, `第 ${engine.publishedVersion().version} 版 · version ${engine.publishedVersion().version}`), h("span", { class: "muted" }, ` ${`${m.name ?? ""} ${m.version ?? ""}`.trim()}`))
      : h("p", {}, "在用 Live: ", h("strong", {}, `${m.name ?? ""} ${m.version ?? ""}`.trim() || "—"), engine.liveIsCustom() ? h("span", { class: "muted" }, "（草稿 studio draft）") : null),
    entries.length
      ? h(
          "table",
          { class: "figures" },
          h("tr", {}, h("th", {}, "记录所用版本 Version in records"), h("th", {}, "记录数 Records")),
          entries.map(([v, n]) => h("tr", {}, h("td", {}, v === "—" ? "未标注 not stamped" : v), h("td", {}, n))),
        )
      : null,
    sync.link.mode === "signed-in"
      ? null
      : h("p", { class: "muted" }, bi("本机记录尚未标注规则包版本；网点服务器写入时标注", "Records on this device carry no pack version yet; the branch server stamps them")),
  );
}
