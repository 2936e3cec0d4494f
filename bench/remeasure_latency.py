#!/usr/bin/python3
"""Re-measure the batch-1 latency of every row of a compare_methods.sh run, and of its baseline.

Usage: bench/remeasure_latency.py BASELINE.pkm OUT_DIR [PRUNEKIT]   (PRUNEKIT: build/prunekit)
compare_methods.sh measures each row right after its fine-tuning, possibly while other work
holds the cores; run this on an idle machine to replace those numbers. Rewrites the
latency_b1_ms field of OUT_DIR/results.jsonl (atomically) and writes OUT_DIR/baseline_bench.json,
which bench/results_table.py reads. Rows and baseline are measured in interleaved rounds
(5 rounds × 30 timed runs, the median of the round medians), batch 1 and 1 thread: at
batch 1 a second thread only adds synchronisation (ResNet-20: 2.4–2.6 ms at 1 thread, 2.8–3.1 ms at 2).
"""
import json
import os
import statistics
import subprocess
import sys


def median_ms(prunekit: str, model: str) -> float:
    out = subprocess.run([prunekit, "bench", "--model", model, "--batch", "1", "--threads", "1", "--reps", "30",
                          "--json"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["results"][0]["median_ms"]


def main() -> None:
    baseline, out_dir = sys.argv[1], sys.argv[2]
    prunekit = sys.argv[3] if len(sys.argv) > 3 else "build/prunekit"
    results = os.path.join(out_dir, "results.jsonl")
    rows = [json.loads(line) for line in open(results) if line.strip()]
    models = {"baseline": baseline}
    models.update({r["row"]: os.path.join(out_dir, r["row"], "tuned.pkm") for r in rows})
    rounds = {name: [] for name in models}
    for _ in range(5):
        for name, model in models.items():
            rounds[name].append(median_ms(prunekit, model))
    latency = {name: statistics.median(ms) for name, ms in rounds.items()}
    for r in rows:
        r["latency_b1_ms"] = latency[r["row"]]
    tmp = results + ".tmp"
    with open(tmp, "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    os.replace(tmp, results)
    with open(os.path.join(out_dir, "baseline_bench.json"), "w") as f:
        json.dump({"model": baseline, "latency_b1_ms": latency["baseline"]}, f)
    for name, ms in latency.items():
        print(f"{name:<24} {ms:8.3f} ms")


if __name__ == "__main__":
    main()
