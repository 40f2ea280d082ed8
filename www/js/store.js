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
  fn(state);
  try {
    localStorage.setItem(KEY, JSON.stringify(state));
  } catch (e) {
    console.error("nextbest: could not save", e);
  }
  if (!quiet) for (const l of listeners) l(state);
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
