#!/usr/bin/env bash
# The benchmark of issue 5, in one command: the same generated customers
# through nextbest native (bundled pack and the benchmark pack in
# tests/bench/pack/), the benchmark pack written by hand in Rust (the floor),
# zen-engine, json-rules-engine (Node), and nextbest's wasm module in headless
# Chromium and in Node. Every engine's fired rules are checked against the
# hand-written ones for every customer; any mismatch fails the run. Prints a
# table and the targets, writes target/bench/summary.json and table.md, and
# (unless --no-scaling) target/bench/scaling.json and scaling.svg.
# Then the branch server's latency (tests/bench/branch_latency.mjs): 50
# simulated devices on loopback writing records and listening for updates, for
# 20 s; how long until a record is on every other device entitled to it (the
# target: p95 < 300 ms); any missing delivery fails the run. It writes
# target/bench/branch_latency.json and its figures close the summary.
#
#   scripts/bench-all.sh [--customers N] [--seed N] [--passes N] [--warmup N] [--txns N]
#                        [--no-scaling] [--save] [--nextbest-only] [other nextbest-bench flags]
#
# --nextbest-only: nextbest (native, wasm in Chromium and Node) and the
# hand-written baseline, with the same mismatch check, but no peers: the bench
# crate is built without zen-engine (~380 crates) and json-rules-engine is not
# run; the branch server's latency runs 5 s instead of 20. The test suite's
# smoke uses it.
#
# Defaults: 1,000 customers from seed 7, 1 warm-up and 10 timed passes per
# engine, scaling on. --save copies summary.json, scaling.svg and table.md into
# tests/bench/results/ (committed, shown in the README). Smoke run, as CI does:
#   scripts/bench-all.sh --customers 100 --passes 1 --no-scaling
# Needs Node.js and /usr/bin/chromium: scripts/setup.sh --browser.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

die() { echo "bench-all: ERROR: $*" >&2; exit 2; }
say() { echo; echo "== bench-all: $*"; }

customers=1000 seed=7 passes=10 warmup=1 txns="" scaling=--scaling save=0 peers=1
rust=()
while [ $# -gt 0 ]; do
  case "$1" in
    --customers|--seed|--passes|--warmup|--txns)
      [ $# -ge 2 ] || die "$1 needs a value"
      case "$1" in
        --customers) customers=$2 ;; --seed) seed=$2 ;; --passes) passes=$2 ;;
        --warmup) warmup=$2 ;; --txns) txns=$2 ;;
      esac
      shift 2 ;;
    --no-scaling) scaling=--no-scaling; shift ;;
    --scaling) scaling=--scaling; shift ;;
    --save) save=1; shift ;;
    --nextbest-only) peers=0; shift ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) rust+=("$1"); shift ;;
  esac
done

command -v node >/dev/null || die "node not found: run scripts/setup.sh --browser"
[ -x /usr/bin/chromium ] || die "/usr/bin/chromium not found: run scripts/setup.sh --browser"
command -v npm >/dev/null || die "npm not found: run scripts/setup.sh --browser"

started=$SECONDS
say "build (release): nextbest-bench, nextbest CLI (the JS scripts' reference), wasm module"
features=()
[ "$peers" = 1 ] || features=(--no-default-features)
[ "$peers" = 1 ] || [ "$save" = 0 ] || die "--save needs the peers: drop --nextbest-only"
cargo build --release -p nextbest-bench ${features[@]+"${features[@]}"} --bins
cargo build --release -p nextbest --bins
scripts/build-wasm.sh
if [ ! -d tests/bench/js/node_modules ]; then
  say "npm ci --prefix tests/bench/js"
  npm ci --prefix tests/bench/js --silent --no-audit --no-fund || die "npm ci in tests/bench/js failed"
fi

bench() { cargo run --release --quiet -p nextbest-bench ${features[@]+"${features[@]}"} -- "$@"; }
common=(--customers "$customers" --seed "$seed" --passes "$passes" --warmup "$warmup")
[ -z "$txns" ] || common+=(--txns "$txns")

