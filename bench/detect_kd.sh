#!/usr/bin/env bash
# Detector distillation (finetune --teacher) against fine-tuning on the boxes alone: the pruned
# detectors of bench/detect_table.sh's rows, fine-tuned with the table's recipe (10 epochs,
# lr 0.005, no warm-up) distilling from the baseline at each --kd-alpha in ALPHAS; the row
# without a teacher is the table's own after_finetune.
#   PRUNEKIT=runs/bin/prunekit-bench bench/detect_kd.sh
# Knobs: ROWS (detect table rows whose pruned.pkm to fine-tune: "uniform-0.1-s0"), ALPHAS ("0.5 0.2"),
# FT_EPOCHS (10). Resumable: finished (row, alpha) pairs in RESULTS are skipped; an interrupted
# fine-tune continues from its checkpoint.
set -euo pipefail
cd "$(dirname "$0")/.."
PK=${PRUNEKIT:-build/prunekit}
TABLE=${TABLE:-runs/bench/detect}
OUT=${OUT:-runs/bench/detect-kd}
ROWS=${ROWS:-"uniform-0.1-s0"}
ALPHAS=${ALPHAS:-"0.5 0.2"}
FT_EPOCHS=${FT_EPOCHS:-10}
RESULTS=${RESULTS:-bench/results/detect-kd-shapes-yolov3-w025.jsonl}
BASE="$TABLE/yolov3-w0.25.pkm"
mkdir -p "$OUT"
for row in $ROWS; do
  pruned="$TABLE/$row/pruned.pkm"
  [ -f "$pruned" ] || { echo "skip $row: no $pruned (run bench/detect_table.sh first)"; continue; }
  for alpha in $ALPHAS; do
    key="$row-a$alpha"
    grep -q "\"row\":\"$key\"" "$RESULTS" 2>/dev/null && continue
    out="$OUT/$row-a$alpha.pkm"
    if [ ! -f "$out" ]; then
      resume=""
      [ -e "$out.ckpt" ] && resume="--resume"
      "$PK" finetune --model "$pruned" --teacher "$BASE" --kd-alpha "$alpha" --epochs "$FT_EPOCHS" --lr 0.005 \
        --warmup-epochs 0 --no-progress $resume --out "$out" >> "$OUT/$key.log" 2>&1
    fi
    after=$("$PK" eval --json --model "$out" 2>/dev/null | tr -d '\n')
    echo "{\"row\":\"$key\",\"pruned\":\"$row\",\"kd_alpha\":$alpha,\"ft_epochs\":$FT_EPOCHS,\"after_finetune\":$after}" >> "$RESULTS"
  done
done
echo "results: $RESULTS"
