// 规则编写 The rule-author studio: edit a draft of the rule pack with live
// diagnostics, run it on a customer or on all fixtures, and promote it to the
// teller and lobby screens only while it compiles cleanly.
//
// The split follows Ruff's playground: the editor bundle (www/dist/editor.js)
// only shows text and markers; this module owns the draft, runs checkPack,
// lists problems, and keeps the last pack that compiled live.
// Every string from the pack goes into the page as a text node (dom.js h()).

import { h, bi, clear, download } from "./dom.js";
import * as engine from "./engine.js";
import * as store from "./store.js";
import { HOLD, label, ids, both } from "./labels.js";
import * as sync from "./sync.js";
import * as backtest from "./backtest.js";
import { completionsAt, hoverAt, fixOf } from "./authoring.js";
import { helperReference } from "./helperref.js";

const KINDS = {
  signal: ["信号", "Signal"],
  screen: ["择优", "Screen"],
  grade: ["分级", "Grade"],
  route: ["分流", "Route"],
  cross_sell: ["交叉销售", "Cross-sell"],
  up_sell: ["升级", "Up-sell"],
  referral: ["转介", "Referral"],
};
const STATUS = {
  fired: ["触发", "fired"],
  not_fired: ["未触发", "not fired"],
  skipped: ["跳过", "skipped"],
  error: ["出错", "error"],
};
const ABOUT = {
  "pack.json": ["参数、汇率、去向和政策（规则里的 p）", " · params (p in rules), FX rates, destinations, policy"],
  "products.json": ["产品目录：风险等级、销售角色、默认话术", " · the catalogue: risk, who sells it, default pitch"],
  fixture: ["用例：客户 → 期望的分流和推介", " · fixtures: customers in, expected route and suggestions out"],
};
// After a keystroke the whole pack is checked again. While a check is quick
// (under 10 ms for the bundled pack) it runs at once, so the diagnostics follow
// the typing; once checks get slow (a big pack, a slow machine) it waits for
// this long a pause in the typing, so typing never waits on the compiler.
const CHECK_DELAY = 150;
const QUICK_CHECK = 30; // ms: slower than this three times in a row, checks wait for a pause
// localStorage holds about 5 MB for the whole page, and the draft may be kept
// twice (draft and live); a bigger import would silently fail to persist.
const MAX_IMPORT = 1_500_000;
const RULE_ID = /^[a-z][a-z0-9_]{0,63}$/;

let wasm; // the module in the page's own thread: checkPack on every keystroke, bundledPack
let bundled; // the bundled pack, for reset and "same as bundled"
let ed; // the editor: CodeMirror, or a plain textarea when the bundle is missing
let el = {}; // the screen's parts
let open = null; // the file in the editor
let problems = []; // of the whole draft, from the last check
let version = 0; // bumps on every edit; `checked` says which one problems describe
let checked = -1;
let timer = 0;
let checkMs = []; // how long the last three checks took (the first, on cold code, does not count)
let checks = 0;
let promoting = 0;
let saving = false; // our own store writes, which fromStore() need not reload
let helperTable = []; // wasm helpers(): the one list of what rules may call (completion, docs, reference)

export async function mount(section) {
  try {
    // Checks stay in the page: they answer within a keystroke, and a check
    // compiles without running any rule. Runs go to a worker (engine.runDraft).
    wasm = await engine.inPage();
    // Signed in to the branch server, a draft starts from the version in force, not from the
    // bundled pack: publishing a draft made from older rules would silently undo later versions.
    bundled = engine.publishedPack() ?? wasm.bundledPack();
    // A module built before helpers() existed still edits and checks, without authoring help.
    helperTable = guard(() => (typeof wasm.helpers === "function" ? wasm.helpers() : [])) ?? [];
    draft(); // a first visit starts from the bundled (or published) pack
    clear(section).append(layout());
    ed = await loadEditor(el.editor);
    const want = store.get().studio?.file;
    openFile(want in draft().files ? want : firstFile());
    check();
    store.subscribe(() => guard(fromStore));
    engine.onLiveChange(() =>
      guard(() => {
        // A new version published (here or elsewhere): an unedited draft follows it.
        if (engine.publishedPack()) bundled = engine.publishedPack();
        showStatus();
        if (el.versions) drawVersions();
      }),
    );
    engine.onInfo(() => guard(fillChannels));
    engine.ready.then(() => guard(fillChannels));
  } catch (e) {
    console.error(e);
    clear(section).append(bi("规则编写页面出错", `The studio failed: ${e?.message ?? e}`, "p", { class: "error", role: "alert" }));
  }
}

export function refresh() {
  guard(() => {
    fillCustomers();
    fromStore();
    ed?.view?.requestMeasure();
  });
}

// ---------------------------------------------------------------------------
// Safety: the studio runs user code paths all the time; nothing may escape.

function guard(fn) {
  try {
    return fn();
  } catch (e) {
    console.error(e);
    say("error", "出错了", `Something went wrong: ${e?.message ?? e}`);
  }
}

/** One line of feedback under the toolbar; "error" in red. */
function say(kind, zh, en) {
  if (!el.msg) return;
  clear(el.msg).append(zh ? bi(zh, en) : "");
  el.msg.className = `studio-msg ${kind}`;
}

// ---------------------------------------------------------------------------
// The draft

/**
 * The draft. Until the author edits it, it is the bundled pack as this build
 * ships it: a draft saved before a deploy must not bring old rules back live.
 */
function draft() {
  const s = store.get();
  if (!s.draft?.files || (!s.draftEdited && !sameFiles(s.draft.files, bundled.files))) {
    save((st) => {
      st.draft = copy(bundled);
      st.draftEdited = false;
      st.draftBase = engine.publishedVersion()?.version ?? null; // the version this draft starts from
    });
  }
  return store.get().draft;
}

function copy(pack) {
  return { files: { ...pack.files } };
}

function sameFiles(a, b) {
  const ka = Object.keys(a ?? {});
  return ka.length === Object.keys(b ?? {}).length && ka.every((k) => a[k] === b?.[k]);
}

/** Rules by id, then pack.json and products.json, then fixtures, then anything else. */
function groups(files) {
  const names = Object.keys(files).sort();
  const rules = names.filter((n) => n.endsWith(".rhai") && !n.includes("/"));
  const config = ["pack.json", "products.json"].filter((n) => n in files);
  const fixtures = names.filter((n) => n.startsWith("fixtures/"));
  const other = names.filter((n) => !rules.includes(n) && !config.includes(n) && !fixtures.includes(n));
  return { rules, config, fixtures, other };
}

function firstFile() {
  const g = groups(draft().files);
  return g.rules[0] ?? g.config[0] ?? Object.keys(draft().files)[0];
}

/** A rule's header line (`//! kind: …`), read here so a broken rule still lists. */
function header(text, key) {
  return new RegExp(`^//!\\s*${key}:\\s*(.*)$`, "m").exec(text ?? "")?.[1]?.trim() ?? "";
}

function languageOf(name) {
  return name.endsWith(".rhai") ? "rhai" : "json";
}

// ---------------------------------------------------------------------------
// Layout

