// SearchStrategy: ask for candidates, tell their rewards. Strategies do no I/O and no
// evaluation; the driver loop does both. A strategy's whole state (including its random
// generator) is saved and restored through save/load, so a resumed search continues exactly.
// Strategies are made by name through the registry (strategy_registry.h).
#pragma once

#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "plan/action_space.h"
#include "search/search_space.h"

namespace pk {

class CostOracle;

/// What a strategy is built from (besides its own options).
struct StrategyContext {
  SearchSpace space;
  /// MACs/params of (partial) actions, e.g. for AMC's action wall; null when a test builds a
  /// strategy without a network. Outlives the strategy.
  const CostOracle* cost = nullptr;
  uint64_t seed = 0;
  int planned_updates = 75;    // tells the search will make (episodes / samples per update)
  int planned_episodes = 300;  // candidates the search will evaluate
  /// The search's budget as the ActionSpace sees it (metric kNone: no budget, or a latency
  /// budget, which is only known in MACs once the search has measured candidates).
  Budget budget;
};

class SearchStrategy {
 public:
  virtual ~SearchStrategy() = default;
  virtual std::string name() const = 0;
  /// `n` new candidates. Every ask is followed by exactly one tell of the same candidates.
  virtual std::vector<Action> ask(int n) = 0;
  /// The candidates of the last ask, in the same order, with what was evaluated and the reward
  /// (higher is better); see ScoredAction for which action a learner should use.
  virtual void tell(const std::vector<ScoredAction>& scored) = 0;
  /// Complete state (parameters, optimizer, baseline, random generator), binary.
  virtual void save(std::ostream& out) const = 0;
  /// UserError if `in` is not a state this strategy saved.
  virtual void load(std::istream& in) = 0;
};

}  // namespace pk
