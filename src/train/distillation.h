// Knowledge distillation from a teacher network (Hinton et al. 2015).
#pragma once

#include <torch/torch.h>

namespace pk {

struct DistillationOptions {
  double alpha = 0.9;        // weight of the distillation term; 1 = label-free (labels unused)
  double temperature = 4.0;  // softens both distributions
};

/// alpha · T² · KL(softmax(teacher/T) ‖ softmax(student/T)) + (1 − alpha) · cross_entropy(student, labels).
/// student_logits, teacher_logits: float [B, K]; labels: int64 [B] (ignored when alpha == 1).
/// Returns a scalar (mean over the batch).
torch::Tensor distillation_loss(const torch::Tensor& student_logits, const torch::Tensor& teacher_logits,
                                const torch::Tensor& labels, const DistillationOptions& options);

}  // namespace pk
