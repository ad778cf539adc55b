#!/usr/bin/env bash
# Launches two small sweeps on the local SLURM cluster through the driver and
# checks: every task runs and finishes; at most PARALLEL_JOBS run at once; a job
# that fails once is retried and succeeds; one that always fails stops after
# MAX_RETRY; USR1 (as SLURM sends it before the time limit) requeues the task;
# relaunching submits only what is left; hostile NAME/COMMENT never execute;
# LAUNCH.SLURM.EXTRA_ARGS reach sbatch; TASKS_PER_NODE 2 runs the job under srun
# twice; fail-fast after MAX_FAILURES with ON_EVENT's arguments recorded; the
# same sweep gives the same job files on the local backend.
# Usage: slurm_sweep_test.sh <sweep driver binary>
set -uo pipefail
sweep=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if ! sinfo -h >/dev/null 2>&1; then echo "SKIP: no SLURM cluster answers (scripts/slurm-local start)"; exit 77; fi

work=$(mktemp -d /tmp/sweep-slurm-test.XXXXXX)
trap 'scancel --name=parallel >/dev/null 2>&1; rm -rf "$work"' EXIT
mkdir -p "$work/project"
cp "$here/job.sh" "$work/project/job.sh"
printf '#!/bin/sh\nprintf "%%s|" "$@" >> "$(dirname "$0")/../events.txt"; echo >> "$(dirname "$0")/../events.txt"\n' > "$work/project/event.sh"
cd "$work/project"
canary=$work/canary
source "$here/checks.sh"

# name mode jobs parallel max_retry [extra yaml lines]
write_sweep() {
  cat > "$1.yaml" <<YAML
ROOT_DIR: $work/sweeps
NAME: $2
SETUP:
  NUM_CONFIGS: $4
LAUNCH:
  MODE: $3
  COMMAND: bash job.sh {mode} {index} {out_dir}
  PARALLEL_JOBS: $5
  MAX_RETRY: $6
  NUM_GPUS: 0
  CPUS_PER_GPU: 1
  MEM_PER_GPU: 1
  TIME_LIMIT: 10
  COMMENT: "\`touch $canary\` \$(touch $canary)"
YAML
}

# Sweep A: 4 jobs, PARALLEL_JOBS 1 on a node with room for 2.
write_sweep a parallel parallel 4 1 3
A=$work/sweeps/parallel
make_cfgs "$A" 4
# Sweep B: retries and USR1, under a NAME no shell may evaluate.
nameB="retry it's \$(touch $canary) ;x"
write_sweep b "\"retry it's \$(touch $canary) ;x\"" retry 4 4 2
B=$work/sweeps/$nameB
make_cfgs "$B" 4

check "launch without --yes and without a terminal refuses" bash -c "! '$sweep' launch --sweep-cfg a.yaml --backend slurm </dev/null"
t0=$(date +%s)
"$sweep" launch --sweep-cfg a.yaml --backend slurm --yes || bad "launch A"
"$sweep" launch --sweep-cfg b.yaml --backend slurm --yes || bad "launch B"
check "driver copied into the sweep folder" test -x "$B/bin/sweep"
check "job script copied into the sweep folder" test -f "$B/code/job.sh"

# Job 3 of B waits for USR1; deliver it to the batch step as SLURM does before the time limit.
jobB=$(awk '{print $1; exit}' "$B/logs/sbatch/jobs.txt")
for _ in $(seq 1 120); do [[ -f $B/logs/000003/waiting ]] && break; sleep 1; done
check "job 3 started and waits" test -f "$B/logs/000003/waiting"
scancel --signal=USR1 --batch "${jobB}_3"

wait_settled a 180 || bad "sweep A did not settle"
wait_settled b 240 || bad "sweep B did not settle"
echo "both sweeps settled after $(( $(date +%s) - t0 )) s"

# A: all done, never more than one at once.
check "A: 4 jobs done" grep -q "4 jobs: 4 done" <("$sweep" status --summary --sweep-cfg a.yaml)
most=$(for d in "$A"/logs/0*; do echo "$(cat "$d/start") 1"; echo "$(cat "$d/end") -1"; done | sort -n |
       awk '{ now += $2; if (now > most) most = now } END { print most }')
check "A: at most PARALLEL_JOBS=1 ran at once (saw $most)" test "$most" = 1