function layout() {
  el = {};
  el.status = h("p", { id: "studio-status", class: "studio-status", role: "status", "data-testid": "studio-status" });
  el.msg = h("p", { class: "studio-msg", role: "alert", "data-testid": "studio-msg" });
  el.importInput = h("input", { type: "file", accept: ".json,application/json", hidden: true, onchange: (e) => guard(() => importFile(e)) });
  const toolbar = h(
    "div",
    { class: "studio-bar" },
    el.status,
    h(
      "div",
      { class: "row studio-actions" },
      h("button", { onclick: () => guard(newRuleForm), "data-testid": "new-rule" }, bi("新建规则", "New rule")),
      h("button", { onclick: () => guard(resetDraft), "data-testid": "reset" }, bi("重置为内置规则", "Reset to bundled")),
      h("button", { onclick: () => guard(exportDraft), "data-testid": "export" }, bi("导出", "Export")),
      h("button", { onclick: () => el.importInput.click(), "data-testid": "import" }, bi("导入", "Import")),
      el.importInput,
    ),
    el.msg,
    publishPanel(),
  );

  el.filter = h("input", {
    type: "search",
    placeholder: "筛选 Filter",
    "aria-label": "筛选文件 Filter files",
    oninput: () => guard(drawFiles),
  });
  el.newRule = h("div", { class: "studio-new", hidden: true });
  el.files = h("nav", { class: "studio-filelist", "aria-label": "规则包文件 Pack files", "data-testid": "studio-files" });
  const files = h("aside", { class: "card studio-files" }, el.filter, el.newRule, el.files);

  el.title = h("div", { class: "studio-title" });
  el.editor = h("div", { class: "studio-editor", "data-testid": "editor" });
  el.problems = h("div", { class: "studio-problems", "data-testid": "problems" });
  const edit = h("section", { class: "card studio-edit", "aria-label": "编辑 Edit" }, el.title, el.editor, el.problems);

  el.customer = h("select", { "aria-label": "客户 Customer", "data-testid": "run-customer", onchange: (e) => setUi({ customer: e.target.value }) });
  el.channel = h("select", { "aria-label": "渠道 Channel", "data-testid": "run-channel", onchange: (e) => setUi({ channel: e.target.value }) });
  el.output = h("div", { class: "studio-output", "data-testid": "run-output", "aria-live": "polite" });
  const tryPanel = h(
    "div",
    { class: "studio-tabpanel", id: "studio-try", role: "tabpanel", "aria-labelledby": "studio-tab-try" },
    h("div", { class: "row" }, el.customer, el.channel),
    h(
      "div",
      { class: "row" },
      h("button", { class: "primary", onclick: () => guard(runCustomer), "data-testid": "run" }, bi("运行", "Run")),
      h("button", { onclick: () => guard(runFixtures), "data-testid": "run-fixtures" }, bi("运行全部用例", "Run all fixtures")),
    ),
    el.output,
  );
  const refPanel = h(
    "div",
    { class: "studio-tabpanel", id: "studio-ref", role: "tabpanel", "aria-labelledby": "studio-tab-ref" },
    helperReference({ helpers: helperTable, onPick: (x) => guard(() => insertHelper(x)) }),
  );
  const panels = { try: tryPanel, ref: refPanel };
  const tab = (id, zh, en) =>
    h(
      "button",
      { role: "tab", id: `studio-tab-${id}`, "aria-controls": `studio-${id}`, class: "studio-tab", "data-testid": `studio-tab-${id}`, onclick: () => showTab(id) },
      bi(zh, en),
    );
  const tabs = [tab("try", "试运行", "Try the draft"), tab("ref", "函数参考", "Helpers")];
  function showTab(id) {
    for (const [k, panel] of Object.entries(panels)) panel.hidden = k !== id;
    for (const t of tabs) t.setAttribute("aria-selected", String(t.id === `studio-tab-${id}`));
    setUi({ tab: id });
  }
  const run = h("section", { class: "card studio-run", "aria-label": "运行 Run" }, h("div", { class: "studio-tabs", role: "tablist" }, tabs), tryPanel, refPanel);
  const want = store.get().studio?.tab;
  for (const [k, panel] of Object.entries(panels)) panel.hidden = k !== (want in panels ? want : "try");
  for (const t of tabs) t.setAttribute("aria-selected", String(!panels[t.id.slice("studio-tab-".length)].hidden));
  el.output.append(bi("选择客户和渠道，用草稿运行一次", "Pick a customer and a channel and run the draft on them", "p", { class: "muted" }));
  fillCustomers();
  fillChannels();
  // The backtest compares the draft with what runs now: the published version, or the bundled pack on one device.
  const bt = backtest.panel({
    packs: () => {
      const v = engine.publishedVersion();
      return { base: engine.publishedPack() ?? null, draft: copy(draft()), baseName: v ? `第 ${v.version} 版 version ${v.version}` : "内置规则包 bundled pack" };
    },
    onResult: (out, files) => guard(() => takeFindings(out, files)),
  });
  return h("div", { class: "studio" }, toolbar, files, edit, run, bt);
}

/** The live pack's channels (policy.max_pitches), by the pack's names; filled again once the pack has loaded. */
function fillChannels() {
  if (!el.channel) return;
  const want = el.channel.value || store.get().studio?.channel || "teller";
  const list = ids("channel");
  if (!list.includes(want)) list.unshift(want);
  el.channel.replaceChildren(...list.map((id) => h("option", { value: id, selected: id === want }, both("channel", id))));
  el.channel.value = want;
}

/**
 * The reference's click: the helper as it is written at the cursor, with
 * its receiver (`c.`, `b.`, `.`) unless the author has typed that already.
 */
function insertHelper(x) {
  if (!ed.insert) return say("error", "纯文本框不能插入，请手动输入", `The plain text box cannot insert: type ${x.name}`);
  const dotted = ed.charBefore() === ".";
  const receiver = { property: "c.", method: "c.", branch_property: "b.", branch_method: "b.", suggestion: "." }[x.kind] ?? (x.signature.startsWith(`${x.name}(`) ? "" : ".");
  ed.insert(dotted ? x.name : `${receiver}${x.name}`);
}

function setUi(patch) {
  save((s) => (s.studio = { ...s.studio, ...patch }));
}

/** store.update for the studio's own writes (fromStore() skips them). */
function save(fn, opts) {
  saving = true;
  try {
    store.update(fn, opts);
  } finally {
    saving = false;
  }
}

function fillCustomers() {
  if (!el.customer) return;
  const customers = engine.allCustomers();
  const want = store.get().studio?.customer;
  const pick = customers.some((c) => c.id === want) ? want : (engine.samples[0]?.id ?? customers[0]?.id);
  clear(el.customer).append(
    ...customers.map((c) => h("option", { value: c.id }, [c.id, c.name, c.visit?.purpose].filter(Boolean).join(" · "))),
  );
  if (pick) el.customer.value = pick;
}

// ---------------------------------------------------------------------------
// Files and the editor

