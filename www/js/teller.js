// 柜员 一句话营销: the teller picks the customer being served and the visit
// purpose and gets one pitch line, large, with its reason and risk level;
// records the customer's answer (which feeds pacing at once) or calls the
// lobby manager. The bank's teller system can embed this screen in an
// iframe and drive it with postMessage (see README).

import { h, bi, clear } from "./dom.js";
import * as engine from "./engine.js";
import * as store from "./store.js";
import { named, zh, en, both, nameEl, ids, HOLD, label } from "./labels.js";
import { recordProblem } from "./fields.js";
import { tellEmbedder } from "./embed.js";
import * as shared from "./shared.js";

let root;
let drawn = 0; // bumps per draw: only the latest draw's answer is shown
const SLOW_MS = 150; // an answer slower than this: the old pitch gives way to "evaluating"

export async function mount(section) {
  root = section;
  await draw();
  store.subscribe(() => {
    if (!root.hidden) draw();
  });
  engine.onLiveChange(() => draw());
}

export function refresh() {
  draw();
}

function ui() {
  const t = store.get().teller;
  const customers = engine.allCustomers();
  const id = t.customer && engine.findCustomer(t.customer) ? t.customer : customers[0]?.id;
  return {
    id,
    purpose: t.purpose ?? null,
    channel: t.channel ?? "teller",
    paste: t.paste ?? "",
    pasteError: t.pasteError ?? null, // a paste that failed: its problem, shown instead of any pitch
    last: t.last ?? null, // the answer last recorded here, which Undo takes back
  };
}

function setUi(patch) {
  store.update((s) => (s.teller = { ...s.teller, ...patch }));
}

/**
 * Draws the screen once the engine has answered (in its worker). Until then
 * the screen stays as it was and works; the pitch on it is marked as not
 * current, and after SLOW_MS gives way to "evaluating", so a pitch for the
 * previous customer is never shown as if it were this one's. A paste that
 * failed shows its problem instead of any customer's pitch.
 */
async function draw() {
  const seq = ++drawn;
  const { id, purpose, channel, pasteError } = ui();
  const customer = id && !pasteError ? engine.findCustomer(id) : null;
  const purposeNow = purpose ?? customer?.visit?.purpose ?? "";
  const main = root.querySelector(".teller-main");
  main?.classList.add("stale");
  main?.setAttribute("aria-busy", "true");
  const slow = setTimeout(() => {
    if (seq === drawn && main?.isConnected) clear(main).append(h("div", { class: "card busy", "data-testid": "evaluating" }, bi("正在评估…", "Evaluating…")));
  }, SLOW_MS);
  const answer = customer ? await engine.evaluate(customer, { channel, purpose: purposeNow || undefined }) : null;
  clearTimeout(slow);
  if (seq !== drawn) return; // a later draw is on its way
  clear(root).append(
    h(
      "div",
      { class: "teller" },
      controls(customer, purposeNow, channel, pasteError),
      h("div", { class: "teller-main" }, pasteError ? pasteProblem(pasteError) : result(customer, answer, channel, purposeNow)),
    ),
  );
  // For tests/e2e/perf.mjs: navigation start to the first pitch in the DOM.
  if (!performance.getEntriesByName("nextbest:first-pitch").length && root.querySelector("[data-testid=pitch]")) {
    performance.mark("nextbest:first-pitch");
  }
}

