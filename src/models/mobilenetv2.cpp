#include "models/mobilenetv2.h"

#include <algorithm>
#include <cmath>
#include <string>

#include <fmt/format.h>

#include "graph/builder.h"

namespace pk {
namespace {

/// Conv-BN-ReLU6 named prefix.{0,1,2} (torchvision's Conv2dNormActivation).
std::string conv_bn_relu6(GraphBuilder& b, const std::string& prefix, const std::string& x, int out, int kernel,
                          int stride, int groups) {
  auto y = b.conv(prefix + ".0", x, out, kernel, stride, (kernel - 1) / 2, groups);
  return b.relu6(prefix + ".2", b.batch_norm(prefix + ".1", y));
}

/// torchvision InvertedResidual `prefix`: x [in,H,W] → [out, H/stride, W/stride].
std::string inverted_residual(GraphBuilder& b, const std::string& prefix, const std::string& x, int out,
                              int stride, int expand_ratio) {
  const int in = static_cast<int>(b.shape(x).channels());
  const int hidden = static_cast<int>(std::lround(in * static_cast<double>(expand_ratio)));
  int j = 0;
  std::string y = x;
  if (expand_ratio != 1) y = conv_bn_relu6(b, fmt::format("{}.conv.{}", prefix, j++), y, hidden, 1, 1, 1);
  y = conv_bn_relu6(b, fmt::format("{}.conv.{}", prefix, j++), y, hidden, 3, stride, /*groups=*/hidden);
  y = b.conv(fmt::format("{}.conv.{}", prefix, j), y, out, 1);
  y = b.batch_norm(fmt::format("{}.conv.{}", prefix, j + 1), y);
  if (stride == 1 && in == out) y = b.add(prefix + ".add", x, y);
  return y;
}

struct StageSetting {
  int expand;    // t
  int channels;  // c
  int blocks;    // n
  int stride;    // s (first block)
};

}  // namespace

Graph build_mobilenetv2(const ModelOptions& o) {
  check_model_options("mobilenetv2", o);
  const bool cifar = o.input_size < 64;
  const StageSetting settings[] = {
      {1, 16, 1, 1}, {6, 24, 2, cifar ? 1 : 2}, {6, 32, 3, 2}, {6, 64, 4, 2},
      {6, 96, 3, 1}, {6, 160, 3, 2},            {6, 320, 1, 1},
  };
  GraphBuilder b;
  auto x = b.input("input", Shape{{o.in_channels, o.input_size, o.input_size}});
  x = conv_bn_relu6(b, "features.0", x, make_divisible(32 * o.width), 3, cifar ? 1 : 2, 1);
  int index = 1;
  for (const auto& s : settings) {
    const int out = make_divisible(s.channels * o.width);
    for (int i = 0; i < s.blocks; ++i)
      x = inverted_residual(b, fmt::format("features.{}", index++), x, out, i == 0 ? s.stride : 1, s.expand);
  }
  const int last = make_divisible(1280 * std::max(1.0, o.width));
  x = conv_bn_relu6(b, fmt::format("features.{}", index), x, last, 1, 1, 1);
  x = b.flatten("flatten", b.global_avg_pool("avgpool", x));
  b.output(b.linear("classifier.1", x, o.num_classes));
  return b.build();
}

}  // namespace pk
