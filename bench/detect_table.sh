#!/usr/bin/env bash
# Issue 15's detection table on the generated shapes set (4000 train − 500 search, 500 test,
# 96x96, 5 classes, 1–4 objects per image): the YOLOv3-style baseline, then one-shot and searched
# pruning at 5%, 1% and 10% of the MACs with the same fine-tuning, each row with its latency
# (executor and ONNX Runtime, batch 1, 1 thread), blocks removed and the search's settings.
# The searches run at their shipped defaults.
#   PRUNEKIT=runs/bin/prunekit-bench bench/detect_table.sh
# Resumable across sessions and machines: finished rows live in the committed RESULTS file and
# are skipped; the trained baseline is kept (and committed) in bench/results/baselines/, so a new
# machine does not retrain it; a training or search interrupted mid-way resumes from its checkpoint.
# Knobs: EPOCHS (baseline, 40), FT_EPOCHS (fine-tune of each pruned row, 10), WIDTH (0.25),
#        ROWS ("method:target[:seed] ..." in the order to run, the budget the goal is about (5%)
#        first, with a second and third seed of the searched methods once every budget has
#        one), EPISODES (120), FINALISTS (5, the shipped default for detectors: the search's 5
#        best are re-scored after 200 head fine-tune steps; searched rows are named
#        method-target-sSEED-fFINALISTS — rows without that suffix were searched before finalists
#        existed, i.e. as FINALISTS=0). One-shot methods are deterministic: their seed is always 0.
set -euo pipefail
cd "$(dirname "$0")/.."
PK=${PRUNEKIT:-build/prunekit}
OUT=${OUT:-runs/bench/detect}
EPOCHS=${EPOCHS:-40}
FT_EPOCHS=${FT_EPOCHS:-10}
WIDTH=${WIDTH:-0.25}
ROWS=${ROWS:-"uniform:0.05 global:0.05 abcp:0.05 random:0.05 uniform:0.01 global:0.01 abcp:0.01 random:0.01 abcp:0.05:1 random:0.05:1 uniform:0.1 global:0.1 abcp:0.1 random:0.1 abcp:0.05:2 random:0.05:2 abcp:0.01:1 random:0.01:1"}
EPISODES=${EPISODES:-120}
FINALISTS=${FINALISTS:-5}
RESULTS=${RESULTS:-bench/results/detect-shapes-yolov3-w025.jsonl}
KEEP=bench/results/baselines/yolov3-w${WIDTH}-shapes.pkm
BASE="$OUT/yolov3-w${WIDTH}.pkm"
mkdir -p "$OUT"

# latency_json MODEL: {"executor_ms":…, "ort_ms":…} at batch 1, 1 thread (ONNX exported beside MODEL).
latency_json() {
  local m=$1 onnx=${1%.pkm}.onnx
  local exe ort
  exe=$("$PK" bench --model "$m" --batch 1 --threads 1 --reps 30 --json 2>/dev/null | jq '.results[0].median_ms')
  "$PK" export --model "$m" --out "$onnx" > /dev/null 2>&1
  ort=$(node bench/ort_latency.js --shape 3x96x96 --batch 1 --threads 1 --reps 50 "$onnx" |
    awk '/ms/ {for (i = 1; i <= NF; ++i) if ($i == "ms") {print $(i - 1); exit}}')
  echo "{\"executor_ms\":$exe,\"ort_ms\":${ort:-null}}"
}
row_done() { grep -q "\"row\":\"$1\"" "$RESULTS" 2>/dev/null; }

if [ ! -f "$BASE" ] && [ -f "$KEEP" ]; then cp "$KEEP" "$BASE"; fi
if [ ! -f "$BASE" ]; then
  start=$(date +%s)
  resume=""
  [ -e "$BASE.partial.ckpt" ] && resume="--resume"  # an interrupted training continues
  "$PK" train --model yolov3 --width "$WIDTH" --dataset shapes --epochs "$EPOCHS" --no-progress $resume \
    --out "$BASE.partial" 2>&1 | tee -a "$OUT/baseline.log"
  mv "$BASE.partial" "$BASE"
  cp "$BASE" "$KEEP"
  echo "{\"row\":\"baseline\",\"seconds\":$(( $(date +%s) - start ))}" >> "$OUT/baseline-time.json"
fi
if ! row_done baseline; then
  secs=$(jq -s 'last.seconds // null' "$OUT/baseline-time.json" 2>/dev/null || echo null)
  echo "{\"row\":\"baseline\",\"train_seconds\":${secs:-null},\"latency\":$(latency_json "$BASE"),\"eval\":$("$PK" eval --json --model "$BASE" 2>/dev/null | tr -d '\n')}" >> "$RESULTS"
fi

for spec in $ROWS; do
  IFS=: read -r method target seed <<< "$spec"
  seed=${seed:-0}
  row="$method-$target-s$seed"
  [ "$method" = uniform ] || [ "$method" = global ] || row="$row-f$FINALISTS"
  row_done "$row" && continue
  dir="$OUT/$row"
  mkdir -p "$dir"
  start=$(date +%s)
  if [ "$method" = uniform ] || [ "$method" = global ]; then
    # A budget a one-shot method cannot reach (uniform at 1%: below its smallest network within
    # --max-ratio 0.9) is refused by prune: say so and go on with the next row.
    if ! "$PK" prune --model "$BASE" --method "$method" --target-macs "$target" --out "$dir/pruned.pkm" > "$dir/prune.log" 2>&1; then
      echo "row $row refused: $(tail -1 "$dir/prune.log")"
      continue
    fi
    blocks=$(sed -n 's/.*blocks removed: \([0-9]*\).*/\1/p' "$dir/prune.log")
    settings=null
  else
    resume=""
    [ -e "$dir/checkpoint" ] && resume="--resume"
    "$PK" search --model "$BASE" --method "$method" --target-macs "$target" --episodes "$EPISODES" --seed "$seed" --finalists "$FINALISTS" \
      --no-progress $resume --out "$dir" >> "$dir/search.log" 2>&1
    blocks=$(jq '.removed_blocks | length' "$dir/best_plan.json")
    settings=$(jq -c '.options | {episodes, reward, eval_finetune, calib, finalists}' "$dir/run.json")
  fi
  searched=$(( $(date +%s) - start ))
  resume=""
  [ -e "$dir/finetuned.pkm.ckpt" ] && resume="--resume"
  "$PK" train --model "$dir/pruned.pkm" --dataset shapes --epochs "$FT_EPOCHS" --lr 0.005 --warmup-epochs 0 \
    --no-progress $resume --out "$dir/finetuned.pkm" >> "$dir/finetune.log" 2>&1
  before=$("$PK" eval --json --model "$dir/pruned.pkm" 2>/dev/null | tr -d '\n')
  after=$("$PK" eval --json --model "$dir/finetuned.pkm" 2>/dev/null | tr -d '\n')
  echo "{\"row\":\"$row\",\"method\":\"$method\",\"target_macs\":$target,\"seed\":$seed,\"search_seconds\":$searched,\"blocks_removed\":${blocks:-null},\"search_settings\":$settings,\"latency\":$(latency_json "$dir/finetuned.pkm"),\"before_finetune\":$before,\"after_finetune\":$after}" >> "$RESULTS"
done
echo "results: $RESULTS"
