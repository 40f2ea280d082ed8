// The rule studio's editor: CodeMirror 6 with rhai and JSON, line numbers and
// lint markers. esbuild bundles this file into www/dist/editor.js so the page
// loads one plain ES module and no third-party code is committed.
//
// The studio speaks in rhai's terms (1-based line, 1-based column counted in
// characters); CodeMirror wants document offsets in UTF-16 units. The
// conversion lives here, next to the only code that needs offsets.

import { EditorView, basicSetup } from "codemirror";
import { EditorState, Compartment } from "@codemirror/state";
import { keymap, hoverTooltip } from "@codemirror/view";
import { indentWithTab } from "@codemirror/commands";
import { StreamLanguage, HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { json } from "@codemirror/lang-json";
import { linter, lintGutter, forceLinting } from "@codemirror/lint";
import { startCompletion } from "@codemirror/autocomplete";
import { tags as t } from "@lezer/highlight";

const KEYWORDS = new Set([
  "let", "const", "if", "else", "for", "in", "while", "loop", "break", "continue", "return", "fn",
  "switch", "do", "until", "throw", "try", "catch", "private", "this",
]);
const ATOMS = new Set(["true", "false"]);
/**
 * rhai as a stream mode. State: a stack of open contexts, so a backtick
 * template can hold `${ … }` code that itself holds braces or strings, and a
 * template or block comment may run over several lines. `builtins`: the
 * helpers a rule calls by name, from the engine's helper table (the page
 * passes them); shown like built-ins so a typo stands out.
 */
const rhaiLanguage = (builtins) => StreamLanguage.define({
  name: "rhai",
  startState: () => ({ stack: [] }), // "tpl" | "interp" (depth counted by "brace") | "block"
  copyState: (s) => ({ stack: s.stack.slice() }),
  token(stream, state) {
    const top = state.stack.at(-1);
    if (top === "block") {
      while (!stream.eol()) {
        if (stream.match("*/")) {
          state.stack.pop();
          break;
        }
        stream.next();
      }
      return "comment";
    }
    if (top === "tpl") {
      if (stream.match("`")) {
        state.stack.pop();
        return "string";
      }
      if (stream.match("${")) {
        state.stack.push("interp");
        return "meta";
      }
      while (!stream.eol() && !stream.match("${", false) && stream.peek() !== "`") {
        if (stream.next() === "\\") stream.next();
      }
      return "string";
    }
    if (stream.eatSpace()) return null;
    // The header (`//! kind: …`) is data the engine reads, not a remark: style it apart.
    if (stream.sol() && stream.match("//!")) {
      stream.skipToEnd();
      return "ruleHeader";
    }
    if (stream.match("//")) {
      stream.skipToEnd();
      return "comment";
    }
    if (stream.match("/*")) {
      state.stack.push("block");
      return "comment";
    }
    const ch = stream.next();
    if (ch === '"' || ch === "'") {
      let escaped = false;
      let c;
      while ((c = stream.next()) != null) {
        if (c === ch && !escaped) break;
        escaped = !escaped && c === "\\";
      }
      return "string";
    }
    if (ch === "`") {
      state.stack.push("tpl");
      return "string";
    }
    if (ch === "{") {
      if (top === "interp" || top === "brace") state.stack.push("brace");
      return "brace";
    }
    if (ch === "}") {
      if (top === "interp") {
        state.stack.pop();
        return "meta";
      }
      if (top === "brace") state.stack.pop();
      return "brace";
    }
    if (/\d/.test(ch)) {
      stream.match(/^[\d_]*(\.[\d_]+)?([eE][+-]?\d+)?/) || stream.match(/^[xob][\da-fA-F_]+/);
      return "number";
    }
    if (ch === "#" && stream.eat("{")) {
      if (top === "interp" || top === "brace") state.stack.push("brace");
      return "brace";
    }
    if (/[A-Za-z_]/.test(ch)) {
      stream.eatWhile(/[\w]/);
      const word = stream.current();
      if (KEYWORDS.has(word)) return "keyword";
      if (ATOMS.has(word)) return "atom";
      if (builtins.has(word) && stream.match(/^\s*\(/, false)) return "builtin";
      if (stream.match(/^\s*\(/, false)) return "function";
      return "variable";
    }
    if (/[+\-*/%=<>!&|^?:.]/.test(ch)) {
      stream.eatWhile(/[+\-*/%=<>!&|^?:.]/);
      return "operator";
    }
    return "punctuation";
  },
  languageData: { commentTokens: { line: "//" }, closeBrackets: { brackets: ["(", "[", "{", '"', "`"] } },
  // Not "header": that legacy name is already mapped to a heading tag.
  tokenTable: { ruleHeader: t.docComment, brace: t.brace, function: t.function(t.variableName), builtin: t.standard(t.variableName) },
});

// One style for both languages; it replaces basicSetup's fallback style.
const style = HighlightStyle.define([
  { tag: t.keyword, color: "#8f1d26", fontWeight: "600" },
  { tag: [t.atom, t.bool, t.null], color: "#6b3fa0" },
  { tag: t.number, color: "#116644" },
  { tag: t.string, color: "#a3501b" },
  { tag: t.meta, color: "#0b5cad" },
  { tag: t.docComment, color: "#0b5cad", fontWeight: "600", backgroundColor: "#eef4fb" },
  { tag: t.comment, color: "#6a7385", fontStyle: "italic" },
  { tag: t.operator, color: "#7a4300" },
  { tag: t.standard(t.variableName), color: "#174a7e", fontWeight: "600" },
  { tag: t.function(t.variableName), color: "#174a7e" },
  { tag: t.propertyName, color: "#174a7e" },
  { tag: t.invalid, color: "#b3261e" },
]);


/** 1-based line and character column → UTF-16 offset in `doc`, clamped to the document. */
export function offsetOf(doc, line, column) {
  const l = doc.line(Math.min(Math.max(line || 1, 1), doc.lines));
  let off = 0;
  let chars = Math.max((column || 1) - 1, 0);
  // Walk code points: an emoji is one rhai column but two UTF-16 units.
  for (const cp of l.text) {
    if (chars-- <= 0) break;
    off += cp.length;
  }
  return l.from + Math.min(off, l.length);
}

/** The word (or single character) at `from`, so a marker underlines something visible. */
function rangeAt(doc, from) {
  const l = doc.lineAt(from);
  const rest = l.text.slice(from - l.from);
  const m = /^[\w$.]+/.exec(rest);
  if (m) return { from, to: from + m[0].length };
  if (rest.length) return { from, to: from + (rest.codePointAt(0) > 0xffff ? 2 : 1) };
  // At the end of a line (e.g. end of file): mark the last character before it instead.
  if (l.length) return { from: from - 1, to: from };
  return { from, to: from };
}

/**
 * The quick fix of a problem that says "did you mean": replaces `find` (a
 * whole word) nearest the marker on its line with `replace`. Found again when
 * applied, so an edit made since the check moves nothing else.
 */
function fixAction({ find, replace, name }) {
  return {
    name,
    apply(view, from) {
      const line = view.state.doc.lineAt(Math.min(from, view.state.doc.length));
      const re = new RegExp(`(?<![\\w$])${find.replace(/[^\w]/g, "\\$&")}(?![\\w$])`, "g");
      let best = null;
      for (const m of line.text.matchAll(re)) {
        const at = line.from + m.index;
        if (!best || Math.abs(at - from) < Math.abs(best - from)) best = at;
      }
      if (best == null) return;
      view.dispatch({ changes: { from: best, to: best + find.length, insert: replace }, selection: { anchor: best + replace.length } });
      view.focus();
    },
  };
}

/**
 * The page's completion source, in the page's terms: complete(before,
 * explicit) with the line up to the cursor answers {start, options} where
 * start is the offset in that line the typed word starts at; an option's
 * `apply` may be {insert, cursor} (cursor: offset within insert).
 */
function completionSource(complete) {
  return (context) => {
    const line = context.state.doc.lineAt(context.pos);
    const r = complete(line.text.slice(0, context.pos - line.from), context.explicit);
    if (!r || !r.options?.length) return null;
    const options = r.options.map((o) =>
      o.apply && typeof o.apply === "object"
        ? {
            ...o,
            apply: (view, _c, from, to) =>
              view.dispatch({ changes: { from, to, insert: o.apply.insert }, selection: { anchor: from + o.apply.cursor }, userEvent: "input.complete" }),
          }
        : o,
    );
    return { from: line.from + r.start, options, validFor: /^[\w.]*$/ };
  };
}

/** The page's hover docs: hover(lineText, offsetInLine) answers {start, end, dom}. */
function hoverSource(hover) {
  return hoverTooltip((view, pos, side) => {
    const line = view.state.doc.lineAt(pos);
    const r = hover(line.text, pos - line.from, side);
    if (!r) return null;
    return { pos: line.from + r.start, end: line.from + r.end, above: true, create: () => ({ dom: r.dom }) };
  });
}

/**
 * createEditor({parent, doc, language, onChange(text), lint(text), complete, hover, builtins})
 * where lint returns [{line, column, message, severity, fix?}] for the text
 * shown (fix: {find, replace, name}: a quick fix action on the marker), and
 * complete and hover are as completionSource and hoverSource say (rhai only);
 * builtins: the names of the helpers rules call bare, highlighted as such.
 * Returns {view, setDoc(text, language), getDoc(), goto(line, column),
 * relint(), insert(text), charBefore(), complete()}.
 */
export function createEditor({ parent, doc = "", language = "rhai", onChange, lint, complete, hover, builtins = [], delay = 150 }) {
  const lang = new Compartment();
  const rhai = rhaiLanguage(new Set(builtins));
  const languages = { rhai: () => rhai, json: () => json() };
  const completeData = complete ? [{ autocomplete: completionSource(complete) }] : null;
  const lintSource = (view) => {
    if (!lint) return [];
    const d = view.state.doc;
    return (lint(d.toString()) || []).map((p) => {
      const r = rangeAt(d, offsetOf(d, p.line, p.column));
      return { ...r, severity: p.severity || "error", message: p.message, source: p.source, actions: p.fix ? [fixAction(p.fix)] : undefined };
    });
  };
  const extensions = (language) => [
    basicSetup,
    keymap.of([indentWithTab]),
    lang.of(languages[language]?.() ?? []),
    syntaxHighlighting(style),
    lintGutter(),
    linter(lintSource, { delay }),
    // Completion and hover docs from the page (the helper table, the draft), for rules only.
    // One source object for the editor's life: CodeMirror tells a running query's results apart by it.
    language === "rhai" && completeData ? EditorState.languageData.of(() => completeData) : [],
    language === "rhai" && hover ? hoverSource(hover) : [],
    EditorView.updateListener.of((u) => {
      if (u.docChanged && onChange) onChange(u.state.doc.toString());
    }),
    EditorView.theme({
      "&": { height: "100%", fontSize: "14px", backgroundColor: "#fff" },
      ".cm-scroller": { fontFamily: '"DejaVu Sans Mono", "Noto Sans Mono CJK SC", ui-monospace, monospace', overflow: "auto" },
      ".cm-gutters": { backgroundColor: "#f7f8fa" },
      ".cm-completionDetail": { fontStyle: "normal", color: "#5b6475", marginLeft: "1em" },
      ".cm-tooltip-autocomplete ul li[aria-selected] .cm-completionDetail": { color: "#fff" },
      ".cm-tooltip.cm-tooltip-hover, .cm-completionInfo": { maxWidth: "32em", padding: ".4rem .6rem", fontFamily: "system-ui, \"Noto Sans CJK SC\", sans-serif" },
    }),
  ];
  const view = new EditorView({ parent, state: EditorState.create({ doc, extensions: extensions(language) }) });
  return {
    view,
    /** A new document (another file): fresh undo history, its own language. */
    setDoc(text, language) {
      view.setState(EditorState.create({ doc: text, extensions: extensions(language) }));
    },
    getDoc: () => view.state.doc.toString(),
    /** Puts the cursor at a 1-based line and column and scrolls it into view. */
    goto(line, column) {
      const at = offsetOf(view.state.doc, line, column);
      view.dispatch({ selection: { anchor: at }, effects: EditorView.scrollIntoView(at, { y: "center" }) });
      view.focus();
    },
    /** Runs the lint source now (after a change made outside the editor). */
    relint: () => forceLinting(view),
    /** Puts `text` in place of the selection (the helper reference's click) and focuses the editor. */
    insert(text) {
      const { from, to } = view.state.selection.main;
      view.dispatch({ changes: { from, to, insert: text }, selection: { anchor: from + text.length }, userEvent: "input", scrollIntoView: true });
      view.focus();
    },
    /** The character before the cursor ("" at the start of the file). */
    charBefore() {
      const at = view.state.selection.main.from;
      return view.state.doc.sliceString(Math.max(at - 1, 0), at);
    },
    /** Opens the completion list at the cursor (as Ctrl-Space does). */
    complete: () => startCompletion(view),
  };
}

// ---------------------------------------------------------------------------
// Comparing two versions of a pack file (the studio's 版本比较): @codemirror/merge,
// side by side, read-only, unchanged stretches folded away.

import { MergeView, Chunk } from "@codemirror/merge";
import { Text } from "@codemirror/state";

/**
 * How many lines a change from `a` to `b` removes and adds (0/0 when they are
 * the same), counted over the merge view's own line chunks: a line edited in
 * place is one removed and one added.
 */
export function diffStats(a = "", b = "") {
  const A = Text.of(a.split("\n"));
  const B = Text.of(b.split("\n"));
  let removed = 0;
  let added = 0;
  for (const c of Chunk.build(A, B)) {
    if (c.toA > c.fromA) removed += A.lineAt(c.endA).number - A.lineAt(c.fromA).number + 1;
    if (c.toB > c.fromB) added += B.lineAt(c.endB).number - B.lineAt(c.fromB).number + 1;
  }
  return { removed, added };
}

/** Two texts side by side, the differences marked; returns {destroy()}. */
export function createMergeView({ parent, a = "", b = "", language = "rhai", builtins = [] }) {
  const lang = language === "json" ? json() : rhaiLanguage(new Set(builtins));
  const ext = [EditorView.editable.of(false), EditorState.readOnly.of(true), lang, syntaxHighlighting(style), EditorView.lineWrapping];
  const view = new MergeView({ parent, a: { doc: a, extensions: ext }, b: { doc: b, extensions: ext }, collapseUnchanged: { margin: 3, minSize: 6 }, gutter: true });
  return { destroy: () => view.destroy() };
}
