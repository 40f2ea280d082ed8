// 回测 The workbench's backtest: the draft against a base pack (the version in
// force when signed in, else the bundled pack) over a sample of customers —
// the bundled samples, a generated 10,000, or a JSON-lines file the author
// loads (read here, never sent anywhere). It runs in a worker of its own with
// a progress bar and Stop (engine.backtest), then shows what would change
// before any teller sees it: how many customers change route, top pitch or
// grade, counts per route and product before and after, the changed
// customers (open one: both outputs and both traces side by side), each
// rule's coverage and cost, colliding rules, and groups a change treats
// markedly differently. The same summary as `nextbest backtest`.

import { h, bi, clear } from "./dom.js";
import * as engine from "./engine.js";
import { zh, ids, both } from "./labels.js";

const GENERATED = 10_000;
const SHOWN = 50; // changed customers listed at first

let last = null; // {out, sample, base, draft}: the latest result, kept across redraws
let running = null;

let statusEl = null;
/** The draft changed after the result shown: said beside it (the numbers are the earlier draft's). */
export function markStale() {
  if (last && statusEl && !statusEl.dataset.stale) {
    statusEl.dataset.stale = "1";
    statusEl.append(h("span", { class: "warn" }, " · 结果针对修改前的草稿 this result is for an earlier draft"));
  }
}

/**
 * The backtest panel. `packs()` gives {base, draft, baseName} at the moment
 * Run is pressed; `onResult(out)` lets the studio mark rules in the editor.
 */
export function panel({ packs, onResult }) {
  const sampleSel = h(
    "select",
    { "aria-label": "样本 Sample", "data-testid": "bt-sample" },
    h("option", { value: "samples" }, "内置示例客户 · bundled samples"),
    h("option", { value: "generated" }, `生成 ${GENERATED.toLocaleString()} 位 · generated ${GENERATED.toLocaleString()}`),
    h("option", { value: "file" }, "载入文件（JSON Lines，不离开浏览器）· a file (JSON lines, stays in this browser)"),
  );
  const file = h("input", { type: "file", accept: ".jsonl,.ndjson,.json", hidden: true, "data-testid": "bt-file" });
  sampleSel.addEventListener("change", () => (file.hidden = sampleSel.value !== "file"));
  const channel = h("select", { "aria-label": "渠道 Channel", "data-testid": "bt-channel" });
  // The pack's channels by its names; filled again when the pack's names arrive after the panel was drawn.
  const fillChannels = () => {
    const want = channel.value || "lobby";
    const list = ids("channel");
    if (!list.includes(want)) list.unshift(want);
    channel.replaceChildren(...list.map((id) => h("option", { value: id, selected: id === want }, both("channel", id))));
  };
  fillChannels();
  engine.ready.then(fillChannels);
  channel.addEventListener("focus", fillChannels);
  // Per-rule wall time costs a clock read per rule; without it the result depends only on the input (as `--no-timing`).
  const timing = h("input", { type: "checkbox", checked: true, "data-testid": "bt-timing" });
  const progress = h("progress", { max: 1, value: 0, hidden: true, "data-testid": "bt-progress" });
  const status = (statusEl = h("p", { class: "muted", role: "status", "data-testid": "bt-status" }));
  const results = h("div", { class: "bt-results", "data-testid": "bt-results" });
  const run = h("button", { class: "primary", "data-testid": "bt-run" }, bi("运行回测", "Run the backtest"));
  const stop = h("button", { "data-testid": "bt-stop", disabled: true }, bi("停止", "Stop"));

  run.addEventListener("click", async () => {
    if (running || run.disabled) return;
    run.disabled = true; // before reading a file (a large one takes a while): one run at a time
    let sample;
    try {
      sample = await readSample(sampleSel.value, file);
    } catch (e) {
      status.textContent = e.message;
      run.disabled = false;
      return;
    }
    const { base, draft, baseName } = packs();
    // No common "now": each customer is evaluated at their own visit time, as the CLI does without --now
    // (a fixed time before a customer's own dates would make the engine refuse them).
    const options = { channel: channel.value || "lobby", timing: timing.checked };
    run.disabled = true;
    stop.disabled = false;
    progress.hidden = false;
    progress.value = 0;
    status.textContent = "正在回测… · running…";
    const t0 = performance.now();
    running = engine.backtest({ base, draft, sample, options }, (done, total) => {
      progress.max = total || 1;
      progress.value = done;
      status.textContent = `${done.toLocaleString()} / ${total.toLocaleString()}`;
    });
    const r = await running.promise;
    running = null;
    run.disabled = false;
    stop.disabled = true;
    progress.hidden = true;
    if (r.stopped) {
      status.textContent = "已停止，未出结果 · stopped: no result";
      return;
    }
    if (r.error) {
      // The engine's reading errors are English with the line and field (line 3: age): said in both halves.
      const why = r.error.path ? `${r.error.path}: ${r.error.message}` : (r.error.message ?? "");
      status.textContent = `回测失败：${r.error.zh ?? why} · The backtest failed: ${r.error.en ?? why}`;
      return;
    }
    const ms = Math.round(performance.now() - t0);
    last = { out: r.out, sample, baseName, options, base, draft, ms };
    delete status.dataset.stale;
    status.textContent = `完成：${r.out.customers.toLocaleString()} 位，用时 ${ms} 毫秒 · done: ${r.out.customers.toLocaleString()} customers in ${ms} ms`;
    status.dataset.ms = String(ms);
    draw(results, last);
    onResult?.(r.out, draft?.files);
  });
  stop.addEventListener("click", () => running?.stop());
  if (last) draw(results, last);
  engine.warmBacktest(); // the workers start while the author reads the panel
  return h(
    "section",
    { class: "card bt", "aria-label": "回测 Backtest", "data-testid": "backtest" },
    bi("回测：发布前看清改动", "Backtest: see what a change does before anyone else does", "h2"),
    h("div", { class: "row" }, sampleSel, channel, file, h("label", { class: "muted" }, timing, bi(" 计时每条规则", "time each rule"))),
    h("div", { class: "row" }, run, stop, progress),
    status,
    results,
  );
}

