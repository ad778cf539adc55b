#!/usr/bin/env bash
# Early stopping on the local SLURM cluster (docs/early_stopping.md): `sweep job` in each array task looks at
# its job's log and decides at the rungs from the files in the sweep folder. Checks: jobs stop early at the
# rungs, the leader finishes; a task requeued by USR1 after its job's rung-0 decision resumes the job without
# deciding again; a stopped job's task requeued by hand does not run the job again; status and collect report
# the stopped jobs; a relaunch submits nothing.
# Usage: slurm_early_stop_test.sh <sweep driver binary>
set -uo pipefail
sweep=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if ! sinfo -h >/dev/null 2>&1; then echo "SKIP: no SLURM cluster answers (scripts/slurm-local start)"; exit 77; fi

work=$(mktemp -d /tmp/sweep-slurm-es.XXXXXX)
trap 'scancel --name=es >/dev/null 2>&1; rm -rf "$work"' EXIT
mkdir -p "$work/project"
cp "$here/early_stop_job.sh" "$work/project/job.sh"
cd "$work/project"
source "$here/checks.sh"

cat > es.yaml <<YAML
ROOT_DIR: $work/sweeps
NAME: es
SETUP:
  NUM_CONFIGS: 6
LAUNCH:
  COMMAND: bash job.sh {index} {out_dir}
  PARALLEL_JOBS: 6
  NUM_GPUS: 0
  CPUS_PER_GPU: 1
  MEM_PER_GPU: 1
  TIME_LIMIT: 10
ANALYZE:
  ERROR: test_epoch.top1_err
EARLY_STOP:
  TYPE: asha
  MIN_EPOCHS: 2
  REDUCTION_FACTOR: 2
  CHECK_PERIOD: 0.2
YAML
S=$work/sweeps/es
make_cfgs "$S" 6

"$sweep" launch --sweep-cfg es.yaml --backend slurm --yes || bad "launch"
check "the launch wrote the policy for the tasks" test -f "$S/early_stop/policy.yaml"
job=$(awk '{print $1; exit}' "$S/logs/sbatch/jobs.txt")
for _ in $(seq 1 120); do [[ -f $S/logs/000000/waiting ]] && break; sleep 1; done
check "job 0 passed rung 0 and waits" test -f "$S/logs/000000/waiting"
check "job 0's rung-0 decision is continue" grep -q '"decision":"continue"' "$S/early_stop/rung_0/000000.json"
decision0=$(md5sum < "$S/early_stop/rung_0/000000.json")
scancel --signal=USR1 --batch "${job}_0"

wait_settled es 240 || bad "the sweep did not settle"
check "job 0 was requeued by USR1 and resumed" grep -q "restart=1 from epoch 3" "$S/logs/000000/stdout.log"
check "the wrapper logged the USR1" grep -q "caught USR1" "$S/logs/sbatch/${job}_0.out"
check "job 0's rung-0 decision was not made again" test "$(md5sum < "$S/early_stop/rung_0/000000.json")" = "$decision0"
check "job 0 (the leader) finished" test -f "$S/logs/000000/DONE"
stopped=$(ls "$S"/logs/*/STOPPED_EARLY 2>/dev/null | wc -l)
check "jobs were stopped early ($stopped)" test "$stopped" -ge 3
for f in "$S"/logs/*/STOPPED_EARLY; do
  d=$(dirname "$f")
  check "$(basename "$d") stopped before its last epoch" test "$(cat "$d/epoch")" -lt 8
  check "$(basename "$d") not failed" test ! -f "$d/FAILED"
done
st=$("$sweep" status --sweep-cfg es.yaml)
echo "$st" | tail -3
check "status counts the stopped jobs" grep -q "; $stopped stopped early" <<< "$st"
check "status shows where a job stopped" grep -Eq "stopped-early retries 0  \(at rung [01] epoch [24]: test_epoch.top1_err" <<< "$st"

# A stopped job's task requeued by hand: it must not run the job again.
victim=$(basename "$(dirname "$(ls "$S"/logs/*/STOPPED_EARLY | tail -1)")")
vi=$((10#$victim))
size=$(stat -c %s "$S/logs/$victim/stdout.log")
scontrol requeue "${job}_${vi}" || bad "scontrol requeue ${job}_${vi}"
for _ in $(seq 1 120); do grep -q "not running job $vi: stopped early" "$S/logs/sbatch/${job}_${vi}.out" 2>/dev/null && break; sleep 1; done
check "the requeued task of stopped job $vi did not run it" grep -q "not running job $vi: stopped early" "$S/logs/sbatch/${job}_${vi}.out"
check "stopped job $vi's log did not grow" test "$(stat -c %s "$S/logs/$victim/stdout.log")" = "$size"
wait_settled es 240 || bad "the sweep did not settle after the requeue"

"$sweep" collect --sweep-cfg es.yaml -q > collect.out || bad "collect"
check "collect counts the stopped jobs" grep -q "jobs_stopped_early=$stopped" collect.out
check "a relaunch submits nothing" grep -q "nothing to submit" <("$sweep" launch --sweep-cfg es.yaml --backend slurm --yes)
echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
