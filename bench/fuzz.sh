#!/usr/bin/env bash
# libFuzzer + ASan/UBSan runs of every harness in fuzz/ (the ONNX importer, the graph text
# parser, the plan JSON parser, the IDX reader with its gzip path, the CIFAR-10 batch reader, the
# .pkm model file reader).
# Usage: [RUNS=1000000] [SECONDS_EACH=3600] [FUZZ_OUT=runs/fuzz] [PRUNEKIT=build/prunekit] bench/fuzz.sh [harness ...]
# Builds build-fuzz/ with clang (fuzz/CMakeLists.txt), writes seeds (zoo graph texts and plans,
# tiny IDX and CIFAR files, ONNX and .pkm exports of small zoo models), then runs each harness for RUNS executions
# or SECONDS_EACH seconds, whichever comes first. Resumable: each harness keeps its corpus in
# $FUZZ_OUT/<harness>/corpus and a rerun continues from it; every finished invocation appends
# {"harness", "runs", "seconds", "exit", "crashes", "corpus"} to $FUZZ_OUT/results.jsonl. A crash
# stops its harness; the input is in $FUZZ_OUT/<harness>/crash-* (make it a regression test).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-1000000}
seconds=${SECONDS_EACH:-3600}
out=${FUZZ_OUT:-runs/fuzz}
bin=${PRUNEKIT:-build/prunekit}
build=${FUZZ_BUILD:-build-fuzz}
harnesses=("$@")
[ ${#harnesses[@]} -eq 0 ] && harnesses=(plan_json graph_text idx cifar onnx_import model_file yolo_labels)

[ -f "$build/CMakeCache.txt" ] || CXX=clang++ cmake -S fuzz -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j 2 >/dev/null

seeds="$out/seeds"
if [ ! -d "$seeds/onnx_import" ] || [ ! -d "$seeds/model_file" ]; then
  rm -rf "$seeds"
  "$build/fuzz_seeds" "$seeds"
  mkdir -p "$seeds/onnx.tmp"
  for model in resnet20 densenet vgg11; do
    "$bin" export "$model" --width 0.125 --no-verify --out "$seeds/onnx.tmp/$model.onnx" >/dev/null 2>&1
  done
  mv "$seeds/onnx.tmp" "$seeds/onnx_import"
  mkdir -p "$seeds/model_file"
  "$bin" export resnet20 --width 0.125 --no-verify --out "$seeds/model_file/resnet20.pkm" >/dev/null 2>&1
fi

# The importer's torch export patterns (asymmetric pads through F.pad's pads arithmetic, channel
# shuffles, channel splits, LayerNorm / GELU / channels-last Linear), small, when Debian's python3-torch is there.
if [ ! -d "$seeds/onnx_patterns" ] && /usr/bin/python3 -c "import torch" 2>/dev/null; then
  mkdir -p "$seeds/onnx_patterns.tmp"
  for pattern in pattern_same_padding pattern_channel_shuffle pattern_channel_split pattern_layer_norm; do
    /usr/bin/python3 tests/io/make_fixtures.py "$pattern" 16 "$seeds/onnx_patterns.tmp" >/dev/null 2>&1
  done
  rm -f "$seeds/onnx_patterns.tmp"/*.bin "$seeds/onnx_patterns.tmp"/*.json
  mv "$seeds/onnx_patterns.tmp" "$seeds/onnx_patterns"
fi

if [ ! -d "$seeds/yolo_labels" ]; then  # class-count byte + a label file's text
  mkdir -p "$seeds/yolo_labels.tmp"
  printf '\x04%s' $'0 0.5 0.5 0.2 0.3\n3 0.1 0.9 0.05 0.1\n' > "$seeds/yolo_labels.tmp/two"
  printf '\x01%s' $'\n0 1 1 1 1\n\n0 0 0 0.000001 0.5\n' > "$seeds/yolo_labels.tmp/edges"
  mv "$seeds/yolo_labels.tmp" "$seeds/yolo_labels"
fi

for h in "${harnesses[@]}"; do
  dir="$out/$h"
  mkdir -p "$dir/corpus"
  start=$(date +%s)
  extra=()
  [ "$h" = onnx_import ] && [ -d "$seeds/onnx_patterns" ] && extra=("$seeds/onnx_patterns")
  set +e
  "$build/fuzz_$h" -runs="$runs" -max_total_time="$seconds" -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="$dir/" "$dir/corpus" "$seeds/$h" "${extra[@]}" > "$dir/last.log" 2>&1
  code=$?
  set -e
  done_runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/last.log" | tail -1)
  crashes=$(find "$dir" -maxdepth 1 -name 'crash-*' -o -maxdepth 1 -name 'leak-*' -o -maxdepth 1 -name 'timeout-*' | wc -l)
  printf '{"harness":"%s","runs":%s,"seconds":%s,"exit":%s,"crashes":%s,"corpus":%s}\n' "$h" "${done_runs:-0}" \
    "$(( $(date +%s) - start ))" "$code" "$crashes" "$(ls "$dir/corpus" | wc -l)" | tee -a "$out/results.jsonl"
  [ "$code" = 0 ] || { echo "fuzz_$h failed (exit $code): see $dir/last.log" >&2; exit 1; }
done
