#!/usr/bin/python3
"""Debian's python3-onnx and python3-torch as consumers of prunekit's files, for the tests.

  py_consumers.py check FILE.onnx...   onnx.checker.check_model(full_check=True) on each file;
                                       prints "ok FILE" or "FAIL FILE: reason", exit 1 if any fails
  py_consumers.py torchscript JOBS     JOBS: [{"model", "input", "shape", "output"}] (raw float32
                                       files); torch.jit.load(model)(input) → output (+ output.json)
"""
import json
import sys


def check(files):
    import onnx
    failed = 0
    for f in files:
        try:
            onnx.checker.check_model(onnx.load(f), full_check=True)
            print("ok", f)
        except Exception as e:  # noqa: BLE001 - report every failure, not only the first
            failed += 1
            print("FAIL %s: %s" % (f, e))
    return 1 if failed else 0


def torchscript(job_file):
    import numpy as np
    import torch
    torch.set_num_threads(1)
    with open(job_file) as f:
        jobs = json.load(f)
    for job in jobs:
        module = torch.jit.load(job["model"])
        module.eval()
        x = torch.from_numpy(np.fromfile(job["input"], dtype="<f4").reshape(job["shape"]))
        with torch.no_grad():
            y = module(x)
        if isinstance(y, (tuple, list)):
            y = y[0]
        y.detach().numpy().astype("<f4").tofile(job["output"])
        with open(job["output"] + ".json", "w") as f:
            json.dump({"dims": list(y.shape)}, f)
    return 0


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    if sys.argv[1] == "check":
        return check(sys.argv[2:])
    if sys.argv[1] == "torchscript":
        return torchscript(sys.argv[2])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
