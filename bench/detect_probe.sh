#!/usr/bin/env bash
# Issue 15: why one ABCP seed at 10% of the MACs removed 2 blocks of 23 while the other seeds
# removed 20-21. Reruns only the search of one detection-table row (the same baseline, settings
# and shipped defaults as bench/detect_table.sh, without the fine-tune) and prints its learning
# curve per quarter of the candidates: mean reward, mean blocks removed, the share of candidates
# within budget and the best reward, so a controller that stops removing blocks shows where.
#   PRUNEKIT=runs/bin/prunekit-bench bench/detect_probe.sh [method] [target] [seed]   (abcp 0.1 0)
# Resumable (the search checkpoint); the curve is also written to OUT/<row>/curve.json.
set -euo pipefail
cd "$(dirname "$0")/.."
PK=${PRUNEKIT:-build/prunekit}
OUT=${OUT:-runs/bench/detect-probe}
method=${1:-abcp}
target=${2:-0.1}
seed=${3:-0}
EPISODES=${EPISODES:-120}
FINALISTS=${FINALISTS:-5}
WIDTH=${WIDTH:-0.25}
BASE=bench/results/baselines/yolov3-w${WIDTH}-shapes.pkm
dir="$OUT/$method-$target-s$seed-f$FINALISTS"
mkdir -p "$dir"
resume=""
[ -e "$dir/checkpoint" ] && resume="--resume"
[ -e "$dir/best_plan.json" ] || "$PK" search --model "$BASE" --method "$method" --target-macs "$target" \
  --episodes "$EPISODES" --seed "$seed" --finalists "$FINALISTS" --no-progress $resume --out "$dir" >> "$dir/search.log" 2>&1
/usr/bin/python3 - "$dir" <<'EOF'
import json, statistics, sys
d = sys.argv[1]
rows = [json.loads(l) for l in open(d + "/log.jsonl") if l.strip()]
rows = [r for r in rows if "reward" in r and "id" in r]
q = max(1, len(rows) // 4)
curve = []
for k in range(4):
    part = rows[k * q:(k + 1) * q] if k < 3 else rows[3 * q:]
    if not part:
        continue
    curve.append({"quarter": k + 1, "candidates": len(part),
                  "mean_reward": statistics.mean(r["reward"] for r in part),
                  "best_reward": max(r["reward"] for r in part),
                  "mean_blocks_removed": statistics.mean(len(r.get("removed_blocks", [])) for r in part),
                  "budget_met": sum(1 for r in part if r.get("budget_met")) / len(part)})
json.dump(curve, open(d + "/curve.json", "w"), indent=1)
best = json.load(open(d + "/best_plan.json"))
print(f"{d}: {len(rows)} candidates, best plan removes {len(best.get('removed_blocks', []))} blocks")
for c in curve:
    print(f"  quarter {c['quarter']}: mean R {c['mean_reward']:.4f}  best R {c['best_reward']:.4f}  "
          f"blocks removed {c['mean_blocks_removed']:.1f}  within budget {100 * c['budget_met']:.0f}%")
EOF
