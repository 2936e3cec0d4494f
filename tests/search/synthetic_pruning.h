// A cheap pruning problem on a real ActionSpace, shared by the strategy tests and
// bench/abcp_synthetic.cpp. Torch-free.
#pragma once

#include <numeric>
#include <random>
#include <vector>

#include "analysis/channel_analysis.h"
#include "plan/action_space.h"
#include "search/cost_oracle.h"
#include "search/search_builder.h"
#include "search/search_test_nets.h"
#include "search/strategy.h"

namespace pk::test {

// A pruning problem on a real ActionSpace (ResNet-20 layout, 50% MACs budget, the method's own
// projection): each group has a hidden sensitivity, and the reward is minus the
// sensitivity-weighted ratios actually evaluated (what a recalibrated accuracy looks like:
// early layers hurt when pruned, late ones barely), minus a cost for every removed block (all
// but the last two hurt), plus evaluation noise. The optimum prunes the late groups, removes at
// most the last blocks and keeps the others.
class SyntheticPruning {
 public:
  SyntheticPruning()
      : graph_(test::resnet20_like()), analysis_(analyze_channels(graph_)),
        space_(graph_, analysis_, [] {
          ActionSpaceOptions o;
          o.max_ratio = 0.9;
          return o;
        }()),
        mapping_(build_search_space(graph_, analysis_, space_)), oracle_(space_, mapping_) {
    // Early (high-resolution) layers are sensitive, late wide ones are not — as in trained CNNs.
    for (const auto& g : space_.groups()) sensitivity_.push_back(g.node < graph_.size() / 3 ? 1.0 : g.node < 2 * graph_.size() / 3 ? 0.4 : 0.1);
  }
  const SearchSpace& space() const { return mapping_.space; }
  const CostOracle& oracle() const { return oracle_; }

  /// Runs `candidates` through ask → decode (projected) → reward → tell; returns the rewards.
  std::vector<double> run(SearchStrategy& s, bool fill, int candidates, int per_update = 4) const {
    Budget budget{BudgetMetric::kMacs, 0.5, true, fill};
    std::mt19937 noise_rng(17);
    std::normal_distribution<double> noise(0.0, noise_);
    std::vector<double> rewards;
    while (static_cast<int>(rewards.size()) < candidates) {
      std::vector<ScoredAction> scored;
      for (const Action& a : s.ask(per_update)) {
        const DecodedAction d = space_.decode(to_prune_action(mapping_, a), budget);
        scored.push_back({a, from_decoded(mapping_, d, a), reward(d) + noise(noise_rng)});
        rewards.push_back(scored.back().reward);
      }
      s.tell(scored);
    }
    return rewards;
  }

 private:
  double reward(const DecodedAction& d) const {
    double r = 0;
    for (int g = 0; g < space_.num_groups(); ++g)
      if (d.active[g]) r -= sensitivity_[g] * d.ratios[g];
    for (int b = 0; b < space_.num_blocks(); ++b)
      if (d.removed[b]) r -= b + 2 < space_.num_blocks() ? 0.4 : 0.02;
    return r;
  }

  Graph graph_;
  ChannelAnalysis analysis_;
  ActionSpace space_;
  SearchMapping mapping_;
  CostOracle oracle_;
  std::vector<double> sensitivity_;
  double noise_ = 0.05;  // evaluation noise (a search split of ~1000 images)
};

inline double mean(const std::vector<double>& v, size_t from, size_t to) {
  return std::accumulate(v.begin() + from, v.begin() + to, 0.0) / (to - from);
}

}  // namespace pk::test
