# Sourced by the demo scripts: measure_models BIN MODEL... writes MODEL.eval.json (eval --json on
# the test split) and MODEL.bench.json (latency: batch 1, 1 thread, BN folded, median of 30 runs).
measure_models() {
  local bin=$1
  shift
  for m in "$@"; do
    "$bin" eval --model "$m" --json > "$m.eval.json" 2>/dev/null
    "$bin" bench --model "$m" --batch 1 --threads 1 --reps 30 --json > "$m.bench.json" 2>/dev/null
  done
}
