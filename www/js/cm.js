// 客户经理 customer manager: the leads the lobby and the counters passed on
// in this browser (商机收件箱), today's contact plan over the book ranked by
// opportunity (联系计划, wasm contactPlan: grade, reasons, offers by name,
// what pacing holds back), a follow-up recorded per call (channel and the
// customer's answer, stored as an outcome like the teller's, so pacing
// follows it everywhere), and the plan as CSV.
//
// The book is the customers this page knows: on a single device the bundled
// samples and any pasted at the counter; signed in to the branch server, the
// hall and this customer manager's own book, and the leads assigned to them
// (or to the day's pool), never another customer manager's.

import { h, bi, clear, download } from "./dom.js";
import * as engine from "./engine.js";
import * as store from "./store.js";
import { named, zh, en, nameEl } from "./labels.js";
import { toCsv } from "./csv.js";
import * as shared from "./shared.js";
import * as sync from "./sync.js";

const PAGE = 20;
const OUTCOMES = ["accepted", "declined", "not_now", "no_answer"];
/** How the customer manager reached the customer (records.rs FollowUpBody.channel): fixed, not the pack's. */
export const FOLLOW_CHANNELS = {
  phone: ["电话", "Phone"],
  sms: ["短信", "SMS"],
  visit: ["面谈", "Visit"],
  salon: ["沙龙", "Salon"],
};

let root;
let shown = PAGE; // plan lines shown; "show more" adds a page
let openFor = null; // the customer whose follow-up form is open, kept through redraws
let drawn = 0;
let bookLoader = null; // kept across redraws: its message stays after the plan redraws

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

/** The branch-local date (YYYY-MM-DD). */
function dayOf(iso) {
  return new Date(iso ?? Date.now()).toLocaleDateString("sv-SE", { timeZone: "Asia/Shanghai" });
}

async function draw() {
  const seq = ++drawn;
  const shownNow = root.querySelector(".cm");
  shownNow?.setAttribute("aria-busy", "true");
  if (!shownNow) clear(root).append(h("div", { class: "card busy", "data-testid": "evaluating" }, bi("正在生成联系计划…", "Working out the contact plan…")));
  // Rounded up: a follow-up recorded a moment ago is never after the plan's time.
  const now = Math.ceil(Date.now() / 1000);
  const plan = await engine.contactPlan(engine.allCustomers(), now);
  if (seq !== drawn) return;
  if (plan.out) await namePaced(plan.out.slice(0, shown), now);
  if (seq !== drawn) return;
  clear(root).append(
    h(
      "div",
      { class: "cm" },
      inbox(store.get()),
      planCard(plan, store.get()),
      // Linked, a customer manager loads their own book (the server keeps it; others never see it).
      sync.link.user?.role === "cm"
        ? h("section", { class: "card" }, (bookLoader ??= sync.customerLoader("list=book", ["载入我的客户名单（JSON Lines）", "Load my book (JSON lines)"], "book-load")))
        : null,
    ),
  );
}

/**
 * The plan's pacing notes say "该产品" without naming it: the same evaluation
 * (channel cm, the plan's time) says which product each holds back, in the
 * same order. Adds `product` to each note of the lines shown; a line whose
 * notes do not pair up keeps its notes as they are.
 */
async function namePaced(lines, now) {
  const at = new Date(now * 1000).toISOString();
  await Promise.all(
    lines
      .filter((l) => l.paced.length)
      .map(async (l) => {
        const c = engine.findCustomer(l.customer);
        const r = c && (await engine.evaluate(c, { channel: "cm", now: at }));
        const held = (r?.out?.suppressed ?? []).filter((x) => x.reason === "pacing");
        if (held.length === l.paced.length) l.paced.forEach((p, i) => (p.product = held[i].product));
      }),
  );
}

// ---------------------------------------------------------------------------
// 商机收件箱 Leads inbox

/** Leads saved in the lobby, and open hand-offs to the relationship manager, newest first. */
function inboxItems(s) {
  const leads = s.leads.map((l) => ({
    kind: "lead",
    id: l.id,
    at: l.at,
    customer: l.customer,
    name: l.name,
    contact: l.contact ?? "",
    need: l.need,
    products: String(l.products ?? "")
      .split("、")
      .filter(Boolean),
    by: l.by ?? "lobby",
    by_name: l.by_name ?? "",
    assigned_to: l.assigned_to ?? "",
  }));
  const handoffs = s.handoffs
    .filter((x) => x.status === "open" && x.destination === "relationship_manager")
    .map((x) => ({
      kind: "handoff",
      id: x.id,
      at: x.at,
      customer: x.customer,
      name: x.name,
      contact: "",
      need: x.need,
      products: (x.products ?? []).map((p) => zh("product", p)),
      by: x.from ?? "teller",
    }));
  return [...leads, ...handoffs].sort((a, b) => String(b.at).localeCompare(String(a.at)));
}

