// From a YOLO detector's raw outputs to detections and mAP: decode every (scale, cell, anchor,
// class) as in detect/yolo_layout.h, keep scores above the NMS score threshold (at most
// `max_candidates` per image, the highest), then per-class NMS (detect/nms.h).
#pragma once

#include <ATen/core/Tensor.h>

#include <vector>

#include "data/dataset.h"
#include "detect/average_precision.h"
#include "detect/nms.h"
#include "detect/yolo_layout.h"
#include "exec/executor.h"

namespace pk {

struct DetectionEvalOptions {
  NmsOptions nms;              // score threshold 0.001, IoU 0.5, ≤ 300 per image (mAP protocol)
  int max_candidates = 3000;   // per image, before NMS
  int64_t batch_size = 64;
};

/// Detections of each image of the batch; `outputs[s]` float [B, A·(5+C), H_s, W_s].
ImageDetections decode_detections(const std::vector<at::Tensor>& outputs, const YoloLayout& layout,
                                  const DetectionEvalOptions& options = {});

/// The detector's detections on every image of `data` (eval mode, no augmentation).
ImageDetections detect_images(Executor& detector, const Dataset& data, const Normalization& normalization,
                              const YoloLayout& layout, const DetectionEvalOptions& options = {});

/// detect_images then evaluate_detections against data.objects (mAP@0.5, mAP@0.5:0.95).
DetectionMetrics evaluate_detector(Executor& detector, const Dataset& data, const Normalization& normalization,
                                   const YoloLayout& layout, const DetectionEvalOptions& options = {});

}  // namespace pk
