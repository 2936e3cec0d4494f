#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/error.h"
#include "graph/builder.h"
#include "models/zoo.h"
#include "plan/validate_plan.h"
#include "prune/one_shot.h"

namespace pk {
namespace {

// input → conv a (4) → bn → relu → conv b (3) → gap → flatten → fc
Graph chain() {
  GraphBuilder b;
  auto x = b.input("input", Shape{{2, 6, 6}});
  x = b.relu("r", b.batch_norm("bn", b.conv("a", x, 4, 3, 1, 1)));
  x = b.conv("b", x, 3, 3, 1, 1);
  b.output(b.linear("fc", b.flatten("f", b.global_avg_pool("gap", x)), 5));
  return b.build();
}

TEST(Importance, HandComputedL1L2BnGammaFpgm) {
  Graph g = chain();
  ChannelAnalysis a = analyze_channels(g);
  WeightStore w = WeightStore::initialize(g, 0);
  auto wa = w.get("a", "weight");
  torch::NoGradGuard ng;
  wa.zero_();
  for (int f = 0; f < 4; ++f) wa[f].fill_(f + 1);  // row f: 18 entries of value f+1
  wa[3].copy_(wa[2]);                              // filters 2 and 3 are duplicates
  w.get("bn", "weight").copy_(torch::tensor({0.5f, -2.0f, 1.0f, 0.1f}));
  const int ga = a.group_index("a");
  ASSERT_GE(ga, 0);

  auto l1 = channel_importance(g, a, w, Criterion::kL1)[ga];
  EXPECT_FLOAT_EQ(l1[0], 18.0f);
  EXPECT_FLOAT_EQ(l1[1], 36.0f);
  auto l2 = channel_importance(g, a, w, Criterion::kL2)[ga];
  EXPECT_NEAR(l2[1], std::sqrt(18.0f * 4), 1e-4);
  auto gamma = channel_importance(g, a, w, Criterion::kBnGamma)[ga];
  EXPECT_EQ(gamma, (std::vector<float>{0.5f, 2.0f, 1.0f, 0.1f}));
  // Group "b" has no BN: bn_gamma falls back to l1.
  const int gb = a.group_index("b");
  EXPECT_EQ(channel_importance(g, a, w, Criterion::kBnGamma)[gb], channel_importance(g, a, w, Criterion::kL1)[gb]);
  // FPGM: the duplicated filters are closest to the others' median... filter 0 (value 1) is
  // farthest from the rest, and duplicates have identical scores.
  auto fpgm = channel_importance(g, a, w, Criterion::kFpgm)[ga];
  EXPECT_FLOAT_EQ(fpgm[2], fpgm[3]);
  EXPECT_GT(fpgm[0], fpgm[1]);
  EXPECT_THROW(channel_importance(g, a, w, Criterion::kTaylor), UserError);
  EXPECT_THROW(criterion_from_name("l3"), UserError);
  // Non-prunable groups (the graph input, the logits) get no scores.
  EXPECT_TRUE(channel_importance(g, a, w, Criterion::kL1)[a.group_index("input")].empty());
}

TEST(Importance, TaylorUsesGradients) {
  Graph g = chain();
  ChannelAnalysis a = analyze_channels(g);
  WeightStore w = WeightStore::initialize(g, 0);
  WeightStore grads = w.clone();
  torch::NoGradGuard ng;
  for (const auto& [node, tensors] : grads.all())
    for (const auto& [name, t] : tensors) const_cast<torch::Tensor&>(t).zero_();
  grads.get("a", "weight")[1].fill_(1.0f);  // only channel 1 has a gradient
  auto s = channel_importance(g, a, w, Criterion::kTaylor, &grads)[a.group_index("a")];
  EXPECT_GT(s[1], 0.0f);
  EXPECT_EQ(s[0], 0.0f);
}

class OneShot : public ::testing::TestWithParam<std::string> {};

TEST_P(OneShot, MeetsTheMacsBudgetWithRoundedCounts) {
  ModelOptions mo;
  mo.in_channels = 1;
  mo.input_size = 28;
  Graph g = build_model("resnet56", mo);
  ChannelAnalysis a = analyze_channels(g);
  WeightStore w = WeightStore::initialize(g, 0);
  OneShotOptions o;
  o.method = GetParam();
  o.budget.metric = BudgetMetric::kMacs;
  o.space.round_to = 8;
  for (double target : {0.25, 0.5}) {
    o.budget.target = target;
    OneShotResult r = one_shot_plan(g, w, a, o);
    const double original = static_cast<double>(graph_cost(g).macs);
    EXPECT_TRUE(r.budget_met);
    EXPECT_LE(r.cost.macs, target * original) << o.method << " " << target;
    EXPECT_GT(r.cost.macs, (target - 0.1) * original) << o.method << " prunes far more than asked";
    EXPECT_EQ(plan_cost(g, a, r.plan).macs, r.cost.macs);
    for (const auto& [name, keep] : r.plan.groups) {
      EXPECT_TRUE(keep.indices.size() % 8 == 0 || static_cast<int>(keep.indices.size()) == a.group(name).size)
          << name << " keeps " << keep.indices.size();
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Methods, OneShot, ::testing::Values("uniform", "global", "random"));

TEST(OneShotErrors, UnknownMethodAndMissingBudget) {
  Graph g = chain();
  ChannelAnalysis a = analyze_channels(g);
  WeightStore w = WeightStore::initialize(g, 0);
  OneShotOptions o;
  EXPECT_THROW(one_shot_plan(g, w, a, o), UserError);  // no budget
  o.budget.metric = BudgetMetric::kMacs;
  o.method = "magic";
  EXPECT_THROW(one_shot_plan(g, w, a, o), UserError);
}

}  // namespace
}  // namespace pk
