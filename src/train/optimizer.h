// Optimizers and the learning-rate schedule of the training and fine-tuning loops.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

namespace pk {

struct OptimizerOptions {
  std::string type = "sgd";    // sgd | adam
  double lr = 0.1;             // peak learning rate (after warm-up)
  double momentum = 0.9;       // sgd only
  bool nesterov = true;        // sgd only
  double weight_decay = 5e-4;  // L2 on every trainable tensor
  double warmup_epochs = 1.0;  // linear warm-up from 0 to lr (at most kMaxWarmupPercent of the run)
  double min_lr = 0.0;         // cosine decays to this at the last step
};

/// UserError for an unknown type or out-of-range values.
void validate(const OptimizerOptions& options);

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const std::vector<torch::Tensor>& params,
                                                        const OptimizerOptions& options);

/// The warm-up takes at most this share (in %) of a run's iterations, so a short run still decays.
inline constexpr int64_t kMaxWarmupPercent = 10;

/// Warm-up iterations of a run of `total_steps` with `steps_per_epoch` per epoch:
/// warmup_epochs · steps_per_epoch, capped at kMaxWarmupPercent % of total_steps (both rounded
/// down). A run whose configured warm-up fits keeps it unchanged.
int64_t warmup_steps(const OptimizerOptions& options, int64_t steps_per_epoch, int64_t total_steps);

/// Learning rate at `step` (0-based) of `total_steps`: linear warm-up over `warmup_steps`,
/// then cosine from lr to min_lr.
double scheduled_lr(const OptimizerOptions& options, int64_t step, int64_t total_steps, int64_t warmup_steps);

/// Sets the learning rate of every parameter group.
void set_lr(torch::optim::Optimizer& optimizer, double lr);

}  // namespace pk
