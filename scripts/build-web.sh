#!/usr/bin/env bash
# Bundles the rule studio's editor (CodeMirror 6, pinned in www/editor/package-lock.json)
# into one ES module the page imports:
#   www/dist/editor.js   (from www/editor/entry.js; not committed, like www/pkg)
# npm ci installs exactly the locked versions; esbuild is one of them.
set -euo pipefail
cd "$(dirname "$0")/../www/editor"
command -v npm >/dev/null || { echo "build-web: ERROR: npm not found; run scripts/setup.sh --browser" >&2; exit 1; }

npm ci --silent --no-audit --no-fund
npx --no-install esbuild entry.js --bundle --format=esm --minify --log-level=warning --outfile=../dist/editor.js
echo "build-web: www/dist/editor.js $(du -k ../dist/editor.js | cut -f1) KB"
