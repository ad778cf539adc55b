# A stand-in job: records its arguments in its output folder and logs one epoch.
out=$2
mkdir -p "$out"
for a in "$@"; do printf '%s\n' "$a"; done > "$out/args"
echo 'json_stats: {"_type": "test_epoch", "epoch": "1/1", "top1_err": 3.5}'
