#!/usr/bin/env bash
# Evaluations per second of the bundled pack over the bundled sample customers,
# native (`nextbest bench`) and wasm in Node (tests/bench/wasm.mjs), side by side.
#
#   scripts/bench.sh [--seconds N] [--customers FILE] [--out FILE]
#
# Defaults: 5 seconds each, the bundled samples, results in target/bench/first.json.
# Builds first (a no-op when up to date) so the figures are for the current source.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

seconds=5 out=target/bench/first.json customers=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --customers) customers=(--customers "$2"); shift 2 ;;
    *) echo "bench: unknown option $1" >&2; exit 2 ;;
  esac
done
command -v node >/dev/null || { echo "bench: ERROR: node not found; run scripts/setup.sh --browser" >&2; exit 1; }

cargo build --release --quiet
scripts/build-wasm.sh >/dev/null 2>&1 || scripts/build-wasm.sh   # quiet unless it fails

native=$("${CARGO_TARGET_DIR:-target}/release/nextbest" bench --seconds "$seconds" "${customers[@]}")
wasm=$(node tests/bench/wasm.mjs --seconds "$seconds" "${customers[@]}")
echo "native: $native"
echo "wasm:   $wasm"
node tests/bench/report.mjs "$native" "$wasm" "$out" "$seconds"

# An empty customer list measures nothing: say so rather than print a zero as a result.
if grep -q '"evaluations":0[,}]' <<<"$native$wasm"; then
  echo "bench: ERROR: no evaluations (are the bundled sample customers empty? rules/samples/customers.json)" >&2
  exit 1
fi
