#!/usr/bin/env bash
# Distributed search on this machine (issue 18): a 40-candidate ABCP search on the 24-epoch
# ResNet-20 baseline, run as `mpirun -np 2` with 1 thread per rank (B) and as one process with
# 2 threads (A), alternated A B A B … so drift hits both alike. Prints each one's median wall time,
# the A/B ratio pair by pair (> 1: MPI is faster), whether every run chose the same best plan, and
# the MPI traffic per remote candidate (the search's own `ranks` line). Resumable: finished runs
# are kept in OUT/results.jsonl. Run it on a quiet machine.
# Usage: bench/mpi_scaling.sh [OUT=runs/bench/mpi]   (PAIRS=3 EPISODES=40 SEARCH_SIZE=1000)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${PRUNEKIT:-build/prunekit}
out=${1:-runs/bench/mpi}
pairs=${PAIRS:-3}
episodes=${EPISODES:-40}
search_size=${SEARCH_SIZE:-1000}
bench/baselines.sh resnet20
base=runs/baselines/resnet20-fmnist.pkm
mkdir -p "$out"
results="$out/results.jsonl"
touch "$results"
# Open MPI refuses root without these (these machines run as root).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
search="search --method abcp --model $base --target-macs 0.5 --episodes $episodes --search-size $search_size"
search+=" --no-progress --overwrite"

for pair in $(seq 1 "$pairs"); do
  for config in one-process mpi-2; do
    if grep -q "\"pair\": $pair, \"config\": \"$config\"" "$results"; then continue; fi
    run="$out/$config-$pair"
    start=$(date +%s.%N)
    if [ "$config" = one-process ]; then
      # shellcheck disable=SC2086
      "$bin" $search --threads 2 --out "$run" > "$run.txt" 2>&1
    else
      # shellcheck disable=SC2086
      mpirun -np 2 "$bin" $search --threads 1 --out "$run" > "$run.txt" 2>&1
    fi
    wall=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN{printf "%.2f", e-s}')
    plan=$(sha256sum "$run/best_plan.json" | cut -c1-16)
    ranks=$(grep '^ranks' "$run.txt" | sed 's/^ranks *//' || true)
    printf '{"pair": %d, "config": "%s", "wall_s": %s, "plan_sha": "%s", "ranks": "%s"}\n' \
      "$pair" "$config" "$wall" "$plan" "$ranks" >> "$results"
    echo "pair $pair $config: ${wall} s, plan $plan ${ranks:+($ranks)}"
  done
done

/usr/bin/python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {}
for r in rows: by.setdefault(r["config"], {})[r["pair"]] = r
one, mpi = by.get("one-process", {}), by.get("mpi-2", {})
pairs = sorted(set(one) & set(mpi))
for name, d in (("one process, 2 threads", one), ("mpirun -np 2, 1 thread each", mpi)):
    if d: print(f"{name:28s} median {statistics.median(r['wall_s'] for r in d.values()):7.1f} s over {len(d)} runs")
ratios = [one[p]["wall_s"] / mpi[p]["wall_s"] for p in pairs]
if ratios:
    print(f"speed-up (A/B pair by pair)   median {statistics.median(ratios):.2f}x  (min {min(ratios):.2f}, max {max(ratios):.2f})")
plans = {r["plan_sha"] for r in rows}
print(f"best plans                    {'identical' if len(plans) == 1 else 'DIFFERENT: ' + ', '.join(sorted(plans))}")
for r in mpi.values(): print(f"mpi pair {r['pair']}: {r['ranks']}")
PY
