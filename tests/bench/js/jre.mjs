// json-rules-engine in Node on the benchmark pack (jre-rules.mjs) over the
// bench customers; checks its fired sets against nextbest's on the same pack
// (native CLI if built, else the wasm module in Node; or --reference FILE) and writes
// target/bench/engines/json-rules-engine.json.
//   node tests/bench/js/jre.mjs [--customers FILE] [--out FILE] [--passes N] [--warmup N]
// Exit status 1 on any mismatch.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { measureAsync, stats, clockStepUs, median } from "./blocks.mjs";
import { makeEngine } from "./jre-rules.mjs";
import * as common from "./common.mjs";

const args = common.parseArgs("json-rules-engine.json");
const customers = common.loadCustomers(args.customers);
const version = createRequire(import.meta.url)("json-rules-engine/package.json").version;
const started = performance.now();

// Set-up: pack.json's text to a ready engine (34 rules, 11 dynamic facts).
const packText = readFileSync(resolve(common.PACK_DIR, "pack.json"), "utf8");
const t0 = performance.now();
const jre = makeEngine(packText);
const setupMs = performance.now() - t0;
const rules = jre.engine.rules.length;

// Input preparation, once per customer, outside the timing (see jre-rules.mjs).
const facts = customers.map(jre.prepare);

const fired = [];
for (const f of facts) fired.push((await jre.run(f)).sort());

const ref = common.reference(args, customers);
const mismatches = common.compare(customers, fired, "json-rules-engine", ref.fired, ref.name);
const ids = common.packRuleIds();
if (rules !== ids.length) console.log(`  json-rules-engine has ${rules} rules, the pack ${ids.length}`);

const now = () => performance.now();
const { samples_us, reps } = await measureAsync({
  n: facts.length,
  passes: args.passes,
  warmup: args.warmup,
  minBlockMs: args.minBlockMs,
  now,
  run: (i) => jre.engine.run(facts[i]),
});

const result = {
  engine: "json-rules-engine",
  runtime: `node ${process.version}, json-rules-engine ${version}`,
  rules,
  setup_ms: setupMs,
  stats: stats(samples_us),
  timing:
    `Per customer and pass, one block of R back-to-back awaited engine.run(facts) calls timed with performance.now() ` +
    `(clock step ${clockStepUs(now)} µs; R fixed per customer beforehand so a block takes ≥ ${args.minBlockMs} ms, median R ${median(reps)}), ` +
    `sample = block / R; ${args.warmup} untimed warm-up pass(es) then ${args.passes} timed; ` +
    `per-transaction branch day and CNY amount prepared once per customer outside the timing.`,
  fired,
};
common.writeResult(args.out, result);
console.log(common.summary(result));
console.log(`mismatches (customer × rule, json-rules-engine vs ${ref.name}): ${mismatches}`);
console.log(`saved ${args.out} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
process.exit(mismatches || rules !== ids.length ? 1 : 0);
