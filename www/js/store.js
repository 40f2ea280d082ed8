// Everything typed or recorded is kept in localStorage at once, so a reload
// loses nothing: outcomes, hand-offs, leads, unmet needs, the hall queue,
// pasted customers, studio drafts and the last pack that compiled.

const KEY = "nextbest.v1";

const empty = () => ({
  outcomes: {}, // customer id -> [{product, at, outcome, by}]
  handoffs: [], // {id, at, from, customer, name, need, destination, products, consent, status}
  leads: [], // {id, at, customer, name, contact, need, products, by}
  unmet: [], // {at, customer, need, by}
  confirmed: {}, // customer id -> {destination, at}
  queue: null, // customer ids in the hall; null = not seeded yet
  customers: {}, // customers pasted or loaded from a file, by id
  draft: null, // studio draft pack {files}
  live: null, // last draft that compiled cleanly {files}, used by teller and lobby
  studio: {}, // studio UI state (selected file, sample)
  teller: {}, // teller UI state (customer id, purpose, channel)
});

let state = load();
const listeners = new Set();

function load() {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? { ...empty(), ...JSON.parse(raw) } : empty();
  } catch {
    return empty();
  }
}

export function get() {
  return state;
}

/**
 * Changes the state with `fn(state)`, saves it, and tells listeners, unless
 * `quiet` (keystrokes in a text box are saved without redrawing the screen).
 */
export function update(fn, { quiet = false } = {}) {
  // Another tab (teller and lobby side by side) may have written since we
  // last read: apply this change to what is stored now, not to our copy.
  state = load();
  fn(state);
  try {
    localStorage.setItem(KEY, JSON.stringify(state));
    saveFailed(null);
  } catch (e) {
    console.error("nextbest: could not save", e);
    saveFailed(e);
  }
  if (!quiet) for (const l of listeners) l(state);
}

/** A save that fails (storage full) must not look like it worked. */
function saveFailed(e) {
  let bar = document.getElementById("save-failed");
  if (!e) return bar?.remove();
  if (!bar) {
    bar = document.createElement("p");
    bar.id = "save-failed";
    bar.className = "save-failed";
    bar.setAttribute("role", "alert");
    document.body.prepend(bar);
  }
  bar.textContent = `未能保存，刷新会丢失最近的记录 · Could not save; a reload would lose the latest records (${e.name})`;
}

/** The value at `key` only if the object itself has it (not Object.prototype's). */
export function own(obj, key) {
  return obj && Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** Customer ids become object keys: refuse the few that would reach Object.prototype. */
export function safeId(id) {
  return typeof id === "string" && id !== "" && !(id in Object.prototype);
}

export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Another tab changed the store: take its state. */
window.addEventListener("storage", (e) => {
  if (e.key !== KEY) return;
  state = load();
  for (const l of listeners) l(state);
});

export function uid() {
  return Date.now().toString(36) + Math.random().toString(36).slice(2, 7);
}
