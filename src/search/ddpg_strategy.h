// What LFGCL and AMC share (algorithms.md §2): a DdpgAgent whose actions u ∈ [0, 1] become search
// decisions, the episode count and exploration schedule, and the saved state. The two differ in
// what one agent step decides: all decisions at once (LFGCL) or one decision (AMC).
//
// One agent value u per decision:
//   ratio      prune ratio = max_ratio·(1 − u)  (u is the keep share: u = 0 keeps 1 − max_ratio)
//   block bit  u < 0.5 removes the block
//   category   choice ⌊u·n⌋ of n (clamped)
// and back, for what was evaluated (agent_value): a projected ratio r gives u = 1 − r/max_ratio;
// a block bit or category the projection did not change keeps the sampled u, a changed bit
// becomes 0 (removed) or 1 (kept); a skipped decision keeps the sampled u.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>

#include "search/ddpg_agent.h"
#include "search/strategy.h"

namespace pk {

struct StrategyOption;

/// The search decision of agent value `u` (in [0, 1]) for `d`.
double decision_value(const Decision& d, double u, double max_ratio);
/// The agent value of what was evaluated for `d` (see above); `sampled_u` is what the agent asked.
double agent_value(const Decision& d, double evaluated, double sampled_u, double max_ratio);

class DdpgStrategy : public SearchStrategy {
 public:
  void save(std::ostream& out) const override;
  void load(std::istream& in) override;

  const DdpgAgent& agent() const { return *agent_; }
  DdpgAgent& agent() { return *agent_; }
  int episodes_told() const { return told_; }

 protected:
  DdpgStrategy(SearchSpace space, int state_size, int action_size, DdpgOptions ddpg, ExplorationOptions exploration);

  /// The agent's action for `state` in episode `episode` (0-based): uniform during the warm-up,
  /// then the actor's with truncated-normal noise.
  std::vector<double> agent_action(const std::vector<double>& state, int episode);
  /// `steps` observed transitions' worth of updates (none during the warm-up).
  void learn(int steps, int updates_per_step);

  SearchSpace space_;
  ExplorationOptions exploration_;
  int told_ = 0;  // candidates told so far (= episodes finished)

 private:
  std::unique_ptr<DdpgAgent> agent_;
};

/// The options LFGCL and AMC share (registry entries) and their conversion.
std::vector<StrategyOption> ddpg_strategy_options();
DdpgOptions ddpg_options_from(const nlohmann::json& resolved, uint64_t seed);
/// warm-up = warmup_fraction · planned episodes, rounded.
ExplorationOptions exploration_options_from(const nlohmann::json& resolved, int planned_episodes);

}  // namespace pk
