#!/usr/bin/env bash
# Kill test (docs/reliability.md): SIGKILLs `sweep setup` and `sweep collect` after a random
# (seeded) delay, then proves the sweep folder is still valid (sweep_check_folder: every YAML and
# JSON parses; if cfgs_summary.yaml exists, cfgs/ matches it) and that a rerun ends with exactly
# the files of an uninterrupted run.
#   kill_test.sh DRIVER CHECKER [ITERATIONS (default 20)] [SEED (default 1)]
set -uo pipefail
driver=$(realpath "$1") checker=$(realpath "$2")
iterations=${3:-20} seed=${4:-1}
RANDOM=$seed
work=$(mktemp -d "${TMPDIR:-/tmp}/sweep-kill.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL (iteration $i, seed $seed, delay ${delay}ms): $*"; exit 1; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

cat >"$work/sweep.yaml" <<'YAML'
ROOT_DIR: root
NAME: kill/s
NUM_PROC: 2
SETUP:
  NUM_CONFIGS: 500
  CHUNK_SIZE: 100
  SAMPLERS:
    OPTIM.BASE_LR: {TYPE: float_sampler, RAND_TYPE: log_uniform, RANGE: [0.0001, 10.0], QUANTIZE: 0.0001}
    OPTIM.WEIGHT_DECAY: {TYPE: float_sampler, RAND_TYPE: log_uniform, RANGE: [0.00001, 0.01], QUANTIZE: 0.00001}
    MODEL.WIDTH: {TYPE: int_sampler, RAND_TYPE: power2_uniform, RANGE: [8, 1024], QUANTIZE: 1}
  BASE_CFG:
    MODEL: {TYPE: mlp, WIDTH: 64, DEPTH: 2, NUM_CLASSES: 10}
    OPTIM: {BASE_LR: 0.1, WEIGHT_DECAY: 0.0005, MAX_EPOCH: 10}
    TRAIN: {DATASET: digits, BATCH_SIZE: 32}
COLLECT: {CHECKPOINTS_KEEP: all}
YAML

# Fake logs of 1000 jobs, 20 epochs each; with extra=1 every tenth job has one epoch more, which
# the collect stage under test must pick up. One awk writes them all (a shell loop is too slow).
make_logs() {
  seq -f "$1/logs/%06g" 0 999 | xargs mkdir -p
  awk -v dir="$1/logs" -v extra="$2" 'BEGIN {
    for (j = 0; j < 1000; j++) {
      job = sprintf("%s/%06d", dir, j)
      printf "" > (job "/stderr.log"); close(job "/stderr.log")
      out = job "/stdout.log"
      last = (extra && j % 10 == 0) ? 21 : 20
      for (e = 1; e <= last; e++)
        printf "json_stats: {\"_type\": \"test_epoch\", \"epoch\": \"%d/30\", \"loss\": 0.%d, \"top1_err\": %d.5}\n", e, e, (j + e) % 90 > out
      close(out)
    }
  }'
}
make_logs "$work/logs_a" 0
make_logs "$work/logs_b" 1
use_logs() { rm -rf "$1/logs" && cp -R "$work/$2/logs" "$1/logs"; }

# The uninterrupted runs: setup from nothing, collect of the first logs, collect after more lines.
ref="$work/ref"
mkdir -p "$ref" && cp "$work/sweep.yaml" "$ref/"
cd "$ref" || exit 1
start=$(now_ms)
"$driver" setup --sweep-cfg sweep.yaml -q >/dev/null || { echo "reference setup failed"; exit 1; }
setup_ms=$(($(now_ms) - start))
cp -R root/kill/s "$work/set_up"   # the state after setup, for the collect stage
use_logs root/kill/s logs_a
"$driver" collect --sweep-cfg sweep.yaml -q >/dev/null || { echo "reference collect failed"; exit 1; }
cp -R root/kill/s "$work/collected_once"
use_logs root/kill/s logs_b
start=$(now_ms)
"$driver" collect --sweep-cfg sweep.yaml -q >/dev/null || { echo "reference collect failed"; exit 1; }
collect_ms=$(($(now_ms) - start))
cp root/kill/s/sweep.json "$work/sweep.json.ref"
echo "reference: setup ${setup_ms} ms, collect ${collect_ms} ms"

# Compares the sweep folder's setup files with the reference's.
same_setup() {
  diff -r -q "$ref/root/kill/s/cfgs" root/kill/s/cfgs >/dev/null &&
    cmp -s "$ref/root/kill/s/cfgs_summary.yaml" root/kill/s/cfgs_summary.yaml &&
    cmp -s "$ref/root/kill/s/sweep_cfg.yaml" root/kill/s/sweep_cfg.yaml
}

# Runs the driver and SIGKILLs it after `delay` ms (it may finish first).
run_and_kill() {
  "$driver" "$@" >/dev/null 2>&1 &
  local pid=$!
  sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}

interrupted=0
for ((i = 1; i <= iterations; i++)); do
  dir="$work/it"
  rm -rf "$dir" && mkdir -p "$dir" && cp "$work/sweep.yaml" "$dir/"
  cd "$dir" || exit 1
  # Setup: from nothing (odd iterations) or over a finished setup (even ones: the "previous state").
  if ((i % 2 == 0)); then mkdir -p root/kill && cp -R "$work/set_up" root/kill/s; fi
  delay=$((RANDOM % (setup_ms + setup_ms / 5 + 1)))
  run_and_kill setup --sweep-cfg sweep.yaml -q
  [[ -d root/kill/s ]] && { "$checker" --allow-leftovers root/kill/s >"$work/check.out" 2>&1 || { cat "$work/check.out"; fail "setup killed: folder not valid"; }; }
  same_setup 2>/dev/null || interrupted=$((interrupted + 1))
  "$driver" setup --sweep-cfg sweep.yaml -q >/dev/null 2>&1 || fail "setup rerun failed"
  "$checker" root/kill/s >"$work/check.out" 2>&1 || { cat "$work/check.out"; fail "after the setup rerun"; }
  same_setup || fail "setup rerun differs from the uninterrupted run"

  # Collect: over the first collect's state with new log lines, killed at random.
  rm -rf root/kill/s && cp -R "$work/collected_once" root/kill/s
  use_logs root/kill/s logs_b
  delay=$((RANDOM % (collect_ms + collect_ms / 5 + 1)))
  run_and_kill collect --sweep-cfg sweep.yaml -q
  "$checker" --allow-leftovers root/kill/s >"$work/check.out" 2>&1 || { cat "$work/check.out"; fail "collect killed: folder not valid"; }
  cmp -s root/kill/s/sweep.json "$work/sweep.json.ref" || interrupted=$((interrupted + 1))
  "$driver" collect --sweep-cfg sweep.yaml -q >/dev/null 2>&1 || fail "collect rerun failed"
  "$checker" root/kill/s >"$work/check.out" 2>&1 || { cat "$work/check.out"; fail "after the collect rerun"; }
  cmp -s root/kill/s/sweep.json "$work/sweep.json.ref" || fail "collect rerun differs from the uninterrupted run"
done
echo "ok: $iterations iterations (seed $seed), $interrupted of $((2 * iterations)) killed runs left a state other than the final one"
