// Networks for the interop tests: the zoo at small input sizes, and one graph that uses every
// op of the IR (grouped/dilated conv, SE-style Mul, SiLU, ReLU6, LeakyReLU, ChannelPermute,
// ceil-mode pools, Upsample, Identity, LayerNorm over a map and over a vector, GELU, Linear with
// and without bias).
#pragma once

#include <torch/torch.h>

#include <limits>
#include <string>
#include <vector>

#include "graph/builder.h"
#include "models/zoo.h"
#include "weights/weight_store.h"

namespace pk::iotest {

struct ZooCase {
  std::string model;
  ModelOptions options;
  std::string label() const {
    std::string w = std::to_string(static_cast<int>(options.width * 100 + 0.5));
    return model + "_" + std::to_string(options.in_channels) + "x" + std::to_string(options.input_size) + "_w" + w;
  }
};

/// Every zoo model at 3x32x32, plus narrower variants (odd channel counts, as after pruning).
inline std::vector<ZooCase> zoo_cases() {
  std::vector<ZooCase> cases;
  for (const auto& name : known_models()) cases.push_back({name, {3, 32, 10, 1.0}});
  cases.push_back({"resnet20", {1, 28, 10, 0.6}});
  cases.push_back({"mobilenetv2", {1, 28, 7, 0.35}});
  return cases;
}

inline Graph all_ops_net() {
  GraphBuilder b;
  auto x = b.input("input", Shape{{3, 12, 12}});
  auto c1 = b.relu("stem.relu", b.batch_norm("stem.bn", b.conv("stem.conv", x, 8, 3, 1, 1, 1, true), 1e-3, 0.03));
  auto g = b.relu6("block.relu6", b.conv("block.gconv", c1, 8, 3, 1, 2, /*groups=*/4, false, /*dilation=*/2));
  // An asymmetric zero Pad (a TF-style SAME conv) and a −∞ Pad (an asymmetric max pool's).
  auto s = b.silu("block.silu", b.conv("block.pw", b.pad("block.pad", g, PadAttrs{1, 0, 0, 1, 0.0}), 8, 2));
  auto pooled = b.global_avg_pool("se.pool", s);
  auto r = b.relu("se.relu", b.conv("se.reduce", pooled, 4, 1, 1, 0, 1, true));
  auto gate = b.sigmoid("se.gate", b.conv("se.expand", r, 8, 1, 1, 0, 1, true));
  auto a = b.leaky_relu("res.lrelu", b.add("res.add", b.mul("se.scale", s, gate), c1), 0.2);
  auto p = b.channel_permute("shuffle", a, {1, 0, 3, 2, 5, 4, 7, 6});
  const PadAttrs minus_inf{0, 1, 1, 0, -std::numeric_limits<double>::infinity()};
  auto mp = b.max_pool("mpool", b.pad("mpool.pad", p, minus_inf), 3, 2, 0, /*ceil_mode=*/true);  // 13x13 → 6x6
  auto ap = b.avg_pool("apool", p, 3, 2, 1, false, /*count_include_pad=*/false);
  auto part = b.channel_slice("apool.part", ap, 2, 7);  // torch's x[:, 2:7]
  auto up = b.identity("id", b.upsample("up", b.concat("cat", {mp, part}), 2));
  auto normed = b.gelu("post.gelu", b.layer_norm("post.norm", up, 1e-5));
  auto f = b.layer_norm("head.norm", b.flatten("flat", b.global_avg_pool("gap", normed)));
  b.output(b.linear("head.fc2", b.relu("head.relu", b.linear("head.fc1", f, 12, false)), 5));
  return b.build();
}

/// Fresh weights with non-trivial BN affine parameters and running statistics, so that BN
/// export (and its eval semantics in every consumer) is really exercised. The last BN of each
/// residual branch (a BN read by an Add) gets a small scale, as trained ResNets have, so deep
/// ResNets keep outputs of order 1 and an absolute tolerance means something.
inline WeightStore test_weights(const Graph& g, uint64_t seed) {
  WeightStore w = WeightStore::initialize(g, seed);
  torch::manual_seed(static_cast<int64_t>(seed));
  torch::NoGradGuard no_grad;
  for (int i = 0; i < g.size(); ++i) {
    const Node& n = g.node(i);
    if (n.op == OpKind::kLayerNorm) {
      w.get(n.name, "weight").uniform_(0.75, 1.25);
      w.get(n.name, "bias").uniform_(-0.1, 0.1);
    }
    if (n.op != OpKind::kBatchNorm2d) continue;
    bool residual = false;
    for (int c : g.consumers(i)) residual |= g.node(c).op == OpKind::kAdd;
    if (residual)
      w.get(n.name, "weight").uniform_(0.05, 0.2);
    else
      w.get(n.name, "weight").uniform_(0.75, 1.25);
    w.get(n.name, "bias").uniform_(-0.1, 0.1);
    w.get(n.name, "running_mean").uniform_(-0.1, 0.1);
    w.get(n.name, "running_var").uniform_(0.75, 1.25);
  }
  return w;
}

}  // namespace pk::iotest
