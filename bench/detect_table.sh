#!/usr/bin/env bash
# Issue 15's detection table on the generated shapes set (4000 train − 500 search, 500 test,
# 96x96, 5 classes, 1–4 objects per image): the YOLOv3-style baseline, then one-shot and searched
# pruning at 10%, 5% and 1% of the MACs with the same fine-tuning. Resumable: every step whose
# output exists is skipped, so rerunning after an interruption continues.
#   PRUNEKIT=runs/bin/prunekit-bench bench/detect_table.sh
# Knobs: EPOCHS (baseline, 40), FT_EPOCHS (fine-tune of each pruned row, 10), WIDTH (0.25),
#        TARGETS ("0.1 0.05 0.01"), METHODS ("uniform global random abcp"), EPISODES (120), SEEDS ("0").
set -euo pipefail
cd "$(dirname "$0")/.."
PK=${PRUNEKIT:-build/prunekit}
OUT=${OUT:-runs/bench/detect}
EPOCHS=${EPOCHS:-40}
FT_EPOCHS=${FT_EPOCHS:-10}
WIDTH=${WIDTH:-0.25}
TARGETS=${TARGETS:-"0.1 0.05 0.01"}
METHODS=${METHODS:-"uniform global random abcp"}
EPISODES=${EPISODES:-120}
SEEDS=${SEEDS:-0}
mkdir -p "$OUT"
RESULTS="$OUT/results.jsonl"
BASE="$OUT/yolov3-w${WIDTH}.pkm"

if [ ! -f "$BASE" ]; then
  start=$(date +%s)
  "$PK" train --model yolov3 --width "$WIDTH" --dataset shapes --epochs "$EPOCHS" --no-progress \
    --out "$BASE" 2>&1 | tee "$OUT/baseline.log"
  echo "{\"row\":\"baseline\",\"seconds\":$(( $(date +%s) - start )),\"eval\":$("$PK" eval --json --model "$BASE" 2>/dev/null)}" \
    | tr -d '\n' >> "$RESULTS"; echo >> "$RESULTS"
fi

row_done() { grep -q "\"row\":\"$1\"" "$RESULTS" 2>/dev/null; }

for target in $TARGETS; do
  for method in $METHODS; do
    for seed in $SEEDS; do
      row="$method-$target-s$seed"
      row_done "$row" && continue
      dir="$OUT/$row"
      mkdir -p "$dir"
      start=$(date +%s)
      if [ "$method" = uniform ] || [ "$method" = global ]; then
        "$PK" prune --model "$BASE" --method "$method" --target-macs "$target" --out "$dir/pruned.pkm" > "$dir/prune.log" 2>&1
      else
        resume=""
        [ -e "$dir/checkpoint" ] && resume="--resume"
        "$PK" search --model "$BASE" --method "$method" --target-macs "$target" --episodes "$EPISODES" --seed "$seed" \
          $resume --out "$dir" >> "$dir/search.log" 2>&1
      fi
      searched=$(( $(date +%s) - start ))
      "$PK" train --model "$dir/pruned.pkm" --dataset shapes --epochs "$FT_EPOCHS" --lr 0.005 --warmup-epochs 0 \
        --no-progress --out "$dir/finetuned.pkm" > "$dir/finetune.log" 2>&1
      before=$("$PK" eval --json --model "$dir/pruned.pkm" 2>/dev/null | tr -d '\n')
      after=$("$PK" eval --json --model "$dir/finetuned.pkm" 2>/dev/null | tr -d '\n')
      echo "{\"row\":\"$row\",\"method\":\"$method\",\"target_macs\":$target,\"seed\":$seed,\"search_seconds\":$searched,\"before_finetune\":$before,\"after_finetune\":$after}" >> "$RESULTS"
    done
  done
done
echo "results: $RESULTS"
