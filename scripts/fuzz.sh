#!/usr/bin/env bash
# Fuzzes the engine with cargo-fuzz (libFuzzer): the targets in fuzz/fuzz_targets.
#
#   scripts/fuzz.sh                       every target for 900 s, corpus kept in fuzz/corpus/
#   scripts/fuzz.sh --smoke [SECONDS]     every target for SECONDS (default 60) from the seeds only
#   scripts/fuzz.sh --seconds N [TARGET...]
#
# Targets: customer_json, rule_source, pack (default: all, one after another,
# one process each). Installs the nightly toolchain and cargo-fuzz 0.13.2 when
# missing, builds the targets, makes seed corpora from the bundled pack
# (scripts/fuzz_seeds.py), runs each target and prints, per target, the
# executions, exec/s, coverage (libFuzzer's cov/ft) and corpus size. A crash,
# timeout or out-of-memory stops that target, prints the input's path
# (fuzz/artifacts/TARGET/...) and makes the script exit 1; the other targets
# still run. Reproduce with: cargo +nightly fuzz run TARGET ARTIFACT; pin it as a
# regression by copying it into fuzz/regressions/TARGET/ (tests/fuzz_inputs.rs
# replays those and fuzz/curated/ in plain `cargo test`).
#
# Logs: fuzz/logs/TARGET.log. Long runs grow fuzz/corpus/TARGET (not committed);
# the smoke run starts from the seeds each time and keeps nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

ALL_TARGETS=(customer_json rule_source pack)
CARGO_FUZZ_VERSION=0.13.2
seconds=900 smoke=0 targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke)
      smoke=1 seconds=60
      if [ $# -gt 1 ] && [[ $2 =~ ^[0-9]+$ ]]; then seconds=$2; shift; fi ;;
    --seconds)
      [ $# -gt 1 ] && [[ $2 =~ ^[0-9]+$ ]] || { echo "fuzz.sh: --seconds needs a number" >&2; exit 2; }
      seconds=$2; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *)
      [[ " ${ALL_TARGETS[*]} " == *" $1 "* ]] || { echo "fuzz.sh: unknown target $1 (${ALL_TARGETS[*]})" >&2; exit 2; }
      targets+=("$1") ;;
  esac
  shift
done
[ ${#targets[@]} -gt 0 ] || targets=("${ALL_TARGETS[@]}")

# Debian packages, only when a command is missing; `apt-get update` at most once.
APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null || { echo "fuzz.sh: install by hand: $*" >&2; exit 1; }
  if [ "$APT_UPDATED" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    APT_UPDATED=1
  fi
  echo "== apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" </dev/null
}

# Tools: a C++ compiler (libfuzzer-sys builds libFuzzer), the nightly
# toolchain (cargo-fuzz needs it), cargo-fuzz, python3 for the seeds.
command -v c++ >/dev/null || apt_install g++
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  echo "== installing the nightly toolchain"
  rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz $CARGO_FUZZ_VERSION"
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked \
    || cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION"
fi
command -v python3 >/dev/null || apt_install python3

echo "== build: cargo +nightly fuzz build (release, debug assertions, AddressSanitizer)"
cargo +nightly fuzz build

echo "== seeds"
rm -rf fuzz/seeds
python3 scripts/fuzz_seeds.py fuzz/seeds

# malloc_context_size=0: no stack trace kept for every allocation (about a
# tenth of the run time); a report still has the faulting stack.
export ASAN_OPTIONS="${ASAN_OPTIONS:-malloc_context_size=0}"
mkdir -p fuzz/logs
summary=() crashed=()
for t in "${targets[@]}"; do
  if [ "$smoke" = 1 ]; then
    corpus=fuzz/target/smoke-corpus/$t
    rm -rf "$corpus"
  else
    corpus=fuzz/corpus/$t
  fi
  mkdir -p "$corpus" "fuzz/artifacts/$t"
  # Inputs up to the largest seed, at least 4 KiB (a long rule, a big customer).
  case "$t" in customer_json) dict=fuzz/dict/customer.dict ;; *) dict=fuzz/dict/rhai.dict ;; esac
  max_len=$(find "fuzz/seeds/$t" "$corpus" -type f -printf '%s\n' | sort -n | tail -1)
  [ "${max_len:-0}" -ge 4096 ] || max_len=4096
  log=fuzz/logs/$t.log
  echo "== $t: ${seconds}s (log $log)"
  # One process (libFuzzer's default; -jobs would fork workers), a 10 s
  # limit per input (the engine's own budgets stop a rule far sooner).
  status=ok
  if ! cargo +nightly fuzz run "$t" "$corpus" "fuzz/seeds/$t" -- \
      -max_total_time="$seconds" -dict="$dict" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 >"$log" 2>&1; then
    status=CRASH
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+[[:space:]].*cov: ' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([^ ]*\).*/\1/p' <<<"$last")
  artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
  if [ "$status" = CRASH ]; then
    # A failure before any run (a build or dictionary error) has no artifact.
    grep -E 'panicked at|ERROR: libFuzzer|ERROR: AddressSanitizer|deadly signal|SUMMARY' "$log" | head -5 || tail -20 "$log"
    echo "== $t: FAILED; input: ${artifact:-(none, see $log)}"
    [ -n "$artifact" ] && echo "   reproduce: cargo +nightly fuzz run $t $artifact"
    crashed+=("$t")
  fi
  summary+=("$(printf '%-14s %6ss %10s execs %7s/s  cov %6s  ft %6s  corpus %-12s %s %s' \
    "$t" "$seconds" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$status" "${artifact:-}")")
done

echo; echo "== fuzz summary"
printf '%s\n' "${summary[@]}"
if [ ${#crashed[@]} -gt 0 ]; then
  echo "fuzz.sh: FAILED: ${crashed[*]}"
  exit 1
fi
echo "fuzz.sh: PASSED, ${#targets[@]} target(s), no crash"
