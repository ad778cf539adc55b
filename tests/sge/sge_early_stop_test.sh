#!/usr/bin/env bash
# Early stopping on the local Grid Engine cluster (docs/early_stopping.md): `sweep sge-task` in each array task
# looks at its job's log and decides at the rungs from the files in the sweep folder. Checks: trailing jobs stop
# at rung 0 (one task at a time, so they reach it in order: 1, 2 and 3 stop) and the leader finishes; status
# counts them; a relaunch submits nothing.
# Usage: sge_early_stop_test.sh <sweep driver binary>
set -uo pipefail
sweep=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
eval "$("$root/scripts/sge-local" env)"
if ! qstat >/dev/null 2>&1; then
  [[ ${SWEEP_REQUIRE_SGE:-0} == 1 ]] && { echo "FAIL: no Grid Engine cluster answers and SWEEP_REQUIRE_SGE=1"; exit 1; }
  echo "SKIP: no Grid Engine cluster answers (scripts/sge-local start)"; exit 77
fi
work=$(mktemp -d /tmp/sweep-sge-es.XXXXXX)
trap 'for j in $(cut -d" " -f1 "$work"/sweeps/es/logs/sge/jobs.txt 2>/dev/null); do qdel "$j" >/dev/null 2>&1; done; rm -rf "$work"' EXIT
mkdir -p "$work/project"
cd "$work/project"
source "$root/tests/slurm/checks.sh"
# job i: 8 one-second epochs of error 10 + i - epoch/10 (job 0 leads at every rung)
cat > job.sh <<'SH'
index=$1
for e in 1 2 3 4 5 6 7 8; do
  sleep 1
  printf 'json_stats: {"_type": "test_epoch", "epoch": "%d/8", "top1_err": %s}\n' "$e" "$(awk -v i="$index" -v e="$e" 'BEGIN { print 10 + i - e / 10 }')"
done
SH
cat > es.yaml <<YAML
ROOT_DIR: $work/sweeps
NAME: es
SETUP:
  NUM_CONFIGS: 4
LAUNCH:
  BACKEND: sge
  COMMAND: sh job.sh {index} {out_dir}
  PARALLEL_JOBS: 1
  TIME_LIMIT: 10
EARLY_STOP:
  TYPE: asha
  METRIC: test_epoch.top1_err
  MIN_EPOCHS: 2
  REDUCTION_FACTOR: 2
  CHECK_PERIOD: 0.2
YAML
S=$work/sweeps/es
make_cfgs "$S" 4

"$sweep" launch --sweep-cfg es.yaml --yes || bad "launch"
wait_settled es 240 || bad "the sweep did not settle"
check "job 0 (the leader) finished" test -f "$S/logs/000000/DONE"
check "job 3 (the last) was stopped early" test -f "$S/logs/000003/STOPPED_EARLY"
stopped=$(ls "$S"/logs/*/STOPPED_EARLY 2>/dev/null | wc -l)
check "jobs 1, 2 and 3 were stopped early ($stopped)" test "$stopped" = 3
check "a decision at rung 0 for each job" test "$(ls "$S/early_stop/rung_0" | wc -l)" = 4
check "the task wrapper logged the stop" grep -q "stopping job 3 early: rung 0 epoch 2" "$S"/logs/sge/*.out
check "no stopped job failed or retried" bash -c "! ls '$S'/logs/*/FAILED '$S'/logs/*/RETRY.txt 2>/dev/null | grep -q ."
check "status counts the stopped jobs" grep -q "; $stopped stopped early" <("$sweep" status --summary --sweep-cfg es.yaml)
check "a relaunch submits nothing" grep -q "nothing to submit" <("$sweep" launch --sweep-cfg es.yaml --yes)
echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
