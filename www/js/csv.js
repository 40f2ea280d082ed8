// CSV for spreadsheets staff open: every cell quoted, a cell a spreadsheet
// would read as a formula (= + - @, tab, CR) defused with a leading
// apostrophe, and a BOM so Excel reads the Chinese as UTF-8.

/** A cell's text with a leading formula character neutralised. */
export function defuse(v) {
  const t = String(v ?? "");
  return /^[=+\-@\t\r]/.test(t) ? `'${t}` : t;
}

/** rows: objects; columns: [[key, header]…]. */
export function toCsv(rows, columns) {
  const cell = (v) => `"${defuse(v).replaceAll('"', '""')}"`;
  const line = (r) => columns.map(([k]) => cell(r[k])).join(",");
  return "\uFEFF" + [columns.map(([, head]) => cell(head)).join(","), ...rows.map(line)].join("\r\n") + "\r\n";
}
