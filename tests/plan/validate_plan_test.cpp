// Every validation error, with the message that names the problem.
#include <gtest/gtest.h>

#include <string>

#include "../analysis/small_nets.h"
#include "core/error.h"
#include "models/zoo.h"
#include "plan/validate_plan.h"

namespace pk {
namespace {

const AnalysisOptions kBlocks;  // the default: grouped convs pruned in equal blocks
const AnalysisOptions kPinGrouped{/*grouped_conv_blocks=*/false};

class ValidatePlan : public ::testing::Test {
 protected:
  void expect_problem(const Graph& g, const PrunePlan& plan, const std::string& fragment,
                      const AnalysisOptions& options = {}) {
    const auto a = analyze_channels(g, options);
    try {
      validate_plan(g, a, plan);
      ADD_FAILURE() << "expected a UserError containing: " << fragment;
    } catch (const UserError& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  }
  const Graph resnet_ = build_model("resnet20", ModelOptions{});
};

TEST_F(ValidatePlan, AcceptsValidPlans) {
  const auto a = analyze_channels(resnet_);
  PrunePlan p;
  p.keep_count("conv1", 8);
  p.keep_indices("layer1.0.conv1", {0, 3, 15});
  p.keep_count("input", 3);  // a pinned group at full size is fine
  p.removed_blocks = {"layer1.1.add", "layer3.2.add"};
  p.keep_count("layer1.1.conv1", 5);  // inside a removed block: allowed, no effect
  p.conv_groups["layer2.1.conv1"] = 4;
  EXPECT_NO_THROW(validate_plan(resnet_, a, p));
  EXPECT_TRUE(plan_problems(resnet_, a, PrunePlan{}).empty());
}

TEST_F(ValidatePlan, UnknownGroup) {
  PrunePlan p;
  p.keep_count("nope", 3);
  expect_problem(resnet_, p, "plan: unknown channel group 'nope'");
  PrunePlan q;
  q.keep_count("layer1.0.conv2", 3);  // a node, but not a group's name
  expect_problem(resnet_, q, "node 'layer1.0.conv2' belongs to group 'conv1' (as producer)");
}

TEST_F(ValidatePlan, GroupNotPrunable) {
  PrunePlan p;
  p.keep_count("fc", 5);
  expect_problem(resnet_, p, "plan: group 'fc' cannot be pruned (graph output 'fc'); it must keep all 10 channels");
  PrunePlan q;
  q.keep_count("gconv", 8);
  expect_problem(test::group_conv_net(2), q, "grouped conv 'gconv' (groups=2", kPinGrouped);
  PrunePlan r;  // in blocks: gconv_b's 4 blocks disagree with gconv_a's 2 on conv0
  r.keep_count("conv0", 4);
  expect_problem(test::two_groupings_net(), r, "grouped conv 'gconv_b' (groups=4", kBlocks);
}

TEST_F(ValidatePlan, GroupedConvGroupsKeepTheSameCountPerBlock) {
  const Graph g = test::group_conv_net(4);  // conv0: 8 in 4 blocks of 2; gconv: 16 in 4 blocks of 4
  const auto a = analyze_channels(g, kBlocks);
  PrunePlan ok;
  ok.keep_count("gconv", 8);
  ok.keep_indices("conv0", {1, 2, 4, 7});
  EXPECT_NO_THROW(validate_plan(g, a, ok));
  PrunePlan p;
  p.keep_count("gconv", 6);
  expect_problem(g, p, "plan: group 'gconv' keeps 6 channels; it is read or produced by a grouped conv and falls "
                       "into 4 blocks, so it must keep a multiple of 4 (the same number per block)", kBlocks);
  PrunePlan q;
  q.keep_count("conv0", 3);
  expect_problem(g, q, "plan: group 'conv0' keeps 3 channels; it is read or produced by a grouped conv and falls "
                       "into 4 blocks, so it must keep a multiple of 4", kBlocks);
  PrunePlan r;
  r.keep_indices("conv0", {0, 1, 4, 6});  // blocks {0,1} {2,3} {4,5} {6,7}: 2, 0, 1, 1
  expect_problem(g, r, "plan: group 'conv0' keeps 4 channels in 4 blocks, so 1 per block, but block 0 keeps 2", kBlocks);
}

TEST_F(ValidatePlan, CountOutOfRange) {
  PrunePlan p;
  p.keep_count("conv1", 0);
  expect_problem(resnet_, p, "plan: group 'conv1' keeps 0 channels; expected 1..16 (its size)");
  p.keep_count("conv1", 17);
  expect_problem(resnet_, p, "plan: group 'conv1' keeps 17 channels; expected 1..16");
}

TEST_F(ValidatePlan, BadIndices) {
  PrunePlan p;
  p.keep_indices("conv1", {0, 16});
  expect_problem(resnet_, p, "plan: group 'conv1': channel index 16 is out of range 0..15");
  p.keep_indices("conv1", {-1});
  expect_problem(resnet_, p, "channel index -1 is out of range");
  p.keep_indices("conv1", {3, 1, 3});
  expect_problem(resnet_, p, "plan: group 'conv1': channel index 3 is listed twice");
  p.groups["conv1"] = GroupKeep{4, {1, 2}};
  expect_problem(resnet_, p, "plan: group 'conv1' keeps 4 channels but lists 2 indices");
}

TEST_F(ValidatePlan, BlockErrors) {
  PrunePlan p;
  p.removed_blocks = {"layer2.0.add"};
  expect_problem(resnet_, p, "plan: block 'layer2.0.add' cannot be removed: no identity shortcut");
  p.removed_blocks = {"layer1.0.conv1"};
  expect_problem(resnet_, p, "plan: removed block 'layer1.0.conv1' is a Conv2d node; blocks are named by their Add");
  p.removed_blocks = {"nope"};
  expect_problem(resnet_, p, "plan: removed block 'nope': the graph has no node of that name");
  p.removed_blocks = {"layer1.1.add", "layer1.1.add"};
  expect_problem(resnet_, p, "plan: removed block 'layer1.1.add' is listed twice");
}

TEST_F(ValidatePlan, NestedRemovedBlocksOverlap) {
  const Graph g = test::nested_net();
  const auto a = analyze_channels(g);
  ASSERT_EQ(a.removable_blocks().size(), 2u);
  PrunePlan p;
  p.removed_blocks = {"inner_add"};
  EXPECT_NO_THROW(validate_plan(g, a, p));
  p.removed_blocks = {"outer_add"};
  EXPECT_NO_THROW(validate_plan(g, a, p));
  p.removed_blocks = {"outer_add", "inner_add"};
  expect_problem(g, p, "plan: removed blocks 'outer_add' and 'inner_add' overlap ('inner_add' lies inside the branch "
                       "of 'outer_add'); remove only the outer one");
  p.removed_blocks = {"inner_add", "outer_add"};
  expect_problem(g, p, "('inner_add' lies inside the branch of 'outer_add')");
}

TEST_F(ValidatePlan, ConvGroupErrors) {
  PrunePlan p;
  p.conv_groups["nope"] = 2;
  expect_problem(resnet_, p, "plan: conv_groups: the graph has no node 'nope'");
  p.conv_groups = {{"layer1.0.bn1", 2}};
  expect_problem(resnet_, p, "plan: conv_groups: 'layer1.0.bn1' is a BatchNorm2d node, not a Conv2d");
  p.conv_groups = {{"layer1.0.conv1", 0}};
  expect_problem(resnet_, p, "plan: conv_groups: 'layer1.0.conv1' has groups 0; expected ≥ 1");
  p.conv_groups = {{"layer1.0.conv1", 3}};
  expect_problem(resnet_, p, "plan: conv 'layer1.0.conv1': groups 3 does not divide its pruned input channels 16");
  // Divisibility is checked against the pruned channel counts.
  p.conv_groups = {{"layer1.0.conv2", 4}};
  p.keep_count("layer1.0.conv1", 6);
  expect_problem(resnet_, p, "groups 4 does not divide its pruned input channels 6");
  p.keep_count("layer1.0.conv1", 8);
  p.keep_count("conv1", 10);
  expect_problem(resnet_, p, "plan: conv 'layer1.0.conv2': groups 4 does not divide its pruned output channels 10");
  PrunePlan dw;
  dw.conv_groups["dw"] = 2;
  expect_problem(test::depthwise_net(), dw, "plan: conv_groups: 'dw' is a depthwise conv; its groups follow");
}

TEST_F(ValidatePlan, ReportsAllProblemsAndCountsTheRest) {
  const auto a = analyze_channels(resnet_);
  PrunePlan p;
  p.keep_count("conv1", 0);
  p.keep_count("nope", 1);
  p.removed_blocks = {"layer2.0.add"};
  EXPECT_EQ(plan_problems(resnet_, a, p).size(), 3u);
  expect_problem(resnet_, p, "(and 2 more problems)");
}

TEST_F(ValidatePlan, RejectsAnalysisOfAnotherGraph) {
  const auto other = analyze_channels(test::chain_net());
  EXPECT_THROW(validate_plan(resnet_, other, PrunePlan{}), UserError);
}

}  // namespace
}  // namespace pk
