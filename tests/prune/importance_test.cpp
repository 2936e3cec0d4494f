#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "graph/builder.h"
#include "models/zoo.h"
#include "plan/validate_plan.h"
#include "prune/importance.h"
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

/// The chain with hand-set weights: a's row f is f+1 everywhere (rows 2 and 3 duplicates),
/// bn γ = [0.5, -2, 1, 0.1], b's input column c is c+1 everywhere (27 entries per column).
WeightStore chain_weights(const Graph& g) {
  WeightStore w = WeightStore::initialize(g, 0);
  torch::NoGradGuard ng;
  auto wa = w.get("a", "weight");
  for (int f = 0; f < 4; ++f) wa[f].fill_(f + 1);  // row f: 18 entries of value f+1
  wa[3].copy_(wa[2]);                              // filters 2 and 3 are duplicates
  w.get("bn", "weight").copy_(torch::tensor({0.5f, -2.0f, 1.0f, 0.1f}));
  auto wb = w.get("b", "weight");
  for (int c = 0; c < 4; ++c) wb.select(1, c).fill_(c + 1);
  return w;
}

ImportanceOptions options(Criterion c, ScoreReduction r = ScoreReduction::kSum, ScoreNormalizer n = ScoreNormalizer::kNone) {
  ImportanceOptions o;
  o.criterion = c;
  o.reduction = r;
  o.normalizer = n;
  return o;
}

void expect_near(const std::vector<float>& got, const std::vector<double>& want, const char* what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-4 * (1 + std::abs(want[i]))) << what << " [" << i << "]";
}

TEST(Importance, EveryMemberCountsProducerRowsBnAndConsumerColumns) {
  Graph g = chain();
  ChannelAnalysis a = analyze_channels(g);
  WeightStore w = chain_weights(g);
  const int ga = a.group_index("a");
  ASSERT_GE(ga, 0);
  // Members of group a: producer a rows ‖·‖₁ = 18·(f+1) → [18, 36, 54, 54]; bn |γ| = [0.5, 2, 1, 0.1];
  // consumer b columns ‖W_b[:, c]‖₁ = 27·(c+1) → [27, 54, 81, 108].
  expect_near(channel_importance(g, a, w, options(Criterion::kL1))[ga], {45.5, 92, 136, 162.1}, "l1 sum/none");
  ImportanceOptions old = options(Criterion::kL1);
  old.producers_only = true;
  expect_near(channel_importance(g, a, w, old)[ga], {18, 36, 54, 54}, "l1 producers only");
  // l2: rows √18·(f+1), |γ|, columns √27·(c+1).
  const double r18 = std::sqrt(18.0), r27 = std::sqrt(27.0);
  expect_near(channel_importance(g, a, w, options(Criterion::kL2))[ga],
              {r18 + 0.5 + r27, 2 * r18 + 2 + 2 * r27, 3 * r18 + 1 + 3 * r27, 3 * r18 + 0.1 + 4 * r27}, "l2");
}

TEST(Importance, EachMemberIsNormalisedThenReduced) {
  Graph g = chain();
  ChannelAnalysis a = analyze_channels(g);
  WeightStore w = chain_weights(g);
  const int ga = a.group_index("a");
  const std::vector<double> rows{18, 36, 54, 54}, bn{0.5, 2, 1, 0.1}, cols{27, 54, 81, 108};
  auto scaled = [](const std::vector<double>& v, double d) {
    std::vector<double> out;
    for (double x : v) out.push_back(x / d);
    return out;
  };
  // mean normaliser: means 40.5, 0.9, 67.5; max normaliser: 54, 2, 108.
  const auto rm = scaled(rows, 40.5), bm = scaled(bn, 0.9), cm = scaled(cols, 67.5);
  const auto rx = scaled(rows, 54), bx = scaled(bn, 2), cx = scaled(cols, 108);
  std::vector<double> mean_mean, sum_mean, max_max;
  for (int i = 0; i < 4; ++i) {
    sum_mean.push_back(rm[i] + bm[i] + cm[i]);
    mean_mean.push_back(sum_mean.back() / 3);
    max_max.push_back(std::max({rx[i], bx[i], cx[i]}));
  }
  using R = ScoreReduction;
  using N = ScoreNormalizer;
  expect_near(channel_importance(g, a, w, options(Criterion::kL1, R::kMean, N::kMean))[ga], mean_mean, "mean/mean");
  expect_near(channel_importance(g, a, w, options(Criterion::kL1, R::kSum, N::kMean))[ga], sum_mean, "sum/mean");
  expect_near(channel_importance(g, a, w, options(Criterion::kL1, R::kMax, N::kMax))[ga], max_max, "max/max");
  expect_near(channel_importance(g, a, w, options(Criterion::kL1, R::kMax, N::kNone))[ga], {27, 54, 81, 108}, "max/none");
  expect_near(channel_importance(g, a, w, options(Criterion::kL1, R::kMean, N::kNone))[ga],
              {45.5 / 3, 92.0 / 3, 136.0 / 3, 162.1 / 3}, "mean/none");
}

