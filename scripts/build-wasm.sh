#!/usr/bin/env bash
# Builds the WebAssembly module and its JS glue:
#   www/pkg/          --target web     (the page loads ./pkg/nextbest.js and calls init())
#   target/pkg-node/  --target nodejs  (the wasm benchmark, tests/bench/wasm.mjs)
#   www/samples/customers.json         (the page's sample customers, fetched beside the module)
# --no-default-features leaves out the `cli` feature (clap, schemars): the page needs neither.
#
# Then binaryen's wasm-opt (pinned in tools/wasm-opt/, installed by scripts/setup.sh)
# optimises the module both targets load, so the benchmark measures what the page ships.
# NEXTBEST_WASM_OPT overrides its flags (default -O3; "none" skips it, for experiments).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
command -v wasm-bindgen >/dev/null || { echo "build-wasm: ERROR: wasm-bindgen not found; run scripts/setup.sh" >&2; exit 1; }
wasm_opt=tools/wasm-opt/node_modules/.bin/wasm-opt
opt_flags=${NEXTBEST_WASM_OPT:--O3}
if [ "$opt_flags" != none ] && ! "$wasm_opt" --version >/dev/null 2>&1; then
  echo "build-wasm: ERROR: $wasm_opt not found; run scripts/setup.sh (npm ci in tools/wasm-opt)" >&2
  exit 1
fi

# The wasm profile (Cargo.toml): release, with rhai built for size.
cargo build --lib --profile wasm --target wasm32-unknown-unknown --no-default-features
wasm="${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/wasm/nextbest.wasm"
wasm-bindgen --target web --out-dir www/pkg "$wasm"
wasm-bindgen --target nodejs --out-dir target/pkg-node "$wasm"
raw_kb=$(du -k www/pkg/nextbest_bg.wasm | cut -f1)

if [ "$opt_flags" != none ]; then
  # Both targets get the same module from wasm-bindgen; optimise it once when they do.
  same=0
  cmp -s www/pkg/nextbest_bg.wasm target/pkg-node/nextbest_bg.wasm && same=1
  # shellcheck disable=SC2086 # the flags are words
  "$wasm_opt" $opt_flags www/pkg/nextbest_bg.wasm -o www/pkg/nextbest_bg.opt.wasm
  mv www/pkg/nextbest_bg.opt.wasm www/pkg/nextbest_bg.wasm
  if [ "$same" = 1 ]; then
    cp www/pkg/nextbest_bg.wasm target/pkg-node/nextbest_bg.wasm
  else
    # shellcheck disable=SC2086
    "$wasm_opt" $opt_flags target/pkg-node/nextbest_bg.wasm -o target/pkg-node/nextbest_bg.opt.wasm
    mv target/pkg-node/nextbest_bg.opt.wasm target/pkg-node/nextbest_bg.wasm
  fi
fi

# The sample customers are not in the module (build.rs keeps them out of wasm builds):
# the page fetches them from its own origin, as it does the module.
mkdir -p www/samples
cp rules/samples/customers.json www/samples/customers.json
# tests/bench/wasm.mjs (Node) reads them through sampleCustomers() on the package.
cp rules/samples/customers.json target/pkg-node/customers.json
cat >>target/pkg-node/nextbest.js <<'EOF'

// Added by scripts/build-wasm.sh: the sample customers, which the module no longer embeds.
exports.sampleCustomers = () => JSON.parse(require('fs').readFileSync(`${__dirname}/customers.json`, 'utf8'));
EOF

gz=$(gzip -6 -c www/pkg/nextbest_bg.wasm | wc -c)
echo "build-wasm: www/pkg/nextbest_bg.wasm ${raw_kb} KB from wasm-bindgen, $(du -k www/pkg/nextbest_bg.wasm | cut -f1) KB after wasm-opt ${opt_flags}, $((gz / 1024)) KB gzip; target/pkg-node; www/samples"
