#!/usr/bin/env bash
# The README's two commands in the README's order: scripts/demo, then scripts/test, in one build
# folder. scripts/demo configures it with -DSWEEP_BUILD_TESTS=OFF; scripts/test must still build
# and run tests, and must fail when no test runs. A cheap variant: a scratch build folder, a
# 2-job demo sweep of 2 epochs, only test_random built and run (SWEEP_BUILD_TARGETS,
# SWEEP_CTEST_ARGS). The scratch folder sits beside build/ in the checkout: compiled from the
# same depth, its commands are the main build's, so ccache (CCACHE_BASEDIR is the checkout)
# serves every object instead of a second build of the driver.
#   readme_commands.sh SOURCE_DIR
set -euo pipefail
root=$(realpath "$1")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sweep-readme.XXXXXX")
build=$(mktemp -d "$root/build-readme.XXXXXX")
trap 'rm -rf "$tmp" "$build"' EXIT
export SWEEP_BUILD_DIR="$build" SWEEP_DEMO_ROOT="$tmp/sweeps"
fail() { echo "FAIL: $*"; exit 1; }
cd "$root"

echo "--- scripts/demo (2 jobs)"
SWEEP_BUILD_TARGETS="sweep_driver digits_train" scripts/demo examples/digits/digits_optim.yaml \
  SETUP.NUM_CONFIGS 2 SETUP.BASE_CFG.OPTIM.MAX_EPOCH 2 \
  LAUNCH.COMMAND "$build/bin/digits_train --cfg {cfg} --mode {mode} OUT_DIR {out_dir} DIGITS.DATA_FILE examples/digits/data/digits.csv.gz" \
  >"$tmp/demo.out" 2>&1 || { cat "$tmp/demo.out"; fail "scripts/demo failed"; }
grep -q "^Report: " "$tmp/demo.out" || { cat "$tmp/demo.out"; fail "scripts/demo printed no report"; }
grep -q "^SWEEP_BUILD_TESTS:BOOL=OFF" "$build/CMakeCache.txt" || fail "scripts/demo no longer configures without tests: this test proves nothing"

echo "--- scripts/test after scripts/demo (only the random tests)"
SWEEP_BUILD_TARGETS="test_random" SWEEP_CTEST_ARGS="-L ^random$" scripts/test >"$tmp/test.out" 2>&1 \
  || { cat "$tmp/test.out"; fail "scripts/test failed"; }
grep -q "No tests were found" "$tmp/test.out" && { cat "$tmp/test.out"; fail "scripts/test ran no test"; }
ran=$(sed -n 's/.*tests passed, [0-9]* tests failed out of \([0-9]*\)$/\1/p' "$tmp/test.out")
[[ "${ran:-0}" -gt 0 ]] || { cat "$tmp/test.out"; fail "scripts/test reports no test run"; }
echo "scripts/test ran $ran tests after scripts/demo"

echo "--- scripts/test with no test to run fails"
if SWEEP_BUILD_TARGETS="test_random" SWEEP_CTEST_ARGS="-R ^no_such_test$" scripts/test >"$tmp/none.out" 2>&1; then
  cat "$tmp/none.out"; fail "scripts/test passed although no test ran"
fi
grep -q "No tests were found" "$tmp/none.out" || { cat "$tmp/none.out"; fail "expected ctest's 'No tests were found'"; }
echo "PASS"