function inbox(s) {
  const items = inboxItems(s);
  return h(
    "section",
    { class: "card cm-inbox", "data-testid": "cm-inbox" },
    bi(`商机收件箱 ${items.length}`, `Leads inbox: ${items.length}`, "h2"),
    items.length
      ? h(
          "table",
          {},
          h(
            "thead",
            {},
            h("tr", {}, ["客户 Customer", "需求 Need", "关注产品 Products", "转介人 Referred by", "时间 When"].map((t) => h("th", {}, t))),
          ),
          h(
            "tbody",
            {},
            items.map((it) =>
              h(
                "tr",
                { "data-testid": "cm-lead", "data-customer": it.customer, "data-kind": it.kind },
                h("td", {}, h("strong", {}, it.name), it.contact ? h("div", { class: "muted" }, it.contact) : null),
                h("td", {}, it.need),
                h("td", { "data-testid": "cm-lead-products" }, it.products.join("、") || "—"),
                h(
                  "td",
                  { "data-testid": "cm-lead-by" },
                  nameEl("channel", it.by),
                  it.by_name ? h("div", { class: "muted" }, it.by_name) : null,
                  it.kind === "lead" && sync.link.mode === "signed-in"
                    ? h("div", { class: "muted", "data-testid": "cm-lead-assigned" }, it.assigned_to ? `分配给 ${it.assigned_to} · assigned` : "商机池 · the day's pool")
                    : null,
                ),
                h("td", { class: "muted" }, engine.localTime(it.at)),
              ),
            ),
          ),
        )
      : h("p", { class: "muted" }, bi("暂无商机：大堂经理保存的商机、柜员转介给客户经理的客户会出现在这里", "No leads yet: leads the lobby saves and customers the counters hand to you appear here")),
  );
}

// ---------------------------------------------------------------------------
// 联系计划 Contact plan

function planCard(plan, s) {
  const today = dayOf();
  if (plan.error) {
    return h(
      "section",
      { class: "card error", role: "alert", "data-testid": "plan-error" },
      bi("联系计划无法生成", "The contact plan could not be worked out", "h2"),
      h("p", {}, plan.error.zh ?? plan.error.message, plan.error.en ? h("span", { class: "en" }, plan.error.en) : null),
      plan.error.path ? h("p", { class: "muted" }, plan.error.path) : null,
    );
  }
  const lines = plan.out;
  const visible = lines.slice(0, shown);
  return h(
    "section",
    { class: "card cm-plan", "data-testid": "cm-plan" },
    h(
      "div",
      { class: "row plan-head" },
      bi(`联系计划 ${today}`, `Contact plan for today: ${lines.length} customers`, "h2"),
      h("span", { class: "muted" }, `共 ${lines.length} 位，按商机排序 · ranked by opportunity`),
      h(
        "button",
        { "data-testid": "plan-csv", disabled: !lines.length, onclick: () => download(`contact-plan-${today}.csv`, planCsv(lines), "text/csv") },
        bi("导出CSV", "Export CSV"),
      ),
    ),
    lines.length
      ? h("ol", { class: "plan" }, visible.map((l, i) => planLine(l, i, s)))
      : h("p", { class: "muted" }, bi("今天没有需要联系的客户", "Nobody to contact today")),
    lines.length > visible.length
      ? h(
          "button",
          { class: "more", "data-testid": "plan-more", onclick: () => ((shown += PAGE), draw()) },
          bi(`显示更多（还有 ${lines.length - visible.length} 位）`, `Show more (${lines.length - visible.length} left)`),
        )
      : null,
  );
}

function planLine(l, i, s) {
  const customer = engine.findCustomer(l.customer);
  const followUps = (store.own(s.outcomes, l.customer) ?? []).filter((r) => r.by === "cm");
  const grade = l.grade ? named("grade", l.grade) : null;
  return h(
    "li",
    { class: "plan-line", "data-testid": "plan-line", "data-customer": l.customer },
    h(
      "div",
      { class: "row plan-top" },
      h("span", { class: "rank" }, String(i + 1)),
      l.grade ? h("span", { class: `grade-chip grade-${l.grade}`, "data-testid": "plan-grade", title: `${grade.zh} ${grade.en}` }, l.grade) : null,
      h("strong", { class: "name" }, l.name || l.customer),
      customer?.segment ? nameEl("segment", customer.segment, { attrs: { class: "badge" } }) : null,
      customer?.contact ? h("span", { class: "muted" }, customer.contact) : null,
      h("span", { class: "muted score", title: "商机分 Opportunity score" }, `${Math.round(l.score)} 分`),
    ),
    reasons(l.reasons),
    h(
      "ul",
      { class: "offers", "data-testid": "plan-offers" },
      l.offers.map((o) =>
        h(
          "li",
          { "data-product": o.product },
          h("strong", { "data-testid": "offer-name" }, o.product_zh),
          h("span", { class: "en" }, o.product_en),
          " · ",
          o.pitch_zh,
          h("span", { class: "en" }, o.pitch_en),
        ),
      ),
    ),
    l.paced.length
      ? h(
          "p",
          { class: "paced", "data-testid": "plan-paced" },
          h("strong", {}, "暂不提及 "),
          h("span", { class: "en" }, "Not yet: "),
          l.paced.map((p, j) =>
            h(
              "span",
              { class: "paced-item", "data-product": p.product ?? "" },
              j ? "；" : "",
              p.product ? [h("strong", {}, zh("product", p.product)), "：", p.zh, h("span", { class: "en" }, `${en("product", p.product)}: ${p.en}`)] : [p.zh, h("span", { class: "en" }, p.en)],
            ),
          ),
        )
      : null,
    followUps.length
      ? h(
          "p",
          { class: "muted followups", "data-testid": "plan-followups" },
          "已跟进 Followed up: ",
          followUps.map((r, j) => [j ? "；" : "", `${engine.localTime(r.at)} ${followChannel(r.via)[0]} · ${zh("product", r.product)} · ${zh("outcome", r.outcome)}`]),
        )
      : null,
    followUpForm(l, customer),
  );
}