TEST(Importance, BnGammaFpgmAndFallbacks) {
  Graph g = chain();
  ChannelAnalysis a = analyze_channels(g);
  WeightStore w = chain_weights(g);
  const int ga = a.group_index("a"), gb = a.group_index("b");
  expect_near(channel_importance(g, a, w, options(Criterion::kBnGamma))[ga], {0.5, 2, 1, 0.1}, "bn_gamma");
  expect_near(channel_importance(g, a, w, options(Criterion::kBnGamma, ScoreReduction::kMean, ScoreNormalizer::kMean))[ga],
              {0.5 / 0.9, 2 / 0.9, 1 / 0.9, 0.1 / 0.9}, "bn_gamma mean");
  // Group "b" has no BN: bn_gamma falls back to l1 over all of b's members.
  EXPECT_EQ(channel_importance(g, a, w, options(Criterion::kBnGamma))[gb], channel_importance(g, a, w, options(Criterion::kL1))[gb]);
  // FPGM on producer rows only: row f = (f+1)·1₁₈, so ‖w_i − w_j‖ = √18·|i − j| with rows 2, 3 equal:
  // Σ_j |v_i − v_j| over v = [1, 2, 3, 3] → [5, 3, 3, 3]·√18.
  const double r18 = std::sqrt(18.0);
  expect_near(channel_importance(g, a, w, options(Criterion::kFpgm))[ga], {5 * r18, 3 * r18, 3 * r18, 3 * r18}, "fpgm");
  EXPECT_THROW(channel_importance(g, a, w, options(Criterion::kTaylor)), UserError);
  EXPECT_THROW(criterion_from_name("l3"), UserError);
  EXPECT_THROW(score_reduction_from_name("median"), UserError);
  EXPECT_THROW(score_normalizer_from_name("l2"), UserError);
  EXPECT_EQ(score_normalizer_from_name(score_normalizer_name(ScoreNormalizer::kMax)), ScoreNormalizer::kMax);
  EXPECT_EQ(criterion_from_name("bn_gamma"), Criterion::kBnGamma);
  // Non-prunable groups (the graph input, the logits) get no scores.
  EXPECT_TRUE(channel_importance(g, a, w, Criterion::kL1)[a.group_index("input")].empty());
}

TEST(Importance, FlattenToLinearColumnsSpanTheSpatialFeatures) {
  // input 1×2×2 → conv a (3, 1×1) → flatten (12 = 3 channels × 4 positions) → fc (2)
  GraphBuilder b;
  auto x = b.conv("a", b.input("input", Shape{{1, 2, 2}}), 3, 1);
  b.output(b.linear("fc", b.flatten("f", x), 2));
  Graph g = b.build();
  ChannelAnalysis a = analyze_channels(g);
  WeightStore w = WeightStore::initialize(g, 0);
  torch::NoGradGuard ng;
  w.get("a", "weight").zero_();
  w.get("fc", "weight").copy_(torch::arange(12, torch::kFloat32).repeat({2, 1}));  // W[o, f] = f
  // Channel c owns features 4c..4c+3 in both rows: l1 = 2·(16c + 6).
  expect_near(channel_importance(g, a, w, options(Criterion::kL1))[a.group_index("a")], {12, 44, 76}, "flatten l1");
}

TEST(Importance, ConcatConsumerColumnsStartAtTheOffset) {
  // input → a (2), b (3) → concat (5) → c (2, 1×1) → gap → flatten → fc
  GraphBuilder bl;
  auto in = bl.input("input", Shape{{2, 4, 4}});
  auto cat = bl.concat("cat", {bl.conv("a", in, 2, 1), bl.conv("b", in, 3, 1)});
  bl.output(bl.linear("fc", bl.flatten("f", bl.global_avg_pool("gap", bl.conv("c", cat, 2, 1))), 3));
  Graph g = bl.build();
  ChannelAnalysis a = analyze_channels(g);
  WeightStore w = WeightStore::initialize(g, 0);
  torch::NoGradGuard ng;
  w.get("a", "weight").zero_();
  w.get("b", "weight").zero_();
  auto wc = w.get("c", "weight");  // [2, 5, 1, 1]
  for (int j = 0; j < 5; ++j) wc.select(1, j).fill_(j + 1);
  expect_near(channel_importance(g, a, w, options(Criterion::kL1))[a.group_index("a")], {2, 4}, "concat a");
  expect_near(channel_importance(g, a, w, options(Criterion::kL1))[a.group_index("b")], {6, 8, 10}, "concat b");
}

