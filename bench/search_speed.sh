#!/usr/bin/env bash
# Wall time of one search at a method's shipped defaults, and where it goes (agent vs. evaluation).
# Usage: bench/search_speed.sh MODEL.pkm METHOD [OUT_DIR] [extra prunekit search flags...]
# Resumable: an interrupted search continues from OUT_DIR/checkpoint. Prints one JSON line:
# total seconds, candidates, and the summed per-candidate seconds of each phase of log.jsonl
# (controller = the strategy's ask + tell, i.e. the agent's share).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${PRUNEKIT:-build/prunekit}
model=${1:?model}
method=${2:?method}
out=${3:-runs/bench/speed-$method}
shift $(( $# < 3 ? $# : 3 ))
resume=; [ -f "$out/checkpoint" ] && resume=--resume
start=$(date +%s.%N)
"$bin" search --method "$method" --model "$model" --target-macs 0.5 --no-progress --out "$out" $resume "$@" > "$out.txt"
end=$(date +%s.%N)
/usr/bin/python3 - "$out/log.jsonl" "$start" "$end" "$method" <<'PY'
import json, sys
log, start, end, method = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
phases, n = {}, 0
for line in open(log):
    j = json.loads(line); n += 1
    for k, v in j.get("seconds", {}).items(): phases[k] = phases.get(k, 0) + v
total = sum(phases.values())
print(json.dumps({"method": method, "candidates": n, "wall_s_this_run": round(end - start, 1),
                  "phase_s": {k: round(v, 1) for k, v in phases.items()},
                  "agent_share": round(phases.get("controller", 0) / total, 3) if total else None}))
PY
