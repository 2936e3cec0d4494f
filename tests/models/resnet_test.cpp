#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "graph/cost.h"
#include "model_test_util.h"
#include "models/resnet.h"
#include "models/zoo.h"

namespace pk {
namespace {

using test::count_op;
using test::ends_with;

struct Cost {
  int64_t macs = 0;
  int64_t params = 0;
};

/// k×k conv (no bias) + BN producing an s×s map.
void conv_bn(Cost& c, int64_t cin, int64_t cout, int64_t k, int64_t s) {
  c.params += cin * cout * k * k + 2 * cout;
  c.macs += s * s * cout * cin * k * k;
}

/// CIFAR ResNet-(6n+2) cost from the paper's layer table, independent of the builder.
Cost resnet_cifar_cost(int n, int64_t in_channels, int64_t size, int64_t classes) {
  Cost c;
  int64_t s = size;
  conv_bn(c, in_channels, 16, 3, s);
  int64_t cin = 16;
  for (int stage = 0; stage < 3; ++stage) {
    const int64_t cout = 16 << stage;
    for (int i = 0; i < n; ++i) {
      if (stage > 0 && i == 0) s = (s - 1) / 2 + 1;  // 3x3 p1 s2 (and 1x1 p0 s2) output size
      conv_bn(c, cin, cout, 3, s);
      conv_bn(c, cout, cout, 3, s);
      if (cin != cout) conv_bn(c, cin, cout, 1, s);
      cin = cout;
    }
  }
  c.params += 64 * classes + classes;
  c.macs += 64 * classes;
  return c;
}

ModelOptions opts(int in_channels, int size, int classes, double width = 1.0) {
  ModelOptions o;
  o.in_channels = in_channels;
  o.input_size = size;
  o.num_classes = classes;
  o.width = width;
  return o;
}

TEST(ResNetCifar, ResNet20CostMatchesHandComputedAndLiterature) {
  const auto cost = graph_cost(build_model("resnet20", opts(3, 32, 10)));
  const Cost expected = resnet_cifar_cost(3, 3, 32, 10);
  EXPECT_EQ(cost.params, expected.params);
  EXPECT_EQ(cost.macs, expected.macs);
  // Summed by hand once: 432+32 stem, 6·(2304+32) stage 1, ..., 650 fc.
  EXPECT_EQ(cost.params, 272474);
  EXPECT_EQ(cost.macs, 40813184);
  // He et al. 2016 report 0.27M params; 40.55M MACs with option-A shortcuts (+0.26M for the
  // two 1x1 projections here).
  EXPECT_NEAR(cost.params / 1e6, 0.27, 0.005);
  EXPECT_NEAR(cost.macs / 40.55e6, 1.0, 0.01);
}

TEST(ResNetCifar, DeeperAndGrayscaleCostsMatchFormula) {
  for (int depth : {20, 32, 56, 110}) {
    for (auto [ch, size] : {std::pair{1, 28}, std::pair{3, 32}}) {
      const auto cost = graph_cost(build_resnet_cifar(depth, opts(ch, size, 10)));
      const Cost expected = resnet_cifar_cost((depth - 2) / 6, ch, size, 10);
      EXPECT_EQ(cost.params, expected.params) << depth << " " << size;
      EXPECT_EQ(cost.macs, expected.macs) << depth << " " << size;
    }
  }
  // Literature: ResNet-56 0.85M params, ResNet-110 1.7M.
  EXPECT_NEAR(graph_cost(build_model("resnet56", opts(3, 32, 10))).params / 1e6, 0.85, 0.01);
  EXPECT_NEAR(graph_cost(build_model("resnet110", opts(3, 32, 10))).params / 1e6, 1.73, 0.01);
}

TEST(ResNetCifar, ProjectionShortcutsOnlyAtStageTransitions) {
  const Graph g = build_model("resnet20", opts(1, 28, 10));
  std::vector<std::string> projections;
  for (const auto& n : g.nodes())
    if (n.op == OpKind::kConv2d && ends_with(n.name, ".downsample.0")) projections.push_back(n.name);
  EXPECT_EQ(projections, (std::vector<std::string>{"layer2.0.downsample.0", "layer3.0.downsample.0"}));
  // Every Add sums bn2 with either the block input (identity) or the projection's BN, and the
  // identity is used exactly where shapes already agree.
  int identity = 0;
  for (const Node* add : test::nodes_of(g, OpKind::kAdd)) {
    const std::string block = add->name.substr(0, add->name.size() - 4);  // strip ".add"
    ASSERT_EQ(add->inputs.size(), 2u);
    EXPECT_EQ(add->inputs[0], block + ".bn2");
    const Node& shortcut = g.node(add->inputs[1]);
    const Node& entry = g.node(g.node(block + ".conv1").inputs[0]);
    if (shortcut.name == block + ".downsample.1") {
      EXPECT_NE(entry.shape, add->shape) << add->name;
    } else {
      EXPECT_EQ(shortcut.name, entry.name) << add->name;
      ++identity;
    }
  }
  EXPECT_EQ(identity, 7);
  EXPECT_EQ(count_op(g, OpKind::kAdd), 9);
  EXPECT_EQ(g.node("layer3.2.relu2").shape, (Shape{{64, 7, 7}}));
  EXPECT_EQ(count_op(build_model("resnet110", opts(3, 32, 10)), OpKind::kAdd), 54);
}

TEST(ResNetCifar, WidthMultiplierScalesEveryChannelCount) {
  const Graph full = build_model("resnet20", opts(3, 32, 10));
  const Graph half = build_model("resnet20", opts(3, 32, 10, 0.5));
  for (const auto& n : full.nodes()) {
    if (n.op != OpKind::kConv2d) continue;
    EXPECT_EQ(half.node(n.name).attr<ConvAttrs>().out_channels, n.attr<ConvAttrs>().out_channels / 2) << n.name;
  }
  EXPECT_EQ(half.node("fc").shape, (Shape{{10}}));
  EXPECT_EQ(test::in_channels(half, "fc"), 32);
  // Conv params scale by ~width² (the stem's input and fc's output are fixed).
  const double ratio = double(graph_cost(half).params) / graph_cost(full).params;
  EXPECT_GT(ratio, 0.24);
  EXPECT_LT(ratio, 0.27);
  EXPECT_EQ(build_model("resnet20", opts(3, 32, 10, 0.75)).node("layer1.0.conv1").attr<ConvAttrs>().out_channels,
            12);
}

TEST(ResNetCifar, RejectsDepthsThatAreNot6nPlus2) {
  EXPECT_THROW(build_resnet_cifar(21, ModelOptions{}), UserError);
  EXPECT_THROW(build_resnet_cifar(2, ModelOptions{}), UserError);
  EXPECT_NO_THROW(build_resnet_cifar(8, ModelOptions{}));
}

TEST(ResNet18, TorchvisionParamsAndMacsAt224) {
  const Graph g = build_model("resnet18", opts(3, 224, 1000));
  const auto cost = graph_cost(g);
  EXPECT_EQ(cost.params, 11689512);  // torchvision resnet18
  EXPECT_NEAR(cost.macs / 1.814e9, 1.0, 0.01);  // torchvision: 1.81 GFLOPS (MACs)
  EXPECT_EQ(g.node("conv1").attr<ConvAttrs>().kernel, (Hw{7, 7}));
  EXPECT_TRUE(g.has("maxpool"));
  EXPECT_EQ(g.node("layer4.1.relu2").shape, (Shape{{512, 7, 7}}));
  int projections = 0;
  for (const auto& n : g.nodes()) projections += ends_with(n.name, ".downsample.0");
  EXPECT_EQ(projections, 3);
}

TEST(ResNet18, SmallInputsUseCifarStem) {
  const Graph g = build_model("resnet18", opts(1, 28, 10));
  EXPECT_EQ(g.node("conv1").attr<ConvAttrs>().kernel, (Hw{3, 3}));
  EXPECT_EQ(g.node("conv1").attr<ConvAttrs>().stride, (Hw{1, 1}));
  EXPECT_FALSE(g.has("maxpool"));
  EXPECT_EQ(g.node("layer1.1.relu2").shape, (Shape{{64, 28, 28}}));
  EXPECT_EQ(g.node("layer4.1.relu2").shape, (Shape{{512, 4, 4}}));
  // Same weights as the ImageNet variant except conv1 (3x3 instead of 7x7) and fc (10 classes).
  const int64_t expected = 11689512 - 64 * 3 * 49 + 64 * 1 * 9 - (512 * 1000 + 1000) + (512 * 10 + 10);
  EXPECT_EQ(graph_cost(g).params, expected);
}

}  // namespace
}  // namespace pk
