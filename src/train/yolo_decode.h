// Decoding of one YOLO output map into boxes, as detect/yolo_layout.h defines it; shared by the
// training loss and by inference (train/evaluate_detector.h).
#pragma once

#include <ATen/core/Tensor.h>

#include "detect/yolo_layout.h"

namespace pk {

/// Decoded boxes of one output: float [B, A, H, W, 4] as (x1, y1, x2, y2) in input pixels, and
/// the raw tensor viewed as [B, A, H, W, 5 + C]. Shared by the loss and by decoding.
struct DecodedScale {
  at::Tensor boxes;  // [B, A, H, W, 4]
  at::Tensor raw;    // [B, A, H, W, 5 + C]
};
DecodedScale decode_scale(const at::Tensor& output, const YoloScale& scale, int num_classes);

}  // namespace pk