async function readSample(kind, input) {
  if (kind === "generated") return { generate: { n: GENERATED, seed: 7 } };
  if (kind === "file") {
    const f = input.files?.[0];
    if (!f) throw new Error("请先选择文件 · choose a file first");
    return { jsonl: await f.text() };
  }
  return { customers: engine.hallCustomers() };
}

// ---------------------------------------------------------------------------

const name = (list, id) => (id ? zh(list, id) : "—");

function draw(root, { out, sample, baseName, options, base, draft }) {
  const changedRows = out.changed_customers ?? [];
  // h() as the container: it skips the sections that have nothing to say (null), where append() would print "null".
  clear(root).append(
    h(
      "div",
      { class: "bt-body" },
    h(
      "div",
      { class: "bt-summary", "data-testid": "bt-summary" },
      stat("客户", "customers", out.customers, "customers"),
      stat("去向改变", "changed route", out.changed_route, "changed-route"),
      stat("首推改变", "changed top pitch", out.changed_top, "changed-top"),
      stat("等级改变", "changed grade", out.changed_grade, "changed-grade"),
    ),
    h("p", { class: "muted" }, `对比 ${baseName} → 草稿 · ${baseName} → the draft`),
    h(
      "div",
      { class: "grid2" },
      pairChart("按去向 Per route", (out.routes ?? []).map((r) => ({ id: r.destination, label: name("destination", r.destination), before: r.before, after: r.after })), "bt-routes"),
      pairChart("按产品 Per product（有推介的客户数）", (out.products ?? []).map((p) => ({ id: p.product, label: name("product", p.product), before: p.before, after: p.after })), "bt-products"),
      pairChart("按等级 Per grade", (out.grades ?? []).map((g) => ({ id: g.grade, label: g.grade || "未分级 ungraded", before: g.before, after: g.after })), "bt-grades"),
    ),
    changedList(changedRows, sample, options, base, draft),
    warnings(out),
    ruleTable(out.rules?.draft ?? []),
    conflicts(out.conflicts?.draft ?? { routes: [], pitches: [] }),
    fairness(out.fairness ?? []),
    ),
  );
}

function stat(zhName, enName, n, id) {
  return h("div", { class: "bt-stat", "data-testid": `bt-${id}`, "data-n": String(n ?? 0) }, h("strong", {}, String(n ?? 0)), bi(zhName, enName));
}

