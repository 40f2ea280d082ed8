#!/usr/bin/env bash
# The benchmark of issue 5: nextbest native (bundled pack and the fixed
# benchmark pack in tests/bench/pack/) against the same benchmark pack written
# by hand in plain Rust, over the same generated customers. Fails when the two
# fire different rules for any customer. Prints a table and writes
# target/bench/summary.json.
#
#   scripts/bench-all.sh [extra flags for nextbest-bench, e.g. --passes 20 --txns 100]
#
# Flags given here override the defaults: 1,000 customers from seed 7, 1 warm-up and 10 timed passes per
# engine. The wasm module's size is included when www/pkg/ is built
# (scripts/build-wasm.sh). `cargo run --release -p nextbest-bench -- --help`
# lists every flag.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

cargo build --release -p nextbest-bench
exec cargo run --release --quiet -p nextbest-bench -- --customers 1000 --seed 7 "$@"
