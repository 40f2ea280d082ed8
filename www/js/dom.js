// Building DOM from data. Every string from rules or customers goes in as a
// text node, never as HTML: h() has no way to set innerHTML.

/** h("div", {class: "x", onclick: f}, "text", child, [more]) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "value" || k === "checked" || k === "disabled" || k === "selected") el[k] = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.append(c);
    else el.append(document.createTextNode(String(c)));
  }
}

/** Chinese first, English beside it in a quieter span. */
export function bi(zh, en, tag = "span", attrs = {}) {
  return h(tag, attrs, zh, en ? h("span", { class: "en" }, en) : null);
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

/** Saves text as a file, locally: a Blob URL, no request leaves the page. */
export function download(name, text, type = "application/json") {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
