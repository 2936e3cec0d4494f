#!/usr/bin/env bash
# The group-convolution table (issue 14): on the 24-epoch ResNet-20 baseline, at 50% and 25% of
# the params, gconv (heuristic permutations), gconv with random permutations, gconv with
# --gopt max_cost, and channel pruning (uniform, global, ABCP) at the same params budget, each
# fine-tuned alike (bench/compare_methods.sh: 3 epochs of distillation). Resumable; the rows the
# goal compares come first.
# Usage: bench/gconv_table.sh [OUT_DIR=runs/bench/gconv-<model>]   (MODEL=... for another baseline)
set -euo pipefail
cd "$(dirname "$0")/.."
model=${MODEL:-resnet20}
bench/baselines.sh "$model"
out=${1:-runs/bench/gconv-$model}
base="runs/baselines/$model-fmnist.pkm"
METRIC=params bench/compare_methods.sh "$base" "$out" "0.5 0.25" "gconv gconv-random uniform global"
METRIC=params bench/compare_methods.sh "$base" "$out" "0.5 0.25" "gconv-maxcost abcp"
