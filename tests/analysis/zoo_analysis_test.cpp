// Channel analysis of the zoo: known group and block counts (reasoned below), and structural
// invariants on every model.
#include <gtest/gtest.h>

#include <string>

#include "analysis/channel_analysis.h"
#include "analysis/channel_cost.h"
#include "graph/cost.h"
#include "models/zoo.h"

namespace pk {
namespace {

struct Expected {
  const char* model;
  int groups;
  int prunable;
  int adds;
  int removable;
};

// resnet20/56: a group per block's conv1 (9 / 27), one group per stage for the residual stream
// (stem or projection, every conv2 and the projection tied by the Adds: 3), plus the pinned
// input and fc output: 14 / 32 groups, 12 / 30 prunable. Adds: one per block (9 / 27); the two
// stage-transition blocks have projection shortcuts: 7 / 25 removable.
// mobilenetv2: stem, 16 expansion groups (every block but the first, t = 1), 7 stage streams
// (blocks of a stage tied by their Adds), last 1x1 conv (1280) + pinned input/output: 27, 25
// prunable. Blocks per stage 1,2,3,4,3,3,1 → 10 Adds, all identity shortcuts → 10 removable.
// densenet: conv0 + 12 layers × (conv1, conv2) + 2 transitions = 27 prunable, + input/output;
// no Add. vgg11: 8 convs prunable, + input/output; no Add.
const Expected kExpected[] = {
    {"resnet20", 14, 12, 9, 7},   {"resnet56", 32, 30, 27, 25}, {"mobilenetv2", 27, 25, 10, 10},
    {"densenet", 29, 27, 0, 0},   {"vgg11", 10, 8, 0, 0},
};

TEST(ZooAnalysis, KnownGroupAndBlockCounts) {
  for (const auto& e : kExpected) {
    const Graph g = build_model(e.model, ModelOptions{});
    const auto a = analyze_channels(g);
    EXPECT_EQ(a.num_groups(), e.groups) << e.model;
    EXPECT_EQ(static_cast<int>(a.prunable_groups().size()), e.prunable) << e.model;
    EXPECT_EQ(static_cast<int>(a.blocks().size()), e.adds) << e.model;
    EXPECT_EQ(static_cast<int>(a.removable_blocks().size()), e.removable) << e.model;
  }
}

TEST(ZooAnalysis, ResNet20StageStreams) {
  const Graph g = build_model("resnet20", ModelOptions{});
  const auto a = analyze_channels(g);
  auto group = [&](const std::string& node) { return a.value(g.index_of(node)).refs.at(0).group; };
  EXPECT_EQ(group("conv1"), group("layer1.0.conv2"));
  EXPECT_EQ(group("conv1"), group("layer1.2.conv2"));
  EXPECT_EQ(group("layer2.0.downsample.0"), group("layer2.2.conv2"));
  EXPECT_EQ(group("layer3.0.downsample.0"), group("layer3.1.conv2"));
  EXPECT_NE(group("conv1"), group("layer2.0.conv2"));
  EXPECT_EQ(a.group(group("layer2.0.conv2")).name, "layer2.0.conv2");  // first producer in node order
  EXPECT_EQ(a.group(group("layer2.1.conv1")).size, 32);
  for (const char* blk : {"layer1.0.add", "layer1.1.add", "layer1.2.add", "layer2.1.add", "layer3.2.add"})
    EXPECT_TRUE(a.blocks().at(a.block_index(blk)).removable) << blk;
  EXPECT_FALSE(a.blocks().at(a.block_index("layer2.0.add")).removable);
  EXPECT_FALSE(a.blocks().at(a.block_index("layer3.0.add")).removable);
}

// Invariants on every zoo model: members' channel lists are permutations of the node's
// channels for the group, every value holds whole groups, the cost model reproduces graph_cost.
TEST(ZooAnalysis, InvariantsOnEveryModel) {
  for (const auto& name : known_models()) {
    const Graph g = build_model(name, ModelOptions{});
    const auto a = analyze_channels(g);
    for (const auto& grp : a.groups()) {
      ASSERT_FALSE(grp.members.empty()) << name << " " << grp.name;
      EXPECT_EQ(grp.members[0].role, MemberRole::kProducer) << name << " " << grp.name;
      EXPECT_EQ(a.node_name(grp.members[0].node), grp.name);
      for (const auto& m : grp.members) {
        ASSERT_EQ(static_cast<int>(m.channels.size()), grp.size) << name << " " << grp.name;
        std::vector<int> seen;
        for (int c : m.channels) {
          ASSERT_GE(c, 0);
          seen.push_back(c);
        }
        std::sort(seen.begin(), seen.end());
        EXPECT_TRUE(std::adjacent_find(seen.begin(), seen.end()) == seen.end()) << name << " " << grp.name;
      }
    }
    std::vector<int> full;
    for (const auto& grp : a.groups()) full.push_back(grp.size);
    for (int i = 0; i < g.size(); ++i) EXPECT_EQ(a.value_size(i, full), g.node(i).shape.channels()) << name;
    const ChannelCostModel model(g, a);
    const GraphCost gc = graph_cost(g);
    EXPECT_EQ(model.original().macs, gc.macs) << name;
    EXPECT_EQ(model.original().params, gc.params) << name;
  }
}

}  // namespace
}  // namespace pk