# B: job 0 plain, job 1 retried once, job 2 out of retries, job 3 requeued by USR1.
check "B: job 0 done" test -f "$B/logs/000000/DONE"
check "B: job 1 done after one retry" test -f "$B/logs/000001/DONE"
check "B: job 1 has one RETRY line" test "$(wc -l < "$B/logs/000001/RETRY.txt")" = 1
check "B: job 1 ran twice" test "$(grep -c '^job 1' "$B/logs/000001/stdout.log")" = 2
check "B: job 2 failed" test -f "$B/logs/000002/FAILED"
check "B: job 2 stopped after MAX_RETRY=2 (3 attempts)" test "$(wc -l < "$B/logs/000002/RETRY.txt")" = 3
check "B: job 3 done after the USR1 requeue" test -f "$B/logs/000003/DONE"
check "B: job 3 reran with SLURM_RESTART_COUNT=1" grep -q "restart=1" "$B/logs/000003/stdout.log"
check "B: USR1 is not counted as a failure" test ! -f "$B/logs/000003/RETRY.txt"
check "B: the wrapper logged the USR1" grep -q "caught USR1" "$B/logs/sbatch/${jobB}_3.out"
check "B: SLURM.txt records the task" grep -q "\"SLURM_ARRAY_TASK_ID\": \"3\"" "$B/logs/000003/SLURM.txt"
check "B: status shows 3 done, 1 failed" grep -q "4 jobs: 3 done, 0 running, 1 failed" <("$sweep" status --summary --sweep-cfg b.yaml)

# Relaunch: A has nothing left; B resubmits only the failed job, which now succeeds.
check "A: relaunch submits nothing" grep -q "nothing to submit" <("$sweep" launch --sweep-cfg a.yaml --backend slurm --yes)
touch "$B/fixed"
out=$("$sweep" launch --sweep-cfg b.yaml --backend slurm --yes --only-failed)
echo "$out" | grep sbatch
check "B: relaunch submits only job 2" grep -q -- "--array=2%4" <<<"$out"
wait_settled b 120 || bad "B relaunch did not settle"
check "B: job 2 done after the relaunch" test -f "$B/logs/000002/DONE"
check "B: job 2's old retries kept as RETRY.1.txt" test "$(wc -l < "$B/logs/000002/RETRY.1.txt")" = 3
check "no config value was ever executed" test ! -e "$canary"
# A job name of sweep B in squeue's memory is the hostile NAME, verbatim.
check "SLURM got NAME verbatim" grep -qF "$nameB" <(squeue -h -t all -j "$jobB" -o '%j' 2>/dev/null | head -1)

# C: two tasks per node, run under srun; EXTRA_ARGS passed on. D: fail-fast with ON_EVENT.
write_sweep c multi multi 1 1 0
printf '  TASKS_PER_NODE: 2\n  SLURM:\n    EXTRA_ARGS: [--nice=10]\n' >> c.yaml
C=$work/sweeps/multi
make_cfgs "$C" 1
write_sweep d failfast fail 5 1 0
printf '  MAX_FAILURES: 2\n  ON_EVENT: sh event.sh {event} "{index}" {sweep_dir}\n' >> d.yaml
D=$work/sweeps/failfast
make_cfgs "$D" 5
outC=$("$sweep" launch --sweep-cfg c.yaml --backend slurm --yes) || bad "launch C"
check "C: EXTRA_ARGS and --ntasks-per-node=2 reach sbatch" grep -q -- "--ntasks-per-node=2 .*--nice=10 " <<<"$outC"
"$sweep" launch --sweep-cfg d.yaml --backend slurm --yes >/dev/null || bad "launch D"
wait_settled c 120 || bad "C did not settle"
wait_settled d 180 || bad "D did not settle"
check "C: done" test -f "$C/logs/000000/DONE"
check "C: srun ran the job as 2 tasks" test "$(grep -c 'ntasks=2' "$C/logs/000000/stdout.log")" = 2
check "C: with SLURM_PROCID 0 and 1" test "$(grep -o 'procid=[01]' "$C/logs/000000/stdout.log" | sort -u | wc -l)" = 2
started=$(ls "$D"/logs/0*/stdout.log 2>/dev/null | wc -l)
check "D: fail-fast: 2 of 5 jobs started (saw $started)" test "$started" = 2
check "D: 2 failed, 3 never started" grep -q "5 jobs: 0 done, 0 running, 2 failed, 0 queued, 0 stopped, 3 new" <("$sweep" status --summary --sweep-cfg d.yaml)
sed 's/^/  events: /' "$D/events.txt" 2>/dev/null
expect=$(printf '%s\n' "job_failed|0|$D|" "job_failed|1|$D|" "max_failures|1|$D|" "sweep_finished||$D|")
check "D: ON_EVENT ran with the right arguments" test "$(cat "$D/events.txt" 2>/dev/null)" = "$expect"
# The same sweep as A on the local backend: the same files in each job folder (SLURM adds SLURM.txt).
write_sweep l local parallel 4 1 3
L=$work/sweeps/local
make_cfgs "$L" 4
"$sweep" launch --sweep-cfg l.yaml --yes >/dev/null 2>&1 || bad "local launch"
check "local and SLURM write the same job files" diff <(cd "$L/logs" && find 0* -type f | sort) <(cd "$A/logs" && find 0* -type f | grep -v SLURM.txt | sort)

echo "$pass passed, $fail failed"
[[ $fail == 0 ]]