say "customers: $customers from seed $seed${txns:+, $txns transactions each}"
file=target/bench/customers.json
bench "${common[@]}" --write-customers "$file"
# Results from an earlier run must not be compared with these customers.
rm -f target/bench/engines/*.json

failed=()
scripts=(chromium node-wasm)
[ "$peers" = 0 ] || scripts=(jre "${scripts[@]}")
for script in "${scripts[@]}"; do
  say "node tests/bench/js/$script.mjs"
  node "tests/bench/js/$script.mjs" --customers "$file" --passes "$passes" --warmup "$warmup" || failed+=("$script.mjs")
done

say "nextbest native, hand-written Rust, zen-engine; merge, check and report"
rc=0
worst=()
[ "$peers" = 0 ] || worst=(--worst-case)
bench "${common[@]}" --customers-file "$file" --engines target/bench/engines "$scaling" ${worst[@]+"${worst[@]}"} ${rust[@]+"${rust[@]}"} || rc=$?

# The branch server under load: the release binary built above, on loopback.
latency=(--devices 50 --seconds 20)
[ "$peers" = 1 ] || latency=(--devices 50 --seconds 5)
say "branch server: node tests/bench/branch_latency.mjs ${latency[*]}"
rm -f target/bench/branch_latency.json
node tests/bench/branch_latency.mjs "${latency[@]}" --bin "${CARGO_TARGET_DIR:-target}/release/nextbest" \
  --out target/bench/branch_latency.json || failed+=(branch_latency.mjs)

# The workbench's backtest in Chromium (10,000 customers × 2 packs): the benchmark command's, not the test suite's smoke.
if [ "$peers" = 1 ]; then
  say "workbench backtest in Chromium: node tests/bench/backtest_browser.mjs"
  node tests/bench/backtest_browser.mjs --runs 4 || failed+=(backtest_browser.mjs)
fi

say "summary"
echo "engines: the table and targets above (target/bench/table.md, summary.json)"
if [ -f target/bench/branch_latency.json ]; then
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const d = r.delivery_ms, a = r.write_ack_ms, f = r.floor_get_session_ms;
    console.log(`branch server: ${r.devices} devices, ${r.writes} writes in ${r.seconds} s; ` +
      `deliveries ${r.received_deliveries}/${r.expected_deliveries}` +
      (r.unexpected_deliveries ? `, ${r.unexpected_deliveries} unexpected` : "") +
      (r.stream_reconnects ? `, ${r.stream_reconnects} stream reconnects` : ""));
    console.log(`  record on another device, ms: p50 ${d.p50}  p95 ${d.p95}  p99 ${d.p99}  max ${d.max}; ` +
      `write ack p50 ${a.p50}  p95 ${a.p95}; loopback GET /api/session p50 ${f.p50}  p95 ${f.p95}`);
    console.log(`  target p95 < ${r.target_p95_ms} ms: ${r.meets_target ? "met" : "NOT MET"}`);
  ' target/bench/branch_latency.json
else
  echo "branch server: no figures (branch_latency.mjs failed before writing them)"
fi

if [ "$save" = 1 ]; then
  [ "$rc" = 0 ] && [ ${#failed[@]} -eq 0 ] || die "not saving the results of a failed run"
  mkdir -p tests/bench/results
  cp target/bench/summary.json target/bench/table.md tests/bench/results/
  [ "$scaling" = --no-scaling ] || cp target/bench/scaling.svg target/bench/scaling.json tests/bench/results/
  cp target/bench/branch_latency.json tests/bench/results/
  echo "bench-all: saved tests/bench/results/ ($(ls tests/bench/results | tr '\n' ' '))"
fi

echo "bench-all: $((SECONDS - started)) s"
[ ${#failed[@]} -eq 0 ] || { echo "bench-all: FAILED: ${failed[*]} (see above)" >&2; exit 1; }
exit "$rc"
