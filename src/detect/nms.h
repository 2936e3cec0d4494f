// Non-maximum suppression of a detector's candidates for one image, torch-free.
// Contract of non_max_suppression (per-class greedy NMS, as in YOLO/torchvision batched_nms):
//   1. candidates with score < score_threshold are dropped (score == threshold is kept);
//   2. the rest are ranked by score, descending; equal scores keep their input order (stable);
//   3. walking down the ranking, a candidate is kept unless a kept candidate of the SAME class
//      has box_iou > iou_threshold with it (IoU == threshold is kept). Boxes of different
//      classes never suppress each other;
//   4. at most max_detections are kept: the first ones of the ranking that survive 3 (the same
//      result as suppressing everything and then keeping the highest scores).
// The result is in ranking order (score descending, stable). Boxes are in pixels, corner form
// (detect/box.h); degenerate boxes have IoU 0 with everything and are never suppressed.
#pragma once

#include <vector>

#include "detect/box.h"

namespace pk {

struct NmsOptions {
  float score_threshold = 0.001f;  // in [0, 1]; lower scores are dropped before NMS
  float iou_threshold = 0.5f;      // in [0, 1]; same-class IoU above it suppresses
  int max_detections = 300;        // ≥ 1; kept per image, over all classes
};

/// UserError naming the field if a threshold is outside [0, 1] (or NaN) or max_detections < 1.
void validate_nms_options(const NmsOptions& options);

/// The detections of one image kept by per-class greedy NMS (contract above). UserError on
/// invalid options or on a candidate whose score is not finite (naming its index).
std::vector<Detection> non_max_suppression(std::vector<Detection> candidates, const NmsOptions& options);

}  // namespace pk
