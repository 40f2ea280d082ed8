// Authoring help in the rule editor, all from the helper table the engine
// declares once (src/eval/helpers.rs, wasm helpers()): what to complete at the
// cursor, the docs shown on hover, and the quick fix for a misspelt helper.
// Nothing here lists a helper: names, signatures and texts come from the table,
// parameters and products from the draft being edited, so a helper added in
// Rust or a parameter added to the draft's pack.json is offered at once.
//
// The editor bundle (www/editor/entry.js) asks with one line of text and an
// offset in it (UTF-16, as JS strings count); answers say where in that line
// the replaced word starts. Docs are DOM built with h(): text nodes only.

import { h } from "./dom.js";

/** Kinds in the guide's order (helpers.rs markdown()), with their titles. */
export const KINDS = [
  ["property", "客户属性", "Customer properties"],
  ["method", "客户方法", "Customer methods"],
  ["branch_property", "网点现场情况", "Branch context properties"],
  ["branch_method", "网点现场情况的方法", "Branch context methods"],
  ["function", "结果与换算", "Results and conversions"],
  ["suggestion", "推介与分流的修饰", "On a suggestion or route"],
  ["std", "标准库中允许使用的", "From rhai's standard library"],
];

/** Which receiver a member belongs to: `c.` the customer, `b.` the branch context. */
const MEMBERS = { c: ["property", "method"], b: ["branch_property", "branch_method"] };

/** A helper called bare (`suggest(…)`, `parse_int(s)`), not on a value. */
const isFree = (hp) => hp.signature.startsWith(`${hp.name}(`);
/** A helper called on a value (`c.txn_sum(…)`, `s.trim()`, `suggest(…).pitch(…)`). */
const isMethodForm = (hp) => hp.signature.includes(`.${hp.name}`);
const hasArgs = (hp) => /\(\s*[^)\s]/.test(hp.signature.slice(hp.signature.lastIndexOf("(")));
const takesCall = (hp) => hp.signature.includes("(");

/** The parameter names of a helper's own call (the last `(…)` of its signature). */
export function paramsOf(hp) {
  const m = /\(([^()]*)\)\s*$/.exec(hp.signature);
  return m ? m[1].split(",").map((s) => s.trim()).filter(Boolean) : [];
}

// ---------------------------------------------------------------------------
// The draft's own vocabularies

function json(files, name) {
  try {
    return JSON.parse(files?.[name] ?? "");
  } catch {
    return null; // a half-typed pack.json offers nothing rather than failing the editor
  }
}

/** The draft's params: [{name, value, basis}] from its pack.json, as it stands now. */
export function draftParams(files) {
  const pack = json(files, "pack.json");
  const params = pack?.params && typeof pack.params === "object" ? pack.params : {};
  return Object.entries(params).map(([name, value]) => ({ name, value, basis: typeof pack.basis?.[name] === "string" ? pack.basis[name] : "" }));
}

/** The draft's products: [{id, zh, en}] from its products.json. */
export function draftProducts(files) {
  const list = json(files, "products.json");
  return Array.isArray(list) ? list.filter((p) => p && typeof p.id === "string").map((p) => ({ id: p.id, zh: String(p.zh ?? ""), en: String(p.en ?? ""), family: p.family })) : [];
}

const named = (obj) => Object.entries(obj && typeof obj === "object" ? obj : {}).map(([id, v]) => ({ id, zh: String(v?.zh ?? ""), en: String(v?.en ?? "") }));

/**
 * The ids a string argument takes, by the parameter's name in the table's
 * signature (`suggest(product, …)` → products): [{id, zh, en}], or null when
 * the argument is free text (a reason, a pitch).
 */
