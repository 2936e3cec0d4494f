// Darknet-style detectors (YOLOv3, Redmon & Farhadi 2018), built as Graphs.
// Node names: stem.{conv,bn,act}; stageS.down.{conv,bn,act} (3x3 stride-2 conv opening stage S);
// stageS.blockB.{conv1,bn1,act1,conv2,bn2,act2,add} (residual block: 1x1 to half width, 3x3
// back, identity shortcut, no activation after the add); headK.* for the neck and head at
// output K; the raw outputs are the 1x1 convs `output.strideN` (with bias, no BN), each of
// 3·(num_classes + 5) channels laid out anchor-major: [a·(5+C) + {tx, ty, tw, th, obj, cls...}],
// at stride N of the input. Outputs are listed by increasing stride (8, 16, 32 for yolov3).
// Every activation is LeakyReLU(0.1). Upsampling is nearest ×2 followed by a channel Concat
// [upsampled, backbone feature].
#pragma once

#include "graph/graph.h"
#include "models/model_options.h"

namespace pk {

/// YOLOv3: Darknet-53 backbone (32-channel stem; stages of 64, 128, 256, 512, 1024 channels
/// with 1, 2, 8, 8, 4 residual blocks = 23), three-scale head (strides 8, 16, 32) with two
/// upsample + concat joins. Channels × options.width. UserError unless the stride-8 and
/// stride-16 maps are even (any multiple of 32 works; 416 is the reference size).
Graph build_yolov3(const ModelOptions& options);

/// A small YOLO for quick runs: the same Darknet stages at half the channels (16-channel stem;
/// 32..512) with 1, 1, 2, 2, 1 residual blocks (7), and a tiny-YOLOv3-style two-scale head
/// (strides 16 and 32, one upsample + concat join).
Graph build_yolo_tiny(const ModelOptions& options);

}  // namespace pk
