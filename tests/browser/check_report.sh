#!/usr/bin/env bash
# Usage: check_report.sh SWEEP_BINARY SOURCE_DIR WORK_DIR
# Writes WORK_DIR/analysis.png (a screenshot) and WORK_DIR/selfcheck.txt.
set -euo pipefail
sweep=$1 src=$2 work=$3

if ! command -v chromium >/dev/null; then
  "$src/scripts/install-deps" browser || { echo "chromium is not installed and cannot be: skipped"; exit 77; }
fi

rm -rf "$work" && mkdir -p "$work/fake/optim_64"
cp "$src/tests/data/analyze/sweep.json" "$work/fake/optim_64/"
"$sweep" analyze --sweep-cfg "$src/tests/data/analyze/sweep_cfg.yaml" ROOT_DIR "$work"
report="$work/fake/optim_64/analysis.html"

# A copy with the self-check: an error trap first in <head>, the checks last in <body>.
checked="$work/checked.html"
python3 - "$report" "$src/tests/browser/selfcheck.js" "$checked" <<'PY'
import sys
html, js, out = open(sys.argv[1]).read(), open(sys.argv[2]).read(), sys.argv[3]
trap = "<script>window.__errors=[];addEventListener('error',function(e){__errors.push(String(e.message));});</script>"
html = html.replace("<head>", "<head>" + trap, 1).replace("</body>", "<script>" + js + "</script></body>", 1)
open(out, "w").write(html)
PY

chrome=(chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
        --disable-component-update --disable-sync --hide-scrollbars --window-size=1240,2600)
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
"${chrome[@]}" --user-data-dir="$profile" --enable-logging=stderr --v=0 --dump-dom "file://$checked" \
  >"$work/dom.html" 2>"$work/console.log"
"${chrome[@]}" --user-data-dir="$profile" --screenshot="$work/analysis.png" "file://$report" >/dev/null 2>&1

result=$(grep -o '<pre id="selfcheck">SELFCHECK [^<]*' "$work/dom.html" | sed 's/^<pre id="selfcheck">//' || true)
[[ -n $result ]] || result="SELFCHECK missing: the page did not run its check"
echo "$result" | tee "$work/selfcheck.txt"
echo "screenshot: $work/analysis.png"
status=0
if grep -E 'CONSOLE|Uncaught' "$work/console.log"; then
  echo "console messages from the page (above)"
  status=1
fi
[[ $result == "SELFCHECK OK"* ]] || status=1
[[ -s "$work/analysis.png" ]] || { echo "no screenshot"; status=1; }
exit $status
