#!/usr/bin/env bash
# Sets up everything and starts nextbest on its embedded default pack:
# installs the toolchain, builds the CLI, the wasm module and the studio's editor,
# checks the bundled pack, runs the demo over the sample customers, then serves
# the page in www/ with `nextbest serve` (loopback, security headers on every response),
# its data in branch-data/ (SQLite). The first start there publishes the bundled pack as version 1,
# loads the sample customers into the hall, and prints one demo account per role to sign in with.
#
#   scripts/start.sh [--no-serve] [--port N] [--data DIR] [--frame-ancestor ORIGIN ...]
#
# NEXTBEST_NO_SERVE=1 is the same as --no-serve; NEXTBEST_PORT sets the port (default 8080);
# NEXTBEST_DATA sets the data folder (default branch-data, in the repo root).
# --frame-ancestor (repeatable) lets the teller system at ORIGIN embed the page (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

serve=1 frame=()
[ "${NEXTBEST_NO_SERVE:-0}" = 1 ] && serve=0
port=${NEXTBEST_PORT:-8080}
data=${NEXTBEST_DATA:-branch-data}
while [ $# -gt 0 ]; do
  case "$1" in
    --no-serve) serve=0; shift ;;
    --port) port=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --frame-ancestor) frame+=(--frame-ancestor "$2"); shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "start: unknown option $1" >&2; exit 2 ;;
  esac
done

step() { echo; echo "== $*"; }

step "setup"
scripts/setup.sh              # no chromium: the start does not need a browser

step "build the CLI (release)"
cargo build --release
nextbest="${CARGO_TARGET_DIR:-target}/release/nextbest"

step "build the wasm module"
scripts/build-wasm.sh

step "bundle the studio editor"
scripts/build-web.sh

step "check the bundled pack"
"$nextbest" check

step "demo: the bundled sample customers"
"$nextbest" demo

if [ "$serve" = 0 ]; then
  echo; echo "start: ok (not serving: --no-serve / NEXTBEST_NO_SERVE=1)"
  exit 0
fi

step "serve www/ (data: $data)"
# Loopback only. nextbest serve prints the URL, refuses a port in use, and stops on Ctrl-C.
exec "$nextbest" serve --addr "127.0.0.1:$port" --www www --data "$data" "${frame[@]}"
