// AMC (He et al. 2018; algorithms.md §2), the baseline LFGCL improves on, on the same DDPG agent:
// one agent step per decision, in the search space's (topological) order. A decision inside a
// removed block is skipped, and takes no step.
//   state of step t  the decision's feature row (search_builder.h), then
//                    reduced  share of the budget metric the decisions before t removed
//                    rest     share the decisions from t on can still remove (at max_ratio)
//                    previous the agent value of step t − 1 (0 at t = 0)
//   action wall      each ratio is raised to the least that keeps the budget reachable if every
//                    later ratio were max_ratio (and later blocks kept); a kept block whose
//                    keeping makes it unreachable is removed. So every candidate meets the
//                    budget before any projection, as far as max_ratio allows.
// Every transition of a candidate gets its final reward and is terminal: with no intermediate
// reward and γ = 1 the return of each step is that reward, so the critic regresses it.
// The transitions are rebuilt from ScoredAction::evaluated (projected, effective) values.
#pragma once

#include "plan/action_space.h"
#include "search/ddpg_strategy.h"

namespace pk {

class CostOracle;

struct AmcOptions {
  DdpgOptions ddpg;
  ExplorationOptions exploration;
  int updates_per_step = 1;  // DDPG minibatch updates per transition (past warm-up), as in AMC
  /// The budget the wall keeps reachable; metric kNone = no wall. MACs or params only.
  Budget budget;
};

class AmcStrategy : public DdpgStrategy {
 public:
  static constexpr int kExtraState = 3;  // reduced, rest, previous

  /// `cost` may be null only when the budget metric is kNone; it must outlive the strategy.
  AmcStrategy(SearchSpace space, const CostOracle* cost, AmcOptions options);
  std::string name() const override { return "amc"; }
  std::vector<Action> ask(int n) override;
  void tell(const std::vector<ScoredAction>& scored) override;

  /// The least ratio decision `i` may take after the partial action `prefix` (decisions ≥ i
  /// undecided) so that the budget stays reachable; 0 without a budget, max_ratio if even that
  /// does not reach it.
  double wall(const Action& prefix, int i) const;
  /// The state of step `i` after the partial action `prefix`, `previous` the last agent value.
  std::vector<double> step_state(const Action& prefix, int i, double previous) const;

 private:
  double metric_of(const Action& partial, double undecided_ratio) const;
  bool reachable(const Action& partial) const;
  double original_metric() const;

  const CostOracle* cost_;
  AmcOptions options_;
  double target_ = 0;  // absolute budget of the metric per sample (0 = no wall)
  std::vector<std::vector<double>> asked_;  // agent values per step of the last ask's candidates
};

struct StrategyInfo;
StrategyInfo amc_strategy_info();

}  // namespace pk
