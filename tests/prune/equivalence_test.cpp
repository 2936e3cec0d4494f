// The equivalence oracle (design §5): for random valid plans, the physically pruned network's
// output equals the original network's output with the pruned channels masked to zero and the
// removed blocks bypassed. Plans per architecture: 20 (unit), PK_ORACLE_PLANS (ctest `slow`: 500).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>
#include <random>

#include "../analysis/small_nets.h"
#include "oracle_util.h"
#include "../plan/plan_test_util.h"
#include "exec/executor.h"
#include "models/zoo.h"
#include "plan/apply_plan.h"
#include "plan/kept_channels.h"
#include "prune/plan_apply.h"

namespace pk {
namespace {

/// Output of the original network with blocks bypassed and pruned channels zeroed everywhere.
torch::Tensor masked_reference(const Graph& g, const WeightStore& w, const ChannelAnalysis& a, const PrunePlan& plan,
                               const torch::Tensor& x) {
  PrunePlan blocks_only;
  blocks_only.removed_blocks = plan.removed_blocks;
  Graph bypassed = apply_plan_to_graph(g, a, blocks_only);
  WeightStore kept_weights;
  for (const auto& [node, tensors] : w.all())
    if (bypassed.has(node))
      for (const auto& [name, t] : tensors) kept_weights.set(node, name, t);
  Executor ex(bypassed, kept_weights);
  const KeptChannels kept = kept_channels(g, a, plan);
  for (int i = 0; i < bypassed.size(); ++i) {
    const Node& n = bypassed.node(i);
    const NodeChannels& k = kept.nodes[g.index_of(n.name)];
    if (k.out_full()) continue;
    auto mask = torch::zeros({k.out_size});
    for (int c : k.out) mask[c] = 1.0f;
    ex.set_channel_mask(n.name, mask);
  }
  ex.eval();
  torch::NoGradGuard ng;
  return ex.forward(x);
}

void check_architecture(const std::string& label, const Graph& g, uint64_t seed) {
  AnalysisOptions options;  // grouped convs pruned in equal blocks
  options.grouped_conv_blocks = true;
  const ChannelAnalysis a = analyze_channels(g, options);
  const WeightStore w = test::oracle_weights(g, seed);
  std::mt19937 rng(static_cast<uint32_t>(seed));
  std::vector<int64_t> shape{2};
  for (auto d : g.node(g.input_names()[0]).shape.dims) shape.push_back(d);
  const torch::Tensor x = torch::randn(shape, at::make_generator<at::CPUGeneratorImpl>(seed));
  int pruned_plans = 0;
  for (int p = 0; p < test::oracle_draws(); ++p) {
    PrunePlan counted = test::random_plan(a, rng);
    const PrunePlan plan = resolve_counts(counted, a, test::random_scores(a, counted, rng));
    if (!plan.groups.empty() || !plan.removed_blocks.empty()) ++pruned_plans;
    PrunedNetwork pruned = plan_apply(g, w, a, plan);
    Executor ex(pruned.graph, pruned.weights);
    ex.eval();
    torch::NoGradGuard ng;
    const torch::Tensor got = ex.forward(x);
    const torch::Tensor expected = masked_reference(g, w, a, plan, x);
    ASSERT_EQ(got.sizes(), expected.sizes()) << label << " plan " << p;
    const double diff = (got - expected).abs().max().item<double>();
    const double scale = std::max(1.0, expected.abs().max().item<double>());
    ASSERT_LT(diff, 1e-4 * scale) << label << " plan " << p << ": max |pruned − masked| = " << diff;
  }
  EXPECT_GT(pruned_plans, 0) << label << ": no plan pruned anything; the oracle tested nothing";
}

TEST(Equivalence, EveryZooArchitecture) {
  ModelOptions o;
  o.in_channels = 3;
  o.input_size = 16;
  uint64_t seed = 1;
  for (const auto& name : known_models()) check_architecture(name, build_model(name, o), seed++);
}

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
