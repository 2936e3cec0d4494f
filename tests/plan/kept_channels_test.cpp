// kept_channels: the indices the weight slicer will use, checked against the pruned graph.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>

#include "../analysis/small_nets.h"
#include "core/error.h"
#include "graph/builder.h"
#include "models/zoo.h"
#include "plan/apply_plan.h"
#include "plan/kept_channels.h"
#include "plan/resolve_counts.h"
#include "plan_test_util.h"

namespace pk {
namespace {

using Ints = std::vector<int>;

TEST(KeptChannels, ResidualBlockIndices) {
  const Graph g = test::residual_net();
  const auto a = analyze_channels(g);
  PrunePlan p;
  p.keep_indices("conv0", {1, 4, 6});
  p.keep_indices("conv1", {3, 0});  // any order in the plan; ascending in the result
  const auto kc = kept_channels(g, a, p);
  auto at = [&](const char* name) -> const NodeChannels& { return kc.nodes.at(g.index_of(name)); };
  EXPECT_EQ(at("conv0").out, (Ints{1, 4, 6}));
  EXPECT_TRUE(at("conv0").in_full());
  EXPECT_EQ(at("bn0").out, (Ints{1, 4, 6}));
  EXPECT_EQ(at("conv1").in[0], (Ints{1, 4, 6}));
  EXPECT_EQ(at("conv1").out, (Ints{0, 3}));
  EXPECT_EQ(at("conv2").in[0], (Ints{0, 3}));
  EXPECT_EQ(at("conv2").out, (Ints{1, 4, 6}));
  EXPECT_EQ(at("add").in[0], (Ints{1, 4, 6}));
  EXPECT_EQ(at("add").in[1], (Ints{1, 4, 6}));
  EXPECT_EQ(at("fc").in[0], (Ints{1, 4, 6}));
  EXPECT_TRUE(at("fc").out_full());
  EXPECT_FALSE(at("fc").in_full());
}

TEST(KeptChannels, FlattenExpandsToFeaturesAndDepthwiseFollows) {
  {
    const Graph g = test::flatten_net();  // conv0: 5 channels of 4x4 → 80 features
    PrunePlan p;
    p.keep_indices("conv0", {1, 3});
    const auto kc = kept_channels(g, analyze_channels(g), p);
    Ints expected;
    for (int c : {1, 3})
      for (int s = 0; s < 16; ++s) expected.push_back(c * 16 + s);
    EXPECT_EQ(kc.nodes[g.index_of("fc1")].in[0], expected);
  }
  {
    const Graph g = test::depthwise_net();
    PrunePlan p;
    p.keep_indices("expand", {0, 5, 23});
    const auto kc = kept_channels(g, analyze_channels(g), p);
    const auto& dw = kc.nodes[g.index_of("dw")];
    EXPECT_EQ(dw.out, (Ints{0, 5, 23}));
    EXPECT_EQ(dw.in[0], (Ints{0, 5, 23}));
    EXPECT_EQ(dw.groups, 3);
  }
}

// A ChannelPermute over flattened features (2 channels x 2x2 = 8 features): the analysis maps it
// feature by feature, and kept features of the permute and the Linear agree with its order.
TEST(KeptChannels, PermuteOfFlattenedFeatures) {
  GraphBuilder b;
  auto x = b.input("input", Shape{{3, 4, 4}});
  x = b.relu("relu", b.conv("conv", x, 2, 3, 2, 1));                   // 2x2x2
  x = b.channel_permute("perm", b.flatten("flat", x), {7, 0, 5, 2, 4, 3, 6, 1});  // features of ch 1,0,1,0,1,0,1,0
  b.output(b.linear("fc", x, 3));
  const Graph g = b.build();
  const auto a = analyze_channels(g);
  ASSERT_TRUE(a.group("conv").prunable);
  PrunePlan p;
  p.keep_indices("conv", {1});  // keep channel 1 = features 4..7
  const auto kc = kept_channels(g, a, p);
  EXPECT_EQ(kc.nodes[g.index_of("flat")].out, (Ints{4, 5, 6, 7}));
  EXPECT_EQ(kc.nodes[g.index_of("perm")].out, (Ints{0, 2, 4, 6}));  // positions reading 7, 5, 4, 6
  EXPECT_EQ(kc.nodes[g.index_of("fc")].in[0], (Ints{0, 2, 4, 6}));
  const Graph pruned = apply_plan_to_graph(g, a, p);
  // New inputs are features 4,5,6,7 → 0,1,2,3; kept outputs read 7,5,4,6 → 3,1,0,2.
  EXPECT_EQ(pruned.node("perm").attr<ChannelPermuteAttrs>().order, (Ints{3, 1, 0, 2}));
  EXPECT_EQ(pruned.node("fc").attr<LinearAttrs>().out_features, 3);
}

TEST(KeptChannels, ConcatOffsetsAndDuplicates) {
  const Graph g = test::concat_net();  // trans reads conv0(6) | conv1(4) | conv2(5) | conv2(5)
  PrunePlan p;
  p.keep_indices("conv0", {5});
  p.keep_indices("conv2", {0, 4});
  const auto kc = kept_channels(g, analyze_channels(g), p);
  EXPECT_EQ(kc.nodes[g.index_of("trans")].in[0], (Ints{5, 6, 7, 8, 9, 10, 14, 15, 19}));
  EXPECT_EQ(kc.nodes[g.index_of("bn2")].out, (Ints{5, 6, 7, 8, 9}));
}

TEST(KeptChannels, RemovedBlocksAndRegroupedConvs) {
  const Graph g = build_model("resnet20", ModelOptions{});
  const auto a = analyze_channels(g);
  PrunePlan p;
  p.removed_blocks = {"layer1.1.add"};
  p.conv_groups["layer2.1.conv1"] = 4;
  const auto kc = kept_channels(g, a, p);
  EXPECT_TRUE(kc.nodes[g.index_of("layer1.1.conv1")].removed);
  EXPECT_TRUE(kc.nodes[g.index_of("layer1.1.add")].removed);
  EXPECT_FALSE(kc.nodes[g.index_of("layer1.1.relu2")].removed);
  EXPECT_TRUE(kc.nodes[g.index_of("layer1.1.relu2")].in_full());
  EXPECT_TRUE(kc.nodes[g.index_of("layer2.1.conv1")].regrouped);
  EXPECT_EQ(kc.nodes[g.index_of("layer2.1.conv1")].groups, 4);
  EXPECT_FALSE(kc.nodes[g.index_of("layer2.1.conv2")].regrouped);
}

TEST(KeptChannels, UnresolvedCountIsAnError) {
  const Graph g = test::chain_net();
  const auto a = analyze_channels(g);
  PrunePlan p;
  p.keep_count("conv1", 4);
  try {
    kept_channels(g, a, p);
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("group 'conv1' keeps 4 of 8 channels but does not say which"),
              std::string::npos)
        << e.what();
  }
  p.keep_count("conv1", 8);  // a full count needs no indices
  EXPECT_NO_THROW(kept_channels(g, a, p));
}

// On every zoo model with random resolved plans: the kept index lists have exactly the pruned
// graph's channel counts, are ascending and within the original sizes.
TEST(KeptChannels, MatchThePrunedGraphOnTheZoo) {
  for (const auto& model : known_models()) {
    const Graph g = build_model(model, ModelOptions{});
    const auto a = analyze_channels(g);
    std::mt19937 rng(99);
    for (int t = 0; t < 20; ++t) {
      PrunePlan p = test::random_plan(a, rng);
      p = resolve_counts(p, a, test::random_scores(a, p, rng));
      const Graph pruned = apply_plan_to_graph(g, a, p);
      const auto kc = kept_channels(g, a, p);
      for (int i = 0; i < g.size(); ++i) {
        const NodeChannels& nc = kc.nodes[i];
        const int j = pruned.index_of(g.node(i).name);
        ASSERT_EQ(nc.removed, j < 0) << model << " " << g.node(i).name;
        if (nc.removed) continue;
        ASSERT_EQ(static_cast<int64_t>(nc.out.size()), pruned.node(j).shape.channels()) << model << " " << g.node(i).name;
        ASSERT_TRUE(std::is_sorted(nc.out.begin(), nc.out.end()));
        ASSERT_TRUE(nc.out.empty() || nc.out.back() < nc.out_size);
        for (size_t k = 0; k < nc.in.size(); ++k)
          ASSERT_EQ(static_cast<int64_t>(nc.in[k].size()),
                    pruned.node(pruned.input_indices(j)[k]).shape.channels())
              << model << " " << g.node(i).name;
        if (g.node(i).op == OpKind::kConv2d) {
          ASSERT_EQ(nc.groups, pruned.node(j).attr<ConvAttrs>().groups);
        }
      }
    }
  }
}

}  // namespace
}  // namespace pk
