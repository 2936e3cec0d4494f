#include "models/vgg.h"

#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/error.h"
#include "graph/builder.h"

namespace pk {
namespace {

constexpr int kPool = 0;  // 'M' in torchvision's cfgs

const std::vector<int>& vgg_config(int depth) {
  static const std::vector<int> a = {64, kPool, 128, kPool, 256, 256, kPool, 512, 512, kPool, 512, 512, kPool};
  static const std::vector<int> b = {64, 64, kPool, 128, 128, kPool, 256, 256, kPool, 512, 512, kPool,
                                     512, 512, kPool};
  static const std::vector<int> d = {64,  64,  kPool, 128, 128, kPool, 256, 256, 256,  kPool,
                                     512, 512, 512,   kPool, 512, 512, 512, kPool};
  static const std::vector<int> e = {64,  64,  kPool, 128, 128, kPool, 256, 256, 256, 256, kPool,
                                     512, 512, 512, 512, kPool, 512, 512, 512, 512, kPool};
  switch (depth) {
    case 11: return a;
    case 13: return b;
    case 16: return d;
    case 19: return e;
    default: break;
  }
  PK_CHECK(false, "VGG depth {} is not one of 11, 13, 16, 19", depth);
  return a;  // unreachable
}

}  // namespace

Graph build_vgg(int depth, const ModelOptions& o) {
  const auto& cfg = vgg_config(depth);
  check_model_options(fmt::format("vgg{}", depth), o);
  GraphBuilder b;
  auto x = b.input("input", Shape{{o.in_channels, o.input_size, o.input_size}});
  int index = 0;  // torchvision's Sequential index in `features`
  for (int v : cfg) {
    if (v == kPool) {
      const std::string name = fmt::format("features.{}", index++);
      if (b.shape(x).height() >= 2) x = b.max_pool(name, x, 2, 2);
      continue;
    }
    x = b.conv(fmt::format("features.{}", index), x, scale_channels(v, o.width), 3, 1, 1, 1, /*bias=*/true);
    x = b.batch_norm(fmt::format("features.{}", index + 1), x);
    x = b.relu(fmt::format("features.{}", index + 2), x);
    index += 3;
  }
  const bool flatten_map = depth == 11 && b.shape(x).height() == 1 && b.shape(x).width() == 1;
  if (!flatten_map) x = b.global_avg_pool("avgpool", x);
  b.output(b.linear("classifier", b.flatten("flatten", x), o.num_classes));
  return b.build();
}

}  // namespace pk
