#include "train/optimizer.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace pk {

void validate(const OptimizerOptions& o) {
  PK_CHECK(o.type == "sgd" || o.type == "adam", "optimizer '{}' is unknown; known: sgd, adam", o.type);
  PK_CHECK(o.lr > 0 && std::isfinite(o.lr), "learning rate {} must be > 0", o.lr);
  PK_CHECK(o.momentum >= 0 && o.momentum < 1, "momentum {} must be in [0, 1)", o.momentum);
  PK_CHECK(o.weight_decay >= 0, "weight decay {} must be ≥ 0", o.weight_decay);
  PK_CHECK(o.warmup_epochs >= 0, "warm-up epochs {} must be ≥ 0", o.warmup_epochs);
  PK_CHECK(o.min_lr >= 0 && o.min_lr <= o.lr, "min lr {} must be in [0, lr={}]", o.min_lr, o.lr);
  PK_CHECK(!(o.nesterov && o.type == "sgd" && o.momentum == 0), "Nesterov momentum needs momentum > 0");
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const std::vector<torch::Tensor>& params,
                                                        const OptimizerOptions& o) {
  validate(o);
  if (o.type == "adam") {
    return std::make_unique<torch::optim::Adam>(params, torch::optim::AdamOptions(o.lr).weight_decay(o.weight_decay));
  }
  return std::make_unique<torch::optim::SGD>(
      params, torch::optim::SGDOptions(o.lr).momentum(o.momentum).nesterov(o.nesterov).weight_decay(o.weight_decay));
}

int64_t warmup_steps(const OptimizerOptions& o, int64_t steps_per_epoch, int64_t total_steps) {
  PK_ASSERT(steps_per_epoch >= 0 && total_steps >= 0, "negative step counts {} / {}", steps_per_epoch, total_steps);
  const auto configured = static_cast<int64_t>(o.warmup_epochs * steps_per_epoch);
  return std::min(configured, total_steps * kMaxWarmupPercent / 100);
}

double scheduled_lr(const OptimizerOptions& o, int64_t step, int64_t total_steps, int64_t warmup_steps) {
  if (warmup_steps > 0 && step < warmup_steps) return o.lr * static_cast<double>(step + 1) / warmup_steps;
  const int64_t decay_steps = std::max<int64_t>(1, total_steps - warmup_steps);
  const double t = std::min(1.0, static_cast<double>(step - warmup_steps) / decay_steps);
  return o.min_lr + 0.5 * (o.lr - o.min_lr) * (1.0 + std::cos(M_PI * t));
}

void set_lr(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
}

}  // namespace pk
