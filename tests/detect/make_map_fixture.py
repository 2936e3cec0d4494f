#!/usr/bin/python3
"""Writes map_fixture.json: a random detection case and its expected AP/mAP numbers, the
independent cross-check of src/detect/average_precision.cpp (read by average_precision_test.cpp).

Provenance: the expected numbers are computed here with NumPy, written from the Pascal VOC
devkit (VOC2010+ `voc_ap`, all-point interpolation) and from pycocotools' COCOeval
(`evaluateImg` matching per image, `accumulate` ranking over images with a stable mergesort, the
envelope and the 101 recall points), not from the C++ code. pycocotools itself is not installed
on the project's machines (neither Debian nor our setup ship it), so it is not called; the
differences from it are deliberate and listed:
  * the recall points are j/100 (np.arange(101) / 100, the contract in average_precision.h), not
    pycocotools' np.linspace(0, 1, 101), which is one ulp above j/100 for ten j; the linspace
    variant is recorded under "diagnostics" to show whether it would change this case;
  * VOC's matching rule (IoU > t, only the best-IoU object tried) is replaced by COCO's for both
    metrics, as the contract says; every object is "not crowd", no area ranges, no maxDets cap.
The generator keeps every detection/object IoU at least 1e-4 away from each IoU threshold and
every pair of candidate IoUs for one detection 1e-6 apart, so float32 (C++) and float64 (here)
IoUs and the tie rule cannot change a match.

Regenerate (deterministic, seed fixed below; needs only NumPy):
    /usr/bin/python3 tests/detect/make_map_fixture.py
which rewrites tests/detect/map_fixture.json next to this script.
"""
import json
import os

import numpy as np

SEED = 20240611
NUM_IMAGES = 20
NUM_CLASSES = 4  # class 3 has detections but no ground truth: excluded from the means
GT_CLASSES = 3
IOU_THRESHOLDS = np.linspace(0.5, 0.95, 10)  # compared below with a 1e-4 margin, see header
Q = 16.0  # coordinates are multiples of 1/16 px: exact in float32 and in decimal JSON


def iou(a, b):
    """IoU of two corner-form boxes (x1, y1, x2, y2), float64."""
    iw = min(a[2], b[2]) - max(a[0], b[0])
    ih = min(a[3], b[3]) - max(a[1], b[1])
    if iw <= 0 or ih <= 0:
        return 0.0
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union


def quantize(v):
    return float(np.round(v * Q) / Q)


def random_box(rng):
    x1, y1 = rng.uniform(0, 560, size=2)
    w, h = rng.uniform(12, 180, size=2)
    return [quantize(x1), quantize(y1), quantize(x1 + w), quantize(y1 + h)]


def jitter(rng, box, scale):
    w, h = box[2] - box[0], box[3] - box[1]
    d = rng.normal(0, scale, size=4) * np.array([w, h, w, h])
    out = [quantize(box[k] + d[k]) for k in range(4)]
    out[2] = max(out[2], out[0] + 1.0)
    out[3] = max(out[3], out[1] + 1.0)
    return out


def ambiguous(det, truth):
    """True if det's IoUs with same-class objects sit near a threshold or near each other."""
    ious = sorted(iou(det[2:], t[1:]) for t in truth if t[0] == det[0])
    near_threshold = any(abs(v - t) < 1e-4 for v in ious for t in IOU_THRESHOLDS)
    near_each_other = any(b - a < 1e-6 and b > 0 for a, b in zip(ious, ious[1:]))
    return near_threshold or near_each_other


def make_case(rng):
    images = []
    for _ in range(NUM_IMAGES):
        truth = [[int(rng.integers(GT_CLASSES))] + random_box(rng) for _ in range(int(rng.integers(0, 6)))]
        dets = []
        for t in truth:
            if rng.random() < 0.85:  # found, with noise; scores on a 1/64 grid so ties happen
                cls = t[0] if rng.random() > 0.08 else int(rng.integers(NUM_CLASSES))
                dets.append([cls, float(rng.integers(16, 65)) / 64] + jitter(rng, t[1:], 0.08))
            if rng.random() < 0.2:  # duplicate of the same object
                dets.append([t[0], float(rng.integers(8, 60)) / 64] + jitter(rng, t[1:], 0.1))
        for _ in range(int(rng.poisson(1.5))):  # background false positives, any class
            dets.append([int(rng.integers(NUM_CLASSES)), float(rng.integers(1, 48)) / 64] + random_box(rng))
        for d in dets:
            while ambiguous(d, truth):
                d[4] += 1.0 / Q
        order = rng.permutation(len(dets))
        images.append({"truth": truth, "detections": [dets[k] for k in order]})
    return images


