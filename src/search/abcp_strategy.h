// ABCP (algorithms.md §1): the LSTM controller trained with REINFORCE on stored actions.
// Each tell() is one update over the candidates of the last ask(): advantage R − b with an
// exponential-moving-average baseline b, loss = −mean(A·log π) − entropy_bonus·mean(H),
// Adam (β1 = 0). log π is recomputed on exactly the actions that were evaluated.
#pragma once

#include <optional>

#include "search/abcp_controller.h"
#include "search/strategy.h"

namespace pk {

struct AbcpOptions {
  AbcpControllerOptions controller;
  double learning_rate = 1e-3;
  double baseline_decay = 0.95;
  double entropy_bonus = 1e-4;
  uint64_t seed = 0;
};

class AbcpStrategy : public SearchStrategy {
 public:
  AbcpStrategy(SearchSpace space, AbcpOptions options);
  std::string name() const override { return "abcp"; }
  std::vector<Action> ask(int n) override;
  void tell(const std::vector<ScoredAction>& scored) override;
  void save(std::ostream& out) const override;
  void load(std::istream& in) override;

  /// log π(action) under the current controller (for tests and diagnostics).
  double log_prob(const Action& action);
  double baseline() const { return baseline_.value_or(0.0); }

 private:
  SearchSpace space_;
  AbcpOptions options_;
  AbcpController controller_;
  std::unique_ptr<torch::optim::Adam> optimizer_;
  at::Generator generator_;
  std::optional<double> baseline_;
};

}  // namespace pk