function controls(customer, purpose, channel, pasteError) {
  const customers = engine.allCustomers();
  const select = h(
    "select",
    {
      "aria-label": "客户 Customer",
      "data-testid": "customer",
      onchange: (e) => setUi({ customer: e.target.value, purpose: null, pasteError: null }),
    },
    // After a failed paste no customer is being served: the list says so rather than showing the previous one.
    pasteError ? h("option", { value: "", selected: true, disabled: true }, "（粘贴有误，未选客户 no customer）") : null,
    customers.map((c) =>
      h("option", { value: c.id, selected: !pasteError && c.id === customer?.id }, `${c.id} ${c.name ?? ""} · ${zh("segment", c.segment ?? "mass")}`),
    ),
  );
  // The pack's visit purposes (vocabulary), by the pack's names; the customer's own, if the pack lacks it, is kept visible.
  const purposes = ids("purpose");
  if (purpose && !purposes.includes(purpose)) purposes.push(purpose);
  const purposeSelect = h(
    "select",
    { "aria-label": "来访目的 Visit purpose", "data-testid": "purpose", onchange: (e) => setUi({ purpose: e.target.value }) },
    h("option", { value: "", selected: !purpose }, "（未说明 none）"),
    purposes.map((k) => h("option", { value: k, selected: k === purpose }, both("purpose", k))),
  );
  const channelButtons = h(
    "div",
    { class: "row", role: "radiogroup" },
    ["teller", "vip_teller"].map((ch) =>
      h(
        "button",
        { class: ch === channel ? "primary" : "", "aria-pressed": String(ch === channel), "data-channel": ch, onclick: () => setUi({ channel: ch }) },
        nameEl("channel", ch),
      ),
    ),
  );
  return h(
    "aside",
    { class: "card teller-side" },
    h("label", {}, bi("客户", "Customer"), select),
    h("label", {}, bi("来访目的", "Visit purpose"), purposeSelect),
    h("div", {}, bi("柜台", "Counter", "div", { class: "muted" }), channelButtons),
    pasteBox(),
  );
}

/**
 * Paste a customer JSON or load a file: it joins the list and is selected.
 * One that cannot be used clears the screen of the previous customer and
 * says what is wrong, naming the field.
 */
function pasteBox() {
  const area = h("textarea", { rows: 4, placeholder: '{"id": "…", "visit": {…}}', "data-testid": "paste", "aria-label": "客户 JSON" });
  area.value = ui().paste;
  area.addEventListener("input", () => {
    const text = area.value;
    store.update((s) => (s.teller = { ...s.teller, paste: text }), { quiet: true, as: "teller.paste" });
  });
  const take = async (text) => {
    let problem = null;
    let c = null;
    try {
      c = JSON.parse(text);
      if (!c || typeof c !== "object" || Array.isArray(c)) throw Object.assign(new Error("expected one customer object {…}"), { path: "customer" });
      if (!store.safeId(c.id)) throw Object.assign(new Error(`id ${JSON.stringify(c.id)} cannot be used: expected a non-empty string`), { path: "id" });
      const test = await engine.evaluate(c, { channel: "teller" });
      if (test.error) throw test.error;
    } catch (e) {
      problem = e?.kind ? { zh: e.zh, en: e.en, field: "" } : recordProblem(e, text);
    }
    store.update((s) => {
      if (problem) {
        // Nobody's pitch stays on screen under an error: the previous customer is not being served.
        s.teller = { ...s.teller, pasteError: problem, paste: text };
      } else {
        s.customers[c.id] = c;
        s.teller = { ...s.teller, customer: c.id, purpose: null, paste: "", pasteError: null };
      }
    });
  };
  const file = h("input", {
    type: "file",
    accept: "application/json,.json",
    "aria-label": "载入文件 Load file",
    onchange: async (e) => e.target.files[0] && take(await e.target.files[0].text()),
  });
  return h(
    "details",
    { class: "paste", open: ui().paste !== "" || !!ui().pasteError },
    h("summary", {}, bi("粘贴或载入客户", "Paste or load a customer")),
    area,
    h("div", { class: "row" }, h("button", { onclick: () => take(area.value), "data-testid": "paste-go" }, bi("使用", "Use")), file),
  );
}

function pasteProblem(p) {
  return h(
    "div",
    { class: "card error paste-problem", role: "alert", "data-testid": "paste-error", "data-field": p.field ?? "" },
    bi("无法使用粘贴的客户", "The pasted customer cannot be used", "h2"),
    h("p", { class: "problem-zh" }, p.zh),
    h("p", { class: "en problem-en" }, p.en),
    h("p", { class: "muted" }, bi("请改正后重新粘贴，或在左侧选择客户", "Fix it and paste again, or pick a customer on the left")),
  );
}

