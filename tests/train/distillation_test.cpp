#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/error.h"
#include "train/distillation.h"

namespace pk {
namespace {

TEST(Distillation, ZeroWhenStudentEqualsTeacherAndLabelFree) {
  torch::manual_seed(0);
  auto logits = torch::randn({6, 5});
  auto labels = torch::randint(0, 5, {6}, torch::kLong);
  DistillationOptions o;
  o.alpha = 1.0;
  EXPECT_NEAR(distillation_loss(logits, logits, labels, o).item<double>(), 0.0, 1e-6);
  // alpha = 1 reads no label: scrambled labels give the identical loss.
  auto student = torch::randn({6, 5});
  auto scrambled = (labels + 1) % 5;
  EXPECT_EQ(distillation_loss(student, logits, labels, o).item<double>(),
            distillation_loss(student, logits, scrambled, o).item<double>());
}

TEST(Distillation, MixesCrossEntropyAndMovesStudentTowardTeacher) {
  torch::manual_seed(1);
  auto teacher = torch::randn({4, 3}) * 3;
  auto student = torch::zeros({4, 3}, torch::requires_grad());
  auto labels = torch::tensor({0, 1, 2, 0}, torch::kLong);
  DistillationOptions o;
  o.alpha = 0.0;
  EXPECT_NEAR(distillation_loss(student, teacher, labels, o).item<double>(),
              torch::nn::functional::cross_entropy(student, labels).item<double>(), 1e-6);
  o.alpha = 1.0;
  o.temperature = 2.0;
  auto loss = distillation_loss(student, teacher, labels, o);
  loss.backward();
  // One gradient step reduces the divergence.
  auto stepped = (student - 0.5 * student.grad()).detach();
  EXPECT_LT(distillation_loss(stepped, teacher, labels, o).item<double>(), loss.item<double>());
}

TEST(Distillation, RejectsBadOptionsAndShapes) {
  auto a = torch::zeros({2, 3});
  auto labels = torch::zeros({2}, torch::kLong);
  DistillationOptions o;
  o.temperature = 0;
  EXPECT_THROW(distillation_loss(a, a, labels, o), UserError);
  EXPECT_THROW(distillation_loss(a, torch::zeros({2, 4}), labels, DistillationOptions{}), UserError);
}

}  // namespace
}  // namespace pk
