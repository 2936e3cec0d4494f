#!/usr/bin/python3
"""Markdown table of bench/detect_table.sh's results: per row mAP@0.5 and mAP@0.5:0.95 before and
after fine-tuning, MACs and params (share of the baseline), blocks removed, latency (executor and
ONNX Runtime, batch 1, 1 thread) with the speed-up, and search time; then per (method, budget) with
several seeds the mean ± std of mAP@0.5 after fine-tuning.
  bench/detect_table_summary.py [bench/results/detect-shapes-yolov3-w025.jsonl]"""
import json
import statistics
import sys
from collections import defaultdict

path = sys.argv[1] if len(sys.argv) > 1 else "bench/results/detect-shapes-yolov3-w025.jsonl"
rows = [json.loads(line) for line in open(path) if line.strip()]
base = next(r for r in rows if r["row"] == "baseline")
b_eval, b_lat = base["eval"], base["latency"]
print("| row | mAP@0.5 before ft | mAP@0.5 | mAP@.5:.95 | MACs | params | blocks removed | executor ms | ORT ms | search s |")
print("|---|---|---|---|---|---|---|---|---|---|")
print(f"| baseline | | {100 * b_eval['map50']:.2f} | {100 * b_eval['map50_95']:.2f} | {b_eval['macs'] / 1e6:.1f}M | "
      f"{b_eval['params'] / 1e6:.2f}M | 0 / 23 | {b_lat['executor_ms']:.2f} | {b_lat['ort_ms']:.2f} | |")
groups = defaultdict(list)
for r in rows:
    if r["row"] == "baseline":
        continue
    a, lat = r["after_finetune"], r["latency"]
    # Searched rows differ by whether the search re-scored finalists (row suffix -fK; none: K = 0).
    finalists = ((r.get("search_settings") or {}).get("finalists") or {}).get("count", 0)
    method = r["method"] if r["method"] in ("uniform", "global") else f"{r['method']} (finalists {finalists})"
    groups[(method, r["target_macs"])].append(100 * a["map50"])
    print(f"| {r['row']} | {100 * r['before_finetune']['map50']:.2f} | {100 * a['map50']:.2f} | {100 * a['map50_95']:.2f} | "
          f"{a['macs'] / 1e6:.2f}M ({100 * a['macs'] / b_eval['macs']:.1f}%) | "
          f"{a['params'] / 1e3:.0f}K ({100 * a['params'] / b_eval['params']:.1f}%) | {r['blocks_removed']} | "
          f"{lat['executor_ms']:.2f} ({b_lat['executor_ms'] / lat['executor_ms']:.1f}×) | "
          f"{lat['ort_ms']:.3f} ({b_lat['ort_ms'] / lat['ort_ms']:.1f}×) | {r['search_seconds']} |")
print()
for (method, target), v in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
    if len(v) > 1:
        print(f"- {method} at {100 * target:g}% MACs: mAP@0.5 {statistics.mean(v):.2f} ± {statistics.stdev(v):.2f} "
              f"over {len(v)} seeds")
