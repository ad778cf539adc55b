#!/bin/sh
# The job program of the SGE tests: behaves by sweep ({mode}) and job index.
mode=$1 index=$2 out=$3
echo "job $index restarted=${RESTARTED:-none} task=${SGE_TASK_ID:-none}"
case $mode in
  parallel) date +%s%N >> "$out/start"; sleep 3; date +%s%N >> "$out/end"; exit 0 ;;
  plain) exit 0 ;;
  fail) sleep 1; exit 3 ;;
  sleep) sleep 120; exit 0 ;;
esac
case $index in
  0) exit 0 ;;                                              # plain success
  1) [ -f "$out/RETRY.txt" ] || exit 3; exit 0 ;;           # fails on its first attempt only
  2) exit 0 ;;
  3) if [ "${RESTARTED:-0}" != 1 ]; then                    # waits for USR1 (the soft time limit) on its first run
       touch "$out/waiting"; sleep 120; echo "no USR1 came"; exit 5
     fi
     exit 0 ;;
esac
