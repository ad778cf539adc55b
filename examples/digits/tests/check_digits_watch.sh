#!/usr/bin/env bash
# Usage: check_digits_watch.sh SWEEP DIGITS_TRAIN CONFIG_DIR WORK_DIR
# `sweep watch` on real local sweeps of the digits example while they run:
# 1. watch --every 1 beside a launch: the report appears and is rewritten as jobs end (a poller reads the
#    page's progress block while it runs), the live page carries the reloading script, and the watch ends
#    by itself when no job is queued or running, with a last page that no longer reloads;
# 2. SIGTERM to a watch mid-sweep: it stops between rounds (exit 0, says so), the launch and its jobs run
#    on untouched, no temporary file is left, no checkpoint was deleted, and every job still ends done.
set -euo pipefail
sweep=$1 train=$2 configs=$3 work=$4
cfg=$configs/digits_optim.yaml
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
# DATA_FILE: the job's default (compiled in); PRE_FILTERS off, so a job that has begun is in the report.
common=(ROOT_DIR "$work" LAUNCH.PARALLEL_JOBS 1 "ANALYZE.PRE_FILTERS" "{}" SETUP.BASE_CFG.TRAIN.CHECKPOINT_PERIOD 10)
command=(LAUNCH.COMMAND "$train --cfg {cfg} --mode {mode} OUT_DIR {out_dir}")

launch_in_background() {  # NAME CONFIGS EPOCHS
  local args=("${common[@]}" NAME "digits/$1" SETUP.NUM_CONFIGS "$2" SETUP.BASE_CFG.OPTIM.MAX_EPOCH "$3")
  "$sweep" setup --sweep-cfg "$cfg" -q "${args[@]}" >/dev/null
  "$sweep" launch --sweep-cfg "$cfg" -y "${args[@]}" "${command[@]}" >"$work/$1.launch.log" 2>&1 &
  launcher=$!
  # The watch starts once the launch holds its jobs (a watch of a sweep with nothing queued ends at once).
  for _ in $(seq 200); do
    "$sweep" status --sweep-cfg "$cfg" --summary "${args[@]}" 2>/dev/null | grep -Eq ' [1-9][0-9]* running' && return 0
    sleep 0.05
  done
  fail "the launch of $1 did not start its jobs: $(cat "$work/$1.launch.log")"
}

# Reads the page's progress block (round, done, final) every 0.1 s while the watch runs.
poll_page() {  # PAGE OUT
  while :; do
    if [[ -f $1 ]]; then
      local live
      live=$(grep -o '<div id="sweep-live"[^>]*>' "$1" || true)
      [[ -n $live ]] && echo "$(grep -c '<h3 id=' "$1" || true) $live" >>"$2"
      grep -q 'location.reload' "$1" && cp "$1" "$2.live.html" 2>/dev/null || true
    fi
    sleep 0.1
  done
}
attr() { sed -n "s/.* $1=\"\\([0-9]*\\)\".*/\\1/p" <<<"$2"; }

