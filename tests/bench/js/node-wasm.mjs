// nextbest's wasm module in Node (target/pkg-node, scripts/build-wasm.sh) on
// the benchmark pack over the bench customers, through the same JS API the
// page uses: new NextBest({files}), nb.evaluate(customer, {channel: "lobby"}).
// Checks its fired sets against nextbest native (or --reference FILE) and
// writes target/bench/engines/nextbest-wasm-node.json.
//   node tests/bench/js/node-wasm.mjs [--customers FILE] [--out FILE] [--passes N] [--warmup N]
// Exit status 1 on any mismatch or rule error.
import { measureSync, stats, clockStepUs, median } from "./blocks.mjs";
import * as common from "./common.mjs";

const args = common.parseArgs("nextbest-wasm-node.json");
const customers = common.loadCustomers(args.customers);
const started = performance.now();
const { NextBest } = common.loadNodeWasm();
const files = common.packFiles();
const options = { channel: common.CHANNEL };

const t0 = performance.now();
const nb = new NextBest({ files });
const setupMs = performance.now() - t0;
const problems = nb.problems();
if (problems.length) common.fail(`benchmark pack has problems: ${JSON.stringify(problems)}`);
const rules = nb.rules().length;

const fired = customers.map((c) => common.firedOf(nb.evaluate(c, options), c.id));
const ref = common.reference(args, customers);
const mismatches = common.compare(customers, fired, "nextbest wasm (Node)", ref.fired, ref.name);

const now = () => performance.now();
const { samples_us, reps } = measureSync({
  n: customers.length,
  passes: args.passes,
  warmup: args.warmup,
  minBlockMs: args.minBlockMs,
  now,
  run: (i) => nb.evaluate(customers[i], options),
});

const result = {
  engine: "nextbest wasm",
  runtime: `node ${process.version}`,
  rules,
  setup_ms: setupMs,
  stats: stats(samples_us),
  timing:
    `Per customer and pass, one block of R back-to-back nb.evaluate(customer, {channel: "lobby"}) calls on plain JS objects ` +
    `(result converted back to a JS object each time) timed with performance.now() (clock step ${clockStepUs(now)} µs; ` +
    `R fixed per customer beforehand so a block takes ≥ ${args.minBlockMs} ms, median R ${median(reps)}), sample = block / R; ` +
    `${args.warmup} untimed warm-up pass(es) then ${args.passes} timed.`,
  fired,
};
common.writeResult(args.out, result);
console.log(common.summary(result));
console.log(`mismatches (customer × rule, nextbest wasm in Node vs ${ref.name}): ${mismatches}`);
console.log(`saved ${args.out} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
process.exit(mismatches ? 1 : 0);