async function loadEditor(parent) {
  try {
    const { createEditor } = await import("../dist/editor.js");
    return createEditor({
      parent,
      doc: "",
      language: "rhai",
      onChange: (text) => guard(() => edited(text)),
      lint: () => guard(markersForOpen) ?? [],
      complete: (before, explicit) => guard(() => completionsAt(before, explicit, authoringContext())) ?? null,
      hover: (line, at) => guard(() => hoverAt(line, at, authoringContext())) ?? null,
      builtins: helperTable.filter((x) => x.kind === "function").map((x) => x.name),
      delay: CHECK_DELAY,
    });
  } catch (e) {
    // The bundle is built by scripts/build-web.sh; without it the studio still
    // edits and checks, in a plain text box with the problems list below.
    console.error(e);
    say("error", "编辑器未构建，使用纯文本框", "Editor bundle missing (run scripts/build-web.sh); using a plain text box");
    return plainEditor(parent, (text) => guard(() => edited(text)));
  }
}

/** What completion and hover docs read: the helper table and the draft as it stands (its params, its products). */
function authoringContext() {
  return { helpers: helperTable, files: draft().files };
}

function plainEditor(parent, onChange) {
  const area = h("textarea", { class: "studio-plain", spellcheck: "false", "aria-label": "文件内容 File text", oninput: () => onChange(area.value) });
  parent.append(area);
  return {
    setDoc: (text) => (area.value = text),
    getDoc: () => area.value,
    goto(line, column) {
      const lines = area.value.split("\n");
      const at = lines.slice(0, Math.max(line - 1, 0)).reduce((n, l) => n + l.length + 1, 0) + Math.max(column - 1, 0);
      area.focus();
      area.setSelectionRange(at, at);
    },
    relint() {},
  };
}

function openFile(name) {
  if (!name || !(name in draft().files)) return;
  open = name;
  ed.setDoc(draft().files[name], languageOf(name));
  setUi({ file: name });
  drawTitle();
  drawFiles();
  drawProblems();
}

/** A keystroke: keep it at once (a reload loses nothing), check a moment later. */
function edited(text) {
  backtest.markStale();
  if (!open) return;
  const file = open; // this change may be replayed later (a save that failed): it names its file
  save(
    (s) => {
      if (!s.draft?.files) s.draft = copy(bundled);
      s.draft.files[file] = text;
      s.draftEdited = true;
    },
    { as: `draft:${file}` },
  );
  version++;
  clearTimeout(timer);
  const run = () => guard(() => version !== checked && (check(), ed.relint()));
  // Quick: right after the editor's update, so the key and its diagnostics
  // show in the same frame. Slow: after a pause.
  if (checkMs.length < 3 || Math.min(...checkMs) <= QUICK_CHECK) queueMicrotask(run);
  else timer = setTimeout(run, CHECK_DELAY);
}

/** Another tab changed the store, or the draft was replaced: show what it holds. */
function fromStore() {
  if (saving || !ed || !open) return;
  const files = store.get().draft?.files;
  if (!files) return;
  if (!(open in files)) return openFile(firstFile());
  if (files[open] !== ed.getDoc()) {
    ed.setDoc(files[open], languageOf(open));
    version++;
    check();
  }
}

// ---------------------------------------------------------------------------
// Checking

/** Checks the whole draft; then lists problems and promotes a clean draft. */
function check() {
  const t0 = performance.now();
  performance.mark("nextbest:check-start"); // tests/e2e/perf.mjs
  const d = draft();
  const list = [];
  try {
    list.push(...wasm.checkPack(d).map((p) => ({ ...p })));
  } catch (e) {
    list.push(fromThrown(e, d.files));
  }
  list.push(...fixtureSyntax(d.files));
  for (const p of list) place(p, d.files);
  list.push(...unclosedHints(list, d.files));
  list.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
  problems = list;
  checked = version;
  drawTitle();
  drawProblems();
  drawFiles();
  if (checks++) checkMs = [...checkMs.slice(-2), performance.now() - t0]; // the diagnostics' part: promote() compiles
  promote();
  performance.measure("nextbest:check", "nextbest:check-start");
}

/** checkPack throws when pack.json or products.json cannot be read at all. */
function fromThrown(e, files) {
  if (e?.type === "pack") {
    return {
      rule: "",
      file: e.file ?? "",
      stage: "pack",
      line: e.line ?? 0,
      column: e.column ?? 0,
      message: e.detail ?? e.message,
    };
  }
  return { rule: "", file: "", stage: e?.type ?? "error", line: 0, column: 0, message: e?.message ?? String(e) };
}

/** The engine does not read fixtures to compile, so their JSON is checked here. */
function fixtureSyntax(files) {
  const out = [];
  for (const [name, text] of Object.entries(files)) {
    if (!name.startsWith("fixtures/")) continue;
    try {
      JSON.parse(text);
    } catch (e) {
      // V8: "… in JSON at position 123 (line 4 column 7)"; "Unexpected end of JSON input".
      const m = /position (\d+)/.exec(e.message);
      const at = m ? Number(m[1]) : /end of JSON/.test(e.message) ? text.length : 0;
      const before = text.slice(0, at).split("\n");
      out.push({
        rule: "",
        file: name,
        stage: "json",
        line: before.length,
        column: [...before.at(-1)].length + 1,
        message: e.message.replace(/\s*\(line \d+ column \d+\)/, ""),
      });
    }
  }
  return out;
}

/**
 * Problems with no position (line 0) still get a marker: a product's problem
 * goes to the line with its id in products.json, anything else to line 1.
 */
function place(p, files) {
  if (p.line > 0) return;
  const text = files[p.file] ?? "";
  const i = p.rule && p.file === "products.json" ? text.indexOf(`"${p.rule}"`) : -1;
  if (i >= 0) {
    const before = text.slice(0, i).split("\n");
    p.line = before.length;
    p.column = [...before.at(-1)].length + 1;
  } else {
    p.line = 1;
    p.column = 1;
  }
}

/**
 * rhai reports a missing `}` (or `)`, `]`) at the end of the file, far from
 * the mistake. Point at the bracket that was never closed as well.
 */
function unclosedHints(list, files) {
  const out = [];
  for (const p of list) {
    const want = /^Expecting '([}\])])'/.exec(p.message)?.[1];
    if (!want || !p.file.endsWith(".rhai")) continue;
    const opener = { "}": "{", ")": "(", "]": "[" }[want];
    const at = unclosed(files[p.file] ?? "", opener);
    if (at && (at.line !== p.line || at.column !== p.column)) {
      out.push({
        ...p,
        ...at,
        hint: true,
        message: `这个 ${opener} 没有闭合 · This '${opener}' is never closed (${p.message} at ${p.line}:${p.column})`,
      });
    }
  }
  return out;
}