/** Before/after bars per row: inline SVG, the figures beside them as text. */
function pairChart(title, rows, testid) {
  const shown = rows.filter((r) => r.before || r.after).sort((a, b) => Math.max(b.before, b.after) - Math.max(a.before, a.after));
  const max = Math.max(1, ...shown.map((r) => Math.max(r.before, r.after)));
  const ns = "http://www.w3.org/2000/svg";
  const bar = (w, cls) => {
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("width", "160");
    svg.setAttribute("height", "8");
    const rect = document.createElementNS(ns, "rect");
    rect.setAttribute("width", String(Math.round((160 * w) / max)));
    rect.setAttribute("height", "8");
    rect.setAttribute("class", cls);
    svg.append(rect);
    return svg;
  };
  return h(
    "section",
    { class: "bt-chart", "data-testid": testid },
    h("h3", {}, title),
    h("p", { class: "muted" }, h("span", { class: "legend before" }, "■ 现行 before "), h("span", { class: "legend after" }, "■ 草稿 after")),
    h(
      "table",
      { class: "figures" },
      shown.map((r) =>
        h(
          "tr",
          { "data-id": r.id, "data-before": String(r.before), "data-after": String(r.after) },
          h("td", {}, r.label),
          h("td", {}, bar(r.before, "before"), h("br"), bar(r.after, "after")),
          h("td", { class: r.after !== r.before ? "delta" : "" }, `${r.before} → ${r.after}`),
        ),
      ),
    ),
  );
}

function changedList(rows, sample, options, base, draft) {
  const detail = h("div", { class: "bt-detail", "data-testid": "bt-detail" });
  let shown = SHOWN;
  const list = h("tbody");
  const fill = () =>
    list.replaceChildren(
      ...rows.slice(0, shown).map((c) =>
        h(
          "tr",
          { "data-testid": "bt-changed", "data-customer": c.customer },
          h("td", {}, h("button", { class: "link", onclick: () => openCustomer(detail, c, sample, options, base, draft) }, c.name || c.customer)),
          h("td", {}, name("destination", c.base?.route), " → ", name("destination", c.draft?.route)),
          h("td", {}, name("product", c.base?.top), " → ", name("product", c.draft?.top)),
          h("td", {}, `${c.base?.grade ? zh("grade", c.base.grade) : "—"} → ${c.draft?.grade ? zh("grade", c.draft.grade) : "—"}`),
        ),
      ),
    );
  fill();
  const more = rows.length > SHOWN ? h("button", { onclick: () => ((shown += SHOWN), fill()) }, bi("再显示", "Show more")) : null;
  return h(
    "section",
    { class: "bt-changed-list" },
    bi(`改变的客户 ${rows.length}`, `Customers that change: ${rows.length}`, "h3"),
    rows.length
      ? h("table", { class: "figures" }, h("thead", {}, h("tr", {}, ["客户 Customer", "去向 Route", "首推 Top pitch", "等级 Grade"].map((t) => h("th", {}, t)))), list)
      : h("p", { class: "muted" }, bi("没有客户因此改变", "No customer changes")),
    more,
    detail,
  );
}

/** Both outputs and both traces side by side (the customer must be at hand: samples or a file). */
async function openCustomer(detail, row, sample, options, base, draft) {
  const customer = await findIn(sample, row.customer);
  if (!customer) {
    clear(detail).append(bi("找不到该客户", "This customer could not be found in the sample", "p", { class: "muted" }));
    return;
  }
  clear(detail).append(bi("正在运行…", "Running…", "p", { class: "muted" }));
  const [a, b] = await Promise.all([
    engine.runDraft("runDraft", { pack: base ?? null, customer, options }),
    engine.runDraft("runDraft", { pack: draft, customer, options }),
  ]);
  clear(detail).append(
    h("h3", {}, `${customer.name ?? row.customer}`),
    h("div", { class: "grid2 bt-side", "data-testid": "bt-side" }, side("现行 Before", a), side("草稿 After", b)),
  );
}

