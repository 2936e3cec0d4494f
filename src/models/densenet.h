// A small DenseNet-BC (Huang et al. 2017) for 28–32 px inputs: the zoo's Concat case.
//   features.conv0: conv3x3 s1 p1 → 2k channels (CIFAR stem, no BN/ReLU: layers pre-activate)
//   3 dense blocks of 4 layers; layer features.denseblockB.denselayerL:
//     norm1-relu1-conv1 (1x1 → 4k) - norm2-relu2-conv2 (3x3 p1 → k),
//     concat = Concat(layer input, conv2)                     [C,H,W] → [C+k,H,W]
//   transitions features.transitionB (after blocks 1, 2): norm-relu-conv (1x1 → ⌊C/2⌋) -
//     pool (avgpool 2 s2)
//   features.norm5, features.relu5, avgpool (GlobalAvgPool), flatten, classifier (Linear).
// Growth k = scale_channels(12, width). Names follow torchvision's DenseNet.
// Channels at width 1: 24 → 72 → 36 → 84 → 42 → 90.
#pragma once

#include "graph/graph.h"
#include "models/model_options.h"

namespace pk {

Graph build_densenet(const ModelOptions& options);

}  // namespace pk
