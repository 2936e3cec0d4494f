#include "eval/output_map_distance.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "graph/builder.h"
#include "support/quadrants.h"

namespace pk {
namespace {

/// A two-output "detector": a shared conv, then a 4-channel head at stride 1 and one at stride 2.
Graph two_heads() {
  GraphBuilder b;
  auto x = b.input("input", Shape{{1, 8, 8}});
  x = b.relu("relu1", b.conv("conv1", x, 8, 3, 1, 1));
  b.output(b.conv("head.s1", x, 4, 1, 1, 0, 1, true));
  b.output(b.conv("head.s2", x, 4, 3, 2, 1, 1, true));
  return b.build();
}

TEST(OutputMapDistance, ZeroForTheTeacherAndOneWhenAnOutputDoubles) {
  const Graph g = two_heads();
  ASSERT_TRUE(has_output_maps(g));
  const DatasetSplits data = testing::quadrant_splits(40, 0, 0);
  Executor teacher(g, WeightStore::initialize(g, 1));
  const OutputMapReference ref(teacher, data.train, data.normalization, 16);
  EXPECT_EQ(ref.size(), 40);
  EXPECT_NEAR(ref.distance(teacher), 0.0, 1e-9);

  // y_s = 2·y_t on one output: ‖2y − y‖² / ‖y‖² = 1 per image, the other output adds 0.
  Executor doubled(g, teacher.weights().clone());
  for (const char* name : {"weight", "bias"}) {
    torch::NoGradGuard no_grad;
    const_cast<torch::Tensor&>(doubled.weights().get("head.s2", name)).mul_(2);
  }
  EXPECT_NEAR(ref.distance(doubled), 1.0, 1e-5);

  // A negated output: ‖−y − y‖² / ‖y‖² = 4 per image.
  Executor negated(g, teacher.weights().clone());
  for (const char* name : {"weight", "bias"}) {
    torch::NoGradGuard no_grad;
    const_cast<torch::Tensor&>(negated.weights().get("head.s1", name)).neg_();
  }
  EXPECT_NEAR(ref.distance(negated), 4.0, 1e-4);
}

TEST(OutputMapDistance, ReadsNoLabelAndRefusesOtherOutputs) {
  const Graph g = two_heads();
  DatasetSplits data = testing::quadrant_splits(24, 0, 0);
  Executor teacher(g, WeightStore::initialize(g, 1));
  Executor student(g, WeightStore::initialize(g, 2));
  const double with_labels = OutputMapReference(teacher, data.train, data.normalization, 8).distance(student);
  data.train.labels = torch::randint(0, 4, {data.train.size()}, torch::kLong);  // scrambled
  EXPECT_EQ(OutputMapReference(teacher, data.train, data.normalization, 8).distance(student), with_labels);
  EXPECT_GT(with_labels, 0.0);

  GraphBuilder b;  // one output only: not the teacher's outputs
  auto x = b.input("input", Shape{{1, 8, 8}});
  b.output(b.conv("head.s1", b.relu("relu1", b.conv("conv1", x, 8, 3, 1, 1)), 4, 1, 1, 0, 1, true));
  const Graph other = b.build();
  Executor wrong(other, WeightStore::initialize(other, 0));
  const OutputMapReference ref(teacher, data.train, data.normalization, 8);
  EXPECT_THROW(ref.distance(wrong), UserError);
  EXPECT_TRUE(has_output_maps(other));  // a 4×8×8 map, not a vector
}

// The per-batch form used as a distillation loss: D per image, by hand, and differentiable.
TEST(OutputMapDistance, PerImageDistanceByHandWithGradients) {
  const auto t1 = torch::tensor({1.0f, 0.0f, 2.0f, 0.0f}).view({2, 2});     // images: [1, 0], [2, 0]
  const auto t2 = torch::tensor({3.0f, 4.0f, 0.0f, 1.0f}).view({2, 1, 2});  // images: [3, 4], [0, 1]
  auto s1 = torch::tensor({2.0f, 0.0f, 2.0f, 0.0f}).view({2, 2}).requires_grad_();
  auto s2 = torch::tensor({3.0f, 4.0f, 0.0f, -1.0f}).view({2, 1, 2}).requires_grad_();
  const torch::Tensor d = output_map_distance({s1, s2}, {t1, t2});
  ASSERT_EQ(d.sizes(), (std::vector<int64_t>{2}));
  // image 0: ‖[2,0]−[1,0]‖²/1 + 0 = 1; image 1: 0 + ‖[0,−1]−[0,1]‖²/1 = 4.
  EXPECT_NEAR(d[0].item<double>(), 1.0, 1e-6);
  EXPECT_NEAR(d[1].item<double>(), 4.0, 1e-6);
  d.sum().backward();
  // ∂/∂s = 2(s − t)/‖t‖²: only the entries that differ get a gradient.
  EXPECT_NEAR(s1.grad()[0][0].item<double>(), 2.0, 1e-6);
  EXPECT_NEAR(s2.grad()[1][0][1].item<double>(), -4.0, 1e-6);
  EXPECT_EQ(s1.grad()[1][0].item<double>(), 0.0);
  EXPECT_NEAR(output_map_distance({t1, t2}, {t1, t2}).abs().sum().item<double>(), 0.0, 1e-12);
}

}  // namespace
}  // namespace pk
