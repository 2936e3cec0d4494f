#include <gtest/gtest.h>

#include "graph/cost.h"
#include "model_test_util.h"
#include "models/vgg.h"
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

struct Cost {
  int64_t macs = 0;
  int64_t params = 0;
};

/// Cost of a VGG-BN feature stack (`convs_per_stage` 3x3 convs with bias + BN per stage, then a
/// 2x2 pool unless the map is already 1x1) and a 512 → classes linear head.
Cost vgg_cost(const std::vector<int>& convs_per_stage, int64_t in_channels, int64_t size, int64_t classes) {
  const int64_t widths[] = {64, 128, 256, 512, 512};
  Cost c;
  int64_t cin = in_channels;
  int64_t s = size;
  for (int stage = 0; stage < 5; ++stage) {
    for (int i = 0; i < convs_per_stage[stage]; ++i) {
      const int64_t cout = widths[stage];
      c.params += cin * cout * 9 + cout + 2 * cout;
      c.macs += s * s * cout * cin * 9;
      cin = cout;
    }
    if (s >= 2) s /= 2;
  }
  c.params += 512 * classes + classes;
  c.macs += 512 * classes;
  return c;
}

TEST(Vgg, CostsMatchIndependentFormula) {
  for (auto [ch, size] : {std::pair{1, 28}, std::pair{3, 32}, std::pair{3, 64}}) {
    SCOPED_TRACE(size);
    const auto c11 = graph_cost(build_model("vgg11", opts(ch, size, 10)));
    const auto e11 = vgg_cost({1, 1, 2, 2, 2}, ch, size, 10);
    EXPECT_EQ(c11.params, e11.params);
    EXPECT_EQ(c11.macs, e11.macs);
    const auto c16 = graph_cost(build_model("vgg16", opts(ch, size, 10)));
    const auto e16 = vgg_cost({2, 2, 3, 3, 3}, ch, size, 10);
    EXPECT_EQ(c16.params, e16.params);
    EXPECT_EQ(c16.macs, e16.macs);
  }
  // Feature-extractor params of torchvision vgg16_bn: 138,365,992 total minus its three linear
  // layers (102,764,544 + 16,781,312 + 4,097,000) = 14,723,136 for the convs and BNs.
  const auto c16 = graph_cost(build_model("vgg16", opts(3, 224, 1000)));
  EXPECT_EQ(c16.params - (512 * 1000 + 1000), 14723136);
}

TEST(Vgg, SkipsPoolsBelowTwoPixelsKeepingTorchvisionIndices) {
  const Graph g28 = build_model("vgg11", opts(1, 28, 10));
  EXPECT_EQ(count_op(g28, OpKind::kMaxPool2d), 4);
  EXPECT_FALSE(g28.has("features.28"));  // the fifth pool: 1x1 map
  EXPECT_EQ(g28.node("features.27").shape, (Shape{{512, 1, 1}}));
  const Graph g32 = build_model("vgg11", opts(3, 32, 10));
  EXPECT_EQ(count_op(g32, OpKind::kMaxPool2d), 5);
  EXPECT_EQ(g32.node("features.28").op, OpKind::kMaxPool2d);
  // torchvision vgg11_bn indices: conv at 0, 4, 8, 11, 15, 18, 22, 25.
  for (int i : {0, 4, 8, 11, 15, 18, 22, 25}) EXPECT_EQ(g32.node("features." + std::to_string(i)).op, OpKind::kConv2d);
  for (int i : {3, 7, 14, 21}) EXPECT_EQ(g32.node("features." + std::to_string(i)).op, OpKind::kMaxPool2d);
  EXPECT_TRUE(g32.node("features.0").attr<ConvAttrs>().bias);
  const Graph g16 = build_model("vgg16", opts(3, 32, 10));
  EXPECT_EQ(g16.node("features.40").op, OpKind::kConv2d);  // last conv of vgg16_bn
  EXPECT_EQ(g16.node("features.43").op, OpKind::kMaxPool2d);
}

TEST(Vgg, Vgg11SmallInputFlattensStraightIntoLinear) {
  for (int size : {28, 32}) {
    const Graph g = build_model("vgg11", opts(3, size, 10));
    const Node& flatten = g.node("flatten");
    // The last feature op (ReLU at 28 where the fifth pool is skipped, MaxPool at 32).
    EXPECT_EQ(flatten.inputs[0], size == 28 ? "features.27" : "features.28");
    EXPECT_EQ(g.node(flatten.inputs[0]).shape, (Shape{{512, 1, 1}}));
    EXPECT_EQ(flatten.shape, (Shape{{512}}));
    EXPECT_EQ(g.node("classifier").inputs, std::vector<std::string>{"flatten"});
    EXPECT_EQ(count_op(g, OpKind::kGlobalAvgPool), 0);
  }
  // Larger inputs and vgg16 use GlobalAvgPool → Flatten → Linear(512).
  const Graph big = build_model("vgg11", opts(3, 64, 10));
  EXPECT_EQ(big.node(big.node("flatten").inputs[0]).op, OpKind::kGlobalAvgPool);
  EXPECT_EQ(big.node("flatten").shape, (Shape{{512}}));
  const Graph g16 = build_model("vgg16", opts(3, 32, 10));
  EXPECT_EQ(g16.node(g16.node("flatten").inputs[0]).op, OpKind::kGlobalAvgPool);
}

TEST(Vgg, WidthMultiplierScalesChannels) {
  const Graph g = build_model("vgg16", opts(3, 32, 10, 0.25));
  EXPECT_EQ(g.node("features.0").attr<ConvAttrs>().out_channels, 16);
  EXPECT_EQ(g.node("features.40").attr<ConvAttrs>().out_channels, 128);
  EXPECT_EQ(test::in_channels(g, "classifier"), 128);
}

}  // namespace
}  // namespace pk