const REASONS_SHOWN = 3;

/** Why to call: the first few reasons, the rest one tap away. */
function reasons(list) {
  if (!list.length) return null;
  const line = (rs) => rs.map((r, j) => [j ? "；" : "", r.zh, h("span", { class: "en" }, r.en)]);
  const rest = list.slice(REASONS_SHOWN);
  return h(
    "div",
    { class: "plan-reasons", "data-testid": "plan-reasons" },
    h("span", { class: "muted" }, "原因 "),
    line(list.slice(0, REASONS_SHOWN)),
    rest.length ? h("details", { class: "more-reasons" }, h("summary", {}, `还有 ${rest.length} 条 · ${rest.length} more`), line(rest)) : null,
  );
}

function followChannel(id) {
  return Object.hasOwn(FOLLOW_CHANNELS, id ?? "") ? FOLLOW_CHANNELS[id] : [id ?? "", ""];
}

/** 记录跟进: which product, how the customer was reached, what they said. */
function followUpForm(l, customer) {
  const product = h(
    "select",
    { "aria-label": "产品 Product", "data-testid": "followup-product" },
    l.offers.map((o) => h("option", { value: o.product }, `${o.product_zh} ${o.product_en}`)),
  );
  const channel = h(
    "select",
    { "aria-label": "联系方式 Channel", "data-testid": "followup-channel" },
    Object.entries(FOLLOW_CHANNELS).map(([id, [z, e]]) => h("option", { value: id }, `${z} ${e}`)),
  );
  const details = h(
    "details",
    { class: "followup", open: openFor === l.customer, ontoggle: (e) => (openFor = e.currentTarget.open ? l.customer : openFor === l.customer ? null : openFor) },
    h("summary", { "data-testid": "followup-open" }, bi("记录跟进", "Record a follow-up")),
    h(
      "div",
      { class: "row" },
      h("label", {}, bi("产品", "Product"), " ", product),
      h("label", {}, bi("方式", "Channel"), " ", channel),
    ),
    h(
      "div",
      { class: "row" },
      OUTCOMES.map((o) =>
        h(
          "button",
          {
            class: o === "accepted" ? "primary" : "",
            "data-testid": `followup-${o}`,
            onclick: (e) => {
              e.currentTarget.disabled = true;
              recordFollowUp(customer, product.value, channel.value, o);
            },
          },
          nameEl("outcome", o),
        ),
      ),
    ),
  );
  return customer ? details : null;
}

/**
 * Stored as the teller's answers are (store.addOutcome), by "cm" and with the
 * channel: the engine paces the product from now on, here, at the counter and
 * in the lobby. The rules that proposed it go with it, for the branch head.
 */
async function recordFollowUp(customer, product, via, outcome) {
  const at = engine.stamp();
  const answer = await engine.evaluate(customer, { channel: "cm", now: at });
  const rules = answer.out?.suggestions.find((g) => g.product === product)?.rules ?? [];
  openFor = null;
  shared.followUp(customer.id, { product, at, outcome, by: "cm", via, rules });
}

// ---------------------------------------------------------------------------

const PLAN_COLUMNS = [
  ["rank", "排名 rank"],
  ["customer", "客户号 customer"],
  ["name", "姓名 name"],
  ["contact", "联系方式 contact"],
  ["grade", "等级 grade"],
  ["offers", "推介产品 offers"],
  ["reasons", "原因 reasons"],
  ["paced", "暂不提及 not yet"],
];

/** The whole plan (not only the lines shown), products by name. */
export function planCsv(lines) {
  const rows = lines.map((l, i) => ({
    rank: i + 1,
    customer: l.customer,
    name: l.name,
    contact: engine.findCustomer(l.customer)?.contact ?? "",
    grade: l.grade,
    offers: l.offers.map((o) => o.product_zh).join("；"),
    reasons: l.reasons.map((r) => r.zh).join("；"),
    paced: l.paced.map((p) => (p.product ? `${zh("product", p.product)}：${p.zh}` : p.zh)).join("；"),
  }));
  return toCsv(rows, PLAN_COLUMNS);
}
