#!/usr/bin/env bash
# The recipe of the Fashion-MNIST baselines every pruning benchmark starts from.
# Usage: [EPOCHS=N] bench/baselines.sh [resnet20|resnet56 ...]   (default: resnet20)
# Writes runs/baselines/<model>-fmnist.pkm (with a shorter or longer recipe, EPOCHS=N:
# <model>-fmnist-e<N>.pkm, so that recipes never share a file) and a log next to it;
# skips models already trained. A killed run restarts from its .ckpt.
# Later benchmarks call this script so that they all prune the same baselines. A finished baseline
# is copied to bench/results/baselines/ and committed (1.1 MB for ResNet-20), and reused from there.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${PRUNEKIT:-build/prunekit}
out=runs/baselines
mkdir -p "$out"
epochs=${EPOCHS:-24}
suffix=; [ "$epochs" != 24 ] && suffix="-e$epochs"
models=("$@")
[ ${#models[@]} -eq 0 ] && models=(resnet20)
for model in "${models[@]}"; do
  file="$out/$model-fmnist$suffix.pkm"
  if [ -f "$file" ]; then echo "$file exists"; continue; fi
  # A baseline trained on an earlier machine is kept in git (runs/ does not survive a machine change).
  kept="bench/results/baselines/$model-fmnist$suffix.pkm"
  if [ -f "$kept" ]; then cp "$kept" "$file"; "$bin" eval --model "$file" --json > "${file%.pkm}.eval.json"; echo "$file from $kept"; continue; fi
  resume=; [ -f "$file.ckpt" ] && resume=--resume
  # Recipe: SGD Nesterov 0.9, lr 0.1, 1 warm-up epoch then cosine, wd 5e-4, batch 128,
  # random crop (pad 2) + horizontal flip, 24 epochs (EPOCHS), seed 0, 5000 images held out for search.
  /usr/bin/time -v "$bin" train --model "$model" --dataset fashion-mnist --epochs "$epochs" --batch-size 128 \
    --lr 0.1 --weight-decay 5e-4 --warmup-epochs 1 --crop-padding 2 --seed 0 --no-progress \
    --out "$file" $resume 2>&1 | tee -a "$out/$model-fmnist$suffix.log"
  "$bin" eval --model "$file" --json > "$out/$model-fmnist$suffix.eval.json"
done
