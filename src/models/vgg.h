// VGG with BatchNorm (torchvision vgg11_bn = cfg A, vgg16_bn = cfg D) with a small classifier.
// Features keep torchvision's names: features.<i> for every conv (bias=true, as torchvision),
// BN, ReLU and maxpool, numbered as in torchvision's Sequential, so conv/BN names match its
// state_dict. A maxpool whose input is smaller than 2x2 is skipped (its index stays unused):
// with 28x28 inputs only four of the five pools fit.
// Classifier (torchvision's 3-layer 4096-wide head would dominate every cost, so it is replaced):
//   vgg11, final map 1x1 (every input_size < 64): flatten → classifier (Linear 512·1·1 → classes),
//          i.e. Flatten feeds a Linear directly (the zoo's flatten→linear case);
//   otherwise: avgpool (GlobalAvgPool) → flatten → classifier (Linear 512 → classes).
#pragma once

#include "graph/graph.h"
#include "models/model_options.h"

namespace pk {

/// depth ∈ {11, 13, 16, 19} (cfg A, B, D, E); channels × width. UserError otherwise.
Graph build_vgg(int depth, const ModelOptions& options);

}  // namespace pk
