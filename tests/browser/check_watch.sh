#!/usr/bin/env bash
# Usage: check_watch.sh SWEEP_BINARY DIGITS_TRAIN SOURCE_DIR WORK_DIR
# A small digits sweep runs locally while `sweep watch --every 1` rewrites its report; headless
# Chromium (watch_reload.js, puppeteer-core) keeps the page open and checks that it reloads itself
# with each round, keeps its scroll position, pauses when asked, and stops on the last page.
# Skipped (77) as check_brush.sh is, without chromium, node or the package.
set -euo pipefail
sweep=$1 train=$2 src=$3 work=$4
here=$src/tests/browser
# shellcheck source=puppeteer.sh
source "$here/puppeteer.sh"

rm -rf "$work" && mkdir -p "$work"
cfg=$src/examples/digits/digits_optim.yaml
args=(ROOT_DIR "$work" NAME digits/watched SETUP.NUM_CONFIGS 4 SETUP.BASE_CFG.OPTIM.MAX_EPOCH 300
      LAUNCH.PARALLEL_JOBS 1 "ANALYZE.PRE_FILTERS" "{}")
"$sweep" setup --sweep-cfg "$cfg" -q "${args[@]}" >/dev/null
"$sweep" launch --sweep-cfg "$cfg" -y "${args[@]}" LAUNCH.COMMAND "$train --cfg {cfg} --mode {mode} OUT_DIR {out_dir}" \
  >"$work/launch.log" 2>&1 &
launcher=$!
until "$sweep" status --sweep-cfg "$cfg" --summary "${args[@]}" | grep -Eq ' [1-9][0-9]* running'; do sleep 0.05; done
"$sweep" watch --sweep-cfg "$cfg" --every 1 "${args[@]}" >"$work/watch.log" 2>&1 &
watcher=$!
page=$work/digits/watched/analysis.html
until grep -q 'data-round=' "$page" 2>/dev/null; do sleep 0.05; done
rc=0
NODE_PATH="$modules/node_modules" node "$here/watch_reload.js" "$page" "$work" || rc=$?
wait "$watcher" || rc=$?
wait "$launcher" || rc=$?
tail -1 "$work/watch.log"
exit "$rc"
