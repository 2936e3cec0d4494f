// Graph-only plan application: hand-computed costs, removed blocks, and random plans on the zoo.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "../analysis/small_nets.h"
#include "analysis/channel_cost.h"
#include "graph/cost.h"
#include "graph/text_format.h"
#include "models/zoo.h"
#include "plan/apply_plan.h"
#include "plan/validate_plan.h"
#include "plan_test_util.h"

namespace pk {
namespace {

// ResNet-20, 3x32x32 input. Original: 40,813,184 MACs (conv1 442,368; 6 stage-1 convs of
// 2,359,296; stage 2: 1,179,648 + 5 × 2,359,296 + 131,072 (1x1 projection); stage 3 the same;
// fc 640).
// Plan: stage-1 stream (group "conv1") keeps 8 of 16, the three stage-1 inner groups keep 4 of
// 16, the stage-3 stream (group "layer3.0.conv2", its first producer) keeps 32 of 64, and block
// layer3.2 is removed. MACs:
//   conv1 1024·8·3·9 = 221,184; stage 1: 6 convs of 1024·4·8·9 = 294,912 → 1,769,472;
//   layer2.0.conv1 256·32·8·9 = 589,824; layer2.0.downsample 256·32·8 = 65,536;
//   5 unchanged stage-2 convs 11,796,480;
//   stage 3: layer3.{0,1}.conv1 64·64·32·9 and .conv2 64·32·64·9 = 4 × 1,179,648 = 4,718,592;
//   layer3.0.downsample 64·32·32 = 65,536; layer3.2 removed; fc 32·10 = 320
//   total 19,226,944.
// Params: convs 216 + 1,728 + 2,304 + 256 + 46,080 + 73,728 + 1,024 = 125,336, fc 330,
//   BN 2·C: 16 + 3·(8+16) + 7·64 + (128+64+64+128+64) = 984 → 126,650.
TEST(ApplyPlan, ResNet20HandComputedCost) {
  const Graph g = build_model("resnet20", ModelOptions{});
  const auto a = analyze_channels(g);
  EXPECT_EQ(graph_cost(g).macs, 40813184);
  PrunePlan p;
  p.keep_count("conv1", 8);
  for (const char* inner : {"layer1.0.conv1", "layer1.1.conv1", "layer1.2.conv1"}) p.keep_count(inner, 4);
  p.keep_count("layer3.0.conv2", 32);
  p.removed_blocks = {"layer3.2.add"};
  const Graph pruned = apply_plan_to_graph(g, a, p);
  const GraphCost c = graph_cost(pruned);
  EXPECT_EQ(c.macs, 19226944);
  EXPECT_EQ(c.params, 126650);
  EXPECT_EQ(plan_cost(g, a, p).macs, 19226944);
  EXPECT_EQ(plan_cost(g, a, p).params, 126650);
  // The removed block is gone and its reader reads the entry.
  for (const char* gone : {"layer3.2.conv1", "layer3.2.bn1", "layer3.2.relu1", "layer3.2.conv2", "layer3.2.bn2",
                           "layer3.2.add"})
    EXPECT_FALSE(pruned.has(gone)) << gone;
  EXPECT_EQ(pruned.node("layer3.2.relu2").inputs, std::vector<std::string>{"layer3.1.relu2"});
  EXPECT_EQ(pruned.size(), g.size() - 6);
  EXPECT_EQ(pruned.node("layer2.0.downsample.0").shape.channels(), 32);
  EXPECT_EQ(pruned.node("fc").shape.channels(), 10);
  EXPECT_EQ(pruned.outputs(), g.outputs());
  // The input graph is untouched, and the empty plan is the identity.
  EXPECT_EQ(graph_cost(g).macs, 40813184);
  EXPECT_TRUE(apply_plan_to_graph(g, a, PrunePlan{}) == g);
}

TEST(ApplyPlan, DepthwiseGroupsFollowTheKeptChannels) {
  const Graph g = test::depthwise_net();
  const auto a = analyze_channels(g);
  PrunePlan p;
  p.keep_count("expand", 10);
  p.keep_count("stem", 5);
  const Graph pruned = apply_plan_to_graph(g, a, p);
  const auto& dw = pruned.node("dw").attr<ConvAttrs>();
  EXPECT_EQ(dw.out_channels, 10);
  EXPECT_EQ(dw.groups, 10);
  EXPECT_EQ(pruned.node("project").shape.channels(), 5);
  EXPECT_EQ(pruned.node("add").shape.channels(), 5);
}

TEST(ApplyPlan, FlattenAndConcatShapes) {
  {
    const Graph g = test::flatten_net();
    PrunePlan p;
    p.keep_count("conv0", 2);
    p.keep_count("fc1", 7);
    const Graph pruned = apply_plan_to_graph(g, analyze_channels(g), p);
    EXPECT_EQ(pruned.node("flat").shape.channels(), 32);  // 2 channels x 4x4
    EXPECT_EQ(pruned.node("fc1").shape.channels(), 7);
  }
  {
    const Graph g = test::concat_net();
    PrunePlan p;
    p.keep_count("conv0", 3);
    p.keep_count("conv2", 2);
    const Graph pruned = apply_plan_to_graph(g, analyze_channels(g), p);
    EXPECT_EQ(pruned.node("cat1").shape.channels(), 3 + 4);
    EXPECT_EQ(pruned.node("cat2").shape.channels(), 3 + 4 + 2 + 2);
  }
}

TEST(ApplyPlan, PermutationIsRenumberedOverKeptChannels) {
  const Graph g = test::permute_net();  // perm order {2,0,3,1} over group conv_a
  const auto a = analyze_channels(g);
  PrunePlan p;
  p.keep_indices("conv_a", {0, 2, 3});  // drop group channel 1 (perm output position 3)
  const Graph pruned = apply_plan_to_graph(g, a, p);
  // Old outputs kept: positions 0,1,2 reading old inputs 2,0,3 → new inputs 1,0,2.
  EXPECT_EQ(pruned.node("perm").attr<ChannelPermuteAttrs>().order, (std::vector<int>{1, 0, 2}));
  EXPECT_EQ(pruned.node("conv_b").shape.channels(), 3);
}

TEST(ApplyPlan, NestedBlocksAndChainsOfRemovedBlocks) {
  const Graph g = build_model("mobilenetv2", ModelOptions{});
  const auto a = analyze_channels(g);
  PrunePlan p;  // block 6's entry is block 5's Add: removing both chains the replacements
  p.removed_blocks = {"features.5.add", "features.6.add"};
  const Graph pruned = apply_plan_to_graph(g, a, p);
  EXPECT_EQ(pruned.node("features.7.conv.0.0").inputs, std::vector<std::string>{"features.4.conv.3"});
  const Graph n = test::nested_net();
  PrunePlan outer;
  outer.removed_blocks = {"outer_add"};
  const Graph pn = apply_plan_to_graph(n, analyze_channels(n), outer);
  EXPECT_FALSE(pn.has("inner_add"));
  EXPECT_EQ(pn.node("pool").inputs, std::vector<std::string>{"relu0"});
}

class ZooRandomPlans : public ::testing::TestWithParam<std::string> {};

// 200 random valid plans per zoo model: the pruned graph builds (GraphBuilder validates every
// node), MACs and params never increase, the fast cost model equals graph_cost of the built
// graph, and re-analysing the pruned graph finds the kept counts as group sizes.
TEST_P(ZooRandomPlans, BuildAndNeverGrow) {
  const Graph g = build_model(GetParam(), ModelOptions{});
  const auto a = analyze_channels(g);
  const ChannelCostModel model(g, a);
  const GraphCost orig = graph_cost(g);
  std::mt19937 rng(1234);
  for (int t = 0; t < 200; ++t) {
    const PrunePlan p = test::random_plan(a, rng);
    Graph pruned;
    ASSERT_NO_THROW(pruned = apply_plan_to_graph(g, a, p)) << GetParam() << " plan " << t;
    const GraphCost c = graph_cost(pruned);
    EXPECT_LE(c.macs, orig.macs);
    EXPECT_LE(c.params, orig.params);
    const NodeCost fast = model.cost(plan_counts(g, a, p));
    ASSERT_EQ(fast.macs, c.macs) << GetParam() << " plan " << t;
    ASSERT_EQ(fast.params, c.params) << GetParam() << " plan " << t;
    if (p.removed_blocks.empty()) {
      // (A depthwise conv left with 1 channel is an ordinary 1→1 conv and starts its own group,
      // so the pruned graph may have more groups, never fewer.)
      const auto pa = analyze_channels(pruned);
      ASSERT_GE(pa.num_groups(), a.num_groups());
      for (const auto& [name, keep] : p.groups) ASSERT_EQ(pa.group(name).size, keep.count) << name;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Zoo, ZooRandomPlans,
                         ::testing::Values("resnet20", "resnet32", "resnet56", "resnet110", "resnet18", "vgg11",
                                           "vgg16", "mobilenetv2", "densenet"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

TEST(ApplyPlan, PrunedChannelSliceTakesTheKeptChannelsOfItsRange) {
  const Graph g = test::sliced_net();
  const auto a = analyze_channels(g);
  PrunePlan plan;
  plan.keep_count("c#0", 2);
  plan.keep_count("c#1", 3);
  const Graph pruned = apply_plan_to_graph(g, a, plan);
  EXPECT_EQ(pruned.node("c").attr<ConvAttrs>().out_channels, 5);
  EXPECT_EQ(pruned.node("lo").attr<ChannelSliceAttrs>().start, 0);
  EXPECT_EQ(pruned.node("lo").attr<ChannelSliceAttrs>().end, 2);
  EXPECT_EQ(pruned.node("hi").attr<ChannelSliceAttrs>().start, 2);
  EXPECT_EQ(pruned.node("hi").attr<ChannelSliceAttrs>().end, 5);
}

}  // namespace
}  // namespace pk
