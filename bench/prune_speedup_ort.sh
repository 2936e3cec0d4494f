#!/usr/bin/env bash
# Real speed-up in the deployment runtime (issue 3): ResNet-56 (3×32×32) pruned uniformly to 50%
# of its MACs, rounded to 8 and to 16 channels, exported to ONNX and timed in ONNX Runtime against
# the original at batch 1 and 32, 1 thread (bench/ort_latency.js). Compare the speed-ups with the
# MACs reductions printed by `prunekit prune`.
# Usage: bench/prune_speedup_ort.sh [OUT_DIR=runs/bench/prune-speedup-ort]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${PRUNEKIT:-build/prunekit}
out=${1:-runs/bench/prune-speedup-ort}
mkdir -p "$out"
"$bin" export --model resnet56 --in-channels 3 --input-size 32 --out "$out/resnet56.pkm" > /dev/null
"$bin" export --model "$out/resnet56.pkm" --out "$out/resnet56.onnx" > /dev/null
models=("$out/resnet56.onnx")
for r in 8 16; do
  "$bin" prune --model "$out/resnet56.pkm" --method uniform --criterion l1 --target-macs 0.5 --round-to $r \
    --out "$out/resnet56-50-r$r.onnx" | grep -E "^MACs"
  "$bin" analyze --model "$out/resnet56-50-r$r.onnx" | awk '$2 == "Conv2d" {print $3}' | sort | uniq -c |
    awk -v r=$r '{printf "  round-to %s: %s convs of %s\n", r, $1, $2}'
  models+=("$out/resnet56-50-r$r.onnx")
done
node bench/ort_latency.js --shape 3x32x32 --batch 1 --reps 500 "${models[@]}"
node bench/ort_latency.js --shape 3x32x32 --batch 32 --reps 50 "${models[@]}"
