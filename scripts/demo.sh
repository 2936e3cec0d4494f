#!/usr/bin/env bash
# The main job on the built-in default, end to end on Fashion-MNIST:
#   1. train a ResNet-20 baseline (cached in runs/demo/ between runs)
#   2. ABCP search (LSTM controller, REINFORCE) for the best pruned network at 50% of the MACs:
#      which residual blocks to remove and how many channels each group keeps
#   3. fine-tune the found network with distillation from the baseline
#   4. export it to ONNX
#   5. print a before/after table: top-1, MACs, params, measured latency, blocks removed
#   6. write the HTML report of the run (charts of the widths, the search, the trade-off) and print its path
# Usage: scripts/demo.sh PRUNEKIT_BINARY EPOCHS
# EPOCHS is the single knob for the demo's length (make demo DEMO_EPOCHS=N): the baseline trains
# for EPOCHS epochs, the search evaluates 40·EPOCHS candidates and the found network is
# fine-tuned for max(1, EPOCHS/3) epochs. The default (3) took 10 min 17 s on 2 idle cores
# (train 6 min, search 100 s, fine-tune 2.2 min), plus the first build.
set -euo pipefail
source "$(dirname "$0")/demo_measure.sh"
bin=${1:?prunekit binary}
epochs=${2:-3}
ft_epochs=$(( epochs / 3 > 0 ? epochs / 3 : 1 ))
episodes=$(( 40 * epochs ))
out=runs/demo
mkdir -p "$out"
base="$out/resnet20-fmnist-e${epochs}.pkm"
search="$out/abcp-50"
tuned="$out/resnet20-abcp50-ft.pkm"
onnx="$out/resnet20-abcp50-ft.onnx"

if [ -f "$base" ]; then
  echo "== 1. reusing the cached baseline $base"
else
  echo "== 1. training ResNet-20 on Fashion-MNIST for $epochs epoch(s) (knob: make demo DEMO_EPOCHS=N)"
  resume=; [ -f "$base.ckpt" ] && resume=--resume
  "$bin" train --model resnet20 --dataset fashion-mnist --epochs "$epochs" --out "$base" $resume
fi

if [ -f "$search/pruned.pkm" ]; then
  echo "== 2. reusing the finished ABCP search in $search (delete it to search again)"
else
  echo "== 2. ABCP search: $episodes candidates at 50% of the MACs (blocks + channels, scored on 1000 held-out images)"
  resume=; [ -f "$search/checkpoint" ] && resume=--resume
  "$bin" search --method abcp --model "$base" --target-macs 0.5 --episodes "$episodes" \
    --search-size 1000 --calib-batches 5 --out "$search" $resume
fi

echo "== 3. fine-tuning for $ft_epochs epoch(s) with distillation from the baseline"
"$bin" finetune --model "$search/pruned.pkm" --teacher "$base" --epochs "$ft_epochs" --out "$tuned"

echo "== 4. exporting to ONNX"
"$bin" export --model "$tuned" --out "$onnx"

echo "== 5. before / after (test split; latency: batch 1, 1 thread, BN folded, median of 30 runs)"
measure_models "$bin" "$base" "$tuned"
/usr/bin/python3 - "$base" "$tuned" "$search/best_plan.json" <<'EOF_PY'
import json, sys
base, tuned, plan = sys.argv[1:]
blocks = len(json.load(open(plan)).get("removed_blocks", []))
print(f"{'model':<22}{'top-1':>9}{'MACs':>10}{'params':>10}{'latency ms':>12}{'blocks removed':>16}")
for label, m, removed in (("baseline", base, 0), ("ABCP 50% + fine-tune", tuned, blocks)):
    e = json.load(open(m + ".eval.json"))
    b = json.load(open(m + ".bench.json"))["results"][0]
    print(f"{label:<22}{100 * e['top1']:>8.2f}%{e['macs'] / 1e6:>9.2f}M{e['params'] / 1e3:>9.1f}K"
          f"{b['median_ms']:>12.2f}{removed:>16}")
EOF_PY
echo "(search log, Pareto front and plan: $search/; fine-tuned model: $tuned; ONNX: $onnx)"

echo "== 6. the report of the run"
report="$out/report.html"
"$bin" report "$search" --pruned "$tuned" --out "$report" > /dev/null
echo "report: $(cd "$(dirname "$report")" && pwd)/$(basename "$report")  (one file, opens offline in any browser)"
