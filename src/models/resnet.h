// ResNets with BasicBlocks (He et al. 2016), node names as in torchvision:
//   conv1, bn1, relu, [maxpool], layerS.B.{conv1,bn1,relu1,conv2,bn2}, layerS.B.downsample.{0,1},
//   layerS.B.add = Add(bn2, shortcut), layerS.B.relu2, avgpool (GlobalAvgPool), flatten, fc.
// A block has a projection shortcut (1x1 conv stride s + BN, "option B") only where torchvision
// puts one: stride ≠ 1 or in_channels ≠ out_channels; every other shortcut is the identity.
#pragma once

#include "graph/graph.h"
#include "models/model_options.h"

namespace pk {

/// CIFAR ResNet-`depth`, depth = 6n+2 (20, 32, 56, 110, ...): conv3x3(16)-BN-ReLU stem, three
/// stages of n blocks with 16, 32, 64 channels (× width), stride 2 at the start of stages 2, 3.
/// UserError if depth is not 6n+2 with n ≥ 1.
Graph build_resnet_cifar(int depth, const ModelOptions& options);

/// torchvision ResNet-18: BasicBlocks [2,2,2,2] with 64, 128, 256, 512 channels (× width).
/// Stem: input_size ≥ 64 → conv7x7 s2 p3 + maxpool3 s2 p1 (ImageNet); smaller inputs →
/// conv3x3 s1 p1 and no maxpool (the usual CIFAR adaptation).
Graph build_resnet18(const ModelOptions& options);

}  // namespace pk
