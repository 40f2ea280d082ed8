// The Chromium bench page's script. It loads the page's wasm module exactly
// as www/js/engine.js does (../pkg/nextbest.js, then init()), and exposes
// window.bench.run({files, customers, passes, warmup, minBlockMs}) for
// chromium.mjs: set-up timed once, one untimed evaluation per customer for
// its fired rules, then the block timing of blocks.mjs.
import init, { NextBest, Customers } from "../pkg/nextbest.js";
import { measureSync, stats, clockStepUs, median } from "./blocks.mjs";

await init();

const now = () => performance.now();
const options = { channel: "lobby" };

function run({ files, customers, passes, warmup, minBlockMs }) {
  const t0 = now();
  const nb = new NextBest({ files });
  const setupMs = now() - t0;
  const problems = nb.problems();
  const rules = nb.rules().length;

  const errors = [];
  const fired = customers.map((c) => {
    const out = nb.evaluate(c, options);
    for (const e of out.trace) if (e.status === "error") errors.push({ customer: c.id, rule: e.rule });
    for (const e of out.errors ?? []) errors.push({ customer: c.id, error: e });
    return out.trace.filter((e) => e.status === "fired").map((e) => e.rule).sort();
  });

  const { samples_us, reps } = measureSync({
    n: customers.length,
    passes,
    warmup,
    minBlockMs,
    now,
    run: (i) => nb.evaluate(customers[i], options),
  });
  // The bulk API: customers converted into wasm once (new Customers), then
  // nb.evaluateLoaded(customers, index, options) per evaluation.
  const t1 = now();
  const loaded = new Customers(customers);
  const loadMs = now() - t1;
  const loadedFired = customers.map((c, i) =>
    nb.evaluateLoaded(loaded, i, options).trace.filter((e) => e.status === "fired").map((e) => e.rule).sort(),
  );
  const bulk = measureSync({
    n: customers.length,
    passes,
    warmup,
    minBlockMs,
    now,
    run: (i) => nb.evaluateLoaded(loaded, i, options),
  });
  return {
    loaded: {
      load_ms: loadMs,
      fired: loadedFired,
      stats: stats(bulk.samples_us),
      median_reps: median(bulk.reps),
    },
    setup_ms: setupMs,
    problems,
    rules,
    errors,
    fired,
    stats: stats(samples_us),
    median_reps: median(reps),
    clock_step_us: clockStepUs(now),
    isolated: self.crossOriginIsolated,
  };
}

window.bench = { run };
document.getElementById("status").textContent = "ready";
