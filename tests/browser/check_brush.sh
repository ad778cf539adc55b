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

# shellcheck source=puppeteer.sh
source "$here/puppeteer.sh"

rm -rf "$work" && mkdir -p "$work/fake/optim_64"
cp "$src/tests/data/analyze/sweep.json" "$work/fake/optim_64/"
"$sweep" analyze --sweep-cfg "$here/brush_cfg.yaml" ROOT_DIR "$work"
NODE_PATH="$modules/node_modules" node "$here/brush.js" "$work/fake/optim_64/analysis.html" "$work/fake/optim_64/sweep.json" "$work"
