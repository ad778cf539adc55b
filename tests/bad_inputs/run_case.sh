#!/usr/bin/env bash
# Runs one case of the hostile-input catalogue (see README.md):
#   run_case.sh DRIVER CHECKER CASE_DIR
# in a scratch copy of CASE_DIR, with fake sbatch/squeue/scontrol/srun first on PATH. Passes when
# the driver exits with the expected code and message, nothing outside the sweep folder changed,
# no injected command ran, and the sweep folder is not half-written (CHECKER).
set -uo pipefail
driver=$(realpath "$1") checker=$(realpath "$2") case_dir=$(realpath "$3")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
spec="$case_dir/case.txt"
field() { sed -n "s/^$1: //p" "$spec"; }
args=$(field args) want_exit=$(field exit) want_message=$(field message)
sweep=$(field sweep); sweep=${sweep:-root/s}

run=$(mktemp -d "${TMPDIR:-/tmp}/sweep-bad-input.XXXXXX")
trap 'rm -rf "$run"' EXIT
scratch="$run/scratch"
mkdir "$scratch"
cp -R "$case_dir/." "$scratch/"
rm "$scratch/case.txt"
export PATH="$here/fakebin:$PATH" FAKE_SLURM_LOG="$run/sbatch.args" SWEEP_DRIVER="$driver"
cd "$scratch" || exit 1
fail() { echo "FAIL: $*"; echo "--- output of: sweep $args"; cat "$run/out" 2>/dev/null; exit 1; }

# A listing of everything outside the sweep folder (names and contents), to prove nothing leaked.
listing() { find . -path "./$sweep" -prune -o \( -type f -exec sha1sum {} + \) -o -type d -print | sort; }

while IFS= read -r line; do
  eval "set -- $line"
  "$driver" "$@" >"$run/before.out" 2>&1 || { cat "$run/before.out"; fail "'before: $line' failed"; }
done < <(field before)
while IFS= read -r line; do
  bash -c "$line" || fail "'prepare: $line' failed"
done < <(field prepare)
listing >"$run/listing.before"
# Files a case plants in the sweep folder (a foreign sweep.json, ...) must come out unchanged;
# the half-written check skips them, since they are broken on purpose.
ignore=()
while IFS= read -r planted; do
  sha1sum "$planted" >>"$run/planted.sha1" || fail "planted file $planted is missing"
  ignore+=(--ignore "${planted#"$sweep"/}")
done < <(field planted)

eval "set -- $args"
# stderr: closed (2>&-) or full (/dev/full); by default it goes into the output with stdout.
case "$(field stderr)" in
  closed) timeout 60 "$driver" "$@" >"$run/out" 2>&- </dev/null ;;
  full) timeout 60 "$driver" "$@" >"$run/out" 2>/dev/full </dev/null ;;
  *) timeout 60 "$driver" "$@" >"$run/out" 2>&1 </dev/null ;;
esac
code=$?
[[ "$code" == "$want_exit" ]] || fail "exit code $code, expected $want_exit"
grep -Eq -- "$want_message" "$run/out" || fail "no line of the output matches /$want_message/"

listing >"$run/listing.after"
diff "$run/listing.before" "$run/listing.after" >"$run/listing.diff" || { cat "$run/listing.diff"; fail "files outside $sweep changed"; }
pwned=$(find "$scratch" "$run" -name 'pwned*' | head -1)
[[ -z "$pwned" ]] || fail "an injected command ran: $pwned exists"
leftovers=$(find "$scratch" -name '.*.tmp.*' -o -name '*.tmp[0-9]*' | head -3)
[[ -z "$leftovers" ]] || fail "temporary files left: $leftovers"
if [[ -f "$run/planted.sha1" ]]; then
  sha1sum --quiet -c "$run/planted.sha1" || fail "a planted file was changed"
fi
if [[ -d "$sweep" ]]; then
  "$checker" "${ignore[@]}" "$sweep" >"$run/check.out" 2>&1 || { cat "$run/check.out"; fail "the sweep folder is half-written"; }
fi
while IFS= read -r line; do
  bash -c "$line" || fail "'after: $line' failed"
done < <(field after)
echo "ok: exit $code, message matches /$want_message/"
