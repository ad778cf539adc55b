#!/bin/bash
# The job program of the SLURM tests: behaves by sweep ({mode}) and job index.
mode=$1 index=$2 out=$3
echo "job $index restart=${SLURM_RESTART_COUNT:-none}"
if [[ $mode == multi ]]; then echo "procid=$SLURM_PROCID ntasks=$SLURM_NTASKS"; exit 0; fi
if [[ $mode == fail ]]; then sleep 1; exit 3; fi
if [[ $mode == parallel ]]; then
  date +%s%N >> "$out/start"; sleep 2; date +%s%N >> "$out/end"; exit 0
fi
case $index in
  0) exit 0 ;;                                              # plain success
  1) [[ -f $out/RETRY.txt ]] || exit 3; exit 0 ;;           # fails on its first attempt only
  2) [[ -f $out/../../fixed ]] && exit 0; exit 4 ;;         # fails until the test "fixes" it
  3) if [[ -z ${SLURM_RESTART_COUNT:-} ]]; then            # waits for USR1 on its first run
       touch "$out/waiting"; sleep 120; echo "no USR1 came"; exit 5
     fi
     exit 0 ;;
esac
