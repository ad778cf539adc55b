#!/usr/bin/env bash
# Launches small sweeps on the local Grid Engine cluster through the driver and
# checks: the same sweep gives the same files as on the local backend; a job that
# fails once is retried (exit 99) and succeeds; USR1 (the soft time limit) requeues a
# task; at most PARALLEL_JOBS run at once (-tc); `sweep status` shows queued,
# running and done tasks during a run; a sweep larger than max_aj_tasks (5 in the
# test cluster) is split into arrays; fail-fast after MAX_FAILURES with ON_EVENT's
# arguments recorded; `sweep cancel` deletes the tasks; hostile values never run.
# Usage: sge_sweep_test.sh <sweep driver binary>
set -uo pipefail
sweep=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
eval "$("$root/scripts/sge-local" env)"   # the q* binaries themselves: 0.03 s a call instead of 0.4 s
if ! qstat >/dev/null 2>&1; then
  [[ ${SWEEP_REQUIRE_SGE:-0} == 1 ]] && { echo "FAIL: no Grid Engine cluster answers and SWEEP_REQUIRE_SGE=1"; exit 1; }
  echo "SKIP: no Grid Engine cluster answers (scripts/sge-local start)"; exit 77
fi

work=$(mktemp -d /tmp/sweep-sge-test.XXXXXX)
trap 'for j in $(cat "$work"/sweeps/*/logs/sge/jobs.txt 2>/dev/null | cut -d" " -f1); do qdel "$j" >/dev/null 2>&1; done; rm -rf "$work"' EXIT
mkdir -p "$work/project"
cp "$here/job.sh" "$here/event.sh" "$work/project/"
cd "$work/project"
canary=$work/canary
pass=0 fail=0 t_start=$(date +%s)
ok() { echo "PASS: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

# file name mode jobs parallel max_retry [extra yaml lines...]
write_sweep() {
  local file=$1 name=$2 mode=$3 jobs=$4 parallel=$5 retry=$6; shift 6
  {
    printf 'ROOT_DIR: %s\nNAME: %s\nSETUP:\n  NUM_CONFIGS: %s\nLAUNCH:\n' "$work/sweeps" "$name" "$jobs"
    printf '  MODE: %s\n  COMMAND: sh job.sh {mode} {index} {out_dir}\n  PARALLEL_JOBS: %s\n  MAX_RETRY: %s\n' "$mode" "$parallel" "$retry"
    printf '  TIME_LIMIT: 10\n'
    for line in "$@"; do printf '  %s\n' "$line"; done
  } > "$file.yaml"
}
make_cfgs() { # the job configs setup would write
  mkdir -p "$1/cfgs"
  for ((i = 0; i < $2; i++)); do printf 'X: %d\n' "$i" > "$1/cfgs/$(printf %06d "$i").yaml"; done
  for ((i = 0; i < $2; i++)); do printf '%06d.yaml: X %d\n' "$i" "$i"; done > "$1/cfgs_summary.yaml"
}
summary() { "$sweep" status --summary --sweep-cfg "$1.yaml" 2>/dev/null; }
wait_settled() { # until no task of the sweep is queued or running (max $2 s)
  local end=$(( $(date +%s) + $2 )) s
  while :; do
    s=$(summary "$1")
    [[ $s =~ " 0 running, ".*" 0 queued" ]] && { echo "$s"; return 0; }
    [[ $(date +%s) -lt $end ]] || { echo "timeout: $s"; return 1; }
    sleep 1
  done
}
files_of() { # the files of each job folder, as "NNNNNN/name" lines
  (cd "$1/logs" && find 0* -type f | sort)
}

# A: the retry/requeue sweep, under a NAME and COMMENT no shell may evaluate; the same on local.
nameA="same it's \$(touch $canary) \`touch $canary\` ;x"
write_sweep a "\"same it's \$(touch $canary) \`touch $canary\` ;x\"" retry 4 4 2 "COMMENT: \"\$(touch $canary)\""
A=$work/sweeps/$nameA
make_cfgs "$A" 4
write_sweep l local retry 3 4 2
L=$work/sweeps/local
make_cfgs "$L" 3
# B: throttle and status, 5 jobs of 3 s, PARALLEL_JOBS 1 (one array: max_aj_tasks is 5).
write_sweep b parallel parallel 5 1 0
B=$work/sweeps/parallel
make_cfgs "$B" 5
# C: 12 jobs, more than max_aj_tasks 5: three arrays.
write_sweep c split plain 12 4 0
C=$work/sweeps/split
make_cfgs "$C" 12
# D: every job fails; MAX_FAILURES 2 stops the rest; ON_EVENT records its arguments.
write_sweep d failfast fail 5 1 0 "MAX_FAILURES: 2" "ON_EVENT: sh event.sh {event} \"{index}\" {sweep_dir}"
D=$work/sweeps/failfast
make_cfgs "$D" 5
# E: cancel.
write_sweep e cancel sleep 3 2 0
E=$work/sweeps/cancel
make_cfgs "$E" 3

check "launch without --yes and without a terminal refuses" bash -c "! '$sweep' launch --sweep-cfg b.yaml --backend sge </dev/null >/dev/null 2>&1"
t0=$(date +%s)
"$sweep" launch --sweep-cfg b.yaml --backend sge --yes > b.out || bad "launch B"
"$sweep" launch --sweep-cfg a.yaml --backend sge --yes > a.out || bad "launch A"
check "qsub got -tc from PARALLEL_JOBS and -t 1-5" grep -q -- "-t 1-5 -tc 1 " b.out
check "driver copied into the sweep folder" test -x "$A/bin/sweep"
check "no config value is a job argument: the task script passes the array number only" \
  grep -q '^exec .* sge-task --sweep-dir .* --array "$1"$' "$A/bin/sge_task.sh"

# Status during B's run: sample until queued, running and done have each been seen.
seen_q=0 seen_r=0 seen_d=0
end=$(( $(date +%s) + 120 ))
while [[ $(date +%s) -lt $end ]]; do
  s=$(summary b)
  [[ $s =~ ", "([0-9]+)" queued" ]] && (( BASH_REMATCH[1] > 0 )) && seen_q=1
  [[ $s =~ ", "([0-9]+)" running" ]] && (( BASH_REMATCH[1] > 0 )) && seen_r=1
  [[ $s =~ ": "([0-9]+)" done" ]] && (( BASH_REMATCH[1] > 0 )) && [[ ! $s =~ ": 5 done" ]] && seen_d=1
  [[ $s =~ " 0 running, ".*" 0 queued" && $s =~ ": 5 done" ]] && break
  if [[ $seen_q$seen_r$seen_d == 111 && -z ${shown:-} ]]; then
    shown=1; echo "status during the run:"; "$sweep" status --sweep-cfg b.yaml | sed 's/^/  /'
  fi
  sleep 0.5
done
check "B: status showed queued tasks during the run" test $seen_q = 1
check "B: status showed running tasks during the run" test $seen_r = 1
check "B: status showed done tasks while others were left" test $seen_d = 1

# A's job 3 waits for USR1; send it to the task wrapper as s_rt would.
for _ in $(seq 1 120); do [[ -f $A/logs/000003/waiting ]] && break; sleep 1; done
check "A: job 3 started and waits" test -f "$A/logs/000003/waiting"
wrapper=$(grep -h "runs job 3 " "$A"/logs/sge/*.out 2>/dev/null | sed -n 's/.*(pid \([0-9]*\)).*/\1/p' | head -1)
[[ -n $wrapper ]] && kill -USR1 "$wrapper"

"$sweep" launch --sweep-cfg c.yaml --backend sge --yes > c.out || bad "launch C"
"$sweep" launch --sweep-cfg d.yaml --backend sge --yes > d.out || bad "launch D"
wait_settled b 120 || bad "sweep B did not settle"
wait_settled a 180 || bad "sweep A did not settle"
wait_settled c 180 || bad "sweep C did not settle"
wait_settled d 180 || bad "sweep D did not settle"
echo "sweeps A-D settled after $(( $(date +%s) - t0 )) s"

# B: all done, never more than one at once.
check "B: 5 jobs done" grep -q "5 jobs: 5 done" <(summary b)
most=$(for d in "$B"/logs/0*; do echo "$(cat "$d/start") 1"; echo "$(cat "$d/end") -1"; done | sort -n |
       awk '{ now += $2; if (now > most) most = now } END { print most }')
check "B: at most PARALLEL_JOBS=1 ran at once (saw $most)" test "$most" = 1

# A: job 1 retried once, job 3 requeued by USR1, all done; the same files as on the local backend.
check "A: 4 jobs done" grep -q "4 jobs: 4 done" <(summary a)
check "A: job 1 has one RETRY line" test "$(wc -l < "$A/logs/000001/RETRY.txt" 2>/dev/null)" = 1
check "A: job 1 ran twice, the second time rescheduled (exit 99)" grep -q "job 1 restarted=1" "$A/logs/000001/stdout.log"
check "A: job 3 done after the USR1 requeue" test -f "$A/logs/000003/DONE"
check "A: job 3 reran with RESTARTED=1" grep -q "job 3 restarted=1" "$A/logs/000003/stdout.log"
check "A: USR1 is not counted as a failure" test ! -f "$A/logs/000003/RETRY.txt"
check "A: the wrapper logged the USR1" grep -q "caught USR1" <(cat "$A"/logs/sge/*.out)
"$sweep" launch --sweep-cfg l.yaml --yes > /dev/null 2>&1 || bad "local launch"
check "local and SGE write the same files for jobs 0-2" diff <(files_of "$L" | grep -v '^000003') <(files_of "$A" | grep -v '^000003' | grep -v waiting)
check "A: relaunch submits nothing" grep -q "nothing to submit" <("$sweep" launch --sweep-cfg a.yaml --backend sge --yes)

# C: split into arrays of at most 5 tasks.
check "C: three arrays submitted (max_aj_tasks 5)" test "$(wc -l < "$C/logs/sge/jobs.txt")" = 3
check "C: 12 jobs done" grep -q "12 jobs: 12 done" <(summary c)

# D: fail-fast after two failures; ON_EVENT's arguments recorded.
started=$(ls "$D"/logs/0*/stdout.log 2>/dev/null | wc -l)
check "D: fail-fast: 2 of 5 jobs started (saw $started)" test "$started" = 2
check "D: 2 failed, 3 never started" grep -q "5 jobs: 0 done, 0 running, 2 failed, 0 queued, 0 stopped, 3 new" <(summary d)
cat "$D/events.txt" 2>/dev/null | sed 's/^/  events: /'
expect=$(printf '%s\n' "job_failed|0|$D|" "job_failed|1|$D|" "max_failures|1|$D|" "sweep_finished||$D|")
check "D: ON_EVENT ran with the right arguments" test "$(cat "$D/events.txt" 2>/dev/null)" = "$expect"

# E: cancel deletes running and pending tasks.
"$sweep" launch --sweep-cfg e.yaml --backend sge --yes > /dev/null || bad "launch E"
for _ in $(seq 1 60); do [[ $(summary e) =~ " 2 running" ]] && break; sleep 0.5; done
out=$("$sweep" cancel --sweep-cfg e.yaml); echo "$out"
check "E: cancel deleted 3 tasks" grep -q "cancel: 3 job(s) stopped or dequeued on sge" <<<"$out"
wait_settled e 30 >/dev/null || bad "E: tasks still held after cancel"
sE=$(summary e); echo "after cancel: $sE"
check "E: after cancel, nothing runs or queues and nothing is done" grep -q "3 jobs: 0 done, 0 running, 0 failed, 0 queued, " <<<"$sE"

check "no config value was ever executed" test ! -e "$canary"
echo "$pass passed, $fail failed in $(( $(date +%s) - t_start )) s"
[[ $fail == 0 ]]
