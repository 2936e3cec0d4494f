#!/usr/bin/env bash
# The ResNet-20 table of the search-core and LFGCL issues, in priority order, resumable: every
# finished row is skipped (bench/compare_methods.sh), an interrupted search continues from its
# checkpoint. Trains the 24-epoch baseline first if it is missing (bench/baselines.sh).
# Usage: bench/r20_table.sh   → runs/bench/compare-r20/results.jsonl and the table on stdout
set -euo pipefail
cd "$(dirname "$0")/.."
bench/baselines.sh resnet20
base=runs/baselines/resnet20-fmnist.pkm
out=runs/bench/compare-r20
one_shot="uniform global"
seed0="abcp lfgcl-lf lfgcl amc random"
more_seeds="abcp@1 lfgcl-lf@1 random@1 abcp@2 lfgcl-lf@2 random@2 lfgcl@1 lfgcl@2 amc@1 amc@2"
bench/compare_methods.sh "$base" "$out" "0.25" "$one_shot $seed0 $more_seeds"
bench/compare_methods.sh "$base" "$out" "0.5 0.125" "$one_shot $seed0 $more_seeds"
