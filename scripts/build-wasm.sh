#!/usr/bin/env bash
# Builds the WebAssembly module and its JS glue:
#   www/pkg/          --target web     (the page loads ./pkg/nextbest.js and calls init())
#   target/pkg-node/  --target nodejs  (the wasm benchmark, tests/bench/wasm.mjs)
# --no-default-features leaves out the `cli` feature (clap, schemars): the page needs neither.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
command -v wasm-bindgen >/dev/null || { echo "build-wasm: ERROR: wasm-bindgen not found; run scripts/setup.sh" >&2; exit 1; }

cargo build --lib --release --target wasm32-unknown-unknown --no-default-features
wasm="${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/release/nextbest.wasm"
wasm-bindgen --target web --out-dir www/pkg "$wasm"
wasm-bindgen --target nodejs --out-dir target/pkg-node "$wasm"
echo "build-wasm: www/pkg/nextbest_bg.wasm $(du -k www/pkg/nextbest_bg.wasm | cut -f1) KB; target/pkg-node"
