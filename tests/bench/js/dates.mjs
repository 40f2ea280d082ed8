// Branch day numbers, as nextbest counts "within N days" (src/signals.rs):
// days since 1970-01-01 in branch time, UTC+8. A date or a date-time without
// an offset is branch time; `Z` and `±HH:MM` are honoured. Runs in Node and
// in the browser.

const BRANCH_OFFSET_S = 8 * 3600;
const STAMP = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/** Unix seconds of a date or date-time text; NaN when it is neither. */
export function unixSeconds(text) {
  const m = typeof text === "string" ? STAMP.exec(text) : null;
  if (!m) return NaN;
  const [, y, mo, d, h = "0", mi = "0", s = "0", zone] = m;
  let offset = BRANCH_OFFSET_S;
  if (zone === "Z") offset = 0;
  else if (zone) offset = (zone[0] === "-" ? -1 : 1) * (Number(zone.slice(1, 3)) * 3600 + Number(zone.slice(4, 6)) * 60);
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) / 1000 - offset;
}

/** The branch day of a Unix time in seconds. */
export function branchDayOfUnix(unix) {
  return Math.floor((unix + BRANCH_OFFSET_S) / 86_400);
}

/** The branch day of a date or date-time text; NaN when it is neither. */
export function branchDay(text) {
  return branchDayOfUnix(unixSeconds(text));
}