function idsFor(hp, param, files) {
  const pack = json(files, "pack.json") ?? {};
  const vocab = (key) => {
    const names = pack.labels?.[key] ?? {};
    const list = Array.isArray(pack.vocabulary?.[key]) ? pack.vocabulary[key] : [];
    return list.map((id) => ({ id: String(id), zh: String(names[id]?.zh ?? ""), en: String(names[id]?.en ?? "") }));
  };
  if (param === "product" || (param === "id" && hp.name.startsWith("product_"))) return draftProducts(files);
  if (param === "product_or_family") {
    const products = draftProducts(files);
    const families = [...new Set(products.map((p) => p.family).filter((f) => typeof f === "string"))];
    return [...families.map((f) => ({ id: f, zh: "产品系列", en: "product family" })), ...products];
  }
  if (param === "destination") return named(pack.destinations);
  if (param === "test") return named(pack.grading?.tests);
  if (param === "letter") return named(pack.grading?.grades);
  if (param === "list") return hp.kind === "function" ? Object.keys(pack.labels ?? {}).map((id) => ({ id, zh: "", en: "" })) : null;
  if (param === "currency") return Object.keys(pack.fx_rates ?? {}).map((id) => ({ id, zh: "", en: "" }));
  if (param === "kind" && hp.name.startsWith("txn_")) return vocab("txn");
  if (param === "type") return vocab("account");
  if (param === "purpose") return vocab("purpose");
  if (param === "x" && hp.name === "needs") return vocab("need");
  if (param === "x" && hp.name === "applies") return vocab("app");
  return null;
}

// ---------------------------------------------------------------------------
// Reading the line before the cursor

/** Where `//` starts a comment in `line` (outside strings), or -1. */
function commentAt(line) {
  let quote = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = "";
    } else if (c === '"' || c === "`") quote = c;
    else if (c === "/" && line[i + 1] === "/") return i;
  }
  return -1;
}

/** The open string the cursor is in: the offset after its quote, or -1. */
function openString(before) {
  let start = -1;
  for (let i = 0; i < before.length; i++) {
    const c = before[i];
    if (start >= 0) {
      if (c === "\\") i++;
      else if (c === '"') start = -1;
    } else if (c === '"') start = i + 1;
  }
  return start;
}

/**
 * The call whose argument starts at `at` in `text`: {name, receiver, index}
 * (receiver: "c", "b", ")" for a chained call, "" for a bare function), or
 * null. Skips earlier arguments' strings and brackets.
 */
function callAround(text, at) {
  let depth = 0;
  let index = 0;
  for (let i = at - 1; i >= 0; i--) {
    const c = text[i];
    if (c === '"') {
      // Back over a whole earlier string argument.
      for (i--; i >= 0 && !(text[i] === '"' && text[i - 1] !== "\\"); i--);
      continue;
    }
    if (c === ")" || c === "]" || c === "}") depth++;
    else if (c === "[" || c === "{") {
      if (!depth) return null; // inside an array or a block: not the call's own argument
      depth--;
    } else if (c === "(") {
      if (depth) {
        depth--;
        continue;
      }
      const m = /(?:(\w+|\))\s*\.\s*)?(\w+)\s*$/.exec(text.slice(0, i));
      return m ? { name: m[2], receiver: m[1] ?? "", index } : null;
    } else if (c === "," && !depth) index++;
  }
  return null;
}

/** The table's entry for a call or member with this receiver. */
function lookup(helpers, name, receiver) {
  const kinds = MEMBERS[receiver] ?? (receiver === ")" ? ["suggestion", "std"] : receiver ? ["std"] : ["function", "std"]);
  return helpers.find((hp) => hp.name === name && kinds.includes(hp.kind) && (receiver ? isMethodForm(hp) : isFree(hp)));
}

// ---------------------------------------------------------------------------
// Completion

/** One completion: label, "→ returns · zh" beside it, full docs beside the list. */
function helperOption(hp, { call = true } = {}) {
  return {
    label: hp.name,
    type: hp.kind.includes("property") ? "property" : hp.kind === "std" ? "function" : hp.kind.includes("method") || hp.kind === "suggestion" ? "method" : "function",
    detail: `→ ${hp.returns} · ${hp.zh}`,
    info: () => helperDoc(hp),
    // A call is inserted with its brackets, the cursor inside when it takes arguments.
    apply: call && takesCall(hp) ? { insert: `${hp.name}()`, cursor: hasArgs(hp) ? hp.name.length + 1 : hp.name.length + 2 } : hp.name,
    boost: hp.kind === "std" ? -1 : 0,
  };
}

