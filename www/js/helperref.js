// 函数参考 The helper reference beside the studio's editor: the helper table
// as the engine declares it (wasm helpers(), src/eval/helpers.rs), grouped by
// kind in the guide's order, searchable by name, signature or either
// language's description. A click puts the helper into the rule at the cursor.
// Built at run time from the table: a helper added in Rust shows up here with
// no change to the page. Text nodes only (dom.js h()).

import { h, bi, clear } from "./dom.js";
import { KINDS } from "./authoring.js";

/**
 * helperReference({helpers, onPick(helper)}) → the panel's element.
 * onPick is given the table entry; what it inserts is the studio's choice.
 */
export function helperReference({ helpers, onPick }) {
  const list = h("div", { class: "helper-ref-list", "data-testid": "helper-ref-list" });
  const count = h("span", { class: "muted", "data-testid": "helper-ref-count" });
  const search = h("input", {
    type: "search",
    placeholder: "搜索函数 Search helpers",
    "aria-label": "搜索函数 Search helpers",
    "data-testid": "helper-ref-search",
    oninput: () => draw(),
  });
  const known = new Set(KINDS.map(([k]) => k));
  // A kind the page does not know yet still lists, under its own name.
  const kinds = [...KINDS, ...[...new Set(helpers.map((x) => x.kind))].filter((k) => !known.has(k)).map((k) => [k, k, k])];

  function draw() {
    const q = search.value.trim().toLowerCase();
    const hit = (x) => !q || [x.name, x.signature, x.zh, x.en, x.returns].some((s) => String(s).toLowerCase().includes(q));
    let shown = 0;
    clear(list).append(
      ...kinds.map(([kind, zh, en]) => {
        const entries = helpers.filter((x) => x.kind === kind && hit(x));
        shown += entries.length;
        if (!entries.length) return "";
        return h(
          "section",
          { class: "helper-ref-group", "data-kind": kind },
          h("h3", {}, bi(zh, en), h("span", { class: "muted" }, ` ${entries.length}`)),
          h(
            "ul",
            {},
            entries.map((x) =>
              h(
                "li",
                {},
                h(
                  "button",
                  {
                    class: "helper-entry",
                    "data-testid": "helper-entry",
                    "data-name": x.name,
                    "data-kind": x.kind,
                    title: `插入 ${x.name} · Insert at the cursor`,
                    onclick: () => onPick(x),
                  },
                  h("span", { class: "helper-head" }, h("code", { class: "helper-sig" }, x.signature), h("span", { class: "helper-returns" }, " → ", h("code", {}, x.returns))),
                  h("span", { class: "helper-zh" }, x.zh),
                  h("span", { class: "helper-en en" }, x.en),
                ),
              ),
            ),
          ),
        );
      }),
    );
    if (!shown) list.append(bi("没有匹配的函数", "No helper matches", "p", { class: "muted" }));
    count.textContent = q ? `${shown} / ${helpers.length}` : `${helpers.length}`;
  }
  draw();
  return h(
    "div",
    { class: "helper-ref", "data-testid": "helper-ref" },
    h("div", { class: "row" }, search, count),
    bi("点击插入到光标处；规则里 c 是客户，b 是网点现场，p 是 pack.json 参数", "Click to insert at the cursor; in a rule c is the customer, b the branch context, p pack.json's params", "p", { class: "muted small" }),
    list,
  );
}