async function findIn(sample, id) {
  if (sample.customers) return sample.customers.find((c) => c.id === id);
  // The generated sample is made again here (the same generator and seed as the worker's), once per result.
  sample.byId ??= (async () => {
    const text = sample.jsonl ?? (sample.generate ? (await engine.inPage()).generateCustomers(sample.generate.n, sample.generate.seed ?? 7) : "");
    const map = new Map();
    for (const line of text.split("\n")) {
      const m = /"id"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(line);
      if (m && !map.has(JSON.parse(`"${m[1]}"`))) map.set(JSON.parse(`"${m[1]}"`), line);
    }
    return map;
  })();
  const line = (await sample.byId).get(id);
  try {
    return line ? JSON.parse(line) : null;
  } catch {
    return null;
  }
}

function side(title, r) {
  if (r.error) return h("section", { class: "card error" }, h("h4", {}, title), r.error.zh ?? r.error.message ?? "");
  const o = r.out;
  return h(
    "section",
    { class: "card" },
    h("h4", {}, title),
    h("p", {}, "去向 Route: ", h("strong", {}, name("destination", o.route?.destination)), " · ", o.route?.reason_zh ?? o.route?.zh ?? ""),
    h("p", {}, "等级 Grade: ", o.grade?.grade ?? "—"),
    h("ol", {}, (o.suggestions ?? []).map((g) => h("li", {}, h("strong", {}, g.product_zh ?? g.product), " · ", g.pitch_zh ?? ""))),
    h(
      "details",
      {},
      h("summary", {}, bi("规则轨迹", "Trace")),
      h(
        "table",
        { class: "figures" },
        (o.trace ?? []).map((t) => h("tr", { "data-rule": t.rule, "data-status": t.status }, h("td", {}, t.rule), h("td", {}, t.status), h("td", { class: "muted" }, `${t.operations} ops`))),
      ),
    ),
  );
}

function warnings(out) {
  const lines = [];
  if (out.refused?.base || out.refused?.draft) lines.push(`引擎拒收 现行 ${out.refused.base} 位、草稿 ${out.refused.draft} 位 · refused: ${out.refused.base} before, ${out.refused.draft} after`);
  if (out.out_of_time?.base || out.out_of_time?.draft) lines.push(`超时停止 现行 ${out.out_of_time.base} 位、草稿 ${out.out_of_time.draft} 位 · stopped by the time budget: ${out.out_of_time.base} before, ${out.out_of_time.draft} after`);
  for (const p of out.draft_problems ?? []) lines.push(`${p.file || p.rule || ""}${p.line ? `:${p.line}:${p.column ?? ""}` : ""} ${p.message ?? ""}`);
  for (const side of ["base", "draft"]) for (const f of out.refusals?.[side] ?? []) lines.push(`${side === "base" ? "现行 before" : "草稿 after"} · ${f.customer}: ${f.message}`);
  if (out.changed_truncated) lines.push(`改变的客户只列出前 ${(out.changed_customers ?? []).length} 位 · only the first ${(out.changed_customers ?? []).length} changed customers are listed`);
  return lines.length ? h("ul", { class: "bt-warnings warn", "data-testid": "bt-warnings" }, lines.map((l) => h("li", {}, l))) : null;
}

function ruleTable(rules) {
  if (!rules.length) return null;
  const flagged = rules.filter((r) => flags(r).length);
  const cost = (c, digits = 0) => (c ? `${Number(c.median).toFixed(digits)} / ${Number(c.max).toFixed(digits)}（预算 ${c.budget}）` : "—");
  return h(
    "section",
    { class: "bt-rules", "data-testid": "bt-rules" },
    bi(`草稿的规则：覆盖与开销（${flagged.length} 条需注意）`, `The draft's rules: coverage and cost (${flagged.length} flagged)`, "h3"),
    h(
      "table",
      { class: "figures" },
      h("thead", {}, h("tr", {}, ["规则 Rule", "命中 Fired", "触发条件跳过 Skipped", "被拦下 Suppressed", "出错 Errors", "运算 Ops med/max", "耗时 ms med/max", ""].map((t) => h("th", {}, t)))),
      h(
        "tbody",
        {},
        [...flagged, ...rules.filter((r) => !flagged.includes(r))].map((r) =>
          h(
            "tr",
            { "data-testid": "bt-rule", "data-rule": r.rule, "data-flags": flags(r).join(" ") },
            h("td", {}, r.rule),
            h("td", {}, String(r.fired)),
            h("td", {}, String(r.skipped)),
            h("td", { title: Object.entries(r.suppressed_by ?? {}).map(([k, n]) => `${k} ${n}`).join(", ") }, String(r.suppressed)),
            h("td", {}, String(r.errors)),
            h("td", {}, cost(r.operations)),
            h("td", {}, r.ms ? cost(r.ms, 2) : "—"),
            h("td", { class: flags(r).length ? "warn" : "" }, flags(r).map(flagText).join("；")),
          ),
        ),
      ),
    ),
  );
}