/** The last `opener` left open at the end of rhai source, skipping strings and comments. */
function unclosed(text, opener) {
  const stack = [];
  const pairs = { "}": "{", ")": "(", "]": "[" };
  const lines = text.split("\n");
  let mode = "code"; // code | block | tpl
  const modes = []; // for `${ … }` inside templates
  for (let ln = 0; ln < lines.length; ln++) {
    const cs = [...lines[ln]];
    for (let i = 0; i < cs.length; i++) {
      const c = cs[i];
      const pos = { line: ln + 1, column: i + 1 };
      if (mode === "block") {
        if (c === "*" && cs[i + 1] === "/") (mode = modes.pop() ?? "code"), i++;
        continue;
      }
      if (mode === "tpl") {
        if (c === "\\") i++;
        else if (c === "`") mode = modes.pop() ?? "code";
        else if (c === "$" && cs[i + 1] === "{") modes.push("tpl"), (mode = "code"), stack.push({ ch: "{", tpl: true, ...pos }), i++;
        continue;
      }
      if (c === "/" && cs[i + 1] === "/") break;
      if (c === "/" && cs[i + 1] === "*") modes.push(mode), (mode = "block"), i++;
      else if (c === '"' || c === "'") {
        for (i++; i < cs.length && cs[i] !== c; i++) if (cs[i] === "\\") i++;
      } else if (c === "`") modes.push(mode), (mode = "tpl");
      else if ("{([".includes(c)) stack.push({ ch: c, ...pos });
      else if (c in pairs && stack.at(-1)?.ch === pairs[c]) {
        if (stack.pop().tpl) mode = modes.pop() ?? "code";
      }
    }
  }
  const last = stack.filter((s) => s.ch === opener).at(-1);
  return last ? { line: last.line, column: last.column } : null;
}

// What the last backtest found about each rule of the draft (never fired, every proposal held
// back, near a budget, errors): warnings in the editor's gutter, on the rule's first line.
let findings = new Map(); // rule id -> [text]
let findingsFor = null; // the draft's files the findings were worked out on

/**
 * Takes a backtest's per-rule findings (engine JSON) for the draft `files`
 * it ran; the open rule's gutter shows them while that rule and pack.json are
 * as they were (a rule edited since has not been measured).
 */
function takeFindings(out, files) {
  findings = new Map();
  findingsFor = files;
  if (!out?.compared) return ed?.relint(); // nobody compared: "never fired" would mean nothing
  for (const r of out?.rules?.draft ?? []) {
    const list = backtest.flags(r).map((f) => {
      if (f === "near_budget") {
        const ops = r.operations;
        const ms = r.ms;
        return `回测：接近预算 near its budget — 运算 ops ${ops.max}/${ops.budget}${ms ? `，耗时 ${Number(ms.max).toFixed(1)}/${ms.budget} ms` : ""}`;
      }
      return `回测：${backtest.flagText(f)}（样本 ${out.compared} 位 · over ${out.compared} customers）`;
    });
    if (list.length) findings.set(r.rule, list);
  }
  ed?.relint();
}

/** The lint source for CodeMirror: the open file's problems. */
function markersForOpen() {
  if (version !== checked) check();
  const rule = open?.endsWith(".rhai") ? open.slice(0, -5) : null;
  const cur = draft().files;
  const fresh = findingsFor && findingsFor[open] === cur[open] && findingsFor["pack.json"] === cur["pack.json"];
  const warnings = (fresh ? (findings.get(rule) ?? []) : []).map((message) => ({ line: 1, column: 1, message, severity: "warning", source: "backtest" }));
  return warnings.concat(problems
    .filter((p) => p.file === open)
    .map((p) => {
      // "did you mean …?": the marker offers the replacement as a quick fix.
      const fix = fixOf(p.message);
      return {
        line: p.line,
        column: p.column,
        message: `${p.message}${p.rule ? ` [${p.rule}]` : ""}`,
        severity: "error",
        fix: fix && { ...fix, name: `改为 ${fix.replace} · Change to ${fix.replace}` },
      };
    }));
}

/**
 * "Keep the last pack that compiled": a clean draft goes live for teller and
 * lobby; a broken one leaves live as it was. The bundled pack is live as null.
 */
function promote() {
  clearTimeout(promoting);
  if (!liveChange()) return showStatus();
  // Going live compiles the draft again for teller and lobby. That waits for
  // a pause in the typing (checks run on every key): a half-typed rule that
  // happens to compile does not go live, and the diagnostics never wait for it.
  promoting = setTimeout(
    () =>
      guard(() => {
        const change = liveChange();
        if (change) engine.setLive(change.pack);
        showStatus();
      }),
    CHECK_DELAY,
  );
}

/** What going live would change: {pack} (null: the bundled one), or null for nothing. */
function liveChange() {
  const d = draft();
  if (problems.length) return null;
  if (sameFiles(d.files, bundled.files)) return engine.liveIsCustom() ? { pack: null } : null;
  if (engine.wasStopped(d)) return null; // the watchdog stopped this very draft: not again until it is edited
  if (!engine.liveIsCustom() || !sameFiles(store.get().live?.files, d.files)) return { pack: copy(d) }; // a copy: the draft keeps changing under the editor
  return null;
}

// ---------------------------------------------------------------------------
// Publishing (signed in to the branch server, as a rule author or the head)

const mayPublish = () => sync.link.mode === "signed-in" && ["author", "head"].includes(sync.link.user?.role);

/**
 * The draft is its author's until published: a note says why, the server runs
 * every fixture and keeps every version; any earlier one can be restored.
 */
function publishPanel() {
  if (!mayPublish()) return null;
  el.note = h("textarea", { rows: 2, maxlength: 500, placeholder: "发布说明（必填）· why this change (required)", "aria-label": "发布说明 Note", "data-testid": "publish-note" });
  el.publishMsg = h("div", { class: "studio-msg", role: "status", "data-testid": "publish-msg" });
  el.versions = h("div", { class: "versions", "data-testid": "versions" });
  drawVersions();
  return h(
    "details",
    { class: "card publish", "data-testid": "publish" },
    h("summary", {}, bi("发布到全网点", "Publish to the branch")),
    el.note,
    h("div", { class: "row" }, (el.publishGo = h("button", { class: "primary", "data-testid": "publish-go", onclick: () => guard(publishOnce) }, bi("运行全部用例并发布", "Run every fixture and publish")))),
    el.publishMsg,
    el.versions,
  );
}

function noteText() {
  const note = el.note.value.trim();
  if (!note) el.publishMsg.replaceChildren(bi("请写明发布原因", "Write down why (the note is required)", "p", { class: "error" }));
  return note;
}

/** Which customers a publish or comparison is backtested on: the branch's hall, or (a rule author reads no customer) the samples. */
function sampleName(english = false) {
  const hall = ["lobby", "teller", "vip_teller", "psm", "cm", "head"].includes(sync.link.user?.role);
  return english ? (hall ? "the branch's hall" : "the bundled samples") : hall ? "网点大厅客户" : "内置示例客户";
}

/** One publish at a time: the button is off until it has ended, whichever way. */
async function publishOnce() {
  if (el.publishGo.disabled) return;
  el.publishGo.disabled = true;
  try {
    await publish();
  } finally {
    el.publishGo.disabled = false;
  }
}

