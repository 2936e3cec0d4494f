#!/usr/bin/env bash
# Pruning methods compared on one baseline, with the same fine-tuning for every row.
#
# Usage: bench/compare_methods.sh BASELINE.pkm OUT_DIR "TARGETS" "ROWS"
#   TARGETS  fractions of the budget metric (MACs unless METRIC=params), e.g. "0.5 0.25"
#   ROWS     methods, each one of
#              uniform  global  random1                 (one-shot `prunekit prune`, default criterion)
#              uniform:l1  uniform:bn_gamma  global:l1  (one-shot with that criterion)
#              abcp  random  lfgcl  amc  abcp@2  random@3  (`prunekit search` at the method's defaults;
#                                                       @N = --seed N, default 0)
#              lfgcl-lf  lfgcl-lf@1  (the lfgcl search of that seed, shared with the lfgcl row, then
#                                     a label-free fine-tune: --label-free, no label read anywhere)
#              gconv  gconv-random  gconv-maxcost  (`prunekit search --method gconv`: heuristic
#                                     permutations; random permutations; --gopt max_cost)
# Environment knobs (defaults in brackets):
#   FT_EPOCHS [3]         fine-tuning epochs of every row (distillation from the baseline, kd-alpha 0.9)
#   EPISODES [method's]   search candidates (abcp/random 300, lfgcl/amc 400)
#   SEARCH_SIZE [1000]    images of the search split candidates are scored on
#   CALIB_BATCHES [5]     BN recalibration batches (128 images) per candidate
#   METRIC [macs]         budget metric: macs or params (rows are then named <row>-p<target>)
#   ORT_SHAPE [1x28x28]   input C×H×W of the ONNX Runtime latency (bench/ort_latency.js, if installed)
#   PRUNEKIT [build/prunekit]
# Every row appends one JSON line to OUT_DIR/results.jsonl (rows already there are skipped, so a
# killed run can be restarted; an interrupted search resumes from its checkpoint) and the table is
# printed at the end (bench/results_table.py).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${PRUNEKIT:-build/prunekit}
base=${1:?baseline model}
out=${2:?output directory}
targets=${3:-0.5 0.25}
rows=${4:-uniform global random abcp}
ft_epochs=${FT_EPOCHS:-3}
episodes=${EPISODES:-}
search_size=${SEARCH_SIZE:-1000}
calib=${CALIB_BATCHES:-5}
metric=${METRIC:-macs}
ort_shape=${ORT_SHAPE:-1x28x28}
py=/usr/bin/python3
mkdir -p "$out"
results="$out/results.jsonl"
touch "$results"

