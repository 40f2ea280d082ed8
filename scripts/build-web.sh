#!/usr/bin/env bash
# Bundles the page's scripts with esbuild (pinned in www/editor/package-lock.json):
#   www/dist/editor.js   the rule studio's editor, CodeMirror 6 (from www/editor/entry.js)
#   www/dist/worker.js   the engine's worker (from www/js/worker.js, with the wasm glue)
#   www/dist/app.js      the page itself (from www/js/app.js and what it imports), one
#                        file instead of eight requests; index.html loads it, or
#                        www/js/app.js unbundled when it is missing. The wasm glue
#                        (../pkg), the deployment's ../config.js and the editor stay
#                        separate files.
# Neither is committed, like www/pkg. Edit www/js/ and run this again.
# npm ci installs exactly the locked versions; esbuild is one of them.
set -euo pipefail
cd "$(dirname "$0")/../www/editor"
command -v npm >/dev/null || { echo "build-web: ERROR: npm not found; run scripts/setup.sh --browser" >&2; exit 1; }

npm ci --silent --no-audit --no-fund
npx --no-install esbuild entry.js --bundle --format=esm --minify --log-level=warning --outfile=../dist/editor.js
npx --no-install esbuild ../js/app.js --bundle --format=esm --minify --log-level=warning \
  --external:../pkg/nextbest.js --external:../config.js --external:../dist/editor.js --outfile=../dist/app.js
# The engine's worker (www/js/worker.js, started by engine.js as ./worker.js beside
# the script that starts it), with the wasm glue bundled in: one request, not two in
# a row, before the worker can start.
npx --no-install esbuild ../js/worker.js --bundle --format=esm --minify --log-level=warning --outfile=../dist/worker.js
echo "build-web: www/dist/editor.js $(du -k ../dist/editor.js | cut -f1) KB, www/dist/app.js $(du -k ../dist/app.js | cut -f1) KB, www/dist/worker.js $(du -k ../dist/worker.js | cut -f1) KB"