async function publish() {
  if (problems.some((p) => !p.hint)) {
    el.publishMsg.replaceChildren(bi("草稿有错误，不能发布", "The draft has errors: it cannot be published", "p", { class: "error" }));
    return;
  }
  const note = noteText();
  if (!note) return;
  // A draft made from an older version would undo what was published since: said before, not after.
  const base = store.get().draftBase;
  const current = engine.publishedVersion()?.version;
  if (base && current && base !== current && !confirm(`草稿基于第 ${base} 版，现行已是第 ${current} 版；发布会覆盖其间的修改。仍要发布？
The draft was made from version ${base}; version ${current} is now in force, and publishing would undo the changes in between. Publish anyway?`)) return;
  // The draft as it is now is what is backtested, confirmed and sent: edits typed meanwhile wait for the next publish.
  const files = copy(draft()).files;
  // What it would change, on the branch's own customers, before anyone else sees it: asked, not assumed.
  el.publishMsg.replaceChildren(bi("正在回测：草稿对比现行版本…", "Backtesting the draft against the version in force…", "p", { class: "muted" }));
  const bt = await engine.backtest({
    base: engine.publishedPack() ?? null,
    draft: { files },
    sample: { customers: engine.hallCustomers() },
    options: { channel: "lobby", timing: false },
  }).promise;
  let zhText, enText;
  if (bt.out && bt.out.compared > 0) {
    const o = bt.out;
    // Counted over the customers both packs evaluated; those refused or cut short are said, not hidden in the total.
    const aside = o.refused.base + o.refused.draft + o.out_of_time.base + o.out_of_time.draft;
    zhText = `对比现行第 ${current ?? "—"} 版，在 ${o.compared} 位客户上（${sampleName()}）：去向改变 ${o.changed_route} 位，首推改变 ${o.changed_top} 位，等级改变 ${o.changed_grade} 位。${aside ? `另有 ${aside} 位未能比较（拒收或超时）。` : ""}`;
    enText = `Against version ${current ?? "—"} in force, over ${o.compared} customers (${sampleName(true)}): ${o.changed_route} change route, ${o.changed_top} change top pitch, ${o.changed_grade} change grade.${aside ? ` ${aside} could not be compared (refused or out of time).` : ""}`;
  } else {
    const why = bt.out ? "没有可比较的客户 no customer could be compared" : `${bt.error?.zh ?? ""} ${bt.error?.en ?? bt.error?.message ?? (bt.stopped ? "stopped" : "")}`.trim();
    zhText = `回测未能给出结果（${why}）。`;
    enText = `The backtest gave no result (${why}).`;
  }
  if (!confirm(`${zhText}\n${enText}\n\n确认发布？ Publish?`)) {
    el.publishMsg.replaceChildren(bi(`未发布。${zhText}`, `Not published. ${enText}`, "p", { class: "muted" }));
    return;
  }
  el.publishMsg.replaceChildren(bi("正在运行全部用例…", "Running every fixture…", "p", { class: "muted" }));
  let r;
  try {
    r = await sync.postJson("packs", { files, note });
  } catch {
    el.publishMsg.replaceChildren(bi("无法连接网点服务器，未发布", "The branch server cannot be reached: nothing was published", "p", { class: "error" }));
    return;
  }
  if ((r.status === 201 || r.status === 200) && r.body?.version) save((st) => (st.draftBase = r.body.version)); // the draft is that version now
  showPublished(r);
}

async function restore(version) {
  const note = noteText();
  if (!note) return;
  let r;
  try {
    r = await sync.postJson(`packs/${version}/restore`, { note });
  } catch {
    el.publishMsg.replaceChildren(bi("无法连接网点服务器，未恢复", "The branch server cannot be reached: nothing was restored", "p", { class: "error" }));
    return;
  }
  showPublished(r);
}

function showPublished({ status, body }) {
  if (status === 201 || status === 200) {
    el.note.value = "";
    el.publishMsg.replaceChildren(
      body?.unchanged
        ? bi(`与现行第 ${body.version} 版相同，未新建版本`, `Same as version ${body.version} in force: no new version`, "p", { class: "ok" })
        : body?.restored_from
          ? bi(`已将第 ${body.restored_from} 版恢复为第 ${body.version} 版，各终端即时切换`, `Version ${body.restored_from} restored as version ${body.version}: every device switches now`, "p", { class: "ok" })
          : bi(`已发布第 ${body.version} 版，各终端即时切换`, `Version ${body.version} published: every device switches now`, "p", { class: "ok" }),
    );
    drawVersions();
    return;
  }
  const e = body?.error;
  el.publishMsg.replaceChildren(
    h("p", { class: "error" }, e?.message_zh ?? `发布失败（${status}）`, h("span", { class: "en" }, e?.message_en ?? `HTTP ${status}`)),
    Array.isArray(body?.failures) && body.failures.length ? h("ul", { class: "failures", "data-testid": "publish-failures" }, body.failures.map((f) => h("li", {}, String(f)))) : null,
  );
}

// ---------------------------------------------------------------------------
// 版本比较 Compare two published versions, or the draft against one: the text
// of every file that differs, side by side, beside what the change does to the
// branch's customers (the backtest's counts).

let compareView = null; // the merge view shown, destroyed before the next

async function packOf(which) {
  if (which === "draft") return copy(draft());
  const p = await sync.getJson(`packs/${which}`);
  return { files: p.files };
}

let compareSeq = 0; // the latest comparison asked for: an earlier one still running shows nothing

async function compare(a, b, out) {
  const seq = ++compareSeq;
  compareView?.destroy();
  compareView = null;
  out.replaceChildren(bi("正在比较…", "Comparing…", "p", { class: "muted" }));
  let pa, pb, editor;
  try {
    [pa, pb, editor] = await Promise.all([packOf(a), packOf(b), import("../dist/editor.js")]);
    if (seq !== compareSeq) return;
  } catch (e) {
    if (seq !== compareSeq) return;
    out.replaceChildren(bi("无法取得版本", `A version could not be fetched (${e?.message ?? e})`, "p", { class: "error" }));
    return;
  }
  const label = (w) => (w === "draft" ? "草稿 draft" : `第 ${w} 版`);
  const names = [...new Set([...Object.keys(pa.files), ...Object.keys(pb.files)])].sort();
  const rows = names
    .map((n) => {
      const x = pa.files[n];
      const y = pb.files[n];
      if (x === y) return null;
      const st = x === undefined ? "added" : y === undefined ? "removed" : "changed";
      return { name: n, st, ...editor.diffStats(x ?? "", y ?? "") };
    })
    .filter(Boolean);
  const view = h("div", { class: "merge", "data-testid": "compare-view" });
  const show = (r) => {
    compareView?.destroy();
    view.replaceChildren(h("h4", {}, `${r.name}：${label(a)} ← → ${label(b)}`));
    const host = h("div");
    view.append(host);
    compareView = editor.createMergeView({ parent: host, a: pa.files[r.name] ?? "", b: pb.files[r.name] ?? "", language: r.name.endsWith(".rhai") ? "rhai" : "json", builtins: helperTable.filter((x) => x.kind === "function").map((x) => x.name) });
  };
  const ST = { added: "新增 added", removed: "删除 removed", changed: "修改 changed" };
  const effect = h("p", { class: "muted", "data-testid": "compare-effect" }, bi("正在回测…", "Backtesting…"));
  out.replaceChildren(
    h("p", {}, `${label(a)} → ${label(b)}：${rows.length} 个文件不同 · ${rows.length} file(s) differ`),
    rows.length
      ? h(
          "table",
          { class: "figures", "data-testid": "compare-files" },
          rows.map((r) =>
            h(
              "tr",
              { "data-testid": "compare-file", "data-file": r.name, "data-status": r.st },
              h("td", {}, h("button", { class: "link", onclick: () => guard(() => show(r)) }, r.name)),
              h("td", {}, ST[r.st]),
              h("td", {}, `−${r.removed} +${r.added}`),
            ),
          ),
        )
      : null,
    effect,
    view,
  );
  if (rows[0]) show(rows[0]);
  const bt = await engine.backtest({ base: pa, draft: pb, sample: { customers: engine.hallCustomers() }, options: { channel: "lobby", timing: false } }).promise;
  if (seq !== compareSeq) return;
  effect.replaceChildren(
    bt.out
      ? bi(
          `对${sampleName()}（比较 ${bt.out.compared} 位）：去向改变 ${bt.out.changed_route} 位，首推改变 ${bt.out.changed_top} 位，等级改变 ${bt.out.changed_grade} 位`,
          `On ${sampleName(true)} (${bt.out.compared} compared): ${bt.out.changed_route} change route, ${bt.out.changed_top} change top pitch, ${bt.out.changed_grade} change grade`,
        )
      : bi(`回测未能完成：${bt.error?.zh ?? bt.error?.message ?? ""}`, `The backtest could not finish: ${bt.error?.en ?? bt.error?.message ?? ""}`),
  );
}

