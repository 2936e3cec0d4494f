#!/usr/bin/env bash
# Which search settings learn: `prunekit search` on one model under several settings and seeds,
# each row's learning curve from its log (no fine-tuning: this compares the searches themselves).
#
# Usage: bench/search_settings.sh MODEL.pkm OUT_DIR "SEEDS" "SETTINGS"
#   SETTINGS  rows, each NAME=FLAGS with FLAGS comma-separated, e.g.
#             "fill=--projection,fill shrink=--projection,shrink lr1e-3=--controller-lr,1e-3"
#             (a row named random runs --method random; every other row runs abcp)
# Environment knobs: TARGET [0.25] (MACs fraction), EPISODES [300], SEARCH_SIZE [1000],
#   CALIB_BATCHES [5], PRUNEKIT [build/prunekit], EXTRA [] (flags given to every row, e.g. a criterion
#   pinned so that rows run by different builds stay comparable).
# Every (row, seed) appends one JSON line to OUT_DIR/results.jsonl: mean reward and search accuracy
# of the first and last quarter of the candidates, the best reward meeting the budget, wall time.
# Finished (row, seed) pairs are skipped and an interrupted search resumes from its checkpoint,
# so the script can be re-run until it is complete; bench/search_settings_table.py summarises
# mean ± std over seeds.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${PRUNEKIT:-build/prunekit}
model=${1:?model}
out=${2:?output directory}
seeds=${3:-1 2 3}
settings=${4:?settings}
target=${TARGET:-0.25}
episodes=${EPISODES:-300}
py=/usr/bin/python3
mkdir -p "$out"
results="$out/results.jsonl"
touch "$results"
for seed in $seeds; do
  for row in $settings; do
    name=${row%%=*}
    flags=${row#*=}; [ "$flags" = "$row" ] && flags=
    key="$name-s$seed"
    if grep -q "\"row\": \"$key\"" "$results"; then echo "== $key: done already"; continue; fi
    echo "== $key"
    dir="$out/$key"
    method=abcp; [ "$name" = random ] && method=random
    resume=; [ -f "$dir/checkpoint" ] && resume=--resume
    start=$(date +%s.%N)
    # shellcheck disable=SC2086
    "$bin" search --method "$method" --model "$model" --target-macs "$target" --episodes "$episodes" \
      --search-size "${SEARCH_SIZE:-1000}" --calib-batches "${CALIB_BATCHES:-5}" --seed "$seed" --no-progress \
      ${flags//,/ } ${EXTRA:-} --out "$dir" $resume > "$dir.txt" 2>&1 || { tail -5 "$dir.txt"; exit 1; }
    seconds=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN{print e-s}')
    "$py" - "$key" "$name" "$seed" "$flags" "$seconds" "$dir/log.jsonl" >> "$results" <<'PY'
import json, sys
key, name, seed, flags, seconds, log = sys.argv[1:]
lines = [json.loads(l) for l in open(log)]
q = max(1, len(lines) // 4)
mean = lambda xs: sum(xs) / len(xs)
met = [l["reward"] for l in lines if l["budget_met"]]
print(json.dumps({"row": key, "setting": name, "seed": int(seed), "flags": flags, "candidates": len(lines),
                  "reward_first_q": mean([l["reward"] for l in lines[:q]]),
                  "reward_last_q": mean([l["reward"] for l in lines[-q:]]),
                  "acc_first_q": mean([l.get("accuracy", 0) for l in lines[:q]]),
                  "acc_last_q": mean([l.get("accuracy", 0) for l in lines[-q:]]),
                  "best_reward": max(met) if met else None,
                  "budget_met_fraction": len(met) / len(lines), "seconds": float(seconds)}))
PY
    tail -1 "$results"
  done
done
"$py" bench/search_settings_table.py "$results"