/**
 * What to offer at the end of `before` (the line up to the cursor):
 * {start, options: [{label, detail, info(), apply, type}]} or null.
 * `ctx`: {helpers, files} (the table and the draft's files).
 */
export function completionsAt(before, explicit, { helpers, files }) {
  if (commentAt(before) >= 0 || /^\s*\/\/!/.test(before)) return null;
  const str = openString(before);
  if (str >= 0) {
    // Inside a string argument: the ids that argument takes, with their names.
    const call = callAround(before, str - 1);
    const hp = call && lookup(helpers, call.name, call.receiver);
    const ids = hp && idsFor(hp, paramsOf(hp)[call.index], files);
    if (!ids?.length) return null;
    return {
      start: str,
      options: ids.map((x) => ({ label: x.id, type: "constant", detail: [x.zh, x.en].filter(Boolean).join(" · ") })),
    };
  }
  const member = /(^|[^\w.])([cbp])\.(\w*)$/.exec(before);
  if (member) {
    const start = before.length - member[3].length;
    if (member[2] === "p") {
      return {
        start,
        options: draftParams(files).map((p) => ({
          label: p.name,
          type: "variable",
          detail: `= ${shortValue(p.value)}`,
          info: () => paramDoc(p),
        })),
      };
    }
    return { start, options: helpers.filter((hp) => MEMBERS[member[2]].includes(hp.kind)).map((hp) => helperOption(hp)) };
  }
  const chained = /(\)|[A-Za-z_]\w*)\s*\.(\w*)$/.exec(before); // not `3.`: a number being typed
  if (chained) {
    // suggest(…).pitch, route(…).then; on any other value, the standard library's methods.
    const kinds = chained[1] === ")" ? ["suggestion", "std"] : ["std"];
    const list = helpers.filter((hp) => kinds.includes(hp.kind) && (hp.kind === "suggestion" || isMethodForm(hp)));
    return { start: before.length - chained[2].length, options: list.map((hp) => helperOption(hp)) };
  }
  const word = /(^|[^\w.])(\w*)$/.exec(before);
  if (!word || (!word[2] && !explicit) || /^\d/.test(word[2])) return null;
  // A name being declared (`let total`, `fn score`, `for x`) is the author's own: nothing to offer.
  if (/(?:^|[^\w.])(?:let|const|fn|for)\s+\w*$/.test(before)) return null;
  // At a statement or in an expression: the result builders and free functions.
  const list = helpers.filter((hp) => (hp.kind === "function" || hp.kind === "std") && isFree(hp));
  return { start: before.length - word[2].length, options: list.map((hp) => helperOption(hp)) };
}

function shortValue(v) {
  const s = JSON.stringify(v) ?? "";
  return s.length > 40 ? `${s.slice(0, 39)}…` : s;
}

// ---------------------------------------------------------------------------
// Docs (hover and the completion's side panel)

/** A helper's docs: signature, returns, zh, en. */
export function helperDoc(hp) {
  return h(
    "div",
    { class: "helper-doc", "data-testid": "helper-doc" },
    h("code", { class: "helper-sig" }, hp.signature),
    h("div", { class: "helper-returns" }, "返回 ", h("span", { class: "en" }, "returns "), h("code", {}, hp.returns)),
    h("div", { class: "helper-zh" }, hp.zh),
    h("div", { class: "helper-en en" }, hp.en),
  );
}

/** A parameter's docs: its value in the draft and the basis pack.json gives for it. */
export function paramDoc(p) {
  const value = JSON.stringify(p.value, null, 1) ?? "";
  return h(
    "div",
    { class: "helper-doc", "data-testid": "helper-doc" },
    h("code", { class: "helper-sig" }, `p.${p.name}`),
    h("div", { class: "helper-returns" }, "取值 ", h("span", { class: "en" }, "value "), h("code", {}, value.length > 300 ? `${value.slice(0, 299)}…` : value)),
    p.basis
      ? h("div", { class: "helper-zh" }, "依据 ", h("span", { class: "en" }, "basis: "), p.basis)
      : h("div", { class: "helper-en muted" }, "pack.json basis 未说明此参数 · no basis given in pack.json"),
  );
}

