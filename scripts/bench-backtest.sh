#!/usr/bin/env bash
# The backtest's native cost (issue 12): N generated customers (default 10,000,
# seed 7) through `nextbest backtest`, the bundled pack against a copy with one
# threshold lowered (params.large_cash_cny 50,000 → 30,000), in the release build.
# Prints the wall time of the whole command (reading the customers, compiling
# both packs, evaluating every customer twice, the summary) with and without the
# per-rule clock, then with --no-reuse (every rule run twice), and the time per customer.
#
#   scripts/bench-backtest.sh [N] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
n=${1:-10000} seed=${2:-7}
cargo build --release --quiet --bin nextbest
bin="${CARGO_TARGET_DIR:-target}/release/nextbest"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin" samples --count "$n" --seed "$seed" --jsonl > "$work/customers.jsonl"
cp -r rules "$work/draft"
sed -i 's/"large_cash_cny": 50000/"large_cash_cny": 30000/' "$work/draft/pack.json"
grep -q '"large_cash_cny": 30000' "$work/draft/pack.json" || { echo "bench-backtest: could not change the draft" >&2; exit 2; }
run() {
  local t0 t1
  t0=$(date +%s.%N)
  "$bin" backtest --draft "$work/draft" "$work/customers.jsonl" --now 2026-11-27T18:00:00+08:00 --json "$@" > "$work/out.json"
  t1=$(date +%s.%N)
  python3 - "$work/out.json" "$t0" "$t1" "$n" "$*" <<'PY'
import json, sys
b = json.load(open(sys.argv[1])); t = float(sys.argv[3]) - float(sys.argv[2]); n = int(sys.argv[4])
print(json.dumps({"bench": "nextbest backtest native", "flags": sys.argv[5], "customers": b["customers"],
                  "evaluations": 2 * b["compared"], "changed": b["changed"], "clock": b["clock"],
                  "seconds": round(t, 2), "us_per_customer": round(t * 1e6 / n, 1)}))
PY
}
run --no-timing
run
# Every rule of both packs run for every customer (nothing taken from the first run): the same output.
run --no-timing --no-reuse
