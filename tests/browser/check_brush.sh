#!/usr/bin/env bash
# Usage: check_brush.sh SWEEP_BINARY SOURCE_DIR WORK_DIR
# Writes the fixture's report with the sections beyond pycls and drags brushes in
# it (brush.js, puppeteer-core driving Debian's chromium). puppeteer-core is
# installed into WORK_DIR/../node from tests/browser/package-lock.json with
# `npm ci` (no browser download); skipped (77) when node, npm or the package
# cannot be had.
set -euo pipefail
sweep=$1 src=$2 work=$3
here=$src/tests/browser

if ! command -v chromium >/dev/null; then
  "$src/scripts/install-deps" browser || { echo "chromium is not installed and cannot be: skipped"; exit 77; }
fi
command -v node >/dev/null && command -v npm >/dev/null || { echo "node and npm are needed: skipped"; exit 77; }
modules=$(dirname "$work")/node
if ! cmp -s "$here/package-lock.json" "$modules/package-lock.json" 2>/dev/null || [[ ! -d $modules/node_modules/puppeteer-core ]]; then
  rm -rf "$modules" && mkdir -p "$modules"
  cp "$here/package.json" "$here/package-lock.json" "$modules/"
  (cd "$modules" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --ignore-scripts --prefer-offline --no-audit --no-fund >npm.log 2>&1) ||
    { tail -5 "$modules/npm.log"; echo "npm ci of puppeteer-core failed (no registry?): skipped"; rm -rf "$modules/node_modules"; exit 77; }
fi

rm -rf "$work" && mkdir -p "$work/fake/optim_64"
cp "$src/tests/data/analyze/sweep.json" "$work/fake/optim_64/"
"$sweep" analyze --sweep-cfg "$here/brush_cfg.yaml" ROOT_DIR "$work"
NODE_PATH="$modules/node_modules" node "$here/brush.js" "$work/fake/optim_64/analysis.html" "$work/fake/optim_64/sweep.json" "$work"
