// Page speed of issue 5, measured in headless Chromium (reported, never asserted):
//
//   node tests/e2e/perf.mjs [--runs N] [--warm N] [--sessions N] [--keys N] [--out FILE] [--www DIR]
//
// (--www serves another copy of the page, e.g. an older one to compare with.)
// Needs the built page (scripts/build-wasm.sh, scripts/build-web.sh) and
// playwright-core (cd tests/e2e && npm ci). Serves www/ as scripts/start.sh
// does (python3 -m http.server, loopback) and, over fresh page loads, takes
// medians of:
//
// - cold start: from the moment engine.js starts compiling the module to the
//   live engine built in its worker: the rest of the module fetch (a preload
//   may have started it earlier; its own time is wasm_fetch_ms), compile, the
//   worker's start (in parallel), instantiate and the bundled pack's compile.
//   From the page's performance marks (nextbest:init-start … nextbest:engine-end,
//   www/js/engine.js; an older copy (--www) marks them around its in-page init).
// - first pitch: navigation start to the first paint of the teller's pitch
//   text (Element Timing: elementtiming="pitch" in www/js/teller.js). Shown
//   beside it: when the pitch element with its text entered the DOM (a
//   MutationObserver this script installs before the page runs) and the
//   teller's own nextbest:first-pitch mark. Playwright then checks the pitch.
// - keystroke: in the studio with a 100-line rule open, one key that adds an
//   error ("@") or removes it (Backspace), from the key event's timestamp to
//   the moment both the problems list and the editor's lint gutter show the
//   new state (a MutationObserver again); p50 and p95.
//
// Cold loads use a new browser context each (empty cache, empty storage) with
// the cache disabled; warm loads reload in the same context with the cache on
// (Chromium then also reuses its compiled wasm code) and are reported
// separately. Prints a table and writes target/bench/page.json, with the
// machine's load average: on a busy 2-core machine every figure here moves by
// tens of ms, so compare builds with interleaved runs (--www).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadavg } from "node:os";
import { chromium } from "playwright-core";
import { serveDir } from "./harness.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const RUNS = Number(opt("--runs", 7));
const WARM = Number(opt("--warm", 3));
const SESSIONS = Number(opt("--sessions", 3));
const KEYS = Number(opt("--keys", 20)); // per session, alternating "@" and Backspace
const OUT = path.resolve(root, opt("--out", "target/bench/page.json"));
const WWW = path.resolve(root, opt("--www", "www"));
const VIEWPORT = { width: 1366, height: 768 };

const wasmFile = path.join(WWW, "pkg/nextbest_bg.wasm");
const wasmBytes = readFileSync(wasmFile);

// ---------------------------------------------------------------------------
// Statistics

const median = (xs) => quantile(xs, 0.5);
function quantile(xs, q) {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return null;
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (i - lo);
}
const r1 = (x) => (x == null ? null : Math.round(x * 10) / 10);

// ---------------------------------------------------------------------------
// Page loads

/** Installed before any page script: when the pitch first shows with text. */
function watchPitch() {
  window.__pitchAt = null;
  window.__pitchPaint = null;
  // Element Timing: when the pitch text (elementtiming="pitch" in teller.js) was first painted.
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.identifier === "pitch" && window.__pitchPaint == null) window.__pitchPaint = e.renderTime || e.loadTime;
    }
  }).observe({ type: "element", buffered: true });
  const seen = () => {
    const el = document.querySelector("[data-testid=pitch]");
    if (el && el.textContent.trim() && window.__pitchAt == null) window.__pitchAt = performance.now();
    return window.__pitchAt != null;
  };
  new MutationObserver((_, obs) => seen() && obs.disconnect()).observe(document, { childList: true, subtree: true });
}