async function drawVersions() {
  let list;
  try {
    list = await sync.getJson("packs");
  } catch {
    return;
  }
  if (!list || !el.versions) return;
  const opts = (withDraft) => [
    ...(withDraft ? [h("option", { value: "draft" }, "草稿 draft")] : []),
    ...(list.versions ?? []).map((v) => h("option", { value: String(v.version) }, `第 ${v.version} 版${v.version === list.current ? "（现行）" : ""}`)),
  ];
  const selA = h("select", { "aria-label": "比较自 From", "data-testid": "compare-a" }, opts(false));
  const selB = h("select", { "aria-label": "比较到 To", "data-testid": "compare-b" }, opts(true));
  const out = h("div", { class: "compare-out" });
  el.versions.replaceChildren(
    h(
      "div",
      { class: "row compare", "data-testid": "compare" },
      bi("版本比较", "Compare"),
      selA,
      "→",
      selB,
      h("button", { "data-testid": "compare-go", onclick: () => guard(() => compare(selA.value, selB.value, out)) }, bi("比较", "Compare")),
    ),
    out,
  );
  el.versions.append(
    h(
      "table",
      {},
      h("tr", {}, ["版本 Version", "发布人 By", "时间 When", "说明 Note", ""].map((t) => h("th", {}, t))),
      (list.versions ?? []).map((v) =>
        h(
          "tr",
          { "data-testid": "version-row", "data-version": v.version },
          h("td", {}, `第 ${v.version} 版${v.version === list.current ? "（现行）" : ""}`, v.restored_from ? h("div", { class: "muted" }, `恢复自第 ${v.restored_from} 版`) : null),
          h("td", {}, v.author),
          h("td", {}, engine.localTime(v.created)),
          h("td", {}, v.note),
          h("td", {}, v.version === list.current ? null : h("button", { "data-testid": "restore", onclick: () => guard(() => restore(v.version)) }, bi("恢复此版", "Restore"))),
        ),
      ),
    ),
  );
}

function showStatus() {
  if (!el.status) return;
  const published = engine.publishedVersion();
  if (published) {
    // Signed in: nothing here goes live; the teller and lobby run the published version.
    const n = problems.filter((p) => !p.hint).length;
    el.status.dataset.state = n ? "broken" : "draft";
    clear(el.status).append(
      n
        ? bi(`草稿有 ${n} 个问题；柜员和大堂使用已发布的第 ${published.version} 版`, `Draft has ${n} problem(s); teller and lobby run published version ${published.version}`)
        : bi(`草稿仅您可见；发布后柜员和大堂才使用（现行第 ${published.version} 版）`, `The draft is yours until published; teller and lobby run version ${published.version}`),
    );
    return;
  }
  const n = problems.filter((p) => !p.hint).length; // a hint repeats a problem elsewhere
  const d = store.get().draft;
  let line;
  if (n) {
    line = [
      bi("草稿有错误，柜员和大堂仍使用上一版规则", "Draft has errors; teller and lobby keep the last pack that compiled"),
      h("span", { class: "badge err" }, `${n} 个问题 · ${n} problem${n === 1 ? "" : "s"}`),
    ];
    el.status.dataset.state = "broken";
  } else if (d && sameFiles(d.files, bundled.files)) {
    line = bi("草稿与内置规则相同", "Draft is the bundled pack");
    el.status.dataset.state = "bundled";
  } else if (d && engine.wasStopped(d)) {
    line = bi("草稿运行超时被停止，柜员和大堂使用上一版规则；修改后再试", "The draft ran too long and was stopped; teller and lobby use the last good pack. Edit it to try again");
    el.status.dataset.state = "stopped";
  } else {
    line = bi("草稿已通过编译，柜员和大堂正在使用", "Draft compiles; teller and lobby use it");
    el.status.dataset.state = "live";
  }
  clear(el.status).append(...[line].flat());
}

// ---------------------------------------------------------------------------
// Drawing

function drawFiles() {
  const files = draft().files;
  const q = el.filter.value.trim().toLowerCase();
  const counts = {};
  for (const p of problems) counts[p.file] = (counts[p.file] ?? 0) + (p.hint ? 0 : 1);
  const item = (name, text, extra) =>
    h(
      "button",
      {
        class: `studio-file${name === open ? " open" : ""}${counts[name] ? " bad" : ""}`,
        "aria-current": name === open ? "true" : null,
        title: header(files[name], "zh") || name,
        dataset: { file: name },
        onclick: () => guard(() => openFile(name)),
      },
      h("span", { class: "name" }, text),
      extra,
      counts[name] ? h("span", { class: "badge err", title: "问题 Problems" }, String(counts[name])) : null,
    );
  const match = (name) => !q || name.toLowerCase().includes(q) || header(files[name], "zh").includes(q);
  const g = groups(files);
  const rules = g.rules.filter(match);
  const section = (zh, en, names, make) =>
    names.length ? [h("h3", {}, bi(zh, en), h("span", { class: "muted" }, ` ${names.length}`)), ...names.map(make)] : [];
  clear(el.files).append(
    ...section("规则", "Rules", rules, (n) => {
      const kind = header(files[n], "kind");
      return item(n, n.slice(0, -5), h("span", { class: `badge kind kind-${kind || "none"}` }, label(KINDS, kind)[0] || "?"));
    }),
    ...section("参数与产品", "Parameters & catalogue", g.config.filter(match), (n) => item(n, n)),
    ...section("用例", "Fixtures", g.fixtures.filter(match), (n) => item(n, n.slice("fixtures/".length))),
    ...section("其他", "Other", g.other.filter(match), (n) => item(n, n)),
  );
}

