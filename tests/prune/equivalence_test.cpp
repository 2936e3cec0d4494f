// The equivalence oracle (design §5): for random valid plans, the physically pruned network's
// output equals the original network's output with the pruned channels masked to zero and the
// removed blocks bypassed. Plans per architecture: 20 (unit), PK_ORACLE_PLANS (ctest `slow`: 500).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <random>

#include "../analysis/small_nets.h"
#include "oracle_util.h"
#include "../plan/plan_test_util.h"
#include "prune/plan_apply.h"

namespace pk {
namespace {

void check_architecture(const std::string& label, const Graph& g, uint64_t seed) {
  const ChannelAnalysis a = analyze_channels(g);  // grouped convs pruned in equal blocks
  const WeightStore w = test::oracle_weights(g, seed);
  std::mt19937 rng(static_cast<uint32_t>(seed));
  const torch::Tensor x = test::oracle_input(g, seed);
  int pruned_plans = 0;
  for (int p = 0; p < test::oracle_draws(); ++p) {
    PrunePlan counted = test::random_plan(a, rng);
    const PrunePlan plan = resolve_counts(counted, a, test::random_scores(a, counted, rng));
    if (!plan.groups.empty() || !plan.removed_blocks.empty()) ++pruned_plans;
    PrunedNetwork pruned = plan_apply(g, w, a, plan);
    const torch::Tensor got = test::run_eval(pruned.graph, pruned.weights, x);
    const torch::Tensor expected = test::masked_reference(g, w, a, plan, x);
    ASSERT_EQ(got.sizes(), expected.sizes()) << label << " plan " << p;
    ASSERT_LT(test::relative_diff(got, expected), 1e-4) << label << " plan " << p << ": pruned ≠ masked";
  }
  EXPECT_GT(pruned_plans, 0) << label << ": no plan pruned anything; the oracle tested nothing";
}

TEST(Equivalence, EveryZooArchitecture) { test::for_each_zoo_model(check_architecture); }

TEST(Equivalence, SmallNetsWithEveryChannelRule) {
  check_architecture("chain", test::chain_net(), 11);
  check_architecture("residual", test::residual_net(), 12);
  check_architecture("projection", test::projection_net(), 13);
  check_architecture("concat", test::concat_net(), 14);
  check_architecture("depthwise", test::depthwise_net(), 15);
  check_architecture("group_conv_2", test::group_conv_net(2), 16);
  check_architecture("group_conv_4", test::group_conv_net(4), 21);
  check_architecture("resnext", test::resnext_net(), 22);
  check_architecture("flatten_linear", test::flatten_net(), 17);
  check_architecture("se", test::se_net(), 18);
  check_architecture("permute", test::permute_net(), 19);
  check_architecture("nested", test::nested_net(), 20);
}

TEST(PlanApply, IsPureAndShrinksWeights) {
  ModelOptions o;
  o.in_channels = 1;
  o.input_size = 28;
  Graph g = build_model("resnet20", o);
  ChannelAnalysis a = analyze_channels(g);
  WeightStore w = test::oracle_weights(g, 5);
  WeightStore before = w.clone();
  PrunePlan plan;
  plan.keep_count("layer1.0.conv1", 8);
  plan.removed_blocks.push_back("layer2.1.add");
  ImportanceOptions producer_l1;  // the producer's rows alone: what the check below recomputes
  producer_l1.producers_only = true;
  plan = resolve_plan(g, w, a, plan, producer_l1);
  PrunedNetwork pruned = plan_apply(g, w, a, plan);
  EXPECT_EQ(pruned.weights.get("layer1.0.conv1", "weight").size(0), 8);
  EXPECT_EQ(pruned.weights.get("layer1.0.conv2", "weight").size(1), 8);
  EXPECT_FALSE(pruned.graph.has("layer2.1.conv1"));
  EXPECT_LT(pruned.weights.numel(), w.numel());
  for (const auto& [node, tensors] : w.all())
    for (const auto& [name, t] : tensors) EXPECT_TRUE(torch::equal(t, before.get(node, name))) << node;
  // The kept filters are the 8 with the largest L1 norms.
  auto norms = w.get("layer1.0.conv1", "weight").abs().sum({1, 2, 3});
  auto kept_norms = pruned.weights.get("layer1.0.conv1", "weight").abs().sum({1, 2, 3});
  EXPECT_NEAR(kept_norms.min().item<float>(), std::get<0>(norms.topk(8)).min().item<float>(), 1e-6);
}

}  // namespace
}  // namespace pk
