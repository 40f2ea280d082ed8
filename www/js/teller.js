// 柜员 一句话营销: the teller picks the customer being served and the visit
// purpose and gets one pitch line, large, with its reason and risk level;
// records the customer's answer (which feeds pacing at once) or calls the
// lobby manager. The bank's teller system can embed this screen in an
// iframe and drive it with postMessage (see README).

import { h, bi, clear, SEGMENT, OUTCOME } from "./dom.js";
import * as engine from "./engine.js";
import * as store from "./store.js";
import { PURPOSES, CHANNELS, HOLD, NEEDS, label } from "./labels.js";
import { tellEmbedder } from "./embed.js";

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
  return { id, purpose: t.purpose ?? null, channel: t.channel ?? "teller", paste: t.paste ?? "" };
}

function setUi(patch) {
  store.update((s) => (s.teller = { ...s.teller, ...patch }));
}

/**
 * Draws the screen once the engine has answered (in its worker). Until then
 * the screen stays as it was and works; the pitch on it is marked as not
 * current, and after SLOW_MS gives way to "evaluating", so a pitch for the
 * previous customer is never shown as if it were this one's.
 */
async function draw() {
  const seq = ++drawn;
  const { id, purpose, channel } = ui();
  const customer = id ? engine.findCustomer(id) : null;
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
    h("div", { class: "teller" }, controls(customer, purposeNow, channel), h("div", { class: "teller-main" }, result(customer, answer, channel))),
  );
  // For tests/e2e/perf.mjs: navigation start to the first pitch in the DOM.
  if (!performance.getEntriesByName("nextbest:first-pitch").length && root.querySelector("[data-testid=pitch]")) {
    performance.mark("nextbest:first-pitch");
  }
}