/** What one load measured, read from the page once the pitch is there. */
function readLoad() {
  const mark = (n) => performance.getEntriesByName(`nextbest:${n}`, "mark")[0]?.startTime ?? null;
  const wasm = performance.getEntriesByType("resource").find((e) => e.name.endsWith("nextbest_bg.wasm"));
  const nav = performance.getEntriesByType("navigation")[0];
  const m = Object.fromEntries(["init-start", "init-end", "samples-end", "engine-start", "engine-end", "first-pitch"].map((n) => [n, mark(n)]));
  return {
    marks: m,
    pitch_dom_ms: window.__pitchAt,
    pitch_paint_ms: window.__pitchPaint,
    wasm_fetch_start: wasm?.fetchStart ?? null,
    wasm_fetch_ms: wasm ? wasm.responseEnd - wasm.fetchStart : null,
    wasm_transfer: wasm?.transferSize ?? null,
    dom_content_loaded: nav?.domContentLoadedEventEnd ?? null,
  };
}

function summarise(load) {
  const m = load.marks;
  const d = (a, b) => (m[a] != null && m[b] != null ? m[b] - m[a] : null);
  return {
    cold_start_ms: d("init-start", "engine-end"),
    init_ms: d("init-start", "init-end"),
    pack_compile_ms: d("engine-start", "engine-end"),
    engine_ready_ms: m["engine-end"],
    first_pitch_ms: load.pitch_paint_ms,
    first_pitch_dom_ms: load.pitch_dom_ms,
    first_pitch_mark_ms: m["first-pitch"],
    wasm_fetch_ms: load.wasm_fetch_ms,
    wasm_fetch_start_ms: load.wasm_fetch_start,
  };
}

async function load(page, base, errors) {
  await page.goto(`${base}#teller`);
  const pitch = page.getByTestId("pitch");
  await pitch.waitFor({ timeout: 30_000 });
  if (!(await pitch.textContent()).trim()) throw new Error("the pitch has no text");
  await page.waitForFunction(() => window.__pitchAt != null);
  // A page without elementtiming="pitch" (an older copy, --www) has no paint time.
  await page.waitForFunction(() => window.__pitchPaint != null || !document.querySelector("[elementtiming=pitch]"));
  if (errors.length) throw new Error(`page errors: ${errors.join("; ")}`);
  return summarise(await page.evaluate(readLoad));
}

async function newPage(env, { cache }) {
  const ctx = await env.browser.newContext({ viewport: VIEWPORT });
  const page = await ctx.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.addInitScript(watchPitch);
  const cdp = await ctx.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: !cache });
  return { ctx, page, errors };
}

async function coldLoads(env) {
  const out = [];
  for (let i = 0; i < RUNS; i++) {
    const { ctx, page, errors } = await newPage(env, { cache: false });
    out.push(await load(page, env.base, errors));
    await ctx.close();
  }
  return out;
}

/** One cold load to fill the cache, then `WARM` reloads in the same context. */
async function warmLoads(env) {
  if (!WARM) return [];
  const { ctx, page, errors } = await newPage(env, { cache: true });
  await load(page, env.base, errors);
  const out = [];
  for (let i = 0; i < WARM; i++) {
    await page.goto("about:blank");
    out.push(await load(page, env.base, errors));
  }
  await ctx.close();
  return out;
}

// ---------------------------------------------------------------------------
// Studio keystrokes

const RULE = "hv_profile.rhai";
const KEY_LINE = 50; // the "@" goes at the end of this line

/** A valid 100-line rule (same id as the bundled hv_profile). */
function hundredLineRule() {
  const lines = [
    "//! kind: signal",
    "//! priority: 80",
    "//! zh: 信息分析：资金流入（性能测试用的一百行规则）",
    "//! en: Profile: inflows (a 100-line rule for tests/e2e/perf.mjs)",
    "// Generated by tests/e2e/perf.mjs: keystroke to diagnostics on a rule of 100 lines.",
    "",
    "let out = [];",
  ];
  for (let i = 1; i <= 23; i++) {
    lines.push(
      `let a${i} = c.txn_sum("transfer_in", ${i * 3});`,
      `if a${i} >= p.large_inflow_30d_cny * ${i + 1} {`,
      `    out.push(high_value("large_inflow", \`近${i * 3}天资金流入 \${yuan(a${i})}\`, \`Inflows of \${yuan(a${i})} in ${i * 3} days\`));`,
      "}",
    );
  }
  lines.push("out");
  return lines;
}