/** The answer last recorded here for this customer, while it stands (Undo takes it back). */
function lastFor(customer) {
  const last = ui().last;
  if (!last || last.customer !== customer.id) return null;
  const list = store.own(store.get().outcomes, customer.id) ?? [];
  return list.some((r) => r.at === last.at && r.product === last.product && r.outcome === last.outcome) ? last : null;
}

function result(customer, answer, channel, purpose) {
  if (!customer) return h("div", { class: "card" }, bi("请选择客户", "Pick a customer"));
  const { out, error } = answer;
  if (error?.kind) {
    // The rules ran too long or the engine failed: not the customer's record.
    return h(
      "div",
      { class: "card error", role: "alert", "data-testid": "engine-error", "data-kind": error.kind },
      bi(error.zh, error.en, "p"),
      h("p", { class: "muted" }, bi("可重新选择客户再试，或改用人工判断", "Pick the customer again to retry, or use your own judgement")),
    );
  }
  if (error) {
    const p = recordProblem(error);
    return h(
      "div",
      { class: "card error", role: "alert", "data-testid": "eval-error", "data-field": p.field },
      bi("客户数据有误", "The customer record has a problem", "h2"),
      h("p", { class: "problem-zh" }, p.zh),
      h("p", { class: "en problem-en" }, p.en),
    );
  }
  const head = h(
    "div",
    { class: "row who" },
    h("strong", { class: "name" }, customer.name ?? customer.id),
    nameEl("segment", customer.segment ?? "mass", { attrs: { class: "badge" } }),
    out.high_value.flag ? h("span", { class: "badge hv", title: out.high_value.signals.map((s) => s.zh).join("；") }, "★ 高价值", h("span", { class: "en" }, "High value")) : null,
    purpose ? purposeBadge(purpose) : null,
    gradeBadge(out.grade),
    h("span", { class: "muted" }, customer.id),
  );
  const last = lastFor(customer);
  if (last?.outcome === "accepted") {
    // Accepted: the pitch is done; what happens next, and Undo.
    return [head, acceptedCard(customer, out, last, channel, purpose), notes(out), recorded(customer)];
  }
  return [head, pitchCard(out), actions(customer, out, channel, purpose, last), routeLine(out), notes(out), recorded(customer)];
}

function purposeBadge(purpose) {
  return nameEl("purpose", purpose, { attrs: { class: `badge purpose${purpose === "complaint" ? " complaint" : ""}`, "data-testid": "visit-purpose", "data-purpose": purpose } });
}

/** The prospect grade (A–D), compact; its screening tests one tap away. Nothing when no grade rule fired. */
export function gradeBadge(grade) {
  if (!grade?.grade) return null;
  const meaning = grade.grade_zh || named("grade", grade.grade).zh;
  const meaningEn = grade.grade_en || named("grade", grade.grade).en;
  return h(
    "details",
    { class: "grade", "data-testid": "grade", "data-grade": grade.grade },
    h("summary", { class: `badge grade-${grade.grade}`, title: meaningEn }, h("span", { class: "grade-letter" }, grade.grade), " ", meaning),
    h(
      "div",
      { class: "grade-why card" },
      grade.zh ? bi(grade.zh, grade.en, "p") : null,
      grade.tests?.length
        ? h(
            "ul",
            { class: "grade-tests" },
            grade.tests.map((t) =>
              h("li", { class: t.passed ? "pass" : "fail" }, t.passed ? "✓ " : "✗ ", nameEl("test", t.test), t.zh ? h("span", { class: "muted" }, ` · ${t.zh}`) : null),
            ),
          )
        : null,
    ),
  );
}

/**
 * Product risk beside the customer's own rating, each labelled:
 * "产品风险 R2 · 客户评级 C3  C3 ≥ R2", or "客户未评级" when unrated.
 */
export function riskBadge(risk, rating) {
  const r = `R${risk}`;
  if (rating == null) {
    return h(
      "span",
      { class: "badge risk unrated", "data-testid": "risk", "data-risk": risk, "data-rating": "" },
      `产品风险 ${r} · 客户未评级`,
      h("span", { class: "en" }, `Product risk ${r} · customer unrated`),
    );
  }
  const c = `C${rating}`;
  const fits = rating >= risk;
  return h(
    "span",
    { class: `badge risk${fits ? "" : " unfit"}`, "data-testid": "risk", "data-risk": risk, "data-rating": rating },
    `产品风险 ${r} · 客户评级 ${c}`,
    h("span", { class: "risk-cmp" }, ` ${c} ${fits ? "≥" : "<"} ${r}`),
    h("span", { class: "en" }, `Product risk ${r} · customer rating ${c}`),
  );
}

