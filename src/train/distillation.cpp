#include "train/distillation.h"

#include "core/error.h"

namespace pk {

torch::Tensor distillation_loss(const torch::Tensor& student_logits, const torch::Tensor& teacher_logits,
                                const torch::Tensor& labels, const DistillationOptions& o) {
  PK_CHECK(o.alpha >= 0 && o.alpha <= 1, "distillation alpha {} must be in [0, 1]", o.alpha);
  PK_CHECK(o.temperature > 0, "distillation temperature {} must be > 0", o.temperature);
  PK_CHECK(student_logits.sizes() == teacher_logits.sizes(),
           "student and teacher produce outputs of different shapes; distillation needs the same classes");
  const double t = o.temperature;
  auto log_p_student = torch::log_softmax(student_logits / t, 1);
  auto log_p_teacher = torch::log_softmax(teacher_logits.detach() / t, 1);
  // KL(teacher ‖ student) = Σ p_t (log p_t − log p_s), averaged over the batch.
  auto kl = (log_p_teacher.exp() * (log_p_teacher - log_p_student)).sum(1).mean();
  auto loss = kl * (o.alpha * t * t);
  if (o.alpha < 1) loss = loss + (1 - o.alpha) * torch::nn::functional::cross_entropy(student_logits, labels);
  return loss;
}

}  // namespace pk
