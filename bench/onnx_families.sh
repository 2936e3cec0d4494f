#!/usr/bin/env bash
# ONNX coverage (issue 16): torchvision families exported the way a user would (torch.onnx.export,
# opset 13, random weights, 224x224, tests/io/make_fixtures.py) go through
#   prunekit prune --model m.onnx --method uniform --target-macs 0.5 --out small.onnx
# and both files are timed in ONNX Runtime (bench/ort_latency.js, batch 1, 1 thread). One JSON
# line per family in OUT/results.jsonl: MACs and params before/after, the MACs ratio, ORT
# latency (median ms) before/after, import+prune seconds, or the error of a family that fails.
# Resumable: families already in results.jsonl are skipped. Run it on a quiet machine.
# Usage: bench/onnx_families.sh [OUT=runs/bench/onnx-families] [family ...]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${PRUNEKIT:-build/prunekit}
out=${1:-runs/bench/onnx-families}
shift || true
families=("$@")
[ ${#families[@]} -eq 0 ] && families=(resnet18 resnet50 mobilenet_v2 mobilenet_v3_small mobilenet_v3_large
  mnasnet1_0 efficientnet_b0 regnet_y_400mf resnext50_32x4d densenet121 squeezenet1_1 googlenet alexnet
  vgg11_bn shufflenet_v2_x1_0 convnext_tiny)
size=${SIZE:-224}
mkdir -p "$out"
results="$out/results.jsonl"
touch "$results"

for family in "${families[@]}"; do
  if grep -q "\"family\": \"$family\"" "$results"; then continue; fi
  stem="$out/${family}_$size"
  [ -f "$stem.json" ] || /usr/bin/python3 tests/io/make_fixtures.py "$family" "$size" "$out" > "$stem.export.log" 2>&1
  start=$(date +%s.%N)
  rm -f "$stem.small.onnx"
  # Random weights and no dataset: BN statistics are kept as sliced (--no-recalibrate).
  if ! "$bin" prune --model "$stem.onnx" --method uniform --target-macs 0.5 --no-recalibrate \
      --out "$stem.small.onnx" > "$stem.prune.txt" 2>&1; then
    error=$(grep -v '^ ' "$stem.prune.txt" | tail -1 | sed 's/\\/\\\\/g; s/"/\\"/g')
    printf '{"family": "%s", "size": %d, "error": "%s"}\n' "$family" "$size" "$error" >> "$results"
    echo "$family: FAILED: $error"
    continue
  fi
  seconds=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN{printf "%.2f", e-s}')
  "$bin" analyze --json "$stem.onnx" > "$stem.analyze.json" 2> /dev/null
  "$bin" analyze --json "$stem.small.onnx" > "$stem.small.analyze.json" 2> /dev/null
  node bench/ort_latency.js --shape "3x${size}x${size}" --batch 1 --reps 40 --rounds 4 \
    "$stem.onnx" "$stem.small.onnx" > "$stem.ort.txt"
  /usr/bin/python3 - "$family" "$size" "$seconds" "$stem" >> "$results" <<'PY'
import json, sys
family, size, seconds, stem = sys.argv[1:]
b, a = json.load(open(stem + ".analyze.json")), json.load(open(stem + ".small.analyze.json"))
ms = [float(line.split()[0]) for line in open(stem + ".ort.txt").read().splitlines()[1:3]]
print(json.dumps({"family": family, "size": int(size), "macs": b["macs"], "macs_pruned": a["macs"],
                  "macs_ratio": round(a["macs"] / b["macs"], 4), "params": b["params"],
                  "params_pruned": a["params"], "ort_ms": ms[0], "ort_ms_pruned": ms[1],
                  "prune_seconds": float(seconds)}))
PY
  tail -1 "$results"
done

/usr/bin/python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print(f"{'family':20s} {'GMACs':>7s} {'→':>7s} {'ratio':>6s} {'Mparams':>8s} {'→':>7s} {'ORT ms':>8s} {'→':>8s} {'speed-up':>8s}")
for r in rows:
    if "error" in r:
        print(f"{r['family']:20s} refused: {r['error'][:110]}")
        continue
    print(f"{r['family']:20s} {r['macs']/1e9:7.2f} {r['macs_pruned']/1e9:7.2f} {r['macs_ratio']:6.3f} "
          f"{r['params']/1e6:8.2f} {r['params_pruned']/1e6:7.2f} {r['ort_ms']:8.2f} {r['ort_ms_pruned']:8.2f} "
          f"{r['ort_ms']/r['ort_ms_pruned']:7.2f}x")
PY
