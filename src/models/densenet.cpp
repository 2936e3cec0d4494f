#include "models/densenet.h"

#include <algorithm>
#include <string>

#include <fmt/format.h>

#include "graph/builder.h"

namespace pk {
namespace {

constexpr int kBlocks = 3;
constexpr int kLayersPerBlock = 4;
constexpr int kGrowth = 12;

/// Bottleneck dense layer: x [C,H,W] → Concat(x, new k channels) [C+k,H,W].
std::string dense_layer(GraphBuilder& b, const std::string& p, const std::string& x, int growth) {
  auto y = b.relu(p + ".relu1", b.batch_norm(p + ".norm1", x));
  y = b.conv(p + ".conv1", y, 4 * growth, 1);
  y = b.relu(p + ".relu2", b.batch_norm(p + ".norm2", y));
  y = b.conv(p + ".conv2", y, growth, 3, 1, 1);
  return b.concat(p + ".concat", {x, y});
}

/// x [C,H,W] → [max(1, ⌊C/2⌋), ⌊H/2⌋, ⌊W/2⌋].
std::string transition(GraphBuilder& b, const std::string& p, const std::string& x) {
  const int out = std::max(1, static_cast<int>(b.shape(x).channels() / 2));
  auto y = b.conv(p + ".conv", b.relu(p + ".relu", b.batch_norm(p + ".norm", x)), out, 1);
  return b.avg_pool(p + ".pool", y, 2, 2);
}

}  // namespace

Graph build_densenet(const ModelOptions& o) {
  check_model_options("densenet", o);
  const int growth = scale_channels(kGrowth, o.width);
  GraphBuilder b;
  auto x = b.input("input", Shape{{o.in_channels, o.input_size, o.input_size}});
  x = b.conv("features.conv0", x, 2 * growth, 3, 1, 1);
  for (int block = 1; block <= kBlocks; ++block) {
    for (int layer = 1; layer <= kLayersPerBlock; ++layer)
      x = dense_layer(b, fmt::format("features.denseblock{}.denselayer{}", block, layer), x, growth);
    if (block < kBlocks) x = transition(b, fmt::format("features.transition{}", block), x);
  }
  x = b.relu("features.relu5", b.batch_norm("features.norm5", x));
  x = b.flatten("flatten", b.global_avg_pool("avgpool", x));
  b.output(b.linear("classifier", x, o.num_classes));
  return b.build();
}

}  // namespace pk
