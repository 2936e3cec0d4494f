#!/usr/bin/env python3
"""Summary of bench/search_settings.sh: per setting, mean ± std over seeds (markdown)."""
import json
import statistics
import sys


def cell(values, scale=1.0, digits=2):
    values = [v * scale for v in values if v is not None]
    if not values:
        return "–"
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{statistics.mean(values):.{digits}f} ± {statistics.stdev(values):.{digits}f}"


rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
by_setting = {}
for r in rows:
    by_setting.setdefault(r["setting"], []).append(r)
print("| setting | seeds | acc first¼ % | acc last¼ % | reward first¼ | reward last¼ | best reward | budget met | s |")
print("|---|---|---|---|---|---|---|---|---|")
for name, rs in by_setting.items():
    print(f"| {name} | {len(rs)} | {cell([r['acc_first_q'] for r in rs], 100)} | {cell([r['acc_last_q'] for r in rs], 100)} "
          f"| {cell([r['reward_first_q'] for r in rs], 1, 4)} | {cell([r['reward_last_q'] for r in rs], 1, 4)} "
          f"| {cell([r['best_reward'] for r in rs], 1, 4)} | {cell([r['budget_met_fraction'] for r in rs], 100, 0)}% "
          f"| {cell([r['seconds'] for r in rs], 1, 0)} |")
