// The `random` baseline: independent uniform samples. Block bits are removed with probability
// `remove_probability`; ratios are uniform in [0, max_ratio]; categorical choices uniform. Meeting the budget is the
// ActionSpace's projection, applied by the driver as for every strategy.
#pragma once

#include <random>

#include "search/strategy.h"

namespace pk {

struct RandomStrategyOptions {
  double remove_probability = 0.5;
  uint64_t seed = 0;
};

class RandomStrategy : public SearchStrategy {
 public:
  RandomStrategy(SearchSpace space, RandomStrategyOptions options);
  std::string name() const override { return "random"; }
  std::vector<Action> ask(int n) override;
  void tell(const std::vector<ScoredAction>&) override {}
  void save(std::ostream& out) const override;
  void load(std::istream& in) override;

 private:
  SearchSpace space_;
  RandomStrategyOptions options_;
  std::mt19937_64 rng_;
};

/// The registry entry of `random` (strategy_registry.h).
struct StrategyInfo;
StrategyInfo random_strategy_info();

}  // namespace pk
