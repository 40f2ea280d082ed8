// Block timing, shared by Node and the Chromium bench page.
//
// Chromium coarsens performance.now() (100 µs; 5 µs when the page is
// cross-origin isolated), too coarse to time one evaluation. So, per customer,
// R back-to-back evaluations of that customer are timed as one block and the
// sample is block / R. R is chosen per customer before the timed passes so a
// block takes at least `minBlockMs`, and stays fixed; each timed pass gives
// one sample per customer. Node uses the same scheme so figures compare.

/** Repetitions so that `block(r)` takes at least `minMs` (doubling, or extrapolating). */
function chooseReps(elapsed, minMs, maxReps) {
  let r = 1;
  for (;;) {
    const ms = elapsed(r);
    if (ms >= minMs || r >= maxReps) return r;
    const guess = ms > 0 ? Math.ceil((r * minMs * 1.25) / ms) : r * 8;
    r = Math.min(maxReps, r * 8, Math.max(r * 2, guess));
  }
}

/**
 * Times `run(i)` (synchronous: one evaluation of customer i) for customers
 * 0..n-1. Returns {samples_us: Float64Array(n * passes), reps: Int32Array(n)}.
 */
export function measureSync({ n, passes, warmup, minBlockMs = 0.5, maxReps = 1 << 16, now, run }) {
  const reps = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    reps[i] = chooseReps(
      (r) => {
        const t0 = now();
        for (let k = 0; k < r; k++) run(i);
        return now() - t0;
      },
      minBlockMs,
      maxReps,
    );
  }
  for (let w = 0; w < warmup; w++) {
    for (let i = 0; i < n; i++) for (let k = 0; k < reps[i]; k++) run(i);
  }
  const samples = new Float64Array(n * passes);
  for (let p = 0; p < passes; p++) {
    for (let i = 0; i < n; i++) {
      const r = reps[i];
      const t0 = now();
      for (let k = 0; k < r; k++) run(i);
      samples[p * n + i] = ((now() - t0) * 1000) / r;
    }
  }
  return { samples_us: samples, reps };
}

/** As measureSync, for an asynchronous `run(i)`: every call is awaited before the next. */
export async function measureAsync({ n, passes, warmup, minBlockMs = 0.5, maxReps = 1 << 16, now, run }) {
  const reps = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let r = 1;
    for (;;) {
      const t0 = now();
      for (let k = 0; k < r; k++) await run(i);
      const ms = now() - t0;
      if (ms >= minBlockMs || r >= maxReps) break;
      const guess = ms > 0 ? Math.ceil((r * minBlockMs * 1.25) / ms) : r * 8;
      r = Math.min(maxReps, r * 8, Math.max(r * 2, guess));
    }
    reps[i] = r;
  }
  for (let w = 0; w < warmup; w++) {
    for (let i = 0; i < n; i++) for (let k = 0; k < reps[i]; k++) await run(i);
  }
  const samples = new Float64Array(n * passes);
  for (let p = 0; p < passes; p++) {
    for (let i = 0; i < n; i++) {
      const r = reps[i];
      const t0 = now();
      for (let k = 0; k < r; k++) await run(i);
      samples[p * n + i] = ((now() - t0) * 1000) / r;
    }
  }
  return { samples_us: samples, reps };
}

const round3 = (x) => Math.round(x * 1000) / 1000;

/** mean, p50, p99 (nearest rank, as the Rust bench) and evaluations per second. */
export function stats(samplesUs) {
  const s = Float64Array.from(samplesUs).sort();
  const n = Math.max(1, s.length);
  const at = (q) => (s.length ? s[Math.min(n, Math.max(1, Math.ceil(q * n))) - 1] : 0);
  const mean = s.reduce((a, b) => a + b, 0) / n;
  return {
    samples: s.length,
    evaluations_per_s: mean > 0 ? Math.round(1e6 / mean) : 0,
    mean_us: round3(mean),
    p50_us: round3(at(0.5)),
    p99_us: round3(at(0.99)),
  };
}

/** The smallest step performance.now() takes here, in µs (the clock's resolution). */
export function clockStepUs(now) {
  let best = Infinity;
  for (let k = 0; k < 50; k++) {
    const a = now();
    let b = now();
    while (b === a) b = now();
    best = Math.min(best, b - a);
  }
  return round3(best * 1000);
}

/** The median of a list of integers (for reporting the repetitions used). */
export function median(xs) {
  const s = Array.from(xs).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : 0;
}
