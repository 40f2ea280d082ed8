// Node-side helpers shared by jre.mjs, chromium.mjs and node-wasm.mjs:
// flags, the pack and customers, the reference fired sets, the result file.
import { createRequire } from "node:module";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { execFileSync } from "node:child_process";

export const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(HERE, "../../..");
export const PACK_DIR = resolve(ROOT, "tests/bench/pack");
export const PKG_NODE = resolve(ROOT, "target/pkg-node");
export const NATIVE = resolve(ROOT, "target/release/nextbest");
export const CHANNEL = "lobby";

const USAGE = `flags: --customers FILE (default target/bench/customers.json) --out FILE --passes N (10) --warmup N (1)
       --min-block-ms MS (0.5) --reference FILE (an engines JSON whose "fired" is the reference)`;

/** Parses the common flags; `out` defaults to target/bench/engines/<outName>. */
export function parseArgs(outName, argv = process.argv.slice(2)) {
  const a = {
    customers: resolve(ROOT, "target/bench/customers.json"),
    out: resolve(ROOT, "target/bench/engines", outName),
    passes: 10,
    warmup: 1,
    minBlockMs: 0.5,
    reference: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    const need = () => {
      if (value === undefined) fail(`${flag} needs a value\n${USAGE}`);
      i++;
      return value;
    };
    const count = (min) => {
      const n = Number(need());
      if (!Number.isInteger(n) || n < min) fail(`${flag} wants a whole number ≥ ${min}, got ${value}`);
      return n;
    };
    switch (flag) {
      case "--customers": a.customers = resolve(need()); break;
      case "--out": a.out = resolve(need()); break;
      case "--passes": a.passes = count(1); break;
      case "--warmup": a.warmup = count(0); break;
      case "--min-block-ms": a.minBlockMs = Number(need()); break;
      case "--reference": a.reference = resolve(need()); break;
      case "-h": case "--help": console.log(USAGE); process.exit(0); break;
      default: fail(`unknown flag ${flag}\n${USAGE}`);
    }
  }
  return a;
}

export function fail(message) {
  console.error(`bench-js: ERROR: ${message}`);
  process.exit(2);
}

export function loadCustomers(file) {
  if (!existsSync(file)) {
    fail(`${file} not found; make it with:\n  cargo run --release --bin nextbest -- samples --count 1000 --seed 7 > target/bench/customers.json`);
  }
  const customers = JSON.parse(readFileSync(file, "utf8"));
  if (!Array.isArray(customers) || customers.length === 0) fail(`${file}: expected a non-empty JSON array of customers`);
  return customers;
}

/** The benchmark pack as nextbest's `{files: {name: text}}`. */
export function packFiles() {
  const files = {};
  for (const name of readdirSync(PACK_DIR).sort()) {
    if (name.endsWith(".rhai") || name.endsWith(".json")) files[name] = readFileSync(resolve(PACK_DIR, name), "utf8");
  }
  return files;
}

/** The rule ids of the pack, from its .rhai file names. */
export function packRuleIds() {
  return readdirSync(PACK_DIR).filter((n) => n.endsWith(".rhai")).map((n) => n.slice(0, -5)).sort();
}

/** The nextbest module for Node (scripts/build-wasm.sh makes target/pkg-node). */
export function loadNodeWasm() {
  const file = resolve(PKG_NODE, "nextbest.js");
  if (!existsSync(file)) fail(`${file} not found; build it with scripts/build-wasm.sh`);
  // --target nodejs output is CommonJS and instantiates the module on require.
  return createRequire(import.meta.url)(file);
}

/** Fired rule ids from one nextbest evaluation; throws on any rule error. */
export function firedOf(out, id) {
  const bad = out.trace.filter((e) => e.status === "error");
  if (bad.length || (out.errors && out.errors.length)) {
    throw new Error(`customer ${id}: rule errors ${JSON.stringify(out.errors ?? bad)}`);
  }
  return out.trace.filter((e) => e.status === "fired").map((e) => e.rule).sort();
}