function drawTitle() {
  if (!open) return;
  const text = draft().files[open] ?? "";
  const rule = open.endsWith(".rhai");
  const kind = header(text, "kind");
  // Element.append(), not h(): it would print a null, so leave those out.
  const parts = [
    h("code", { class: "studio-filename" }, open),
    rule && kind ? h("span", { class: `badge kind kind-${kind}` }, bi(...label(KINDS, kind))) : null,
    rule ? h("span", { class: "muted studio-about" }, header(text, "zh"), header(text, "en") ? ` · ${header(text, "en")}` : "") : null,
    !rule ? h("span", { class: "muted studio-about" }, ...(ABOUT[open] ?? (open.startsWith("fixtures/") ? ABOUT.fixture : ["", ""]))) : null,
    rule ? h("button", { class: "small", onclick: () => guard(deleteRule), "data-testid": "delete-rule" }, bi("删除", "Delete")) : null,
  ];
  clear(el.title).append(...parts.filter(Boolean));
}

function drawProblems() {
  const here = problems.filter((p) => !p.hint);
  clear(el.problems).append(
    h("h3", {}, bi("问题", "Problems"), h("span", { class: "muted" }, ` ${here.length}`)),
    here.length
      ? h(
          "ul",
          { class: "studio-problem-list" },
          problems.map((p) =>
            h(
              "li",
              {},
              h(
                "button",
                { class: `studio-problem${p.file === open ? " here" : ""}${p.hint ? " hint" : ""}`, onclick: () => guard(() => jump(p.file, p.line, p.column)) },
                h("code", {}, `${p.file || "pack"}:${p.line}:${p.column}`),
                h("span", { class: "badge" }, p.stage),
                h("span", { class: "msg" }, p.message),
              ),
            ),
          ),
        )
      : bi("没有问题", "No problems", "p", { class: "muted" }),
  );
}

function jump(file, line, column) {
  if (file && file !== open && file in draft().files) openFile(file);
  ed.goto(line || 1, column || 1);
}

// ---------------------------------------------------------------------------
// Running

/**
 * Runs the draft as it is now (not the live pack) in the studio's worker,
 * behind the same watchdog as the teller's: a rule that runs forever is
 * stopped and said so, and the page never waits on it.
 */
async function runInWorker(op, args, draw) {
  const pack = copy(draft());
  showOutput(bi("运行中…", "Running…", "p", { class: "muted", "data-testid": "run-busy" }));
  const { out, error } = await engine.runDraft(op, { pack, ...args });
  if (error?.kind) return showOutput(h("p", { class: "error", role: "alert", "data-testid": "run-error", "data-kind": error.kind }, bi(error.zh, error.en)));
  if (error) return showOutput(h("p", { class: "error", role: "alert", "data-testid": "run-error" }, bi("规则包无法编译或运行失败", `The draft does not compile or failed to run: ${error.detail ?? error.message}`)));
  guard(() => draw(out));
}

function showOutput(...nodes) {
  clear(el.output).append(...nodes.filter(Boolean));
}

function runCustomer() {
  const id = el.customer.value;
  const customer = engine.allCustomers().find((c) => c.id === id);
  if (!customer) return say("error", "请选择客户", "Choose a customer");
  const channel = el.channel.value;
  return runInWorker("runDraft", { customer, options: { channel } }, (out) => showOutput(...drawEvaluation(out)));
}

function drawEvaluation(out) {
  const r = out.route;
  const nodes = [
    h("p", { class: "muted" }, `${out.customer} · ${out.today} · ${both("channel", out.channel)}`),
    h("h3", {}, bi("分流", "Route")),
    h(
      "p",
      { "data-testid": "run-route" },
      h("strong", {}, r.destination_zh),
      h("span", { class: "en" }, r.destination_en),
      " — ",
      r.reason_zh,
      h("span", { class: "en" }, r.reason_en),
      " ",
      ruleLink(r.rule) ?? h("span", { class: "badge" }, "默认 default"),
    ),
    h("h3", {}, bi("高价值信号", "High-value signals"), out.high_value.flag ? h("span", { class: "badge hv" }, "高价值 high value") : null),
    out.high_value.signals.length
      ? h("ul", {}, out.high_value.signals.map((s) => h("li", {}, h("code", {}, s.signal), " ", s.zh, h("span", { class: "en" }, s.en), " ", ruleLink(s.rule))))
      : none(),
    h("h3", {}, bi("推介", "Suggestions")),
    out.suggestions.length
      ? h(
          "ol",
          { class: "studio-suggestions" },
          out.suggestions.map((s) =>
            h(
              "li",
              { "data-testid": "run-suggestion" },
              h("div", {}, h("strong", {}, s.product_zh), h("span", { class: "en" }, s.product_en), " ", h("code", {}, s.product)),
              h(
                "div",
                { class: "row" },
                h("span", { class: "badge" }, `分数 score ${Math.round(s.score * 100) / 100}`),
                h("span", { class: "badge risk" }, `风险 risk R${s.risk}`),
                h("span", { class: "badge" }, label(KINDS, s.kind).join(" ")),
                s.to ? h("span", { class: "badge" }, `转介 to ${s.to}`) : null,
              ),
              h("p", { class: "pitch" }, s.pitch_zh, h("br"), h("span", { class: "en" }, s.pitch_en)),
              h("ul", { class: "reasons" }, s.reasons.map((x) => h("li", {}, x.zh, h("span", { class: "en" }, x.en), " ", ruleLink(x.rule)))),
            ),
          ),
        )
      : none(),
    h("h3", {}, bi("被拦截", "Suppressed")),
    out.suppressed.length
      ? h(
          "ul",
          {},
          out.suppressed.map((s) =>
            h("li", {}, h("code", {}, s.product), " ", h("span", { class: "badge" }, label(HOLD, s.reason)[0] || s.reason), " ", s.zh, h("span", { class: "en" }, s.en), " ", s.rules.map(ruleLink)),
          ),
        )
      : none(),
  ];
  if (out.notes.length) {
    nodes.push(h("h3", {}, bi("提示", "Notes")), h("ul", {}, out.notes.map((n) => h("li", {}, n.zh, h("span", { class: "en" }, n.en), " ", ruleLink(n.rule)))));
  }
  if (out.unmet_needs.length) {
    nodes.push(h("h3", {}, bi("未满足需求", "Unmet needs")), h("p", {}, out.unmet_needs.join(", ")));
  }
  nodes.push(
    h("h3", {}, bi("错误", "Errors")),
    out.errors.length
      ? h(
          "ul",
          { class: "error" },
          out.errors.map((e) =>
            h("li", {}, h("button", { class: "link", onclick: () => guard(() => jump(e.file, e.line, e.column)) }, `${e.file}:${e.line}:${e.column}`), " ", e.message),
          ),
        )
      : none(),
    h("h3", {}, bi("规则轨迹", "Trace")),
    h(
      "table",
      { class: "studio-trace", "data-testid": "trace" },
      h("thead", {}, h("tr", {}, h("th", {}, bi("规则", "Rule")), h("th", {}, bi("结果", "Status")), h("th", { class: "num" }, bi("运算", "Operations")))),
      h(
        "tbody",
        {},
        out.trace.map((t) =>
          h(
            "tr",
            { class: `st-${t.status}`, dataset: { status: t.status, rule: t.rule } },
            h("td", {}, ruleLink(t.rule)),
            h("td", {}, h("span", { class: `badge st-${t.status}` }, label(STATUS, t.status)[0], " ", label(STATUS, t.status)[1])),
            h("td", { class: "num" }, String(t.operations)),
          ),
        ),
      ),
    ),
  );
  return nodes;
}