/** Installed after the studio is up: key times and diagnostics changes. */
function watchDiagnostics() {
  const problems = document.querySelector("[data-testid=problems]");
  const studio = document.getElementById("studio");
  const state = () => ({
    listed: Number(problems.querySelector("h3 .muted")?.textContent.trim() ?? NaN),
    markers: document.querySelectorAll("#studio .cm-lint-marker-error").length,
  });
  window.__perf = { keys: [], changes: [], state };
  document.addEventListener("keydown", (e) => window.__perf.keys.push(e.timeStamp), true);
  new MutationObserver(() => window.__perf.changes.push({ at: performance.now(), ...state() })).observe(studio, {
    childList: true,
    subtree: true,
    characterData: true,
    attributes: true,
  });
}

async function storedRule(page) {
  return page.evaluate((f) => JSON.parse(localStorage.getItem("nextbest.v1")).draft.files[f], RULE);
}

const checks = []; // durations of the studio's check() (checkPack and drawing), from its measure

async function studioSession(env) {
  const { ctx, page, errors } = await newPage(env, { cache: true });
  page.setDefaultTimeout(15_000);
  await page.goto(`${env.base}#studio`);
  await page.locator(`.studio-file[data-file="${RULE}"]`).click();
  await page.locator(".cm-content", { hasText: "high_value" }).waitFor();
  // Replace the rule with the 100-line one: lines after KEY_LINE first, then
  // the ones before it at the top, so the cursor ends at the end of KEY_LINE.
  const lines = hundredLineRule();
  await page.locator(".cm-content").click();
  await page.keyboard.press("Control+A");
  await page.keyboard.insertText("\n" + lines.slice(KEY_LINE).join("\n"));
  await page.keyboard.press("Control+Home");
  await page.keyboard.insertText(lines.slice(0, KEY_LINE).join("\n"));
  await page.waitForFunction(
    (f) => JSON.parse(localStorage.getItem("nextbest.v1")).draft.files[f].split("\n").length === 100,
    RULE,
  );
  if ((await storedRule(page)) !== lines.join("\n")) throw new Error("the editor did not take the 100-line rule verbatim");
  await page.evaluate(watchDiagnostics);
  const clean = () => page.waitForFunction(() => {
    const s = window.__perf.state();
    return s.listed === 0 && s.markers === 0;
  });
  await clean();

  const measures = () => performance.getEntriesByName("nextbest:check", "measure");
  await page.evaluate(`window.measures = ${measures}`);
  const checksBefore = await page.evaluate(() => measures().length);
  const samples = [];
  for (let k = 0; k < KEYS; k++) {
    const breaking = k % 2 === 0;
    await page.waitForTimeout(50); // let the page go idle, as between an author's keys
    const before = await page.evaluate(() => [window.__perf.keys.length, window.__perf.changes.length]);
    await page.keyboard.press(breaking ? "@" : "Backspace");
    await page.waitForFunction(
      (broken) => {
        const s = window.__perf.state();
        return broken ? s.listed > 0 && s.markers > 0 : s.listed === 0 && s.markers === 0;
      },
      breaking,
    );
    const ms = await page.evaluate(
      ([keys, changes, broken]) => {
        const at = window.__perf.keys[keys];
        const done = window.__perf.changes
          .slice(changes)
          .find((c) => (broken ? c.listed > 0 && c.markers > 0 : c.listed === 0 && c.markers === 0));
        return done && at != null ? done.at - at : null;
      },
      [...before, breaking],
    );
    samples.push(ms);
  }
  checks.push(...(await page.evaluate((n) => measures().slice(n).map((e) => e.duration), checksBefore)));
  const text = await storedRule(page);
  if (text !== lines.join("\n")) throw new Error("the keystrokes did not leave the rule as it was");
  if (errors.length) throw new Error(`page errors: ${errors.join("; ")}`);
  await ctx.close();
  return samples;
}

// ---------------------------------------------------------------------------

