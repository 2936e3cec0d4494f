#!/usr/bin/env bash
# The main job on the built-in default: train a ResNet-20 baseline on Fashion-MNIST (cached in
# runs/demo/ between runs), then report its accuracy, MACs and params.
# Usage: scripts/demo.sh PRUNEKIT_BINARY EPOCHS
# EPOCHS is the single knob for the demo's length (make demo DEMO_EPOCHS=N).
set -euo pipefail
bin=${1:?prunekit binary}
epochs=${2:-3}
out=runs/demo
mkdir -p "$out"
base="$out/resnet20-fmnist-e${epochs}.pkm"
if [ -f "$base" ]; then
  echo "== reusing the cached baseline $base"
else
  echo "== training ResNet-20 on Fashion-MNIST for $epochs epoch(s) (the knob: make demo DEMO_EPOCHS=N)"
  if [ -f "$base.ckpt" ]; then resume=--resume; else resume=; fi
  "$bin" train --model resnet20 --dataset fashion-mnist --epochs "$epochs" --out "$base" $resume
fi
echo "== evaluating $base"
"$bin" eval --model "$base"