/** The risk disclosure said with the pitch it belongs to (policy.risk_disclosure): must be said. */
function disclosure(d) {
  if (!d) return null;
  return h(
    "p",
    { class: "disclosure", "data-testid": "disclosure", role: "note" },
    h("strong", { class: "disclosure-label" }, "须告知客户 ", h("span", { class: "en" }, "Say:")),
    " ",
    h("span", { class: "disclosure-zh" }, d.zh),
    h("span", { class: "en" }, d.en),
  );
}

function pitchCard(out) {
  const top = out.suggestions[0];
  if (!top) {
    const why = [...new Set(out.suppressed.map((s) => s.reason))].map((r) => label(HOLD, r)[0]).join("、");
    return h(
      "div",
      { class: "card pitch none", "data-testid": "pitch", "data-product": "" },
      h("p", { class: "pitch-zh", elementtiming: "pitch" }, "暂无合适产品，本次不推介"),
      h("p", { class: "pitch-en" }, "Nothing suitable to pitch this time"),
      why ? h("p", { class: "muted" }, `原因 Why: ${why}`) : null,
      out.unmet_needs?.length
        ? h("p", { class: "muted", "data-testid": "unmet-needs" }, "未满足需求 Unmet: ", out.unmet_needs.map((n, i) => [i ? "、" : "", nameEl("unmet", n)]))
        : null,
    );
  }
  const reason = top.reasons[0];
  return h(
    "div",
    { class: "card pitch", "data-testid": "pitch", "data-product": top.product },
    h("p", { class: "pitch-zh", "data-testid": "pitch-zh", elementtiming: "pitch" }, top.pitch_zh), // paint time for tests/e2e/perf.mjs
    h("p", { class: "pitch-en" }, top.pitch_en),
    disclosure(top.disclosure),
    h(
      "p",
      { class: "row reason" },
      h("span", { class: "badge" }, top.product_zh, h("span", { class: "en" }, top.product_en)),
      riskBadge(top.risk, out.risk_rating),
      top.substitute_for
        ? h("span", { class: "badge substitute", "data-testid": "substitute" }, `替代 ${zh("product", top.substitute_for)}`, h("span", { class: "en" }, `instead of ${en("product", top.substitute_for)}`))
        : null,
    ),
    h("p", { class: "reason-line" }, h("span", { "data-testid": "reason" }, reason.zh), h("span", { class: "en" }, reason.en)),
  );
}

/**
 * Where the customer goes after accepting `last`'s product: a referral's own
 * destination, else the route the engine gives now that the acceptance is
 * recorded (R7 simple at the counter, R8 complex to product sales, R10/R12 to
 * the relationship manager). The hand-off to the lobby carries the same.
 */
function acceptedDestination(last, out) {
  return last.to ?? out.route.destination;
}