json_field() {  # file key → value of a top-level JSON field
  "$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}

for target in $targets; do
  for row in $rows; do
    name="${row/:/-}-$target"
    [ "$metric" = params ] && name="${row/:/-}-p$target"
    if grep -q "\"row\": \"$name\"" "$results"; then echo "== $name: done already"; continue; fi
    echo "== $name"
    dir="$out/$name"
    mkdir -p "$dir"
    pruned="$dir/pruned.pkm"
    plan="$dir/plan.json"
    start=$(date +%s.%N)
    case "$row" in
      abcp|random|lfgcl|amc|lfgcl-lf|abcp@*|random@*|lfgcl@*|amc@*|lfgcl-lf@*)
        # A search interrupted (or finished) by an earlier run continues from its checkpoint;
        # lfgcl-lf rows reuse the lfgcl search of the same seed and target.
        seed=0; [[ "$row" == *@* ]] && seed=${row#*@}
        method=${row%@*}; method=${method%-lf}
        search="$out/search-$method-s$seed-$target"
        if [ ! -f "$search/pruned.pkm" ]; then
          resume=; [ -f "$search/checkpoint" ] && resume=--resume
          # shellcheck disable=SC2086
          "$bin" search --method "$method" --model "$base" --target-$metric "$target" ${episodes:+--episodes $episodes} \
            --search-size "$search_size" --calib-batches "$calib" --seed "$seed" --no-progress --out "$search" \
            $resume | tee "$dir/search.txt"
        fi
        cp "$search/pruned.pkm" "$pruned"
        cp "$search/best_plan.json" "$plan"
        ln -sfn "$(realpath "$search")" "$dir/search"  # the log read below
        ;;
      gconv|gconv-random|gconv-maxcost)
        flags=; [ "$row" = gconv-random ] && flags="--gconv-permutation random"
        [ "$row" = gconv-maxcost ] && flags="--gopt max_cost"
        # shellcheck disable=SC2086
        "$bin" search --method gconv --model "$base" --target-$metric "$target" $flags --no-progress --overwrite \
          --out "$dir/gconv" | tee "$dir/search.txt"
        cp "$dir/gconv/pruned.pkm" "$pruned"
        cp "$dir/gconv/best_plan.json" "$plan"
        ;;
      *)
        method=${row%%:*}
        criterion=; [[ "$row" == *:* ]] && criterion="--criterion ${row#*:}"
        [ "$method" = random1 ] && method=random
        # shellcheck disable=SC2086
        "$bin" prune --model "$base" --method "$method" $criterion --target-$metric "$target" \
          --out "$pruned" --plan-out "$plan"
        ;;
    esac
    search_s=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN{print e-s}')
    "$bin" eval --model "$pruned" --json > "$dir/eval-before.json" 2>/dev/null
    label_free=; [[ "$row" == lfgcl-lf* ]] && label_free=--label-free
    # shellcheck disable=SC2086
    "$bin" finetune --model "$pruned" --teacher "$base" $label_free --epochs "$ft_epochs" --no-progress \
      --out "$dir/tuned.pkm" 2>&1 | tail -3
    "$bin" eval --model "$dir/tuned.pkm" --json > "$dir/eval-after.json" 2>/dev/null
    "$bin" bench --model "$dir/tuned.pkm" --batch 1 --reps 50 --json > "$dir/bench.json" 2>/dev/null
    : > "$dir/ort.txt"
    if [ -d tools/ort/node_modules/onnxruntime-node ]; then
      "$bin" export --model "$dir/tuned.pkm" --out "$dir/tuned.onnx" > /dev/null
      node bench/ort_latency.js --shape "$ort_shape" --reps 200 "$dir/tuned.onnx" > "$dir/ort.txt"
    fi
    "$py" - "$name" "$row" "$target" "$search_s" "$ft_epochs" "$dir" "$metric" >> "$results" <<'EOF'
import json, sys
name, row, target, search_s, ft_epochs, d, metric = sys.argv[1:]
before = json.load(open(f"{d}/eval-before.json"))
after = json.load(open(f"{d}/eval-after.json"))
bench = json.load(open(f"{d}/bench.json"))
plan = json.load(open(f"{d}/plan.json"))
# Search wall time broken down by stage (sums of the per-candidate seconds in log.jsonl), and the
# learning curve: mean reward of the first and the last quarter of the candidates.
breakdown = {}
curve = {}
try:
    log = [json.loads(line) for line in open(f"{d}/search/log.jsonl")]
    for line in log:
        for stage, s in line["seconds"].items():
            breakdown[stage] = breakdown.get(stage, 0.0) + s
    q = max(1, len(log) // 4)
    curve = {"reward_first_q": sum(l["reward"] for l in log[:q]) / q,
             "reward_last_q": sum(l["reward"] for l in log[-q:]) / q}
except FileNotFoundError:
    pass
ort = [l.split() for l in open(f"{d}/ort.txt") if l.strip().endswith("tuned.onnx")]
extra = {"ort_latency_b1_ms": float(ort[0][0])} if ort else {}
# "target_macs" is the target of the budget metric (kept under that key for the table script).
print(json.dumps({"row": name, "method": row, "target_macs": float(target), "metric": metric,
                  "top1_before_ft": before["top1"], "top1": after["top1"], "macs": after["macs"],
                  "params": after["params"], "latency_b1_ms": bench["results"][0]["median_ms"],
                  "blocks_removed": len(plan.get("removed_blocks", [])),
                  "prune_seconds": float(search_s), "search_breakdown_s": breakdown,
                  "ft_epochs": int(ft_epochs), **curve, **extra}))
EOF
    tail -1 "$results"
  done
done
"$py" bench/results_table.py "$base" "$results"
