// ABCP (algorithms.md §1): the LSTM controller trained with REINFORCE on the actions it sampled.
// Each tell() is one update over the candidates of the last ask(): advantages A = R − b with an
// exponential-moving-average baseline b (optionally divided by their root mean square),
// loss = −mean(A·log π(sampled)) − entropy_bonus·mean(H), Adam (β1 = 0). log π is computed on
// ScoredAction::sampled — the budget projection is part of the environment, and crediting
// the projected action would make the update off-policy.
#pragma once

#include <optional>

#include "search/abcp_controller.h"
#include "search/abcp_options.h"
#include "search/strategy.h"

namespace pk {

class AbcpStrategy : public SearchStrategy {
 public:
  /// UserError for bad options or a space with categorical decisions (ABCP samples bits and ratios).
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

/// The registry entry of `abcp` (strategy_registry.h).
struct StrategyInfo;
StrategyInfo abcp_strategy_info();

}  // namespace pk
