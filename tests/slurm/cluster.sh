#!/usr/bin/env bash
# The SLURM tests' fixture: `start` brings the local cluster up (and notes whether
# it was down); `stop` stops it only when `start` was the one that started it.
# Usage: cluster.sh start|stop <scripts/slurm-local> <marker file>
set -euo pipefail
action=$1 slurm_local=$2 marker=$3
if [[ $(id -u) -ne 0 ]] && ! sudo -n true 2>/dev/null; then
  echo "cluster.sh: needs root or passwordless sudo to run a SLURM cluster; SLURM tests will skip" >&2
  exit 0
fi
case "$action" in
  start)
    rm -f "$marker"
    if ! "$slurm_local" status >/dev/null 2>&1; then touch "$marker"; fi
    "$slurm_local" start ;;
  stop)
    if [[ -f "$marker" ]]; then rm -f "$marker"; "$slurm_local" stop; fi ;;
esac
