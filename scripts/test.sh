#!/usr/bin/env bash
# Sets up everything and runs all of nextbest's tests: format, lints (native and
# wasm), native unit and integration tests, the bundled pack's check and fixtures,
# the page tests and the wasm tests in headless Chromium, and a short benchmark run.
#
#   scripts/test.sh
#
# Every step runs even when an earlier one failed, so one run shows every failure;
# the exit status is non-zero when any step failed. Setup failing stops at once.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

passed=() failed=() timings=()
step() {
  local name=$1 status=ok t0=$SECONDS; shift
  echo; echo "== $name: $*"
  if "$@"; then passed+=("$name"); else failed+=("$name"); status=FAILED; echo "== $name: FAILED"; fi
  timings+=("$(printf '%-12s %5ds  %s' "$name" $((SECONDS - t0)) "$status")")
}

echo "== setup"
t0=$SECONDS
scripts/setup.sh --browser || { echo "test.sh: FAILED in setup" >&2; exit 1; }
timings+=("$(printf '%-12s %5ds  %s' setup $((SECONDS - t0)) ok)")

step fmt         cargo fmt --check
step clippy      cargo clippy --all-targets -- -D warnings
step clippy-wasm cargo clippy --all-targets --target wasm32-unknown-unknown --no-default-features -- -D warnings
step unit        cargo test
step check       cargo run --release --quiet -- check
step fixtures    cargo run --release --quiet -- test
step build-wasm  scripts/build-wasm.sh
step build-web   scripts/build-web.sh
# The page in headless Chromium (playwright-core): teller, lobby and studio screens.
e2e() { (cd tests/e2e && npm ci --silent && node --test --test-concurrency=1 .); }
step e2e         e2e
# The runner starts chromedriver, which starts /usr/bin/chromium with webdriver.json's args.
step wasm-tests  env CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-60}" \
  cargo test --target wasm32-unknown-unknown --no-default-features --tests
# nextbest (native, wasm in Chromium and Node) on 100 customers, one pass: any
# rule firing differently from the hand-written baseline fails. Peers are the
# benchmark command's (scripts/bench-all.sh), not the test suite's.
step bench       scripts/bench-all.sh --customers 100 --passes 1 --no-scaling --nextbest-only

# Each cargo-fuzz target for a minute from the seeds (scripts/fuzz.sh runs them for longer).
step fuzz        scripts/fuzz.sh --smoke 30
echo; echo "== timings"
printf '%s\n' "${timings[@]}"
echo
if [ ${#failed[@]} -eq 0 ]; then
  echo "test.sh: PASSED, all ${#passed[@]} steps (${passed[*]}) in ${SECONDS}s"
else
  echo "test.sh: FAILED ${#failed[@]} of $(( ${#passed[@]} + ${#failed[@]} )) steps: ${failed[*]} (${SECONDS}s)"
  exit 1
fi