/** nextbest's fired sets, computed by its wasm module in Node with the bench pack. */
export function nextbestWasmFired(customers) {
  const { NextBest } = loadNodeWasm();
  const nb = new NextBest({ files: packFiles() });
  return customers.map((c) => firedOf(nb.evaluate(c, { channel: CHANNEL }), c.id));
}

/** nextbest's fired sets from the native CLI (`nextbest eval --rules tests/bench/pack`). */
export function nextbestNativeFired(customersFile) {
  if (!existsSync(NATIVE)) fail(`${NATIVE} not found; build it with cargo build --release`);
  const text = execFileSync(NATIVE, ["eval", "--rules", PACK_DIR, "--channel", CHANNEL, customersFile], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  const outs = JSON.parse(text);
  return (Array.isArray(outs) ? outs : [outs]).map((o) => firedOf(o, o.customer));
}

/**
 * The reference fired sets, {name, fired}: a `--reference` engines file; else
 * nextbest native (`target/release/nextbest eval`, when built); else
 * nextbest's wasm module in Node (target/pkg-node).
 */
export function reference(args, customers) {
  if (args.reference) {
    const r = JSON.parse(readFileSync(args.reference, "utf8"));
    return { name: `${r.engine} (${args.reference})`, fired: r.fired };
  }
  if (existsSync(NATIVE)) return { name: "nextbest native", fired: nextbestNativeFired(args.customers) };
  return { name: "nextbest wasm in Node", fired: nextbestWasmFired(customers) };
}

/** Customer × rule differences between two lists of fired sets; prints the first few. */
export function compare(customers, ours, oursName, theirs, theirsName, show = 10) {
  let mismatches = 0;
  if (theirs.length !== ours.length) {
    console.log(`  ${theirsName} has ${theirs.length} customers, ${oursName} ${ours.length}`);
  }
  for (let i = 0; i < ours.length; i++) {
    const a = new Set(ours[i]);
    const b = new Set(theirs[i] ?? []);
    for (const rule of new Set([...a, ...b])) {
      if (a.has(rule) === b.has(rule)) continue;
      mismatches++;
      if (mismatches <= show) {
        console.log(
          `  MISMATCH customer ${customers[i].id} rule ${rule}: ${oursName} ${a.has(rule) ? "fired" : "did not fire"}, ${theirsName} ${b.has(rule) ? "fired" : "did not fire"}`,
        );
      }
    }
  }
  return mismatches;
}

/**
 * Writes the engine result file: the contract's fields in order, one
 * customer's fired list per line.
 */
export function writeResult(file, r) {
  const head = {
    engine: r.engine,
    runtime: r.runtime,
    pack: "bench",
    rules: r.rules,
    customers: r.fired.length,
    setup_ms: Math.round(r.setup_ms * 1000) / 1000,
    samples: r.stats.samples,
    evaluations_per_s: r.stats.evaluations_per_s,
    mean_us: r.stats.mean_us,
    p50_us: r.stats.p50_us,
    p99_us: r.stats.p99_us,
    timing: r.timing,
  };
  const lines = Object.entries(head).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  const fired = r.fired.map((f) => `    ${JSON.stringify([...f].sort())}`).join(",\n");
  const text = `{\n${lines.join(",\n")},\n  "fired": [\n${fired}\n  ]\n}\n`;
  JSON.parse(text); // what the Rust harness will read must be JSON
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

/** One summary line for the console. */
export function summary(r) {
  const s = r.stats;
  return `${r.engine} (${r.runtime}): ${r.rules} rules, ${r.fired.length} customers, set-up ${r.setup_ms.toFixed(3)} ms, ${s.samples} samples: mean ${s.mean_us} µs, p50 ${s.p50_us} µs, p99 ${s.p99_us} µs, ${s.evaluations_per_s} evaluations/s`;
}