/** What a rule author should look at, per rule. */
export function flags(r) {
  return ["never_fired", "all_suppressed", "near_budget"].filter((f) => r[f]).concat(r.errors ? ["errors"] : []);
}

const FLAGS = {
  never_fired: "样本中从未命中 never fired",
  all_suppressed: "提议全被拦下 every proposal suppressed",
  near_budget: "接近预算 near its budget",
  errors: "运行出错 errors",
};
export const flagText = (f) => FLAGS[f] ?? f;

function conflicts({ routes = [], pitches = [] }) {
  const n = routes.length + pitches.length;
  if (!n) return h("section", { "data-testid": "bt-conflicts" }, bi("规则冲突：无", "Rule conflicts: none", "h3"));
  return h(
    "section",
    { class: "bt-conflicts", "data-testid": "bt-conflicts" },
    bi(`规则冲突 ${n}`, `Rule conflicts: ${n}`, "h3"),
    h(
      "ul",
      {},
      routes.map((c) =>
        h(
          "li",
          { "data-testid": "bt-conflict", "data-kind": "route", "data-rules": c.rules.join(" ") },
          `${c.rules[0]} × ${c.rules[1]}：去向不同 send ${c.count} 位 to different destinations · 胜出 won: ${Object.entries(c.won ?? {}).map(([k, v]) => `${k || "其他（政策或第三条规则）other"} ${v}`).join("，")}`,
          h("span", { class: "muted" }, ` · ${(c.examples ?? []).map((e) => `${e.customer}（${name("destination", e.destinations[0])} / ${name("destination", e.destinations[1])} → ${name("destination", e.route)}）`).join("、")}`),
        ),
      ),
      pitches.map((c) =>
        h(
          "li",
          { "data-testid": "bt-conflict", "data-kind": "pitch", "data-rules": c.rules.join(" ") },
          `${c.rules[0]} × ${c.rules[1]}：同优先级 ${c.priority} 推不同产品 competing pitches at the same priority · ${c.count} 位`,
          h("span", { class: "muted" }, ` · ${(c.examples ?? []).map((e) => `${e.customer}（${name("product", e.products[0])} / ${name("product", e.products[1])}）`).join("、")}`),
        ),
      ),
    ),
  );
}

function fairness(list) {
  if (!list.length) return null;
  const pct = (x) => `${Math.round(x)}%`; // the shares come as percentages
  const flaggedGroups = list.flatMap((f) => f.groups.filter((g) => g.flagged).map((g) => ({ ...g, attribute: f.attribute })));
  return h(
    "section",
    { class: "bt-fairness", "data-testid": "bt-fairness" },
    bi(`公平性：${flaggedGroups.length} 个群体受影响明显不同`, `Fairness: ${flaggedGroups.length} group(s) treated markedly differently`, "h3"),
    h(
      "table",
      { class: "figures" },
      h("tr", {}, ["属性 Attribute", "群体 Group", "客户 Customers", "有推介 Suggested", "转客户经理 To the customer manager", ""].map((t) => h("th", {}, t))),
      list.flatMap((f) =>
        f.groups.map((g) =>
          h(
            "tr",
            { "data-testid": "bt-group", "data-attribute": f.attribute, "data-group": g.group, "data-flagged": String(!!g.flagged), class: g.flagged ? "warn" : "" },
            h("td", {}, f.attribute),
            h("td", {}, g.group),
            h("td", {}, String(g.customers)),
            h("td", {}, `${pct(g.suggested.before)} → ${pct(g.suggested.after)}`),
            h("td", {}, `${pct(g.to_manager.before)} → ${pct(g.to_manager.after)}`),
            h("td", {}, g.flagged ? "⚠ 与整体变化相差 ≥10 个百分点 · differs from the whole by ≥10 points" : ""),
          ),
        ),
      ),
    ),
  );
}
