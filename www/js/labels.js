// Names staff read, Chinese first, and the one place the page finds them.
//
// Everything the pack names comes from the live pack, never from lists in
// page code: pack.json `labels` (purpose, channel, need, app, segment,
// outcome), `destinations`, `grading` (grades, tests), and the catalogue
// (products.json) for product names. A pack that lacks a name gets the id
// back, marked as unlabelled (a visible ⚠ and a console warning for the pack
// author), never silently passed off as a name.
//
// engine.js tells this module where the live pack is (useLivePack); this
// module imports nothing that loads the engine, so embed.js can use it from
// the page's first moment.

import { h } from "./dom.js";

let manifestOf = () => ({});
let productsOf = () => [];

/** engine.js: how to read the live pack's manifest and catalogue. */
export function useLivePack({ manifest, products }) {
  manifestOf = manifest;
  productsOf = products;
}

const warned = new Set();
function warnOnce(list, id) {
  const key = `${list}\u0000${id}`;
  if (warned.has(key)) return;
  warned.add(key);
  console.warn(`nextbest: the live pack has no label for ${list} ${JSON.stringify(id)} (pack.json labels.${list}); shown as unlabelled`);
}

const own = (obj, key) => (obj && typeof obj === "object" && Object.hasOwn(obj, key) ? obj[key] : undefined);
const usable = (l) => l && typeof l.zh === "string" && l.zh !== "";

/** The entry for `id` in `list`, from the live pack; undefined when the pack has none. */
function lookup(list, id) {
  const m = manifestOf() ?? {};
  switch (list) {
    case "destination":
      return own(m.destinations, id);
    case "grade":
      return own(m.grading?.grades, id);
    case "test":
      return own(m.grading?.tests, id);
    case "product": {
      const p = (productsOf() ?? []).find((x) => x.id === id);
      return p && { zh: p.zh, en: p.en };
    }
    case "unmet":
      // An unmet need is a need id or, when suitability held a product back with nothing to offer instead, a product id.
      return lookup("need", id) ?? lookup("product", id) ?? lookup("app", id);
    default:
      return own(own(m.labels, list), id);
  }
}

/**
 * The name of `id` in `list` ("purpose", "channel", "need", "app", "segment",
 * "outcome", "destination", "grade", "test", "product", "unmet"):
 * {zh, en, missing}. Missing: zh is the id itself, to be shown as unlabelled.
 */
export function named(list, id) {
  const l = lookup(list, id);
  if (usable(l)) return { zh: l.zh, en: typeof l.en === "string" ? l.en : "", missing: false };
  if (loaded()) warnOnce(list, id);
  return { zh: String(id ?? ""), en: "", missing: true };
}

/** Chinese name as plain text (for <option>, joined lists, exports); an unlabelled id is marked. */
export function zh(list, id) {
  const n = named(list, id);
  return n.missing ? `⚠${n.zh}（未命名）` : n.zh;
}

/** English name as plain text; an unlabelled id is marked. */
export function en(list, id) {
  const n = named(list, id);
  return n.missing ? `${n.zh} (unlabelled)` : n.en;
}

/** "zh en" on one line, for <option> text. */
export function both(list, id) {
  const n = named(list, id);
  return n.missing ? `⚠${n.zh}（未命名 unlabelled）` : `${n.zh} ${n.en}`.trim();
}

/**
 * The name as an element: Chinese, English beside it in a quieter span; an
 * unlabelled id shows ⚠, the id and "未命名 unlabelled", with class
 * `unlabelled` and data-unlabelled for tests.
 */
export function nameEl(list, id, { tag = "span", english = true, attrs = {} } = {}) {
  const n = named(list, id);
  if (n.missing) {
    return h(
      tag,
      { ...attrs, class: `${attrs.class ?? ""} unlabelled`.trim(), "data-unlabelled": `${list}:${n.zh}`, title: `规则包缺少名称 · The pack has no label for this ${list}` },
      "⚠ ",
      n.zh,
      h("span", { class: "en" }, "未命名 unlabelled"),
    );
  }
  return h(tag, attrs, n.zh, english && n.en ? h("span", { class: "en" }, n.en) : null);
}

function loaded() {
  const m = manifestOf() ?? {};
  return typeof m.name === "string" && m.name !== "";
}

/**
 * The ids a list offers: visit purposes are the pack's vocabulary, in its
 * order (what the engine accepts); channels its policy's pitch limits
 * (likewise), fewest pitches first; else the ids the pack labels.
 */
export function ids(list) {
  const m = manifestOf() ?? {};
  if (list === "purpose" && Array.isArray(m.vocabulary?.purpose)) return [...m.vocabulary.purpose];
  if (list === "channel" && m.policy?.max_pitches && typeof m.policy.max_pitches === "object") {
    // The manifest's maps come sorted by id; counters (fewest pitches) first reads better than cm first.
    const limits = m.policy.max_pitches;
    return Object.keys(limits).sort((a, b) => (limits[a] ?? 0) - (limits[b] ?? 0));
  }
  if (list === "destination") return Object.keys(m.destinations ?? {});
  if (list === "grade") return Object.keys(m.grading?.grades ?? {});
  return Object.keys(own(m.labels, list) ?? {});
}

/**
 * A visit purpose as the engine would take it (trimmed, case-folded, as the
 * contract folds it), or null when the live pack does not know it.
 */
export function knownPurpose(purpose) {
  if (typeof purpose !== "string" || purpose.trim() === "") return null;
  const folded = purpose.normalize("NFKC").trim().toLowerCase();
  const vocabulary = (manifestOf() ?? {}).vocabulary?.purpose;
  if (!Array.isArray(vocabulary)) return folded; // a pack without the list: the engine takes any purpose
  if (vocabulary.includes(purpose)) return purpose;
  return vocabulary.includes(folded) ? folded : null;
}

/** Purposes for which the pack says nothing is pitched (a complaint): staff are told so plainly. */
export function isNoPitchPurpose(purpose) {
  const list = manifestOf()?.policy?.no_pitch_purposes;
  return purpose === "complaint" || (Array.isArray(list) && list.includes(purpose));
}

// ---------------------------------------------------------------------------
// The engine's own words, not the pack's: why policy held a suggestion back
// (explain.rs HoldReason). These are fixed by the engine, so they live here.

export const HOLD = {
  complaint: ["投诉中", "Complaint"],
  consent: ["未同意营销", "No marketing consent"],
  suitability: ["风险不匹配", "Unsuitable risk"],
  record_consent: ["未同意转介", "No consent to hand on"],
  wording: ["话术不合规", "Wording not allowed"],
  pacing: ["近期已答复", "Answered recently"],
  pitch_limit: ["本次已推介", "Pitched this visit"],
};

/** A fixed page-side table (HOLD, the studio's rule kinds): [zh, en], or [id, ""] when absent. */
export function label(map, id) {
  return Object.hasOwn(map, id) ? map[id] : [id, ""];
}
