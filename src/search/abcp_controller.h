// ABCP's controller (algorithms.md §1): a one-layer LSTM that walks the decisions of a
// SearchSpace in order. Input at each step: an embedding of the previous action concatenated
// with the current decision's descriptor. Heads: block bit = 2-way softmax with logits
// c·tanh(W h + b) (ENAS; b starts at the initial keep probability); ratio = Beta(α, β) on [0, max_ratio] with α, β = 1 + softplus(W h), so no
// clipping biases the gradient. A removed block skips the decisions it owns (joint sampling).
#pragma once

#include <torch/torch.h>

#include "search/abcp_options.h"
#include "search/search_space.h"

namespace pk {

/// Result of walking the decisions once.
struct Rollout {
  Action action;
  torch::Tensor log_prob;  // scalar: Σ log π over the decisions actually taken
  torch::Tensor entropy;   // scalar: Σ entropy of those decisions' distributions
};

class AbcpControllerImpl : public torch::nn::Module {
 public:
  AbcpControllerImpl(int feature_size, AbcpControllerOptions options);

  /// Samples an action with `generator` (no gradient needed by the caller).
  Rollout sample(const SearchSpace& space, at::Generator& generator);
  /// Log-probability and entropy of a stored action (teacher forcing), with gradients.
  Rollout evaluate(const SearchSpace& space, const Action& action);

 private:
  Rollout walk(const SearchSpace& space, const Action* given, at::Generator* generator);

  AbcpControllerOptions options_;
  torch::nn::LSTMCell lstm_{nullptr};
  torch::Tensor start_;  // [1, embedding]: the "previous action" of the first step
  torch::nn::Embedding bit_embedding_{nullptr};
  torch::nn::Linear ratio_embedding_{nullptr};
  torch::nn::Linear bit_head_{nullptr};
  torch::nn::Linear ratio_head_{nullptr};
};
TORCH_MODULE(AbcpController);

}  // namespace pk
