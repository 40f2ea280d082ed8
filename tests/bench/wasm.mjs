// Evaluations per second of the wasm module in Node, over the bundled sample
// customers: the same loop and JSON fields as `nextbest bench` (native).
//   node tests/bench/wasm.mjs [--seconds N] [--customers FILE] [--pkg DIR]
// Needs target/pkg-node (scripts/build-wasm.sh). Prints one JSON line.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const seconds = Number(opt("--seconds", "2"));
const pkgDir = resolve(opt("--pkg", resolve(root, "target/pkg-node")));
const customersFile = opt("--customers", null);

// --target nodejs output is CommonJS and instantiates the module on require.
const wasm = createRequire(import.meta.url)(resolve(pkgDir, "nextbest.js"));

const t0 = performance.now();
const nb = new wasm.NextBest();
const setupMs = performance.now() - t0;
const customers = customersFile ? JSON.parse(readFileSync(customersFile, "utf8")) : wasm.sampleCustomers();
const options = { channel: "lobby" }; // as native: "now" is each customer's visit.at

// Warm up, and check every customer evaluates (throws on a bad one, as native does).
for (const c of customers) nb.evaluate(c, options);

let n = 0;
const start = performance.now();
while (customers.length > 0 && performance.now() - start < seconds * 1000) {
  for (const c of customers) {
    nb.evaluate(c, options);
    n += 1;
  }
}
const secs = (performance.now() - start) / 1000;
console.log(
  JSON.stringify({
    engine: "nextbest wasm",
    rules: nb.rules().length,
    customers: customers.length,
    evaluations: n,
    evals_per_sec: n ? Math.round(n / secs) : 0,
    mean_us: n ? Math.round((secs * 1e6) / n * 10) / 10 : null,
    setup_ms: Math.round(setupMs * 10) / 10,
    node: process.version,
  }),
);