def evaluate_image(truth, dets, cls, t):
    """COCOeval.evaluateImg for one image, class and threshold: per-detection match flags, with
    the image's detections ranked by score (stable)."""
    g = [x[1:] for x in truth if x[0] == cls]
    d = [x for x in dets if x[0] == cls]
    order = np.argsort([-x[1] for x in d], kind="mergesort")
    d = [d[k] for k in order]
    gt_matched = [False] * len(g)
    matched = []
    for det in d:
        best, best_iou = -1, min(t, 1 - 1e-10)
        for j, gt in enumerate(g):
            if gt_matched[j]:
                continue
            v = iou(det[2:], gt)
            if v < best_iou:
                continue
            best, best_iou = j, v
        if best >= 0:
            gt_matched[best] = True
        matched.append(best >= 0)
    return [x[1] for x in d], matched, len(g)


def curve(images, cls, t):
    """COCOeval.accumulate's cumulative recall and precision for one class and threshold."""
    scores, matched, npig = [], [], 0
    for im in images:
        s, m, n = evaluate_image(im["truth"], im["detections"], cls, t)
        scores += s
        matched += m
        npig += n
    order = np.argsort(-np.array(scores, dtype=np.float64), kind="mergesort")
    tps = np.array(matched, dtype=bool)[order]
    tp = np.cumsum(tps).astype(float)
    fp = np.cumsum(~tps).astype(float)
    if npig == 0:  # COCOeval skips the class (precision stays -1)
        return None, None, 0
    return tp / npig, tp / (tp + fp + np.spacing(1)), npig


def voc_ap(rec, prec):
    """VOC2010+ devkit voc_ap (use_07_metric=False)."""
    mrec = np.concatenate(([0.0], rec, [1.0]))
    mpre = np.concatenate(([0.0], prec, [0.0]))
    for i in range(mpre.size - 1, 0, -1):
        mpre[i - 1] = np.maximum(mpre[i - 1], mpre[i])
    i = np.where(mrec[1:] != mrec[:-1])[0]
    return float(np.sum((mrec[i + 1] - mrec[i]) * mpre[i + 1]))


def coco_ap(rc, pr, rec_thrs):
    """COCOeval.accumulate's interpolated precision, averaged over the recall points."""
    pr = list(pr)
    for i in range(len(pr) - 1, 0, -1):
        if pr[i] > pr[i - 1]:
            pr[i - 1] = pr[i]
    q = np.zeros(len(rec_thrs))
    inds = np.searchsorted(rc, rec_thrs, side="left")
    for ri, pi in enumerate(inds):
        if pi >= len(pr):
            break
        q[ri] = pr[pi]
    return float(np.mean(q))


def metrics(images, rec_thrs):
    per_class = []
    for c in range(NUM_CLASSES):
        rc, pr, npig = curve(images, c, IOU_THRESHOLDS[0])
        if npig == 0:
            per_class.append({"class_id": c, "ground_truths": 0, "ap50": -1.0, "ap50_95": -1.0})
            continue
        ap50 = voc_ap(rc, pr)
        ap50_95 = float(np.mean([coco_ap(*curve(images, c, t)[:2], rec_thrs) for t in IOU_THRESHOLDS]))
        per_class.append({"class_id": c, "ground_truths": npig, "ap50": ap50, "ap50_95": ap50_95})
    valid = [p for p in per_class if p["ground_truths"] > 0]
    return {
        "map50": float(np.mean([p["ap50"] for p in valid])) if valid else 0.0,
        "map50_95": float(np.mean([p["ap50_95"] for p in valid])) if valid else 0.0,
        "per_class": per_class,
        "images": len(images),
        "ground_truths": sum(len(im["truth"]) for im in images),
        "detections": sum(len(im["detections"]) for im in images),
    }


def main():
    images = make_case(np.random.default_rng(SEED))
    expected = metrics(images, np.arange(101) / 100.0)
    linspace = metrics(images, np.linspace(0.0, 1.0, 101))
    fixture = {
        "provenance": "tests/detect/make_map_fixture.py (NumPy re-implementation of the VOC devkit "
                      "voc_ap and pycocotools COCOeval matching/accumulate), seed %d" % SEED,
        "num_classes": NUM_CLASSES,
        "images": images,  # truth: [class, x1, y1, x2, y2]; detections: [class, score, x1, y1, x2, y2]
        "expected": expected,
        "diagnostics": {"pycocotools_linspace_recall_points_map50_95": linspace["map50_95"]},
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "map_fixture.json")
    with open(path, "w") as f:  # one image per line, so the file stays short and diffable
        head = {k: v for k, v in fixture.items() if k != "images"}
        f.write(json.dumps(head, indent=1)[:-2] + ',\n "images": [\n')
        f.write(",\n".join("  " + json.dumps(im) for im in images))
        f.write("\n ]\n}\n")
    print("wrote %s: %d images, %d objects, %d detections" % (path, expected["images"],
          expected["ground_truths"], expected["detections"]))
    for p in expected["per_class"]:
        print("  class %d: %d objects, AP50 %.6f, AP50:95 %.6f" % (p["class_id"], p["ground_truths"],
              p["ap50"], p["ap50_95"]))
    print("  mAP50 %.9f  mAP50:95 %.9f  (linspace recall points: %.9f)" % (
          expected["map50"], expected["map50_95"], linspace["map50_95"]))


if __name__ == "__main__":
    main()
