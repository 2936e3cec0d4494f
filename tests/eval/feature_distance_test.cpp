#include "eval/feature_distance.h"

#include <gtest/gtest.h>

#include "analysis/channel_analysis.h"
#include "core/error.h"
#include "graph/builder.h"
#include "plan/kept_channels.h"
#include "prune/plan_apply.h"
#include "support/quadrants.h"

namespace pk {
namespace {

/// conv → BN → ReLU → conv(16) → BN → ReLU → pool → flatten → fc(4): the fc input ("flat") is the
/// penultimate feature, and its 16 channels are one prunable group.
Graph small_net() {
  GraphBuilder b;
  auto x = b.input("input", Shape{{1, 8, 8}});
  x = b.relu("relu1", b.batch_norm("bn1", b.conv("conv1", x, 8, 3, 1, 1)));
  x = b.relu("relu2", b.batch_norm("bn2", b.conv("conv2", x, 16, 3, 2, 1)));
  b.output(b.linear("fc", b.flatten("flat", b.global_avg_pool("pool", x)), 4));
  return b.build();
}

/// D computed directly from both networks' outputs, with the student's features scattered back
/// to the teacher's numbering (lost features = 0).
double reference_distance(Executor& teacher, Executor& student, const torch::Tensor& x,
                          const std::vector<int64_t>& kept, double tau, double beta) {
  torch::NoGradGuard no_grad;
  teacher.eval();
  student.eval();
  auto t = teacher.forward_taps(x, {"flat"});
  auto s = student.forward_taps(x, {"flat"});
  const auto zt = t.at("fc"), zs = s.at("fc");
  const auto pt = torch::softmax(zt / tau, 1);
  const auto kl = (pt * (torch::log_softmax(zt / tau, 1) - torch::log_softmax(zs / tau, 1))).sum(1) * tau * tau;
  const auto ft = t.at("flat");
  auto fs = torch::zeros_like(ft);
  fs.index_copy_(1, torch::tensor(kept, torch::kLong), s.at("flat"));
  const auto feat = (fs - ft).pow(2).sum(1) / ft.pow(2).sum(1);
  return (kl + beta * feat).mean().item<double>();
}

torch::Tensor normalized(const Dataset& d, const Normalization& n) {
  return (d.images.to(torch::kFloat) / 255.0 - n.mean[0]) / n.std[0];
}

TEST(FeatureDistance, ZeroForTheTeacherItself) {
  const Graph g = small_net();
  Executor teacher(g, WeightStore::initialize(g, 1));
  const DatasetSplits data = testing::quadrant_splits(64, 100, 8);
  const TeacherReference ref(teacher, data.search, data.normalization, {});
  EXPECT_EQ(ref.feature_node(), "flat");
  EXPECT_EQ(ref.size(), 100);
  Executor same(g, WeightStore::initialize(g, 1));
  EXPECT_NEAR(ref.distance(same, {}), 0.0, 1e-9);
  Executor other(g, WeightStore::initialize(g, 2));
  EXPECT_GT(ref.distance(other, {}), 0.01);
}

TEST(FeatureDistance, PrunedStudentMatchesTheFormulaWithLostFeaturesAsZero) {
  const Graph g = small_net();
  const WeightStore w = WeightStore::initialize(g, 1);
  Executor teacher(g, w.clone());
  const ChannelAnalysis analysis = analyze_channels(g);
  PrunePlan plan;
  plan.keep_indices("conv2", {0, 2, 3, 5, 6, 8, 9, 11, 12, 15});
  PrunedNetwork net = plan_apply(g, w, analysis, plan);
  const KeptChannels kept = kept_channels(g, analysis, plan);
  const std::vector<int>& kept_features = kept.nodes.at(g.index_of("fc")).in.at(0);
  ASSERT_EQ(kept_features.size(), 10u);
  Executor student(std::move(net.graph), std::move(net.weights));

  const DatasetSplits data = testing::quadrant_splits(64, 70, 8);  // 70 = 2 batches of 32 + 6
  FeatureDistanceOptions o;
  o.batch_size = 32;
  o.temperature = 3;
  o.beta = 0.5;
  const TeacherReference ref(teacher, data.search, data.normalization, o);
  const double d = ref.distance(student, kept_features);
  const double expected =
      reference_distance(teacher, student, normalized(data.search, data.normalization),
                         std::vector<int64_t>(kept_features.begin(), kept_features.end()), 3, 0.5);
  EXPECT_NEAR(d, expected, 1e-5 * std::max(1.0, expected));
  EXPECT_GT(d, 0.0);
  // Without the kept indices the student's feature count does not fit: a clear error.
  EXPECT_THROW(ref.distance(student, {}), UserError);
}

TEST(FeatureDistance, ReadsNoLabel) {
  const Graph g = small_net();
  Executor teacher(g, WeightStore::initialize(g, 1));
  Executor student(g, WeightStore::initialize(g, 3));
  DatasetSplits data = testing::quadrant_splits(64, 90, 8);
  const double d = TeacherReference(teacher, data.search, data.normalization, {}).distance(student, {});
  data.search.labels = torch::randint(0, 4, {90}, torch::kLong);  // scrambled
  EXPECT_EQ(TeacherReference(teacher, data.search, data.normalization, {}).distance(student, {}), d);
}

}  // namespace
}  // namespace pk
