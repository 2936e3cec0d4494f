// The YOLO training loss (algorithms.md §5): objectness BCE + class BCE + GIoU box loss, with
// ground truths assigned to anchors by shape IoU. Decoding as in detect/yolo_layout.h.
// Assignment: a ground truth (cx, cy, w, h) is a positive for every anchor, at every scale,
// whose corner-aligned IoU with (w, h) is ≥ anchor_iou_threshold, and always for its best
// anchor overall; the positive sits in the cell containing (cx, cy). Targets: box → GIoU with
// the ground truth; objectness → that IoU clamped to [0, 1] (detached) at positives, 0 elsewhere;
// class → one-hot at positives. When two ground truths claim one (cell, anchor), the later wins.
// Loss = batch · (box_weight · mean(1 − GIoU) + Σ_s balance_s · obj_weight · mean_s(BCE_obj)
//        + cls_weight · mean(BCE_cls)), balance 4 / 1 / 0.4 at strides 8 / 16 / 32 (1 elsewhere).
#pragma once

#include <ATen/core/Tensor.h>

#include <vector>

#include "detect/box.h"
#include "detect/yolo_layout.h"
#include "train/yolo_decode.h"

namespace pk {

struct YoloLossOptions {
  double box_weight = 0.05;
  double objectness_weight = 1.0;
  double class_weight = 0.5;
  double anchor_iou_threshold = 0.25;  // in (0, 1]
};

struct YoloLossParts {
  at::Tensor total;  // scalar, differentiable
  double box = 0, objectness = 0, classes = 0;  // the weighted terms (already × batch)
  int64_t positives = 0;
};

/// `outputs[s]`: float [B, A·(5+C), H_s, W_s] of layout.scales[s]; `targets`: B images' boxes in
/// input pixels. UserError if shapes do not match the layout or a class id is out of range.
YoloLossParts yolo_loss(const std::vector<at::Tensor>& outputs, const ImageObjects& targets,
                        const YoloLayout& layout, const YoloLossOptions& options = {});

}  // namespace pk