function acceptedCard(customer, out, last, channel, purpose) {
  const dest = acceptedDestination(last, out);
  let step;
  let kind;
  if (last.simple) {
    kind = "counter";
    step = bi("下一步：在柜台当场办理", "Next: complete it at the counter", "p", { class: "next-main" });
  } else if (!out.lead_allowed) {
    kind = "no-consent";
    step = bi("下一步：客户未同意转介，不转介、不记录，办完当前业务", "Next: no consent to hand on: do not hand over or record; finish today's business", "p", { class: "next-main" });
  } else {
    kind = "handoff";
    step = h(
      "p",
      { class: "next-main" },
      "下一步：呼叫大堂经理，引导客户至 ",
      nameEl("destination", dest, { tag: "strong", english: false }),
      h("span", { class: "en" }, "Next: the lobby manager takes the customer to ", en("destination", dest)),
    );
  }
  return h(
    "div",
    { class: "card accepted", "data-testid": "next-step", "data-next": kind, "data-destination": kind === "counter" ? "counter" : dest, "data-product": last.product },
    h("p", { class: "accepted-what" }, "✓ 客户已接受 ", h("strong", {}, zh("product", last.product)), h("span", { class: "en" }, `Accepted: ${en("product", last.product)}`)),
    disclosure(last.disclosure),
    step,
    out.route.destination === dest ? thenLine(out.route) : null,
    out.route.destination === dest && out.route.reason_zh ? h("p", { class: "muted" }, out.route.reason_zh, h("span", { class: "en" }, out.route.reason_en)) : null,
    h(
      "div",
      { class: "row actions" },
      kind === "handoff"
        ? h("button", { class: "primary call", "data-testid": "call-lobby", onclick: () => callLobby(customer, out, channel, purpose, dest) }, bi("呼叫大堂经理", "Call the lobby manager"))
        : null,
      h("button", { "data-testid": "undo", onclick: () => undo(customer, last) }, bi("撤销", "Undo")),
      flashEl(customer),
    ),
  );
}

/** Takes back the answer last recorded here: the outcome is removed and the screen is as it was before. */
function undo(customer, last) {
  flashed = null;
  // Linked: taken back at the branch server too, so no other counter keeps pacing by it.
  shared.retract(customer.id, last.rid);
  store.update((s) => {
    const list = (store.own(s.outcomes, customer.id) ?? []).filter((r) => !(r.at === last.at && r.product === last.product && r.outcome === last.outcome));
    if (list.length) s.outcomes[customer.id] = list;
    else delete s.outcomes[customer.id];
    s.teller = { ...s.teller, last: null };
  });
  tellEmbedder({ type: "nextbest:outcome_undone", customer_id: customer.id, product: last.product, outcome: last.outcome, at: last.at, by: last.by });
}

/** Today's answers recorded here for a customer, for the lobby: [{product, outcome}]. */
function answersToday(customerId) {
  const today = new Date().toLocaleDateString("sv-SE", { timeZone: "Asia/Shanghai" });
  return (store.own(store.get().outcomes, customerId) ?? [])
    .filter((r) => new Date(r.at).toLocaleDateString("sv-SE", { timeZone: "Asia/Shanghai" }) === today)
    .map((r) => ({ product: r.product, outcome: r.outcome }));
}

function callLobby(customer, out, channel, purpose, destination = out.route.destination) {
  const top = out.suggestions[0];
  const last = lastFor(customer);
  const accepted = last?.outcome === "accepted" ? last.product : null;
  const product = accepted ?? top?.product;
  const need =
    (accepted ? last.reason : top?.reasons.map((r) => r.zh).join("；")) ||
    (customer.stated_needs ?? []).map((n) => zh("need", n)).join("、") ||
    "客户有业务需求";
  const handoff = {
    id: shared.recordId(),
    at: engine.stamp(),
    from: channel,
    customer: customer.id,
    name: customer.name ?? customer.id,
    need,
    purpose: purpose || null,
    accepted, // the product the customer accepted at the counter, if so
    answers: answersToday(customer.id),
    grade: out.grade?.grade || "",
    products: product ? [product] : [],
    product_zh: product ? zh("product", product) : "",
    destination,
    destination_zh: named("destination", destination).zh,
    consent: customer.consent?.record === true,
    status: "open",
  };
  if (destination === out.route.destination && out.route.then_zh) Object.assign(handoff, { then_zh: out.route.then_zh, then_en: out.route.then_en ?? "" });
  // One open hand-off per customer: a second call updates it (and takes the first back at the server).
  const replaced = store.get().handoffs.filter((x) => x.status === "open" && x.customer === customer.id);
  for (const old of replaced) shared.retract(old.customer, old.id, old.by_name);
  store.update((s) => {
    s.handoffs = s.handoffs.filter((x) => !(x.status === "open" && x.customer === customer.id));
    s.handoffs.push(handoff);
  });
  shared.handoff(handoff);
  tellEmbedder({ type: "nextbest:handoff", ...handoff });
  flash(customer, `已呼叫大堂经理：引导至${named("destination", destination).zh} · Lobby manager called`);
}