TEST(Importance, GroupedConvConsumerColumnsFollowTheBlocks) {
  // a (4) → g: 4 → 6 channels, groups 2 (weight [6, 2, 3, 3]): input k is column k mod 2 of
  // filters [3·(k / 2), 3·(k / 2) + 3).
  GraphBuilder b;
  auto x = b.input("input", Shape{{2, 6, 6}});
  x = b.conv("a", x, 4, 3, 1, 1);
  x = b.conv("g", x, 6, 3, 1, 1, /*groups=*/2);
  b.output(b.linear("fc", b.flatten("f", b.global_avg_pool("gap", x)), 5));
  const Graph g = b.build();
  const ChannelAnalysis an = analyze_channels(g);
  ASSERT_EQ(an.group("a").blocks, 2);
  WeightStore w = WeightStore::initialize(g, 0);
  {
    torch::NoGradGuard ng;
    w.get("a", "weight").zero_();  // only the consumer counts
    auto wg = w.get("g", "weight");
    for (int f = 0; f < 6; ++f)
      for (int c = 0; c < 2; ++c) wg[f][c].fill_(10 * f + c);  // 9 entries each
  }
  // input k: Σ over filters f of block k / 2 of 9·(10f + k mod 2)
  std::vector<double> want;
  for (int k = 0; k < 4; ++k) {
    double s = 0;
    for (int f = 3 * (k / 2); f < 3 * (k / 2) + 3; ++f) s += 9.0 * (10 * f + k % 2);
    want.push_back(s);
  }
  expect_near(channel_importance(g, an, w, options(Criterion::kL1))[an.group_index("a")], want, "grouped columns");
  // Taylor: the same slices of weights and gradients.
  const WeightStore grads = w.clone();
  std::vector<double> taylor;
  for (int k = 0; k < 4; ++k) {
    double s = 0;
    for (int f = 3 * (k / 2); f < 3 * (k / 2) + 3; ++f) s += 9.0 * (10 * f + k % 2) * (10 * f + k % 2);
    taylor.push_back(s);
  }
  expect_near(channel_importance(g, an, w, options(Criterion::kTaylor), &grads)[an.group_index("a")], taylor,
              "grouped taylor");
}

TEST(Importance, TaylorUsesGradientsOfRowsColumnsAndBn) {
  Graph g = chain();
  ChannelAnalysis a = analyze_channels(g);
  WeightStore w = WeightStore::initialize(g, 0);
  WeightStore grads = w.clone();
  torch::NoGradGuard ng;
  for (const auto& [node, tensors] : grads.all())
    for (const auto& [name, t] : tensors) const_cast<torch::Tensor&>(t).zero_();
  const int ga = a.group_index("a");
  grads.get("a", "weight")[1].fill_(1.0f);  // producer row of channel 1
  auto s = channel_importance(g, a, w, options(Criterion::kTaylor), &grads)[ga];
  EXPECT_NEAR(s[1], std::abs(w.get("a", "weight")[1].sum().item<float>()), 1e-5);
  EXPECT_EQ(s[0], 0.0f);
  // A gradient on consumer b's input column 2 counts for channel 2 (|Σ W_b[:, 2]·1|) ...
  grads.get("a", "weight").zero_();
  grads.get("b", "weight").select(1, 2).fill_(1.0f);
  s = channel_importance(g, a, w, options(Criterion::kTaylor), &grads)[ga];
  EXPECT_NEAR(s[2], std::abs(w.get("b", "weight").select(1, 2).sum().item<float>()), 1e-5);
  EXPECT_EQ(s[1], 0.0f);
  // ... but not when only producers are scored; BN γ/β do: |γ·g_γ + β·g_β|.
  ImportanceOptions old = options(Criterion::kTaylor);
  old.producers_only = true;
  EXPECT_EQ(channel_importance(g, a, w, old, &grads)[ga][2], 0.0f);
  grads.get("bn", "weight")[3].fill_(2.0f);
  s = channel_importance(g, a, w, old, &grads)[ga];
  EXPECT_NEAR(s[3], 2.0f * std::abs(w.get("bn", "weight")[3].item<float>()), 1e-5);
}

// Every zoo architecture (depthwise convs, concatenations, flatten→linear heads): every criterion
// and scoring gives one finite, non-negative score per channel of every prunable group.
TEST(Importance, EveryZooModelEveryCriterionScoresEveryChannel) {
  ModelOptions mo;
  mo.in_channels = 3;
  mo.input_size = 32;
  for (const auto& name : known_models()) {
    Graph g = build_model(name, mo);
    ChannelAnalysis a = analyze_channels(g);
    WeightStore w = WeightStore::initialize(g, 1);
    const WeightStore fake_grads = WeightStore::initialize(g, 2);
    for (Criterion c : {Criterion::kL1, Criterion::kL2, Criterion::kBnGamma, Criterion::kFpgm, Criterion::kTaylor}) {
      const auto scores = channel_importance(g, a, w, options(c, ScoreReduction::kMean, ScoreNormalizer::kMean), &fake_grads);
      for (const auto& grp : a.groups()) {
        const auto& s = scores[grp.id];
        ASSERT_EQ(static_cast<int>(s.size()), grp.prunable ? grp.size : 0) << name << " " << grp.name;
        for (float v : s) ASSERT_TRUE(std::isfinite(v) && v >= 0) << name << " " << grp.name << " " << v;
      }
    }
  }
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
