#!/usr/bin/env bash
# Usage: tests/report/same_page/check.sh [OLD_COMMIT]   (default 81db1e6)
# Builds dump_pages.cpp against this tree's include/ and OLD_COMMIT's, writes
# the report pages of pycls's three example configs (and two variants) with
# each, and compares them byte for byte: prints each page's SHA-256 and, for a
# page that differs, the diff. Exit status 1 when any page differs.
# The page's stylesheet (<style>...</style>) is left out of the comparison: issue
# 20 changed it for every page (figures scale to the window, a print
# stylesheet), on purpose; everything else must stay byte for byte the same.
# STYLE=1 compares the stylesheet too.
set -euo pipefail
src=$(cd "$(dirname "$0")/../../.." && pwd)
old=${1:-81db1e6}
work=${TMPDIR:-/tmp}/sweep_same_page
rm -rf "$work" && mkdir -p "$work/old"
git -C "$src" archive "$old" include | tar -x -C "$work/old"
flags=(-std=c++20 -O1 -DNDEBUG "$src/tests/report/same_page/dump_pages.cpp" -lyaml-cpp -lfmt -lsimdjson -pthread)
g++ -I"$work/old/include" "${flags[@]}" -o "$work/dump_old" &
g++ -I"$src/include" "${flags[@]}" -o "$work/dump_new"
wait
# The same ROOT_DIR for both: it is part of the config text each page shows.
"$work/dump_old" "$src/tests/data" "$work/root" "$work/pages_old" >/dev/null
"$work/dump_new" "$src/tests/data" "$work/root" "$work/pages_new" >/dev/null
if [[ ${STYLE:-0} != 1 ]]; then
  for page in "$work"/pages_old/*.html "$work"/pages_new/*.html; do
    python3 - "$page" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
open(sys.argv[1], "w", encoding="utf-8").write(re.sub(r"<style>.*?</style>", "<style>(left out)</style>", text, count=1, flags=re.S))
PY
  done
fi
status=0
for page in "$work"/pages_new/*.html; do
  name=$(basename "$page")
  if cmp -s "$page" "$work/pages_old/$name"; then
    echo "same      $(sha256sum "$page" | cut -c1-64)  $name"
  else
    echo "DIFFERENT $name: $(sha256sum "$work/pages_old/$name" | cut -c1-16) (old $old) -> $(sha256sum "$page" | cut -c1-16) (this tree)"
    diff "$work/pages_old/$name" "$page" || true
    status=1
  fi
done
exit $status
