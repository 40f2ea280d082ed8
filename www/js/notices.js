// Notices to staff that outlive one screen's redraw: a rule stopped by the
// watchdog, the engine restarted, stored records set aside, a save that
// failed. Chinese first, English beside it; text only (dom.js h()).
// One notice per id: telling again replaces it.

import { h, bi } from "./dom.js";

let box = null;
const shown = new Map(); // id -> element

function container() {
  if (box?.isConnected) return box;
  box = h("div", { class: "notices", id: "notices", "data-testid": "notices" });
  const main = document.querySelector("main");
  if (main) main.prepend(box);
  else document.body.prepend(box);
  return box;
}

/**
 * Shows a notice. kind: "error" | "warn" | "ok". detail: more text (English
 * or data, e.g. a storage key). actions: [{zh, en, run}] buttons.
 */
export function notify({ id, kind = "warn", zh, en, detail, actions = [] }) {
  const el = h(
    "div",
    { class: `notice ${kind}`, role: kind === "ok" ? "status" : "alert", "data-testid": `notice-${id}`, "data-notice": id },
    h("p", {}, bi(zh, en)),
    detail ? h("p", { class: "muted notice-detail" }, detail) : null,
    h(
      "div",
      { class: "row" },
      actions.map((a) => h("button", { class: "small", onclick: a.run }, bi(a.zh, a.en))),
      h("button", { class: "small", "data-testid": "notice-dismiss", onclick: () => dismiss(id) }, bi("知道了", "Dismiss")),
    ),
  );
  const show = () => {
    const old = shown.get(id);
    if (old?.isConnected) old.replaceWith(el);
    else container().append(el);
    shown.set(id, el);
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", show, { once: true });
  else show();
}

export function dismiss(id) {
  shown.get(id)?.remove();
  shown.delete(id);
}