function controls(customer, purpose, channel) {
  const customers = engine.allCustomers();
  const select = h(
    "select",
    {
      "aria-label": "客户 Customer",
      "data-testid": "customer",
      onchange: (e) => setUi({ customer: e.target.value, purpose: null }),
    },
    customers.map((c) =>
      h("option", { value: c.id, selected: c.id === customer?.id }, `${c.id} ${c.name ?? ""} · ${label(SEGMENT, c.segment ?? "mass")[0]}`),
    ),
  );
  const purposeSelect = h(
    "select",
    { "aria-label": "来访目的 Visit purpose", "data-testid": "purpose", onchange: (e) => setUi({ purpose: e.target.value }) },
    h("option", { value: "", selected: !purpose }, "（未说明 none）"),
    Object.entries(PURPOSES).map(([k, [zh, en]]) => h("option", { value: k, selected: k === purpose }, `${zh} ${en}`)),
  );
  const channelButtons = h(
    "div",
    { class: "row", role: "radiogroup" },
    ["teller", "vip_teller"].map((ch) =>
      h(
        "button",
        { class: ch === channel ? "primary" : "", "aria-pressed": String(ch === channel), onclick: () => setUi({ channel: ch }) },
        bi(...label(CHANNELS, ch)),
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

/** Paste a customer JSON or load a file: it joins the list and is selected. */
function pasteBox() {
  const area = h("textarea", { rows: 4, placeholder: '{"id": "…", "visit": {…}}', "data-testid": "paste", "aria-label": "客户 JSON" });
  area.value = ui().paste;
  area.addEventListener("input", () => {
    const text = area.value;
    store.update((s) => (s.teller = { ...s.teller, paste: text }), { quiet: true, as: "teller.paste" });
  });
  const msg = h("p", { class: "error", "data-testid": "paste-error", role: "alert" });
  const take = async (text) => {
    try {
      const c = JSON.parse(text);
      if (!c || typeof c !== "object" || Array.isArray(c)) throw Object.assign(new Error("expected one customer object"), { path: "customer" });
      if (!store.safeId(c.id)) throw Object.assign(new Error(`id ${JSON.stringify(c.id)} cannot be used`), { path: "id" });
      msg.textContent = "";
      const test = await engine.evaluate(c, { channel: "teller" });
      if (test.error) throw test.error;
      store.update((s) => {
        s.customers[c.id] = c;
        s.teller = { ...s.teller, customer: c.id, purpose: null, paste: "" };
      });
    } catch (e) {
      msg.textContent = e.kind ? e.message : e.path ? `${e.path}: ${e.detail ?? e.message}` : `JSON: ${e.message}`;
    }
  };
  const file = h("input", {
    type: "file",
    accept: "application/json,.json",
    "aria-label": "载入文件 Load file",
    onchange: async (e) => e.target.files[0] && take(await e.target.files[0].text()),
  });
  return h(
    "details",
    { class: "paste", open: ui().paste !== "" },
    h("summary", {}, bi("粘贴或载入客户", "Paste or load a customer")),
    area,
    h("div", { class: "row" }, h("button", { onclick: () => take(area.value), "data-testid": "paste-go" }, bi("使用", "Use")), file),
    msg,
  );
}

function result(customer, answer, channel) {
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
    return h(
      "div",
      { class: "card error", role: "alert", "data-testid": "eval-error" },
      bi("客户数据有误", "The customer record has a problem"),
      h("p", {}, error.path ? `${error.path}: ${error.detail ?? error.message}` : error.message),
    );
  }
  const [seg, segEn] = label(SEGMENT, customer.segment ?? "mass");
  const head = h(
    "div",
    { class: "row who" },
    h("strong", { class: "name" }, customer.name ?? customer.id),
    h("span", { class: "badge" }, seg, h("span", { class: "en" }, segEn)),
    out.high_value.flag ? h("span", { class: "badge hv", title: out.high_value.signals.map((s) => s.zh).join("；") }, "★ 高价值", h("span", { class: "en" }, "High value")) : null,
    h("span", { class: "muted" }, customer.id),
  );
  return [head, pitchCard(out), actions(customer, out, channel), routeLine(out), notes(out), recorded(customer)];
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
    );
  }
  const reason = top.reasons[0];
  return h(
    "div",
    { class: "card pitch", "data-testid": "pitch", "data-product": top.product },
    h("p", { class: "pitch-zh", "data-testid": "pitch-zh", elementtiming: "pitch" }, top.pitch_zh), // paint time for tests/e2e/perf.mjs
    h("p", { class: "pitch-en" }, top.pitch_en),
    h(
      "p",
      { class: "row reason" },
      h("span", { class: "badge" }, top.product_zh, h("span", { class: "en" }, top.product_en)),
      h("span", { class: "badge risk", title: "产品风险等级 Product risk level" }, `R${top.risk}`),
      h("span", { "data-testid": "reason" }, reason.zh),
      h("span", { class: "en" }, reason.en),
    ),
  );
}

function actions(customer, out, channel) {
  const top = out.suggestions[0];
  const record = (outcome) => {
    const entry = { product: top.product, at: engine.stamp(), outcome, by: channel };
    store.update((s) => (s.outcomes[customer.id] = [...(store.own(s.outcomes, customer.id) ?? []), entry]));
    tellEmbedder({ type: "nextbest:outcome", customer_id: customer.id, ...entry });
  };
  const callLobby = () => {
    const need = top
      ? top.reasons.map((r) => r.zh).join("；")
      : (customer.stated_needs ?? []).map((n) => label(NEEDS, n)[0]).join("、") || "客户有业务需求";
    const handoff = {
      id: store.uid(),
      at: engine.stamp(),
      from: channel,
      customer: customer.id,
      name: customer.name ?? customer.id,
      need,
      products: top ? [top.product] : [],
      product_zh: top?.product_zh ?? "",
      destination: out.route.destination,
      destination_zh: out.route.destination_zh,
      consent: customer.consent?.record === true,
      status: "open",
    };
    // One open hand-off per customer: a second call updates it.
    store.update((s) => {
      s.handoffs = s.handoffs.filter((x) => !(x.status === "open" && x.customer === customer.id));
      s.handoffs.push(handoff);
    });
    tellEmbedder({ type: "nextbest:handoff", ...handoff });
    flash("已呼叫大堂经理 Lobby manager called");
  };
  return h(
    "div",
    { class: "row actions" },
    Object.entries({ accepted: "primary", declined: "", not_now: "" }).map(([o, cls]) =>
      h("button", { class: cls, disabled: !top, "data-testid": `record-${o}`, onclick: () => record(o) }, bi(...OUTCOME[o])),
    ),
    h("button", { class: "call", "data-testid": "call-lobby", onclick: callLobby }, bi("呼叫大堂经理", "Call the lobby manager")),
    h("span", { class: "muted flash", id: "teller-flash", role: "status" }),
  );
}

function flash(text) {
  const el = document.getElementById("teller-flash");
  if (el) el.textContent = text;
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
  );
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
      list.map((r) => {
        const product = engine.products().find((p) => p.id === r.product);
        const [zh, en] = label(OUTCOME, r.outcome);
        return h("li", {}, `${engine.localTime(r.at)} · ${product?.zh ?? r.product} · ${zh} ${en} · ${label(CHANNELS, r.by)[0]}`, h("span", { class: "en" }, r.product));
      }),
    ),
  );
}