# 1. A whole sweep watched to its end.
launch_in_background watched 3 200
dir=$work/digits/watched
poll_page "$dir/analysis.html" "$work/seen.txt" &
poller=$!
out=$("$sweep" watch --sweep-cfg "$cfg" --every 1 "${common[@]}" NAME digits/watched SETUP.NUM_CONFIGS 3 SETUP.BASE_CFG.OPTIM.MAX_EPOCH 200)
kill "$poller"; wait "$poller" 2>/dev/null || true
wait "$launcher" || fail "the launch failed: $(cat "$work/watched.launch.log")"
echo "$out"
rounds=$(grep -c '^\[round ' <<<"$out")
((rounds >= 3)) || fail "expected 3 rounds or more while 3 jobs ran one after another, got $rounds"
grep -q "^watch: no job is queued or running (3 jobs: 3 done, 0 running, 0 failed" <<<"$out" || fail "the watch did not say why it ended"
grep -q "Report: $dir/analysis.html" <<<"$out" || fail "the watch did not print the report's path"
# The page as the poller saw it: several rounds with a report (sections), done counts that only grow.
reports=$(awk '$1 > 0' "$work/seen.txt" | grep -o 'data-round="[0-9]*"' | sort -u | wc -l)
((reports >= 2)) || fail "the poller saw the report in $reports round(s), expected it rewritten at least twice: $(cat "$work/seen.txt")"
done_seen=$(grep -o 'data-done="[0-9]*"' "$work/seen.txt" | grep -o '[0-9]*' | uniq | tr '\n' ' ')
sorted=$(tr ' ' '\n' <<<"$done_seen" | grep . | sort -n | tr '\n' ' ')
[[ $done_seen == "$sorted" ]] || fail "done counts went back: $done_seen"
(($(wc -w <<<"$done_seen") >= 2)) || fail "the page's done count never changed: $done_seen"
[[ -f $work/seen.txt.live.html ]] || fail "no live page (with the reloading script) was seen"
grep -q 'id="sweep-live-reload"' "$work/seen.txt.live.html" || fail "the live page has no reload checkbox"
final=$(grep -o '<div id="sweep-live"[^>]*>' "$dir/analysis.html")
[[ $(attr data-final "$final") == 1 && $(attr data-done "$final") == 3 ]] || fail "the last page is not final with 3 done: $final"
! grep -q 'location.reload' "$dir/analysis.html" || fail "the last page still reloads itself"
grep -q '"jobs_analysed": 3' "$dir/analysis.json" || fail "analysis.json does not hold the 3 jobs"
echo "page seen in rounds: $(grep -o 'data-round="[0-9]*"' "$work/seen.txt" | grep -o '[0-9]*' | uniq | tr '\n' ' '); done counts: $done_seen"

# 2. SIGTERM mid-sweep changes nothing.
launch_in_background stopped 2 300
dir=$work/digits/stopped
"$sweep" watch --sweep-cfg "$cfg" --every 1 "${common[@]}" NAME digits/stopped SETUP.NUM_CONFIGS 2 \
  SETUP.BASE_CFG.OPTIM.MAX_EPOCH 300 >"$work/stopped.watch.log" 2>&1 &
watcher=$!
for _ in $(seq 100); do
  grep -q '^\[round 2\]' "$work/stopped.watch.log" && break
  sleep 0.1
done
grep -q '^\[round 2\]' "$work/stopped.watch.log" || fail "the watch did not get to round 2: $(cat "$work/stopped.watch.log")"
kill -TERM "$watcher"
rc=0 && wait "$watcher" || rc=$?
cat "$work/stopped.watch.log"
((rc == 0)) || fail "a watch stopped by SIGTERM exits 0, got $rc"
grep -q '^watch: stopped by SIGTERM after [0-9]* round(s); the jobs were not touched' "$work/stopped.watch.log" || fail "the watch did not say it was stopped"
kill -0 "$launcher" 2>/dev/null || fail "the launch ended with the watch (it must run on)"
leftovers=$(find "$dir" -name '.*.tmp.*' | head -3)
[[ -z $leftovers ]] || fail "temporary files left: $leftovers"
wait "$launcher" || fail "the launch failed after the watch stopped: $(cat "$work/stopped.launch.log")"
status=$("$sweep" status --sweep-cfg "$cfg" --summary "${common[@]}" NAME digits/stopped SETUP.NUM_CONFIGS 2 SETUP.BASE_CFG.OPTIM.MAX_EPOCH 300)
[[ $status == "2 jobs: 2 done, 0 running, 0 failed"* ]] || fail "after the watch stopped, the jobs should all end done: $status"
# The watch deleted no checkpoint (collect keeps the last only): job 0's 30 are all there.
checkpoints=$(find "$dir/logs/000000/checkpoints" -name 'model_epoch_*' | wc -l)
((checkpoints == 30)) || fail "job 0 has $checkpoints checkpoints, expected all 30 (the watch must not delete any)"
echo "ok: watch ends by itself, updates the page while jobs run, and stops on SIGTERM changing nothing"