/**
 * The docs for the name at `at` in `line`: {start, end, dom} or null. A
 * helper shows the table's entry; `p.name` its value and basis; an id in a
 * string argument (`suggest("dep.deposit"`) its names in the draft.
 */
export function hoverAt(line, at, { helpers, files }) {
  const comment = commentAt(line);
  if (comment >= 0 && at >= comment) return null;
  let start = at;
  let end = at;
  while (start > 0 && /\w/.test(line[start - 1])) start--;
  while (end < line.length && /\w/.test(line[end])) end++;
  const str = openString(line.slice(0, at));
  if (str >= 0) return idHover(line, str, { helpers, files });
  if (start === end) return null;
  const name = line.slice(start, end);
  const dot = /(\w+|\))\s*\.\s*$/.exec(line.slice(0, start));
  const receiver = dot ? dot[1] : "";
  if (receiver === "p") {
    const p = draftParams(files).find((x) => x.name === name);
    return p ? { start: dot.index, end, dom: paramDoc(p) } : null;
  }
  // A bare name is a helper only when called: `note` may be a variable too.
  if (!receiver && !/^\s*\(/.test(line.slice(end))) return null;
  const hp = lookup(helpers, name, receiver);
  return hp ? { start: dot && MEMBERS[receiver] ? dot.index : start, end, dom: helperDoc(hp) } : null;
}

/** Inside a string argument that takes ids (a product, a destination…): that id's names from the draft. */
function idHover(line, str, { helpers, files }) {
  const close = line.indexOf('"', str);
  const id = line.slice(str, close < 0 ? line.length : close);
  const call = callAround(line, str - 1);
  const hp = call && lookup(helpers, call.name, call.receiver);
  const x = hp && idsFor(hp, paramsOf(hp)[call.index], files)?.find((y) => y.id === id);
  if (!x) return null;
  return {
    start: str,
    end: str + id.length,
    dom: h(
      "div",
      { class: "helper-doc", "data-testid": "id-doc" },
      h("code", { class: "helper-sig" }, x.id),
      x.zh ? h("div", { class: "helper-zh" }, x.zh) : null,
      x.en ? h("div", { class: "helper-en en" }, x.en) : null,
      h("div", { class: "muted" }, `${hp.signature} · ${paramsOf(hp)[call.index]}`),
    ),
  };
}

// ---------------------------------------------------------------------------
// Did you mean

/**
 * The quick fix a problem's message carries: {find, replace}, or null. The
 * engine words it (src/lint.rs, src/eval/mod.rs), from the same table and
 * the pack: "unknown … c.txn_summ: did you mean c.txn_sum?", "unknown
 * function yaun(): did you mean yuan()?", "unknown parameter p.x: … did you
 * mean p.y?", "unknown product \"a\": … did you mean \"b\"?", a trigger's
 * or a product's need likewise.
 */
export function fixOf(message) {
  const m = String(message ?? "");
  const forms = [
    [/unknown (?:customer property or method c|branch context property or method b|parameter p)\.(\w+)/, /did you mean [cbp]\.(\w+)\?/],
    [/unknown function \.?(\w+)\(\)/, /did you mean (\w+)\(\)\?/],
    [/unknown (?:product|destination) "([^"\\]+)"/, /did you mean "([^"\\]+)"\?/],
    [/trigger "[^"]*": "([^"\\]+)" is not in/, /did you mean "([^"\\]+)"\?/],
    [/serves "([^"\\]+)": not a need/, /did you mean "([^"\\]+)"\?/],
  ];
  for (const [wrong, near] of forms) {
    const w = wrong.exec(m);
    const n = near.exec(m);
    if (w && n && w[1] !== n[1]) return { find: w[1], replace: n[1] };
  }
  return null;
}