// As tests/e2e/harness.mjs starts them: Debian's Chromium, a loopback server.
const ARGS = [
  "--no-sandbox",
  "--disable-dev-shm-usage",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
];
const server = await serveDir(WWW);
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ARGS });
const env = {
  base: server.base,
  browser,
  async stop() {
    await browser.close();
    server.stop();
  },
};
let result;
try {
  const chromiumVersion = env.browser.version();
  const cold = await coldLoads(env);
  const warm = await warmLoads(env);
  const keys = [];
  for (let s = 0; s < SESSIONS; s++) keys.push(...(await studioSession(env)));

  const med = (xs, k) => r1(median(xs.map((x) => x[k])));
  const gz = gzipSync(wasmBytes, { level: 6 }).length;
  result = {
    cold_start_ms: med(cold, "cold_start_ms"),
    first_pitch_ms: med(cold, "first_pitch_ms"),
    keystroke_ms: { p50: r1(quantile(keys, 0.5)), p95: r1(quantile(keys, 0.95)), max: r1(Math.max(...keys)), n: keys.length },
    studio_check_ms: { p50: r1(quantile(checks, 0.5)), p95: r1(quantile(checks, 0.95)) },
    cold: Object.fromEntries(Object.keys(cold[0]).map((k) => [k, med(cold, k)])),
    warm: warm.length ? Object.fromEntries(Object.keys(warm[0]).map((k) => [k, med(warm, k)])) : null,
    wasm_raw_bytes: wasmBytes.length,
    wasm_gzip_bytes: gz,
    gzip_level: 6,
    runs: { cold: cold.length, warm: warm.length, studio_sessions: SESSIONS, keystrokes: keys.length },
    targets: { cold_start_ms: 60, first_pitch_ms: 150, keystroke_ms: 30, wasm_gzip_kb: 600 },
    chromium: chromiumVersion,
    www: path.relative(root, WWW),
    load_average: loadavg().map((x) => Math.round(x * 100) / 100), // the machine's load: figures from a busy one are noisy
    measured_at: new Date().toISOString(),
    raw: { cold, warm, keystrokes: keys.map(r1) },
  };
} finally {
  await env.stop();
}

const kb = (b) => `${(b / 1024).toFixed(1)} KB`;
const row = (name, value, target, unit = "ms") =>
  `${name.padEnd(34)} ${String(value ?? "–").padStart(9)} ${unit.padEnd(3)} ${target == null ? "" : value != null && value <= target ? `≤ ${target} ok` : `≤ ${target} MISSED`}`;
console.log(`page speed, chromium ${result.chromium}: medians of ${RUNS} cold loads, ${WARM} warm reloads, ${result.keystroke_ms.n} keystrokes`);
console.log(row("cold start (init → engine ready)", result.cold_start_ms, 60));
console.log(row("  wasm fetch (own time)", result.cold.wasm_fetch_ms));
console.log(row("  init (compile + instantiate)", result.cold.init_ms));
console.log(row("  pack compile (worker: start, load)", result.cold.pack_compile_ms));
console.log(row("  engine ready since navigation", result.cold.engine_ready_ms));
console.log(row("navigation → first pitch painted", result.first_pitch_ms, 150));
console.log(row("  pitch in the DOM", result.cold.first_pitch_dom_ms));
console.log(row("  (teller's own mark)", result.cold.first_pitch_mark_ms));
if (result.warm) {
  console.log(row("warm reload: cold start", result.warm.cold_start_ms));
  console.log(row("warm reload: first pitch", result.warm.first_pitch_ms));
}
console.log(row("keystroke → diagnostics p50", result.keystroke_ms.p50, 30));
console.log(row("keystroke → diagnostics p95", result.keystroke_ms.p95));
console.log(row("  studio check() p50", result.studio_check_ms.p50));
console.log(`${"wasm module".padEnd(34)} ${kb(result.wasm_raw_bytes)} raw, ${kb(result.wasm_gzip_bytes)} gzip (level 6) ${result.wasm_gzip_bytes <= 600 * 1024 ? "≤ 600 KB ok" : "≤ 600 KB MISSED"}`);
mkdirSync(path.dirname(OUT), { recursive: true });
writeFileSync(OUT, JSON.stringify(result, null, 2) + "\n");
console.log(`load average ${result.load_average.join(" ")}; wrote ${path.relative(root, OUT)}`);
