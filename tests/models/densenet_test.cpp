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

TEST(DenseNet, ChannelsGrowByKPerLayerAndHalveInTransitions) {
  const Graph g = build_model("densenet", opts(1, 28, 10));
  EXPECT_EQ(count_op(g, OpKind::kConcat), 12);
  EXPECT_EQ(g.node("features.conv0").shape, (Shape{{24, 28, 28}}));
  EXPECT_EQ(g.node("features.denseblock1.denselayer1.concat").shape, (Shape{{36, 28, 28}}));
  EXPECT_EQ(g.node("features.denseblock1.denselayer4.concat").shape, (Shape{{72, 28, 28}}));
  EXPECT_EQ(g.node("features.transition1.pool").shape, (Shape{{36, 14, 14}}));
  EXPECT_EQ(g.node("features.transition2.pool").shape, (Shape{{42, 7, 7}}));
  EXPECT_EQ(g.node("features.norm5").shape, (Shape{{90, 7, 7}}));
  EXPECT_EQ(g.node("features.denseblock2.denselayer3.conv1").attr<ConvAttrs>().out_channels, 48);
  // Each concat is [layer input, new features], in that order.
  const Node& cat = g.node("features.denseblock3.denselayer2.concat");
  EXPECT_EQ(cat.inputs, (std::vector<std::string>{"features.denseblock3.denselayer1.concat",
                                                   "features.denseblock3.denselayer2.conv2"}));
  EXPECT_EQ(g.node("features.denseblock2.denselayer1.norm1").inputs,
            std::vector<std::string>{"features.transition1.pool"});
}

TEST(DenseNet, ParamsMatchIndependentFormula) {
  for (auto [ch, size] : {std::pair{1, 28}, std::pair{3, 32}}) {
    const int64_t k = 12;
    int64_t params = ch * 2 * k * 9;  // conv0
    int64_t macs = size * size * 2 * k * ch * 9;
    int64_t c = 2 * k;
    int64_t s = size;
    for (int block = 0; block < 3; ++block) {
      for (int layer = 0; layer < 4; ++layer) {
        params += 2 * c + c * 4 * k + 2 * 4 * k + 4 * k * k * 9;  // norm1, conv1, norm2, conv2
        macs += s * s * (c * 4 * k + 4 * k * k * 9);
        c += k;
      }
      if (block < 2) {
        params += 2 * c + c * (c / 2);
        macs += s * s * c * (c / 2);
        c /= 2;
        s /= 2;
      }
    }
    params += 2 * c + c * 10 + 10;
    macs += c * 10;
    const auto cost = graph_cost(build_model("densenet", opts(ch, size, 10)));
    EXPECT_EQ(cost.params, params) << size;
    EXPECT_EQ(cost.macs, macs) << size;
  }
}

TEST(DenseNet, WidthScalesGrowthRate) {
  const Graph g = build_model("densenet", opts(3, 32, 10, 2.0));
  EXPECT_EQ(g.node("features.conv0").attr<ConvAttrs>().out_channels, 48);
  EXPECT_EQ(g.node("features.denseblock1.denselayer1.conv2").attr<ConvAttrs>().out_channels, 24);
  EXPECT_EQ(g.node("features.norm5").shape.channels(), 180);
}

}  // namespace
}  // namespace pk