function actions(customer, out, channel, purpose, last) {
  const top = out.suggestions[0];
  const record = (outcome) => {
    flashed = null;
    const entry = { product: top.product, at: engine.stamp(), outcome, by: channel };
    // The rules behind the pitch go with it, for the branch head's outcomes per rule.
    shared.outcome(customer.id, { ...entry, rules: top.rules ?? [] }, (s, rid) => {
      // What Undo needs, and what the next step after an acceptance reads (the suggestion is no longer pitched then).
      s.teller = {
        ...s.teller,
        last: {
          customer: customer.id,
          ...entry,
          rid,
          simple: !!top.simple,
          to: top.to ?? null,
          disclosure: top.disclosure ?? null,
          reason: top.reasons.map((r) => r.zh).join("；"),
        },
      };
    });
    tellEmbedder({ type: "nextbest:outcome", customer_id: customer.id, ...entry });
  };
  return h(
    "div",
    { class: "row actions" },
    ["accepted", "declined", "not_now"].map((o) =>
      h("button", { class: o === "accepted" ? "primary" : "", disabled: !top, "data-testid": `record-${o}`, onclick: () => record(o) }, nameEl("outcome", o)),
    ),
    h("button", { class: "call", "data-testid": "call-lobby", onclick: () => callLobby(customer, out, channel, purpose) }, bi("呼叫大堂经理", "Call the lobby manager")),
    last
      ? h(
          "span",
          { class: "muted last", "data-testid": "last-recorded" },
          `已记录 ${zh("outcome", last.outcome)} · ${zh("product", last.product)} `,
          h("button", { class: "small", "data-testid": "undo", onclick: () => undo(customer, last) }, bi("撤销", "Undo")),
        )
      : null,
    flashEl(customer),
  );
}

let flashed = null; // {customer, text}: said after an action, kept through the redraw that action causes

function flash(customer, text) {
  flashed = { customer: customer.id, text };
  const el = document.getElementById("teller-flash");
  if (el) el.textContent = text;
}

function flashEl(customer) {
  return h("span", { class: "muted flash", id: "teller-flash", role: "status", "data-testid": "flash" }, flashed?.customer === customer.id ? flashed.text : "");
}

function routeLine(out) {
  const r = out.route;
  return h(
    "div",
    { class: "card route", "data-testid": "route", "data-destination": r.destination },
    bi("建议去向", "Suggested destination", "span", { class: "muted" }),
    " ",
    h("strong", {}, r.destination_zh),
    h("span", { class: "en" }, r.destination_en),
    h("div", { class: "muted" }, r.reason_zh, h("span", { class: "en" }, r.reason_en)),
    thenLine(r),
  );
}

/** The route's second step ("然后取号办理取现"), when the rule gave one. */
export function thenLine(r) {
  if (!r?.then_zh) return null;
  // The rule's own words ("然后取号办理取现"), after a mark that it is the second step.
  return h("div", { class: "then", "data-testid": "route-then" }, "↳ ", h("strong", {}, r.then_zh), r.then_en ? h("span", { class: "en" }, r.then_en) : null);
}

function notes(out) {
  if (!out.notes.length && !out.errors.length) return null;
  return h(
    "div",
    { class: "card notes" },
    out.notes.map((n) => h("p", {}, "提示 ", n.zh, h("span", { class: "en" }, n.en))),
    out.errors.length ? h("p", { class: "muted" }, `规则错误 ${out.errors.length} 条（规则编写页可查） · ${out.errors.length} rule error(s), see the studio`) : null,
  );
}

function recorded(customer) {
  const list = store.own(store.get().outcomes, customer.id) ?? [];
  if (!list.length) return null;
  return h(
    "div",
    { class: "card recorded", "data-testid": "recorded" },
    bi("本页已记录", "Recorded here", "h3"),
    h(
      "ul",
      {},
      list.map((r) =>
        h(
          "li",
          {},
          `${engine.localTime(r.at)} · ${zh("product", r.product)} · ${both("outcome", r.outcome)}${r.by ? ` · ${zh("channel", r.by)}` : ""}`,
          h("span", { class: "en" }, en("product", r.product)),
        ),
      ),
    ),
  );
}
