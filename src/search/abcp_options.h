// Settings of ABCP (algorithms.md §1): the LSTM controller and its REINFORCE update. Torch-free,
// so option structs and the strategy registry can carry them.
#pragma once

#include <cstdint>

namespace pk {

struct AbcpControllerOptions {
  int hidden = 64;
  int embedding = 32;
  double logit_scale = 1.5;          // c in the block-bit logits c·tanh(W h + b)
  double initial_keep_probability = 0.8;  // P(keep) of every block bit before any update (through
                                          // the head's bias); < 1 / (1 + e^(−2c))
};

struct AbcpOptions {
  AbcpControllerOptions controller;
  /// Adam learning rate; 0 = automatic: min(0.01, lr_budget / planned_updates). Adam moves each
  /// weight by about lr per update, so tying the rate to the number of updates gives every search
  /// about the same total movement. Measured on ResNet-20 (bench/search_settings.sh, 50 updates,
  /// 2 seeds): 2e-3 raised the mean search accuracy of the samples from 25% (first quarter) to
  /// 32%; 0.02 did not learn on average (27% → 24%, ± 8: noisy 4-sample gradients, big steps).
  double learning_rate = 0;
  double lr_budget = 0.15;   // total movement per weight of the automatic rate
  int planned_updates = 75;  // tells the search will make (episodes / samples per update)
  double baseline_decay = 0.95;
  double entropy_bonus = 1e-4;
  /// Divide each batch's advantages R − b by their root mean square, so the step size does not
  /// depend on the reward's scale or on how far the baseline lags.
  bool standardize_advantages = true;
  uint64_t seed = 0;

  /// The rate Adam is given: learning_rate, or the automatic rate if it is 0.
  double effective_learning_rate() const;
};

}  // namespace pk
