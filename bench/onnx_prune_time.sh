#!/usr/bin/env bash
# Issue 16, item 4: the time to import and prune a ResNet-50-size ONNX file on this machine, whole
# process, split into its stages: `import` (ONNX → .pkm: parse, map, rewrites, build), `analyze`
# (channel analysis + cost table), `prune` .pkm → .pkm (analysis, plan, apply, save) and
# `export` (.pkm → ONNX), against the whole `prune --model m.onnx --out small.onnx`. Each stage runs
# RUNS times (after one warm-up); the median wall seconds go to RESULTS as one JSON line.
#   bench/onnx_prune_time.sh [RUNS=7]  (FAMILY=resnet50 SIZE=224 OUT=runs/bench/onnx-families)
set -euo pipefail
cd "$(dirname "$0")/.."
PK=${PRUNEKIT:-build/prunekit}
RUNS=${1:-7}
FAMILY=${FAMILY:-resnet50}
SIZE=${SIZE:-224}
OUT=${OUT:-runs/bench/onnx-families}
RESULTS=${RESULTS:-bench/results/onnx-prune-time.jsonl}
mkdir -p "$OUT"
stem="$OUT/${FAMILY}_$SIZE"
[ -f "$stem.json" ] || /usr/bin/python3 tests/io/make_fixtures.py "$FAMILY" "$SIZE" "$OUT" > /dev/null 2>&1
budget="--method uniform --target-macs 0.5 --no-recalibrate"

# median_seconds CMD...: median wall time of RUNS runs of CMD (output discarded), after a warm-up.
median_seconds() {
  "$@" > /dev/null 2>&1
  local times=()
  for _ in $(seq "$RUNS"); do
    local start end
    start=$(date +%s.%N)
    "$@" > /dev/null 2>&1
    end=$(date +%s.%N)
    times+=("$(awk -v s="$start" -v e="$end" 'BEGIN{printf "%.3f", e - s}')")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}

"$PK" import "$stem.onnx" --out "$stem.pkm" > /dev/null 2>&1
"$PK" prune --model "$stem.pkm" $budget --out "$stem.small.pkm" > /dev/null 2>&1
total=$(median_seconds "$PK" prune --model "$stem.onnx" $budget --out "$stem.small.onnx")
import=$(median_seconds "$PK" import "$stem.onnx" --out "$stem.pkm")
analyze=$(median_seconds "$PK" analyze "$stem.pkm")
prune=$(median_seconds "$PK" prune --model "$stem.pkm" $budget --out "$stem.small.pkm")
export=$(median_seconds "$PK" export --model "$stem.small.pkm" --out "$stem.small.onnx")
start_only=$(median_seconds "$PK" --version)
line=$(printf '{"family": "%s", "size": %d, "runs": %d, "onnx_bytes": %d, "median_seconds": {"prune_onnx_to_onnx": %s, "import": %s, "analyze": %s, "prune_pkm_to_pkm": %s, "export": %s, "process_start": %s}, "date": "%s"}' \
  "$FAMILY" "$SIZE" "$RUNS" "$(stat -c %s "$stem.onnx")" "$total" "$import" "$analyze" "$prune" "$export" "$start_only" "$(date -u +%F)")
echo "$line" | tee -a "$RESULTS"
