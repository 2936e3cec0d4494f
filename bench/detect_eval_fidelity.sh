#!/usr/bin/env bash
# How a detector search should score its candidates (issue 15): the same 12 random candidates at
# 5% of the MACs, scored after BN recalibration plus 0, 20, 50 and 200 steps (16 images each) of
# head fine-tuning (output convs, YOLO loss). Reports per setting the seconds per candidate, the
# spread of the scores (mAP@0.5 and the YOLO loss on the search split) and their Spearman rank
# correlations with the 200-step scores (the proxy for "what the candidate is worth after
# fine-tuning").
#   bench/detect_eval_fidelity.sh [BASE=runs/bench/detect/yolov3-w0.25.pkm] [OUT=runs/bench/detect-fidelity]
set -euo pipefail
cd "$(dirname "$0")/.."
PK=${PRUNEKIT:-build/prunekit}
BASE=${1:-runs/bench/detect/yolov3-w0.25.pkm}
OUT=${2:-runs/bench/detect-fidelity}
N=${N:-12}
mkdir -p "$OUT"
for steps in 0 20 50 200; do
  dir="$OUT/steps$steps"
  [ -f "$dir/pruned.pkm" ] && continue
  rm -rf "$dir"
  "$PK" search --model "$BASE" --method random --target-macs 0.05 --episodes "$N" --seed 0 \
    --eval-finetune-steps "$steps" --no-progress --out "$dir" > "$OUT/steps$steps.log" 2>&1
done
/usr/bin/python3 - "$OUT" <<'PY'
import json, sys, statistics
out = sys.argv[1]
def scores(steps):
    rows = [json.loads(l) for l in open(f"{out}/steps{steps}/log.jsonl") if l.strip()]
    rows = [r for r in rows if "accuracy" in r]
    return ([r["accuracy"] for r in rows], [-r["loss"] for r in rows],
            [sum(v for k, v in r["seconds"].items() if k != "controller") for r in rows])
def ranks(v):
    order = sorted(range(len(v)), key=lambda i: v[i])
    r = [0.0] * len(v)
    for k, i in enumerate(order): r[i] = k
    return r
def spearman(a, b):
    ra, rb = ranks(a), ranks(b)
    return statistics.correlation(ra, rb) if statistics.pstdev(ra) > 0 and statistics.pstdev(rb) > 0 else float("nan")
ref, ref_loss, _ = scores(200)
for steps in (0, 20, 50, 200):
    s, neg_loss, secs = scores(steps)
    print(json.dumps({"steps": steps, "candidates": len(s), "mean_map50": round(statistics.mean(s), 5),
                      "std_map50": round(statistics.pstdev(s), 5), "max_map50": round(max(s), 5),
                      "mean_loss": round(-statistics.mean(neg_loss), 4), "std_loss": round(statistics.pstdev(neg_loss), 4),
                      "spearman_map_vs_map200": round(spearman(s, ref), 3),
                      "spearman_loss_vs_map200": round(spearman(neg_loss, ref), 3),
                      "spearman_loss_vs_loss200": round(spearman(neg_loss, ref_loss), 3),
                      "seconds_per_candidate": round(statistics.median(secs), 2)}))
PY
