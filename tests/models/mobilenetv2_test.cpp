#include <gtest/gtest.h>

#include "graph/cost.h"
#include "model_test_util.h"
#include "models/zoo.h"

namespace pk {
namespace {

using test::count_op;

ModelOptions opts(int in_channels, int size, int classes, double width = 1.0) {
  ModelOptions o;
  o.in_channels = in_channels;
  o.input_size = size;
  o.num_classes = classes;
  o.width = width;
  return o;
}

TEST(MobileNetV2, TorchvisionParamsAndMacsAt224) {
  const Graph g = build_model("mobilenetv2", opts(3, 224, 1000));
  const auto cost = graph_cost(g);
  EXPECT_EQ(cost.params, 3504872);                // torchvision mobilenet_v2
  EXPECT_NEAR(cost.macs / 300e6, 1.0, 0.01);      // Sandler et al.: 300M multiply-adds
  EXPECT_EQ(g.node("features.0.0").attr<ConvAttrs>().stride, (Hw{2, 2}));
  EXPECT_EQ(g.node("features.18.2").shape, (Shape{{1280, 7, 7}}));
  EXPECT_EQ(test::in_channels(g, "classifier.1"), 1280);
}

TEST(MobileNetV2, DepthwiseConvsHaveGroupsEqualToChannels) {
  for (int size : {28, 224}) {
    const Graph g = build_model("mobilenetv2", opts(3, size, 10));
    int depthwise = 0;
    for (const Node* n : test::nodes_of(g, OpKind::kConv2d)) {
      const auto& a = n->attr<ConvAttrs>();
      if (a.groups == 1) continue;
      ++depthwise;
      EXPECT_EQ(a.groups, test::in_channels(g, n->name)) << n->name;
      EXPECT_EQ(a.groups, a.out_channels) << n->name;
      EXPECT_EQ(a.kernel, (Hw{3, 3})) << n->name;
    }
    EXPECT_EQ(depthwise, 17);  // one per inverted residual block
    // Residual Adds: blocks with stride 1 and in == out: 1 + 2 + 3 + 2 + 2.
    EXPECT_EQ(count_op(g, OpKind::kAdd), 10);
    EXPECT_EQ(count_op(g, OpKind::kReLU6), 1 + 17 + 16 + 1);  // stem, depthwise, expand (not block 1), last
  }
}

TEST(MobileNetV2, TorchvisionNamesAndResidualStructure) {
  const Graph g = build_model("mobilenetv2", opts(3, 224, 1000));
  // Block 1 (expansion 1): depthwise conv.0.*, project conv.1, BN conv.2; no Add (16 ≠ 32).
  EXPECT_EQ(g.node("features.1.conv.0.0").attr<ConvAttrs>().groups, 32);
  EXPECT_EQ(g.node("features.1.conv.1").attr<ConvAttrs>().out_channels, 16);
  EXPECT_EQ(g.node("features.1.conv.2").op, OpKind::kBatchNorm2d);
  EXPECT_FALSE(g.has("features.1.add"));
  // Block 3 (second of the 24-channel stage): expand 24 → 144, Add(block input, BN).
  EXPECT_EQ(g.node("features.3.conv.0.0").attr<ConvAttrs>().out_channels, 144);
  EXPECT_EQ(g.node("features.3.add").inputs, (std::vector<std::string>{"features.2.conv.3", "features.3.conv.3"}));
  EXPECT_EQ(g.node("features.17.conv.2").attr<ConvAttrs>().out_channels, 320);
}

TEST(MobileNetV2, SmallInputsUseTheCifarStrides) {
  const Graph g = build_model("mobilenetv2", opts(3, 32, 10));
  EXPECT_EQ(g.node("features.0.0").attr<ConvAttrs>().stride, (Hw{1, 1}));
  EXPECT_EQ(g.node("features.2.conv.1.0").attr<ConvAttrs>().stride, (Hw{1, 1}));
  EXPECT_EQ(g.node("features.3.add").shape, (Shape{{24, 32, 32}}));
  EXPECT_EQ(g.node("features.18.2").shape, (Shape{{1280, 4, 4}}));
  const Graph mnist = build_model("mobilenetv2", opts(1, 28, 10));
  EXPECT_EQ(mnist.node("features.18.2").shape, (Shape{{1280, 4, 4}}));  // 28 → 14 → 7 → 4 (ceil via padding)
  // Parameters are the same as at 224 except the classifier (stride does not change weights).
  EXPECT_EQ(graph_cost(g).params, 3504872 - (1280 * 1000 + 1000) + (1280 * 10 + 10));
}

TEST(MobileNetV2, WidthMultiplierUsesMakeDivisible) {
  const Graph half = build_model("mobilenetv2", opts(3, 224, 1000, 0.5));
  EXPECT_EQ(half.node("features.0.0").attr<ConvAttrs>().out_channels, 16);
  EXPECT_EQ(half.node("features.1.conv.1").attr<ConvAttrs>().out_channels, 8);
  EXPECT_EQ(half.node("features.2.conv.2").attr<ConvAttrs>().out_channels, 16);   // 12 → 16
  EXPECT_EQ(half.node("features.17.conv.2").attr<ConvAttrs>().out_channels, 160);
  EXPECT_EQ(half.node("features.18.0").attr<ConvAttrs>().out_channels, 1280);     // max(1, width)
  const Graph wide = build_model("mobilenetv2", opts(3, 224, 1000, 1.4));
  EXPECT_EQ(wide.node("features.0.0").attr<ConvAttrs>().out_channels, 48);
  EXPECT_EQ(wide.node("features.18.0").attr<ConvAttrs>().out_channels, 1792);
  EXPECT_LT(graph_cost(half).macs, graph_cost(build_model("mobilenetv2", opts(3, 224, 1000))).macs / 2);
}

}  // namespace
}  // namespace pk
