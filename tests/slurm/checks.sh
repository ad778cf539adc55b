# Sourced by the cluster test scripts (after they set $sweep): PASS/FAIL counting, the job configs setup would
# write, and waiting for a sweep to settle.
pass=0 fail=0
ok() { echo "PASS: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
wait_settled() { # until no task of the sweep of $1.yaml is queued or running (max $2 s)
  local end=$(( $(date +%s) + $2 ))
  while :; do
    local s; s=$("$sweep" status --summary --sweep-cfg "$1.yaml")
    [[ $s =~ " 0 running, ".*" 0 queued" ]] && { echo "$s"; return 0; }
    [[ $(date +%s) -lt $end ]] || { echo "timeout: $s"; return 1; }
    sleep 1
  done
}
make_cfgs() { # the job configs setup would write
  mkdir -p "$1/cfgs"
  for ((i = 0; i < $2; i++)); do printf 'X: %d\n' "$i" > "$1/cfgs/$(printf %06d "$i").yaml"; done
  for ((i = 0; i < $2; i++)); do printf '%06d.yaml: X %d\n' "$i" "$i"; done > "$1/cfgs_summary.yaml"
}
