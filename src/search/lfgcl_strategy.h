// LFGCL (algorithms.md §2): one DDPG step decides every decision of the search space at once.
// The state is the architecture representation — the decisions' feature rows (search_builder.h:
// kind, in/out channels, kernel, stride, spatial size, MACs and params shares, coupled layers,
// position), each passed through one shared MLP (features → 64 → 32, ReLU) and pooled by mean
// and max into 64 numbers. The encoder keeps its seeded initial weights: within a search the
// network, hence the state, never changes, so training it could not help the agent. Episodes
// are one step long (terminal), so the critic regresses the reward of the action.
// What the agent stores and learns from is ScoredAction::evaluated — the budget-projected
// action (ddpg_strategy.h maps it back to agent values).
#pragma once

#include "search/ddpg_strategy.h"

namespace pk {

struct LfgclOptions {
  DdpgOptions ddpg;
  ExplorationOptions exploration;
  int updates_per_candidate = 32;  // DDPG minibatch updates after each told candidate (past warm-up)
};

class LfgclStrategy : public DdpgStrategy {
 public:
  LfgclStrategy(SearchSpace space, LfgclOptions options);
  std::string name() const override { return "lfgcl"; }
  std::vector<Action> ask(int n) override;
  void tell(const std::vector<ScoredAction>& scored) override;

  const std::vector<double>& state() const { return state_; }
  /// The actor's action without noise, as a search Action.
  Action greedy_action();

 private:
  Action to_action(const std::vector<double>& u) const;

  LfgclOptions options_;
  std::vector<double> state_;
  std::vector<std::vector<double>> asked_;  // agent values of the last ask, per candidate
};

/// Pooled architecture representation of `space` (mean and max of the encoded rows).
std::vector<double> architecture_state(const SearchSpace& space, uint64_t seed);

struct StrategyInfo;
StrategyInfo lfgcl_strategy_info();

}  // namespace pk
