#!/usr/bin/env bash
# The SGE tests' fixture. `start` brings the local cluster up with max_aj_tasks 5
# (so the tests see a sweep split into arrays) and notes whether it was down and
# which max_aj_tasks it had; `stop` stops it only when `start` started it, else puts
# the old max_aj_tasks back. A cluster that cannot start makes the tests skip, with
# the reason, unless SWEEP_REQUIRE_SGE=1 (CI), where it is a failure.
# Usage: cluster.sh start|stop <scripts/sge-local> <marker file>
set -uo pipefail
action=$1 sge_local=$2 marker=$3
cannot() {
  echo "cluster.sh: $*; SGE tests will skip" >&2
  [[ ${SWEEP_REQUIRE_SGE:-0} == 1 ]] && { echo "cluster.sh: SWEEP_REQUIRE_SGE=1: failing instead" >&2; exit 1; }
  exit 0
}
if [[ $(id -u) -ne 0 ]] && ! sudo -n true 2>/dev/null; then cannot "needs root or passwordless sudo to run a Grid Engine cluster"; fi
case "$action" in
  start)
    rm -f "$marker" "$marker.max_aj_tasks"
    if "$sge_local" status >/dev/null 2>&1; then
      eval "$("$sge_local" env)"
      qconf -sconf | awk '$1=="max_aj_tasks" {print $2}' > "$marker.max_aj_tasks"
    else
      touch "$marker"
    fi
    SGE_MAX_AJ_TASKS=5 "$sge_local" start || cannot "scripts/sge-local start failed (see above)" ;;
  stop)
    if [[ -f "$marker" ]]; then rm -f "$marker"; "$sge_local" stop
    elif [[ -s "$marker.max_aj_tasks" ]]; then
      SGE_MAX_AJ_TASKS=$(cat "$marker.max_aj_tasks") "$sge_local" start; rm -f "$marker.max_aj_tasks"
    fi ;;
esac
exit 0
