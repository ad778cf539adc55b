#!/usr/bin/env bash
# Launcher death and races between verbs (docs/reliability.md, issue 15 items 2 and 3), with the real
# driver and jobs that start processes of their own:
#  1. SIGKILL the local launcher mid-sweep: each job's own process dies with it, what the jobs started
#     lives on, `sweep status` says so, and the next launch stops those leftovers before it runs the
#     jobs again, so no job ever runs twice at once (its stdout.log shows one copy after each start).
#  2. SIGHUP (a closed terminal) stops the jobs cleanly; SIGPIPE (`sweep launch | head -1`) costs only
#     the output: every job still runs to DONE.
#  3. The sweep lock: setup refuses while a launch or collect uses the sweep; launch and collect refuse
#     while a setup writes it; two setups at once never leave cfgs/ and cfgs_summary.yaml apart.
#   launcher_death_test.sh DRIVER CHECKER
set -uo pipefail
driver=$(realpath "$1") checker=$(realpath "$2")
work=$(mktemp -d "${TMPDIR:-/tmp}/sweep-launcher-death.XXXXXX")
cleanup() {
  # whatever a failed run left: the groups named in RUNNING files
  for f in $(find "$work" -name RUNNING 2>/dev/null); do kill -KILL -"$(cut -d' ' -f1 "$f")" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
step() { echo "== $*"; }
cd "$work" || exit 1

# A job that ticks from a child process of its own (as data loaders do) while it trains.
cat >job.sh <<'SH'
echo "start $$"
(while :; do echo "tick $$"; sleep 0.1; done) &
ticker=$!
i=1
while [ $i -le 12 ]; do
  sleep 0.25
  echo "json_stats: {\"_type\": \"test_epoch\", \"epoch\": \"$i/12\", \"top1_err\": 3.5}"
  i=$((i + 1))
done
kill $ticker
echo "end $$"
SH
cat >sweep.yaml <<'YAML'
ROOT_DIR: root
NAME: s
SETUP:
  NUM_CONFIGS: 4
  SAMPLERS:
    OPTIM.BASE_LR: {TYPE: float_sampler, RAND_TYPE: uniform, RANGE: [0.1, 1.0], QUANTIZE: 0.1}
  BASE_CFG: {OPTIM: {BASE_LR: 0.5}}
LAUNCH:
  COMMAND: sh job.sh {cfg} {out_dir}
  LOCAL_JOBS: 2
  TIME_LIMIT: 10
YAML
"$driver" setup --sweep-cfg sweep.yaml -q >/dev/null || fail "setup"

# Waits until `n` jobs are marked RUNNING (a launcher started them).
wait_running() {
  for _ in $(seq 200); do
    (($(find root/s/logs -name RUNNING 2>/dev/null | wc -l) >= $1)) && return 0
    sleep 0.05
  done
  fail "no $1 jobs running after 10 s"
}
# Waits until the running jobs have all started their tickers (a loaded machine may take a while to
# get a job's shell that far, and step 1 checks that the ticker outlives the launcher).
wait_ticking() {
  for _ in $(seq 200); do
    local ticking=0
    for f in root/s/logs/*/RUNNING; do grep -q '^tick' "$(dirname "$f")/stdout.log" 2>/dev/null && ticking=$((ticking + 1)); done
    ((ticking >= $1)) && return 0
    sleep 0.05
  done
  fail "no $1 running jobs ticking after 10 s"
}
leaders() { for f in root/s/logs/*/RUNNING; do cut -d' ' -f1 "$f"; done; }
# A pid is gone or a zombie (its parent died; whoever adopted it may not have reaped it yet).
dead() { [[ ! -e /proc/$1/stat ]] || [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) == Z ]]; }
# A live (not zombie) process of group $1: /proc/PID/stat's fields 3 (state) and 5 (group). cat fails
# when a process ends between the glob and its read (the jobs' `sleep`s do, all the time): with
# pipefail that failure must not count, only awk's answer.
group_alive() {
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v g="$1" '$5 == g && $3 != "Z" { found = 1 } END { exit !found }'
}
all_done() { for j in 000000 000001 000002 000003; do [[ -f root/s/logs/$j/DONE ]] || return 1; done; }
# After the last start in a job's stdout.log, only that copy wrote: no tick of an earlier one.
one_copy() {
  local log=$1 last
  last=$(grep '^start ' "$log" | tail -1 | cut -d' ' -f2)
  awk -v last="$last" '$1 == "start" { seen = ($2 == last) } seen && $1 == "tick" && $2 != last { bad = 1 } END { exit bad }' "$log" ||
    fail "$log: another copy wrote after job start $last"
  [[ $(awk -v last="$last" '$1 == "end" && $2 == last' "$log" | wc -l) == 1 ]] || fail "$log: the last copy ($last) did not end once"
}

step "1. SIGKILL the launcher, then launch again"
setsid "$driver" launch --sweep-cfg sweep.yaml --yes >launch1.out 2>&1 &
launcher=$!
wait_running 2
wait_ticking 2
mapfile -t old < <(leaders)
kill -KILL "$launcher"
wait "$launcher" 2>/dev/null
sleep 0.3
for pid in "${old[@]}"; do
  dead "$pid" || fail "job process $pid outlived its launcher"
  group_alive "$pid" || fail "the job's own child (group $pid) should outlive it here, for the relaunch to stop"