function none() {
  return h("p", { class: "muted" }, "无 · none");
}

/** A rule id that opens the rule, when the draft has it. */
function ruleLink(id) {
  if (!id) return null;
  const file = `${id}.rhai`;
  if (!(file in draft().files)) return h("code", {}, id);
  return h("button", { class: "link", onclick: () => guard(() => openFile(file)) }, id);
}

function runFixtures() {
  return runInWorker("runFixtures", {}, (rep) => {
    const failed = rep.cases.filter((c) => !c.passed);
    const passed = rep.cases.filter((c) => c.passed);
    const fileLink = (f) => (f in draft().files ? h("button", { class: "link", onclick: () => guard(() => openFile(f)) }, f) : h("code", {}, f));
    showOutput(
      h(
        "p",
        { class: `fixtures-summary ${rep.failed ? "error" : "ok"}`, "data-testid": "fixtures-summary" },
        `通过 ${rep.passed} · 失败 ${rep.failed}`,
        h("span", { class: "en" }, `${rep.passed} passed, ${rep.failed} failed`),
      ),
      failed.length
        ? h(
            "ul",
            { class: "fixtures-failed", "data-testid": "fixtures-failed" },
            failed.map((c) => h("li", {}, h("span", { class: "badge err" }, "失败 fail"), " ", fileLink(c.file), " ", h("strong", {}, c.name), h("ul", {}, c.failures.map((f) => h("li", {}, f))))),
          )
        : null,
      h(
        "details",
        {},
        h("summary", {}, bi(`通过的用例 ${passed.length}`, `Passed cases: ${passed.length}`)),
        h("ul", { "data-testid": "fixtures-passed" }, passed.map((c) => h("li", {}, h("span", { class: "badge ok" }, "通过 pass"), " ", fileLink(c.file), " ", c.name))),
      ),
    );
  });
}

// ---------------------------------------------------------------------------
// Drafts: reset, export, import, new and delete

/** After the whole draft changed: reopen, recheck, tell the editor. */
function replaced() {
  backtest.markStale();
  version++;
  openFile(open in draft().files ? open : firstFile());
  check();
  ed.relint();
}

function resetDraft() {
  if (engine.publishedPack()) bundled = engine.publishedPack();
  const to = engine.publishedVersion() ? ["现行发布版本", "the published version in force"] : ["内置规则", "the bundled pack"];
  if (!confirm(`重置草稿为${to[0]}？草稿的修改会丢失。\nReset the draft to ${to[1]}? Your changes will be lost.`)) return;
  save((s) => {
    s.draft = copy(bundled);
    s.draftEdited = false;
    s.draftBase = engine.publishedVersion()?.version ?? null;
  });
  replaced();
  say("ok", `已重置为${to[0]}`, `Reset to ${to[1]}`);
}

function exportDraft() {
  const stamp = new Date().toISOString().slice(0, 16).replace(/[-:]/g, "").replace("T", "-");
  download(`nextbest-draft-${stamp}.json`, JSON.stringify(copy(draft()), null, 2));
  say("ok", "已导出草稿", "Draft exported");
}

/** A pack file name the engine reads (src/pack is_pack_file). */
function packFileName(name) {
  return name === "pack.json" || name === "products.json" || /^[a-z][a-z0-9_]*\.rhai$/.test(name) || /^fixtures\/[^/]+\.json$/.test(name);
}

/** Checks an imported file's shape; returns the pack or throws with a reason. */
export function parseImport(text) {
  let v;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`not JSON (${e.message})`);
  }
  const files = v?.files;
  if (!files || typeof files !== "object" || Array.isArray(files)) throw new Error('expected {"files": {"name": "text", …}}');
  for (const [name, body] of Object.entries(files)) {
    if (typeof body !== "string") throw new Error(`files["${name}"] is not text`);
    if (!packFileName(name)) throw new Error(`files["${name}"]: not a pack file (pack.json, products.json, <rule>.rhai, fixtures/<name>.json)`);
  }
  for (const need of ["pack.json", "products.json"]) if (!(need in files)) throw new Error(`files has no ${need}`);
  if (!Object.keys(files).some((n) => n.endsWith(".rhai"))) throw new Error("files has no .rhai rule");
  return { files: { ...files } };
}

async function importFile(e) {
  const file = e.target.files?.[0];
  e.target.value = ""; // the same file may be chosen again after a fix
  if (!file) return;
  try {
    if (file.size > MAX_IMPORT) throw new Error(`${Math.round(file.size / 1000)} KB is more than ${MAX_IMPORT / 1000} KB`);
    const pack = parseImport(await file.text());
    if (!confirm(`用 ${file.name} 替换当前草稿？\nReplace the draft with ${file.name}?`)) return;
    save((s) => {
      s.draft = pack;
      s.draftEdited = true;
    });
    replaced();
    say("ok", `已导入 ${file.name}`, `Imported ${file.name}`);
  } catch (err) {
    say("error", `导入失败：${file.name}`, `Import failed: ${err?.message ?? err}`);
  }
}

function newRuleForm() {
  const input = h("input", { type: "text", placeholder: "rule_id", "aria-label": "规则编号 Rule id", "data-testid": "new-rule-id" });
  const create = () =>
    guard(() => {
      const id = input.value.trim();
      if (!RULE_ID.test(id)) return say("error", "规则编号只能用小写字母、数字和下划线", "A rule id is lowercase letters, digits and _ (starting with a letter)");
      if (`${id}.rhai` in draft().files) return say("error", `已有规则 ${id}`, `Rule ${id} exists`);
      save((s) => {
        s.draft.files[`${id}.rhai`] = ruleTemplate();
        s.draftEdited = true;
      });
      el.newRule.hidden = true;
      version++;
      openFile(`${id}.rhai`);
      check();
      say("ok", `已新建 ${id}`, `Created ${id}`);
    });
  input.addEventListener("keydown", (ev) => ev.key === "Enter" && create());
  clear(el.newRule).append(input, h("button", { class: "small", onclick: create }, bi("创建", "Create")), h("button", { class: "small", onclick: () => (el.newRule.hidden = true) }, bi("取消", "Cancel")));
  el.newRule.hidden = false;
  input.focus();
}

function ruleTemplate() {
  return [
    "//! kind: cross_sell",
    "//! priority: 50",
    "//! zh: 新规则：说明它何时推介什么",
    "//! en: New rule: say when it pitches what",
    "",
    "// if c.needs(\"retirement\") && !c.holds(\"ins\") {",
    "//     suggest(\"ins.policy\", \"有养老需求\", \"Stated a retirement need\")",
    "// }",
    "",
  ].join("\n");
}

function deleteRule() {
  if (!open?.endsWith(".rhai")) return;
  if (!confirm(`删除规则 ${open}？\nDelete rule ${open}?`)) return;
  const gone = open;
  save((s) => {
    delete s.draft.files[gone];
    s.draftEdited = true;
  });
  replaced();
  say("ok", `已删除 ${gone}`, `Deleted ${gone}`);
}
