// torchvision MobileNetV2 (Sandler et al. 2018): inverted residual blocks
// [expand 1x1 conv-BN-ReLU6] → depthwise 3x3 conv (groups = channels)-BN-ReLU6 → project 1x1
// conv-BN, with an identity Add when stride is 1 and in == out channels; last 1x1 conv to 1280.
// Width: every channel count is make_divisible(c · width, 8); the last conv uses
// max(1, width) as torchvision does.
// input_size < 64 → the common CIFAR variant: stride 1 in the stem and in the second stage
// (24 channels), so a 32x32 input reaches the last stage at 4x4 instead of 1x1.
// Names follow torchvision: features.0.{0,1,2} (stem conv, BN, ReLU6);
// features.<i>.conv.<j>[.<k>] for blocks 1..17 (conv.0.* expand, conv.1.* depthwise, conv.2
// project, conv.3 BN; blocks with expansion 1 have no expand, so depthwise is conv.0.*, project
// conv.1, BN conv.2); features.<i>.add for the residual Add; features.18.{0,1,2}; avgpool
// (GlobalAvgPool), flatten, classifier.1 (Linear; torchvision's Dropout is classifier.0).
#pragma once

#include "graph/graph.h"
#include "models/model_options.h"

namespace pk {

Graph build_mobilenetv2(const ModelOptions& options);

}  // namespace pk
