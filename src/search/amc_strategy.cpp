#include "search/amc_strategy.h"

#include <cmath>

#include "core/error.h"
#include "search/cost_oracle.h"
#include "search/strategy_registry.h"

namespace pk {
namespace {

Action undecided(int size) { return Action{std::vector<double>(size, Action::kSkipped)}; }

bool owner_removed(const SearchSpace& space, const Action& a, int i) {
  const int owner = space.decisions[i].owner_block;
  return owner >= 0 && (a.skipped(owner) ? false : a.values[owner] == 1.0);
}

}  // namespace

AmcStrategy::AmcStrategy(SearchSpace space, const CostOracle* cost, AmcOptions options)
    : DdpgStrategy(space, space.feature_size() + kExtraState, 1, options.ddpg, options.exploration), cost_(cost),
      options_(options) {
  PK_CHECK(options_.updates_per_step >= 0, "--updates-per-step {} must be ≥ 0", options_.updates_per_step);
  const BudgetMetric m = options_.budget.metric;
  PK_CHECK(m == BudgetMetric::kNone || m == BudgetMetric::kMacs || m == BudgetMetric::kParams,
           "AMC's action wall needs a MACs or params budget");
  PK_CHECK(m == BudgetMetric::kNone || cost_ != nullptr, "AMC needs the cost oracle for its action wall");
  if (m != BudgetMetric::kNone)
    target_ = options_.budget.fraction ? options_.budget.target * original_metric() : options_.budget.target;
}

double AmcStrategy::original_metric() const {
  if (!cost_) return 1;
  const NodeCost c = cost_->original();
  return options_.budget.metric == BudgetMetric::kParams ? c.params : c.macs;
}

double AmcStrategy::metric_of(const Action& partial, double undecided_ratio) const {
  const NodeCost c = cost_->cost(partial, undecided_ratio);
  return options_.budget.metric == BudgetMetric::kParams ? c.params : c.macs;
}

bool AmcStrategy::reachable(const Action& partial) const {
  return metric_of(partial, space_.max_ratio) <= target_;
}

double AmcStrategy::wall(const Action& prefix, int i) const {
  if (target_ <= 0) return 0;
  Action a = prefix;
  a.values[i] = 0;
  if (reachable(a)) return 0;
  a.values[i] = space_.max_ratio;
  if (!reachable(a)) return space_.max_ratio;
  double lo = 0, hi = space_.max_ratio;  // unreachable at lo, reachable at hi
  for (int step = 0; step < 30; ++step) {
    const double mid = 0.5 * (lo + hi);
    a.values[i] = mid;
    (reachable(a) ? hi : lo) = mid;
  }
  return hi;
}

std::vector<double> AmcStrategy::step_state(const Action& prefix, int i, double previous) const {
  std::vector<double> s = space_.decisions[i].features;
  double reduced = 0, rest = 0;
  if (cost_) {
    const double original = original_metric();
    const double full = metric_of(prefix, 0.0);
    reduced = 1 - full / original;
    rest = (full - metric_of(prefix, space_.max_ratio)) / original;
  }
  s.push_back(reduced);
  s.push_back(rest);
  s.push_back(previous);
  return s;
}

std::vector<Action> AmcStrategy::ask(int n) {
  asked_.clear();
  std::vector<Action> actions;
  for (int k = 0; k < n; ++k) {
    Action a = undecided(space_.size());
    std::vector<double> u(space_.size(), Action::kSkipped);
    double previous = 0;
    for (int i = 0; i < space_.size(); ++i) {
      if (owner_removed(space_, a, i)) continue;  // stays skipped: no step
      const Decision& d = space_.decisions[i];
      u[i] = agent_action(step_state(a, i, previous), told_ + k)[0];
      double value = decision_value(d, u[i], space_.max_ratio);
      if (d.kind == DecisionKind::kRatio) {
        value = std::max(value, wall(a, i));
      } else if (d.kind == DecisionKind::kBlockBit && value == 0.0 && target_ > 0) {
        Action kept = a;
        kept.values[i] = 0.0;
        if (!reachable(kept)) value = 1.0;
      }
      a.values[i] = value;
      previous = u[i];
    }
    asked_.push_back(std::move(u));
    actions.push_back(std::move(a));
  }
  return actions;
}

void AmcStrategy::tell(const std::vector<ScoredAction>& scored) {
  PK_ASSERT(scored.size() == asked_.size(), "told {} candidates, asked {}", scored.size(), asked_.size());
  int steps = 0;
  for (size_t k = 0; k < scored.size(); ++k) {
    const Action& evaluated = scored[k].evaluated;
    Action prefix = undecided(space_.size());
    double previous = 0;
    for (int i = 0; i < space_.size(); ++i) {
      if (evaluated.skipped(i)) continue;
      const Decision& d = space_.decisions[i];
      const double sampled_u = asked_[k][i];
      const double u = agent_value(d, evaluated.values[i], std::isnan(sampled_u) ? 0.5 : sampled_u, space_.max_ratio);
      agent().observe({step_state(prefix, i, previous), {u}, scored[k].reward, {}, true});
      prefix.values[i] = evaluated.values[i];
      previous = u;
      ++steps;
    }
  }
  told_ += static_cast<int>(scored.size());
  learn(steps, options_.updates_per_step);
  asked_.clear();
}

StrategyInfo amc_strategy_info() {
  StrategyInfo info;
  info.name = "amc";
  info.summary = "AMC: a DDPG agent sets the ratios one group at a time under an action wall (the baseline of LFGCL)";
  info.default_fill = false;
  info.default_reward = RewardKind::kAccPenalty;
  info.default_episodes = 400;
  info.options = ddpg_strategy_options();
  info.options.push_back({"updates_per_step", "DDPG minibatch updates per step (decision) past the warm-up", 1});
  info.create = [](const StrategyContext& context, const nlohmann::json& o) -> std::unique_ptr<SearchStrategy> {
    AmcOptions a;
    a.ddpg = ddpg_options_from(o, context.seed);
    a.exploration = exploration_options_from(o, context.planned_episodes);
    a.updates_per_step = o.at("updates_per_step").get<int>();
    a.budget = context.budget;
    return std::make_unique<AmcStrategy>(context.space, context.cost, a);
  };
  return info;
}

}  // namespace pk