done
"$driver" status --sweep-cfg sweep.yaml >status.out 2>&1
grep -q "2 running" status.out && grep -q "left by a launcher that died" status.out || { cat status.out; fail "status"; }
"$driver" launch --sweep-cfg sweep.yaml --yes >launch2.out 2>&1 || { cat launch2.out; fail "relaunch"; }
grep -q "stopped what 2 job(s) of a launcher that died had left running" launch2.out || { cat launch2.out; fail "relaunch message"; }
for pid in "${old[@]}"; do group_alive "$pid" && fail "group $pid still alive after the relaunch"; done
all_done || fail "not every job DONE after the relaunch"
for log in root/s/logs/*/stdout.log; do one_copy "$log"; done
grep -q "stopped the processes (group" root/s/logs/000000/stderr.log || fail "no note in job 0's stderr.log"
[[ -z $(find root/s/logs -name RUNNING) ]] || fail "RUNNING left"

step "2a. SIGHUP stops the jobs; launching again finishes them"
rm -rf root/s/logs
setsid "$driver" launch --sweep-cfg sweep.yaml --yes >launch3.out 2>&1 &
launcher=$!
wait_running 2
mapfile -t old < <(leaders)
kill -HUP "$launcher"
wait "$launcher"
code=$?
[[ $code == 130 ]] || { cat launch3.out; fail "SIGHUP: exit $code, expected 130 (interrupted)"; }
for pid in "${old[@]}"; do group_alive "$pid" && fail "SIGHUP: group $pid still alive"; done
[[ -z $(find root/s/logs -name RUNNING) ]] || fail "SIGHUP: RUNNING left"
"$driver" launch --sweep-cfg sweep.yaml --yes >/dev/null 2>&1 || fail "relaunch after SIGHUP"
all_done || fail "SIGHUP: not every job DONE after the relaunch"

step "2b. a reader that goes away costs only the output"
rm -rf root/s/logs
"$driver" launch --sweep-cfg sweep.yaml --yes 2>/dev/null | head -1 >/dev/null
all_done || fail "| head -1: not every job DONE"
[[ -z $(find root/s/logs -name RUNNING) ]] || fail "| head -1: RUNNING left"

step "3a. setup refuses while a launch or collect uses the sweep"
flock -s root/s/.sweep.lock sleep 3 &
holder=$!
sleep 0.2
cp -R root/s/cfgs cfgs.before
"$driver" setup --sweep-cfg sweep.yaml -q SETUP.NUM_CONFIGS 3 NAME s >setup.out 2>&1 && fail "setup ran while the sweep was in use"
grep -q "the sweep is in use by" setup.out || { cat setup.out; fail "setup message"; }
diff -r cfgs.before root/s/cfgs >/dev/null || fail "setup changed cfgs/ while refused"
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null

step "3b. launch and collect refuse while a setup writes"
cat >big.yaml <<'YAML'
ROOT_DIR: root
NAME: big
NUM_PROC: 1
SETUP:
  NUM_CONFIGS: 40000
  SAMPLERS:
    OPTIM.BASE_LR: {TYPE: float_sampler, RAND_TYPE: log_uniform, RANGE: [0.0001, 10.0], QUANTIZE: 0.0000001}
    OPTIM.WEIGHT_DECAY: {TYPE: float_sampler, RAND_TYPE: log_uniform, RANGE: [0.00001, 0.01], QUANTIZE: 0.0000001}
  BASE_CFG: {OPTIM: {BASE_LR: 0.5, WEIGHT_DECAY: 0.001}}
LAUNCH:
  COMMAND: sh job.sh {cfg} {out_dir}
YAML
"$driver" setup --sweep-cfg big.yaml -q >/dev/null 2>&1 &
setup=$!
for _ in $(seq 400); do
  [[ -e root/big/.sweep.lock ]] && ! flock -n -s root/big/.sweep.lock true && break
  sleep 0.01
done
flock -n -s root/big/.sweep.lock true && fail "the big setup never held the sweep lock (too fast to test?)"
"$driver" launch --sweep-cfg big.yaml --yes >launch4.out 2>&1 && fail "launch ran during a setup"
grep -q "the sweep is in use by \`sweep setup\` (pid $setup)" launch4.out || { cat launch4.out; fail "launch message"; }
mkdir -p root/big/logs
"$driver" collect --sweep-cfg big.yaml -q >collect.out 2>&1 && fail "collect ran during a setup"
grep -q "the sweep is in use by \`sweep setup\`" collect.out || { cat collect.out; fail "collect message"; }
rmdir root/big/logs
wait "$setup" || fail "the big setup failed"
"$checker" root/big >check.out 2>&1 || { cat check.out; fail "the big setup's folder"; }

step "3c. two setups at once"
rm -rf root/big
"$driver" setup --sweep-cfg big.yaml -q >setup_a.out 2>&1 &
a=$!
"$driver" setup --sweep-cfg big.yaml -q SETUP.NUM_CONFIGS 30000 >setup_b.out 2>&1 &
b=$!
wait "$a"
code_a=$?
wait "$b"
code_b=$?
for x in a b; do
  code=code_$x
  if [[ ${!code} != 0 ]]; then grep -q "the sweep is in use by" "setup_$x.out" || { cat "setup_$x.out"; fail "setup $x failed otherwise"; }; fi
done
[[ $code_a == 0 || $code_b == 0 ]] || fail "both setups refused"
echo "   setup exit codes: $code_a and $code_b (1: refused, the sweep in use)"
"$checker" root/big >check.out 2>&1 || { cat check.out; fail "two setups left an inconsistent folder"; }
[[ $(ls root/big/cfgs | wc -l) == $(grep -c '^[0-9]*\.yaml:' root/big/cfgs_summary.yaml) ]] || fail "cfgs/ and cfgs_summary.yaml differ"
echo "ok"
