#!/bin/bash
# The job program of the SLURM early-stopping test: 8 epochs of 1 s, job i's error 10 + i - epoch/10 (job 0
# leads at every rung), logged as json_stats; it resumes after a requeue from the epoch it reached (as a
# checkpointed trainer does). Job 0 waits for USR1 once past epoch 3 (after its rung-0 decision at epoch 2).
index=$1 out=$2
mkdir -p "$out"
start=$(cat "$out/epoch" 2>/dev/null || echo 0)
echo "job $index restart=${SLURM_RESTART_COUNT:-none} from epoch $start"
for ((e = start + 1; e <= 8; e++)); do
  sleep 1
  printf 'json_stats: {"_type": "test_epoch", "epoch": "%d/8", "top1_err": %s}\n' "$e" "$(awk -v i="$index" -v e="$e" 'BEGIN { print 10 + i - e / 10 }')"
  echo "$e" > "$out/epoch"
  if [[ $index == 0 && $e == 3 && -z ${SLURM_RESTART_COUNT:-} ]]; then touch "$out/waiting"; sleep 120; echo "no USR1 came"; exit 5; fi
done
