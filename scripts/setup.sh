#!/usr/bin/env bash
# Installs what nextbest needs on a fresh Debian 12 machine (run as root).
# Idempotent: each step checks first and skips what is present at the right version.
#
#   scripts/setup.sh            toolchain for building and serving (start.sh)
#   scripts/setup.sh --browser  also rustfmt, clippy, Node.js, chromium and chromedriver (test.sh)
#
# The machine is expected to have Rust by rustup (cargo, rustc); everything else is installed here.
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "setup: ERROR: $*" >&2; exit 1; }
say() { echo "setup: $*"; }

# Debian packages, installed only when a command is missing; `apt-get update` at most once.
APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null || die "apt-get not found; install by hand: $*"
  [ "$(id -u)" = 0 ] || die "need root to apt-get install $* (run as root, or install them first)"
  if [ "$APT_UPDATED" = 0 ]; then
    say "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq || die "apt-get update failed"
    APT_UPDATED=1
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" </dev/null \
    || die "apt-get install $* failed"
}

setup_rust() {
  command -v cargo >/dev/null || die "cargo not found: this machine needs Rust by rustup (https://rustup.rs)"
  command -v rustup >/dev/null || die "rustup not found: the wasm32 target is added with rustup"
  command -v cc >/dev/null || apt_install gcc libc6-dev   # the native linker
  if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "wasm32-unknown-unknown target: present"
  else
    rustup target add wasm32-unknown-unknown || die "rustup target add wasm32-unknown-unknown failed"
  fi
}

# wasm-bindgen's CLI must be exactly the version of the wasm-bindgen crate in Cargo.lock,
# or the generated JS glue does not match the module.
setup_wasm_bindgen() {
  local v
  v=$(cargo pkgid wasm-bindgen 2>/dev/null | sed 's/.*@//') || true
  [[ "$v" =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]] || die "cannot read wasm-bindgen's version from Cargo.lock (cargo pkgid wasm-bindgen)"
  if [ "$(wasm-bindgen --version 2>/dev/null)" = "wasm-bindgen $v" ] \
    && [ "$(wasm-bindgen-test-runner --version 2>/dev/null)" = "wasm-bindgen-test-runner $v" ]; then
    say "wasm-bindgen-cli $v: present"
    return
  fi
  say "cargo install wasm-bindgen-cli $v (about 2 minutes)"
  # --locked first; its lockfile can name a crate version this registry lacks, so retry unlocked.
  cargo install wasm-bindgen-cli --version "$v" --locked \
    || cargo install wasm-bindgen-cli --version "$v" \
    || die "cargo install wasm-bindgen-cli $v failed"
  [ "$(wasm-bindgen --version)" = "wasm-bindgen $v" ] \
    || die "wasm-bindgen on PATH is '$(wasm-bindgen --version)', expected $v (is ~/.cargo/bin first on PATH?)"
}

setup_serve() {
  command -v python3 >/dev/null || apt_install python3   # the page tests' plain static server (tests/e2e/harness.mjs)
  # The studio's editor is bundled from npm packages at build time (scripts/build-web.sh).
  command -v node >/dev/null || apt_install nodejs
  command -v npm >/dev/null || apt_install npm
}

# binaryen's wasm-opt shrinks the wasm module (scripts/build-wasm.sh). Debian's
# binaryen 108 writes modules that fail at init, so it comes from npm, pinned in
# tools/wasm-opt/package-lock.json.
setup_wasm_opt() {
  local want have
  want=$(sed -n 's/.*"binaryen": "\([0-9]*\)\..*/\1/p' tools/wasm-opt/package.json)
  have=$(tools/wasm-opt/node_modules/.bin/wasm-opt --version 2>/dev/null) || true
  if [ -n "$want" ] && [ "$have" = "wasm-opt version $want (version_$want)" ]; then
    say "wasm-opt $want: present"
    return
  fi
  say "npm ci in tools/wasm-opt (binaryen $want)"
  (cd tools/wasm-opt && npm ci --silent --no-audit --no-fund) || die "npm ci in tools/wasm-opt failed"
  tools/wasm-opt/node_modules/.bin/wasm-opt --version >/dev/null || die "wasm-opt does not run after npm ci in tools/wasm-opt"
}

setup_test_tools() {
  for c in rustfmt clippy; do
    if rustup component list --installed | grep -q "^$c"; then
      say "$c: present"
    else
      rustup component add "$c" || die "rustup component add $c failed"
    fi
  done
  command -v node >/dev/null || apt_install nodejs   # the wasm benchmark runs in Node
  local missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  [ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
  if [ ${#missing[@]} -gt 0 ]; then
    apt_install "${missing[@]}"
  else
    say "chromium and chromedriver: present"
  fi
  # Screenshots of a Chinese-first page need a CJK font; a fresh machine has none.
  if fc-list 2>/dev/null | grep -qi 'wenquanyi\|noto sans cjk'; then
    say "CJK font: present"
  else
    apt_install fonts-wqy-microhei
  fi
  # The two must be the same build, or chromedriver refuses the browser.
  local cv dv
  cv=$(/usr/bin/chromium --version 2>/dev/null | grep -o '[0-9][0-9.]*' | head -1)
  dv=$(/usr/bin/chromedriver --version 2>/dev/null | grep -o '[0-9][0-9.]*' | head -1)
  [ -n "$cv" ] && [ "$cv" = "$dv" ] || die "chromium ($cv) and chromedriver ($dv) differ: apt-get install -y chromium chromium-driver"
  # The benchmark's JavaScript engines (scripts/bench-all.sh): json-rules-engine, playwright-core.
  command -v npm >/dev/null || apt_install npm
  say "npm ci in tests/bench/js"
  npm ci --prefix tests/bench/js --silent --no-audit --no-fund || die "npm ci in tests/bench/js failed"
}

browser=0
for arg in "$@"; do
  case "$arg" in
    --browser) browser=1 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) die "unknown option $arg (expected --browser)" ;;
  esac
done

# cargo install puts binaries here; a fresh login shell may not have it on PATH yet.
export PATH="$HOME/.cargo/bin:$PATH"
setup_rust
setup_wasm_bindgen
setup_serve
setup_wasm_opt
if [ "$browser" = 1 ]; then setup_test_tools; fi
say "ok"
