// nextbest's wasm module in headless Chromium, as the page runs it, on the
// benchmark pack over the bench customers. Serves www/ at / and this folder
// at /bench/ from a loopback server that sends COOP/COEP (cross-origin
// isolation: performance.now() steps 5 µs instead of 100 µs), opens
// /bench/bench.html (which loads /pkg/nextbest.js and calls init() as the
// page does), hands it the pack files and the customers as plain objects,
// and lets it time new NextBest({files}) and nb.evaluate(customer,
// {channel: "lobby"}) (bench-page.mjs, blocks.mjs). Checks the fired sets
// against nextbest native (or --reference FILE) and that the page made no
// request off the local server; writes
// target/bench/engines/nextbest-wasm-chromium.json.
//   node tests/bench/js/chromium.mjs [--customers FILE] [--out FILE] [--passes N] [--warmup N]
// Needs www/pkg (scripts/build-wasm.sh). Exit status 1 on any mismatch,
// rule error or foreign request.
import { createServer } from "node:http";
import { existsSync, readFileSync, statSync } from "node:fs";
import { extname, resolve, sep } from "node:path";
import { chromium } from "playwright-core";
import * as common from "./common.mjs";

// As tests/e2e/harness.mjs launches Chromium.
const CHROMIUM = "/usr/bin/chromium";
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

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};

/** Static files: /bench/… from this folder (not node_modules), everything else from www/. */
function serve() {
  const www = resolve(common.ROOT, "www");
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    const [base, rel] = path.startsWith("/bench/") ? [common.HERE, path.slice(7)] : [www, path.slice(1)];
    let file = resolve(base, rel || "index.html");
    const inside = file.startsWith(base + sep) && !file.slice(base.length).split(sep).includes("node_modules");
    if (inside && existsSync(file) && statSync(file).isDirectory()) file = resolve(file, "index.html");
    const headers = {
      "Cross-Origin-Opener-Policy": "same-origin",
      "Cross-Origin-Embedder-Policy": "require-corp",
      "Cross-Origin-Resource-Policy": "same-origin",
      "Cache-Control": "no-store",
    };
    if (!inside || !existsSync(file)) {
      res.writeHead(404, headers).end("not found");
      return;
    }
    res.writeHead(200, { ...headers, "Content-Type": TYPES[extname(file)] ?? "application/octet-stream" });
    res.end(readFileSync(file));
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(server)));
}

const args = common.parseArgs("nextbest-wasm-chromium.json");
const customers = common.loadCustomers(args.customers);
const started = performance.now();
if (!existsSync(resolve(common.ROOT, "www/pkg/nextbest.js"))) common.fail("www/pkg/nextbest.js not found; build it with scripts/build-wasm.sh");
const files = common.packFiles();

const server = await serve();
const origin = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
let page;
try {
  page = await browser.newPage();
  const requests = [];
  const errors = [];
  page.on("request", (r) => requests.push(r.url()));
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.goto(`${origin}/bench/bench.html`);
  // Ready when bench-page.mjs has run init(); a module error fails at once.
  const broken = new Promise((_, fail) => page.once("pageerror", (e) => fail(new Error(`bench page: ${e}`))));
  broken.catch(() => {}); // a later page error is reported through `errors`
  await Promise.race([page.waitForFunction(() => window.bench !== undefined, null, { timeout: 60_000 }), broken]);
  if (errors.length) throw new Error(`bench page: ${errors.join("; ")}`);

  const r = await page.evaluate((input) => window.bench.run(input), {
    files,
    customers,
    passes: args.passes,
    warmup: args.warmup,
    minBlockMs: args.minBlockMs,
  });

  const foreign = requests.filter((u) => !(u.startsWith(origin + "/") || u.startsWith("data:") || u.startsWith("blob:")));
  if (!r.isolated) console.log("  warning: the page is not cross-origin isolated; performance.now() steps are coarser");
  if (r.problems.length) console.log(`  benchmark pack problems: ${JSON.stringify(r.problems)}`);
  for (const e of r.errors.slice(0, 10)) console.log(`  rule error: ${JSON.stringify(e)}`);
  for (const u of foreign) console.log(`  foreign request: ${u}`);
  if (errors.length) console.log(`  page errors: ${errors.join("; ")}`);

  const ref = common.reference(args, customers);
  const mismatches = common.compare(customers, r.fired, "nextbest wasm (Chromium)", ref.fired, ref.name);

  const result = {
    engine: "nextbest wasm",
    runtime: `chromium ${browser.version()} headless`,
    rules: r.rules,
    setup_ms: r.setup_ms,
    stats: r.stats,
    timing:
      `In the page, per customer and pass, one block of R back-to-back nb.evaluate(customer, {channel: "lobby"}) calls on plain JS objects ` +
      `(result converted back to a JS object each time) timed with performance.now() ` +
      `(${r.isolated ? "cross-origin isolated" : "not isolated"}, clock step ${r.clock_step_us} µs; R fixed per customer beforehand so a block takes ≥ ${args.minBlockMs} ms, median R ${r.median_reps}), ` +
      `sample = block / R; ${args.warmup} untimed warm-up pass(es) then ${args.passes} timed; set-up is one new NextBest({files}) timed alone with the same clock.`,
    fired: r.fired,
  };
  common.writeResult(args.out, result);
  console.log(common.summary(result));

  // The same module through the bulk API, as its own engine row.
  const loadedMismatches = common.compare(customers, r.loaded.fired, "nextbest wasm loaded (Chromium)", ref.fired, ref.name);
  const loadedOut = args.out.replace(/\.json$/, "-loaded.json");
  const loadedResult = {
    engine: "nextbest wasm, loaded customers",
    runtime: `chromium ${browser.version()} headless`,
    rules: r.rules,
    setup_ms: r.setup_ms,
    stats: r.loaded.stats,
    timing:
      `As nextbest wasm, but customers converted into wasm once beforehand (new Customers(all), ${r.loaded.load_ms.toFixed(1)} ms for ${customers.length}, not timed per evaluation) ` +
      `and each evaluation is nb.evaluateLoaded(customers, i, {channel: "lobby"}), result converted to a JS object; median R ${r.loaded.median_reps}.`,
    fired: r.loaded.fired,
  };
  common.writeResult(loadedOut, loadedResult);
  console.log(common.summary(loadedResult));
  console.log(`mismatches (nextbest wasm loaded in Chromium vs ${ref.name}): ${loadedMismatches}`);
  console.log(`requests: ${requests.length}, off the local server: ${foreign.length}; rule errors: ${r.errors.length}`);
  console.log(`mismatches (customer × rule, nextbest wasm in Chromium vs ${ref.name}): ${mismatches}`);
  console.log(`saved ${args.out} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  process.exitCode = mismatches || loadedMismatches || r.errors.length || r.problems.length || foreign.length || errors.length ? 1 : 0;
} finally {
  await browser.close();
  server.close();
}
