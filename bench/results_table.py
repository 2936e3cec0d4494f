#!/usr/bin/python3
"""Markdown table of bench/compare_methods.sh results.

Usage: bench/results_table.py BASELINE.pkm RESULTS.jsonl
One row per line of RESULTS.jsonl, grouped by MACs target; the baseline's own numbers come from
`<baseline without .pkm>.eval.json` when bench/baselines.sh wrote it.
"""
import json
import os
import statistics
import sys


def prune_seconds(r: dict) -> float:
    """Wall time of the row's pruning step. A search that was resumed from its checkpoint only
    timed the rest of its run, so a search row counts at least the sum of its candidates' stages."""
    return max(r["prune_seconds"], sum(r.get("search_breakdown_s", {}).values()))


def target_label(r: dict) -> str:
    """The budget: a MACs fraction, or "<f> params" for rows of a params budget."""
    return f"{r['target_macs']:g}" + (" params" if r.get("metric") == "params" else "")


def spread(values, digits=2) -> str:
    """mean ± sample std (just the value for one)."""
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{statistics.mean(values):.{digits}f} ± {statistics.stdev(values):.{digits}f}"


def main() -> None:
    baseline, results = sys.argv[1], sys.argv[2]
    rows = [json.loads(line) for line in open(results) if line.strip()]
    base_eval = os.path.splitext(baseline)[0] + ".eval.json"
    base_macs = None
    if os.path.exists(base_eval):
        b = json.load(open(base_eval))
        base_macs = b["macs"]
        latency = ""
        bench = os.path.join(os.path.dirname(results), "baseline_bench.json")
        if os.path.exists(bench):
            latency = f", {json.load(open(bench))['latency_b1_ms']:.2f} ms at batch 1, 1 thread"
        print(f"baseline {baseline}: top-1 {100 * b['top1']:.2f}%, {b['macs'] / 1e6:.2f}M MACs, "
              f"{b['params'] / 1e3:.1f}K params{latency}\n")
    print("| target | method | top-1 before ft | top-1 after ft | MACs | params | latency b1 ms "
          "| ORT b1 t1 ms | blocks removed | prune/search s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in sorted(rows, key=lambda r: (-r["target_macs"], -r["top1"])):
        share = f" ({100 * r['macs'] / base_macs:.1f}%)" if base_macs else ""
        ort = f"{r['ort_latency_b1_ms']:.3f}" if "ort_latency_b1_ms" in r else "–"
        print(f"| {target_label(r)} | {r['method']} | {100 * r['top1_before_ft']:.2f}% "
              f"| **{100 * r['top1']:.2f}%** | {r['macs'] / 1e6:.2f}M{share} | {r['params'] / 1e3:.1f}K "
              f"| {r['latency_b1_ms']:.2f} | {ort} | {r['blocks_removed']} | {prune_seconds(r):.0f} |")
    searched = [r for r in rows if r.get("search_breakdown_s")]
    if searched:
        print("\nsearch wall time by stage (seconds, summed over candidates):\n")
        print("| target | method | total | apply | BN recalibration | evaluation | controller |")
        print("|---|---|---|---|---|---|---|")
        for r in sorted(searched, key=lambda r: (-r["target_macs"], r["method"])):
            b = r["search_breakdown_s"]
            print(f"| {target_label(r)} | {r['method']} | {prune_seconds(r):.0f} | {b.get('apply', 0):.1f} "
                  f"| {b.get('recalib', 0):.1f} | {b.get('eval', 0):.1f} | {b.get('controller', 0):.1f} |")
    seeded = {}
    for r in rows:
        if r["method"].split("@")[0] in ("abcp", "random", "lfgcl", "lfgcl-lf", "amc") and "reward_last_q" in r:
            seeded.setdefault((r["target_macs"], r["method"].split("@")[0]), []).append(r)
    if seeded:
        print("\nsearched methods over seeds (mean ± std; learning curve = mean reward of the first / last "
              "quarter of the candidates):\n")
        print("| target | method | seeds | top-1 after ft | reward first ¼ | reward last ¼ |")
        print("|---|---|---|---|---|---|")
        for (target, method), rs in sorted(seeded.items(), key=lambda kv: (-kv[0][0], kv[0][1])):
            print(f"| {target:g} | {method} | {len(rs)} | {spread([100 * r['top1'] for r in rs])} "
                  f"| {spread([r['reward_first_q'] for r in rs], 4)} | {spread([r['reward_last_q'] for r in rs], 4)} |")
    if rows:
        print(f"\nfine-tuning: {rows[0]['ft_epochs']} epoch(s), distillation from the baseline (kd-alpha 0.9; "
              "lfgcl-lf rows: --label-free, distillation alone, no label read)")


if __name__ == "__main__":
    main()
