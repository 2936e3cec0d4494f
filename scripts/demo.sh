#!/usr/bin/env bash
# The main job on the built-in default, end to end on Fashion-MNIST:
#   1. train a ResNet-20 baseline (cached in runs/demo/ between runs)
#   2. prune it to 50% of its MACs (dependency-aware, channel counts rounded to 8)
#   3. fine-tune the pruned network with distillation from the baseline
#   4. print a before/after table: top-1, MACs, params, measured latency
# Usage: scripts/demo.sh PRUNEKIT_BINARY EPOCHS
# EPOCHS is the single knob for the demo's length (make demo DEMO_EPOCHS=N): the baseline trains
# for EPOCHS epochs and the pruned network is fine-tuned for max(1, EPOCHS/3).
set -euo pipefail
bin=${1:?prunekit binary}
epochs=${2:-3}
ft_epochs=$(( epochs / 3 > 0 ? epochs / 3 : 1 ))
out=runs/demo
mkdir -p "$out"
base="$out/resnet20-fmnist-e${epochs}.pkm"
pruned="$out/resnet20-pruned50.pkm"
tuned="$out/resnet20-pruned50-ft.pkm"

if [ -f "$base" ]; then
  echo "== 1. reusing the cached baseline $base"
else
  echo "== 1. training ResNet-20 on Fashion-MNIST for $epochs epoch(s) (knob: make demo DEMO_EPOCHS=N)"
  resume=; [ -f "$base.ckpt" ] && resume=--resume
  "$bin" train --model resnet20 --dataset fashion-mnist --epochs "$epochs" --out "$base" $resume
fi

echo "== 2. pruning to 50% of the MACs (uniform, l1, rounded to 8 channels)"
"$bin" prune --model "$base" --method uniform --criterion l1 --target-macs 0.5 --round-to 8 \
  --out "$pruned" --plan-out "$out/plan.json"

echo "== 3. fine-tuning for $ft_epochs epoch(s) with distillation from the baseline"
"$bin" finetune --model "$pruned" --teacher "$base" --epochs "$ft_epochs" --out "$tuned"

echo "== 4. before / after"
row() {  # label model-file
  local ev lat
  ev=$("$bin" eval --model "$2" --json 2>/dev/null)
  lat=$("$bin" bench --model "$2" --batch 1 --reps 30 --json 2>/dev/null | grep -o '"median_ms": [0-9.e-]*' | awk '{print $2}')
  field() { echo "$ev" | grep -o "\"$1\": [0-9.e-]*" | awk '{print $2}'; }
  printf "%-18s %9.2f%% %10.2fM %10.1fK %12.3f\n" "$1" "$(awk -v a="$(field top1)" 'BEGIN{print 100*a}')" \
    "$(awk -v m="$(field macs)" 'BEGIN{print m/1e6}')" "$(awk -v p="$(field params)" 'BEGIN{print p/1e3}')" "$lat"
}
printf "%-18s %10s %11s %11s %12s\n" "model" "top-1" "MACs" "params" "latency ms"
row "baseline" "$base"
row "pruned 50% + ft" "$tuned"
echo "(plan: $out/plan.json; models in $out/)"
