#!/usr/bin/env bash
# Which channels a group keeps: importance criteria × member scoring, one-shot uniform and
# global pruning of one baseline, each result BN-recalibrated (the `prune` default) and evaluated.
#
# Usage: bench/criteria_table.sh BASELINE.pkm OUT_DIR
# Environment knobs (defaults in brackets):
#   TARGETS ["0.5 0.25"]                  MACs fractions
#   METHODS ["uniform global"]            one-shot methods
#   CRITERIA ["l1 l2 bn_gamma fpgm taylor"]
#   SCORINGS ["producers sum:none mean:mean max:max"]
#             reduction:normalizer over every member of a group; `producers` = the old scoring
#             (producers' rows only, summed, not normalised: --producers-only). bn_gamma scores
#             the BN layers only, whose ranking no scoring changes: it runs once (sum:none).
#   CALIB_BATCHES [20]                    BN recalibration batches of 128 images
#   FT_EPOCHS [0]                         > 0: also fine-tune each result (distillation from the baseline)
#   PRUNEKIT [build/prunekit]
# Every cell appends one JSON line to OUT_DIR/results.jsonl (cells already there are skipped, so a
# killed run restarts where it stopped); OUT_DIR/table.md is rewritten at the end. Accuracy is
# top-1 on the test split and on the search split (held out of training; pick defaults on it).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${PRUNEKIT:-build/prunekit}
base=${1:?baseline model}
out=${2:?output directory}
targets=${TARGETS:-0.5 0.25}
methods=${METHODS:-uniform global}
criteria=${CRITERIA:-l1 l2 bn_gamma fpgm taylor}
scorings=${SCORINGS:-producers sum:none mean:mean max:max}
calib=${CALIB_BATCHES:-20}
ft_epochs=${FT_EPOCHS:-0}
py=/usr/bin/python3
mkdir -p "$out"
results="$out/results.jsonl"
touch "$results"

have_cell() { grep -q "\"cell\": \"$1\"" "$results"; }
eval_json() {  # model split → the eval JSON on one line
  "$bin" eval --model "$1" --split "$2" --json 2>/dev/null | "$py" -c 'import json,sys; print(json.dumps(json.load(sys.stdin)))'
}

if ! have_cell baseline; then
  "$py" - "$(eval_json "$base" test)" "$(eval_json "$base" search)" "$base" >> "$results" <<'PY'
import json, sys
t, s = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(json.dumps({"cell": "baseline", "model": sys.argv[3], "top1": t["top1"], "search_top1": s["top1"],
                  "macs": t["macs"], "params": t["params"]}))
PY
fi

for target in $targets; do
  for method in $methods; do
    for criterion in $criteria; do
      for scoring in $scorings; do
        [ "$criterion" = bn_gamma ] && [ "$scoring" != sum:none ] && continue
        cell="$method-$criterion-$scoring-$target"
        have_cell "$cell" && continue
        if [ "$scoring" = producers ]; then
          flags="--producers-only --reduction sum --normalizer none"
        else
          flags="--reduction ${scoring%%:*} --normalizer ${scoring##*:}"
        fi
        pruned="$out/$cell.pkm"
        start=$(date +%s.%N)
        # shellcheck disable=SC2086
        "$bin" prune --model "$base" --method "$method" --criterion "$criterion" $flags --target-macs "$target" \
          --calib-batches "$calib" --out "$pruned" > "$out/$cell.log" 2>&1
        seconds=$("$py" -c "import time; print(round(time.time() - $start, 1))")
        test_json=$(eval_json "$pruned" test)
        search_json=$(eval_json "$pruned" search)
        ft_json='{}'
        if [ "$ft_epochs" -gt 0 ]; then
          "$bin" finetune --model "$pruned" --teacher "$base" --epochs "$ft_epochs" --no-progress \
            --out "$out/$cell-ft.pkm" >> "$out/$cell.log" 2>&1
          ft_json=$(eval_json "$out/$cell-ft.pkm" test)
        fi
        "$py" - "$cell" "$method" "$criterion" "$scoring" "$target" "$test_json" "$search_json" "$ft_json" \
          "$seconds" >> "$results" <<'PY'
import json, sys
cell, method, criterion, scoring, target = sys.argv[1:6]
t, s, ft = (json.loads(a) for a in sys.argv[6:9])
row = {"cell": cell, "method": method, "criterion": criterion, "scoring": scoring, "target_macs": float(target),
       "macs": t["macs"], "params": t["params"], "top1": t["top1"], "loss": t["loss"], "search_top1": s["top1"],
       "prune_seconds": float(sys.argv[9])}
if ft:
    row["ft_top1"] = ft["top1"]
print(json.dumps(row))
PY
        rm -f "$pruned" "$out/$cell-ft.pkm"
        echo "$cell done"
      done
    done
  done
done

"$py" - "$results" > "$out/table.md" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
base = next(r for r in rows if r["cell"] == "baseline")
cells = [r for r in rows if r["cell"] != "baseline"]
print(f"baseline {base['model']}: test top-1 {100 * base['top1']:.2f}%, search top-1 {100 * base['search_top1']:.2f}%\n")
cols = sorted({(r["method"], r["target_macs"]) for r in cells}, key=lambda c: (c[0] != "uniform", -c[1]))
has_ft = any("ft_top1" in r for r in cells)
head = "| criterion | scoring | " + " | ".join(f"{m} {t:g}" for m, t in cols) + " | mean |"
print("top-1 % after BN recalibration, test split (search split in brackets)" + (", fine-tuned after /" if has_ft else ""))
print()
print(head)
print("|" + "---|" * (len(cols) + 3))
keys = []
for r in cells:
    if (r["criterion"], r["scoring"]) not in keys:
        keys.append((r["criterion"], r["scoring"]))
for crit, scoring in keys:
    line, accs = [], []
    for c in cols:
        r = next((r for r in cells if (r["criterion"], r["scoring"], r["method"], r["target_macs"]) == (crit, scoring) + c), None)
        if r is None:
            line.append("—")
            continue
        accs.append(r["search_top1"])
        text = f"{100 * r['top1']:.2f} ({100 * r['search_top1']:.2f})"
        if "ft_top1" in r:
            text += f" / {100 * r['ft_top1']:.2f}"
        line.append(text)
    mean = f"({100 * sum(accs) / len(accs):.2f})" if accs else "—"
    print(f"| {crit} | {scoring} | " + " | ".join(line) + f" | {mean} |")
PY
cat "$out/table.md"
