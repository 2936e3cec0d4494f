#!/usr/bin/env bash
# The detection job end to end on the generated shapes set (nothing to download):
#   1. train a YOLOv3 detector (Darknet-53 with its 23 residual blocks at width 0.25, 96x96,
#      5 shape classes; cached in runs/demo-detect/)
#   2. ABCP search at 25% of the MACs: which residual blocks to remove, how many channels each
#      group keeps; candidates scored by mAP@0.5 on 500 held-out images after BN recalibration
#      and 20 head fine-tune steps, the 5 best again after 50 (200 by default; 50 keeps
#      the demo near 20 minutes)
#   3. fine-tune the found detector (the YOLO recipe at a lower learning rate)
#   4. export it to ONNX (raw head outputs; the decode is in the README)
#   5. print a before/after table: mAP@0.5, mAP@0.5:0.95, MACs, params, latency, blocks removed
# Usage: scripts/demo_detect.sh PRUNEKIT_BINARY EPOCHS  (make demo DEMO_TASK=detect [DEMO_EPOCHS=N])
# EPOCHS is the single knob: the detector trains 3·EPOCHS epochs, the search scores 20·EPOCHS
# candidates and the found detector is fine-tuned EPOCHS+1 epochs.
set -euo pipefail
source "$(dirname "$0")/demo_measure.sh"
bin=${1:?prunekit binary}
epochs=${2:-3}
train_epochs=$(( 3 * epochs ))
episodes=$(( 20 * epochs ))
ft_epochs=$(( epochs + 1 ))
out=runs/demo-detect
mkdir -p "$out"
base="$out/yolov3-w0.25-shapes-e${train_epochs}.pkm"
search="$out/abcp-25"
tuned="$out/yolov3-abcp25-ft.pkm"
onnx="$out/yolov3-abcp25-ft.onnx"

if [ -f "$base" ]; then
  echo "== 1. reusing the cached detector $base"
else
  echo "== 1. training YOLOv3 (width 0.25) on the generated shapes set for $train_epochs epochs"
  "$bin" train --model yolov3 --width 0.25 --dataset shapes --epochs "$train_epochs" --out "$base"
fi

if [ -f "$search/pruned.pkm" ]; then
  echo "== 2. reusing the finished ABCP search in $search (delete it to search again)"
else
  echo "== 2. ABCP search: $episodes candidates at 25% of the MACs (blocks + channels, scored by mAP@0.5)"
  resume=; [ -f "$search/checkpoint" ] && resume=--resume
  "$bin" search --method abcp --model "$base" --target-macs 0.25 --episodes "$episodes" \
    --calib-batches 5 --finalist-steps 50 --out "$search" $resume
fi

echo "== 3. fine-tuning the found detector for $ft_epochs epochs"
"$bin" finetune --model "$search/pruned.pkm" --epochs "$ft_epochs" --out "$tuned"

echo "== 4. exporting to ONNX"
"$bin" export --model "$tuned" --out "$onnx"

echo "== 5. before / after (test split; latency: batch 1, 1 thread, BN folded, median of 30 runs)"
measure_models "$bin" "$base" "$tuned"
/usr/bin/python3 - "$base" "$tuned" "$search/best_plan.json" <<'EOF_PY'
import json, sys
base, tuned, plan = sys.argv[1:]
blocks = len(json.load(open(plan)).get("removed_blocks", []))
print(f"{'model':<22}{'mAP@0.5':>9}{'mAP@.5:.95':>12}{'MACs':>10}{'params':>10}{'latency ms':>12}{'blocks removed':>16}")
for label, m, removed in (("baseline", base, 0), ("ABCP 25% + fine-tune", tuned, blocks)):
    e = json.load(open(m + ".eval.json"))
    b = json.load(open(m + ".bench.json"))["results"][0]
    print(f"{label:<22}{100 * e['map50']:>8.2f}%{100 * e['map50_95']:>11.2f}%{e['macs'] / 1e6:>9.2f}M"
          f"{e['params'] / 1e3:>9.1f}K{b['median_ms']:>12.2f}{removed:>16}")
EOF_PY
echo "(search log, Pareto front and plan: $search/; fine-tuned detector: $tuned; ONNX: $onnx)"
