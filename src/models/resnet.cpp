#include "models/resnet.h"

#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/error.h"
#include "graph/builder.h"

namespace pk {
namespace {

/// BasicBlock `prefix`: conv3x3(stride)-BN-ReLU-conv3x3-BN + shortcut, then ReLU.
/// x: [Cin,H,W] → [planes, H/stride, W/stride].
std::string basic_block(GraphBuilder& b, const std::string& prefix, const std::string& x, int planes,
                        int stride) {
  const int64_t in_channels = b.shape(x).channels();
  auto y = b.conv(prefix + ".conv1", x, planes, 3, stride, 1);
  y = b.relu(prefix + ".relu1", b.batch_norm(prefix + ".bn1", y));
  y = b.batch_norm(prefix + ".bn2", b.conv(prefix + ".conv2", y, planes, 3, 1, 1));
  std::string shortcut = x;
  if (stride != 1 || in_channels != planes) {
    shortcut = b.conv(prefix + ".downsample.0", x, planes, 1, stride, 0);
    shortcut = b.batch_norm(prefix + ".downsample.1", shortcut);
  }
  return b.relu(prefix + ".relu2", b.add(prefix + ".add", y, shortcut));
}

/// Stages layer1..layerN of `blocks[i]` BasicBlocks each; stage i has planes[i] channels and
/// strides[i] in its first block.
std::string stages(GraphBuilder& b, std::string x, const std::vector<int>& blocks, const std::vector<int>& planes,
                   const std::vector<int>& strides) {
  for (size_t s = 0; s < blocks.size(); ++s)
    for (int i = 0; i < blocks[s]; ++i)
      x = basic_block(b, fmt::format("layer{}.{}", s + 1, i), x, planes[s], i == 0 ? strides[s] : 1);
  return x;
}

Graph finish(GraphBuilder& b, const std::string& x, int num_classes) {
  b.output(b.linear("fc", b.flatten("flatten", b.global_avg_pool("avgpool", x)), num_classes));
  return b.build();
}

}  // namespace

Graph build_resnet_cifar(int depth, const ModelOptions& o) {
  PK_CHECK(depth >= 8 && (depth - 2) % 6 == 0, "CIFAR ResNet depth {} must be 6n+2 with n ≥ 1 (20, 32, 56, 110)",
           depth);
  check_model_options(fmt::format("resnet{}", depth), o);
  const int n = (depth - 2) / 6;
  const double w = o.width;
  GraphBuilder b;
  auto x = b.input("input", Shape{{o.in_channels, o.input_size, o.input_size}});
  x = b.relu("relu", b.batch_norm("bn1", b.conv("conv1", x, scale_channels(16, w), 3, 1, 1)));
  x = stages(b, x, {n, n, n}, {scale_channels(16, w), scale_channels(32, w), scale_channels(64, w)}, {1, 2, 2});
  return finish(b, x, o.num_classes);
}

Graph build_resnet18(const ModelOptions& o) {
  check_model_options("resnet18", o);
  const double w = o.width;
  GraphBuilder b;
  auto x = b.input("input", Shape{{o.in_channels, o.input_size, o.input_size}});
  const bool imagenet_stem = o.input_size >= 64;
  const int stem = scale_channels(64, w);
  x = imagenet_stem ? b.conv("conv1", x, stem, 7, 2, 3) : b.conv("conv1", x, stem, 3, 1, 1);
  x = b.relu("relu", b.batch_norm("bn1", x));
  if (imagenet_stem) x = b.max_pool("maxpool", x, 3, 2, 1);
  x = stages(b, x, {2, 2, 2, 2},
             {stem, scale_channels(128, w), scale_channels(256, w), scale_channels(512, w)}, {1, 2, 2, 2});
  return finish(b, x, o.num_classes);
}

}  // namespace pk
