// Puts the native and wasm benchmark lines side by side and saves them.
//   node tests/bench/report.mjs NATIVE_JSON WASM_JSON OUT_FILE SECONDS
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import os from "node:os";

const [nativeLine, wasmLine, out, seconds] = process.argv.slice(2);
const native = JSON.parse(nativeLine);
const wasm = JSON.parse(wasmLine);
const ratio = native.evals_per_sec ? wasm.evals_per_sec / native.evals_per_sec : null;

const row = (name, r) =>
  `${name.padEnd(8)} ${String(r.evals_per_sec).padStart(12)} ${String(r.mean_us).padStart(9)} ${String(r.setup_ms).padStart(9)} ${String(r.rules).padStart(6)} ${String(r.customers).padStart(10)}`;
console.log(`${"engine".padEnd(8)} ${"evals/s".padStart(12)} ${"mean µs".padStart(9)} ${"setup ms".padStart(9)} ${"rules".padStart(6)} ${"customers".padStart(10)}`);
console.log(row("native", native));
console.log(row("wasm", wasm));
console.log(`wasm/native: ${ratio === null ? "n/a" : ratio.toFixed(2)}`);

const result = {
  date: new Date().toISOString(),
  seconds: Number(seconds),
  machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, platform: `${os.platform()} ${os.arch()}` },
  native,
  wasm,
  wasm_over_native: ratio === null ? null : Math.round(ratio * 1000) / 1000,
};
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(result, null, 2) + "\n");
console.log(`saved ${out}`);
