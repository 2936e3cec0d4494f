// The group-count local search: budget never exceeded, stops only when no move fits, follows its
// rule at every step, and is optimal where greedy provably is.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "core/error.h"
#include "search/group_count_search.h"

namespace pk {
namespace {

/// Layers with candidates {1, 2, 4, ..., up to 2^k} and costs increasing with G.
std::vector<GroupCountChoice> random_layers(int n, std::mt19937& rng) {
  std::vector<GroupCountChoice> layers;
  for (int l = 0; l < n; ++l) {
    GroupCountChoice c;
    c.conv = "conv" + std::to_string(l);
    const int levels = 2 + static_cast<int>(rng() % 4);
    double cost = 0;
    for (int k = 0; k < levels; ++k) {
      c.groups.push_back(1 << k);
      c.cost.push_back(cost);
      cost += std::uniform_real_distribution<double>(0.01, 0.2)(rng);
    }
    c.dense_resource = static_cast<int64_t>(1 + rng() % 50) * 64 * 9;
    layers.push_back(c);
  }
  return layers;
}

size_t index_of(const GroupCountChoice& c, int groups) {
  return std::find(c.groups.begin(), c.groups.end(), groups) - c.groups.begin();
}

/// True if some layer can still move to its next smaller G within the budget.
bool a_move_fits(const std::vector<GroupCountChoice>& layers, const std::vector<int>& groups, int64_t resource,
                 int64_t budget) {
  for (size_t l = 0; l < layers.size(); ++l) {
    const size_t k = index_of(layers[l], groups[l]);
    if (k > 0 && resource + layers[l].dense_resource / layers[l].groups[k - 1] -
                         layers[l].dense_resource / layers[l].groups[k] <= budget)
      return true;
  }
  return false;
}

TEST(GroupCountSearch, NeverExceedsTheBudgetAndStopsOnlyWhenNoMoveFits) {
  std::mt19937 rng(1);
  for (int trial = 0; trial < 200; ++trial) {
    const auto layers = random_layers(1 + static_cast<int>(rng() % 6), rng);
    const int64_t fixed = 1000;
    std::vector<int> largest, dense(layers.size(), 1);
    for (const auto& l : layers) largest.push_back(l.groups.back());
    const int64_t lo = configuration_resource(layers, fixed, largest), hi = configuration_resource(layers, fixed, dense);
    const int64_t budget = lo + static_cast<int64_t>(rng() % (hi - lo + 1));
    for (GroupCountRule rule : {GroupCountRule::kCostPerResource, GroupCountRule::kMaxCost}) {
      const GroupCountResult r = search_group_counts(layers, fixed, budget, rule);
      EXPECT_LE(r.resource, budget);
      EXPECT_EQ(r.resource, configuration_resource(layers, fixed, r.groups));
      EXPECT_FALSE(a_move_fits(layers, r.groups, r.resource, budget)) << "stopped early, trial " << trial;
      double cost = 0;
      for (size_t l = 0; l < layers.size(); ++l) cost += layers[l].cost[index_of(layers[l], r.groups[l])];
      EXPECT_NEAR(r.total_cost, cost, 1e-12);
      for (const GroupCountStep& s : r.steps) EXPECT_LE(s.resource, budget);
    }
  }
}

/// Replays the steps and checks each one is the rule's choice among the moves that fit.
void expect_rule_followed(const std::vector<GroupCountChoice>& layers, int64_t fixed, int64_t budget,
                          GroupCountRule rule) {
  const GroupCountResult r = search_group_counts(layers, fixed, budget, rule);
  std::vector<int> groups;
  for (const auto& l : layers) groups.push_back(l.groups.back());
  int64_t resource = configuration_resource(layers, fixed, groups);
  for (const GroupCountStep& s : r.steps) {
    double best = -1;
    for (size_t l = 0; l < layers.size(); ++l) {
      const size_t k = index_of(layers[l], groups[l]);
      if (k == 0) continue;
      const int64_t added = layers[l].dense_resource / layers[l].groups[k - 1] - layers[l].dense_resource / layers[l].groups[k];
      if (resource + added > budget) continue;
      const double score = rule == GroupCountRule::kMaxCost ? layers[l].cost[k]
                                                            : (layers[l].cost[k] - layers[l].cost[k - 1]) / added;
      best = std::max(best, score);
    }
    const auto& moved = layers[s.layer];
    const size_t k = index_of(moved, groups[s.layer]);
    const int64_t added = moved.dense_resource / moved.groups[k - 1] - moved.dense_resource / moved.groups[k];
    const double score = rule == GroupCountRule::kMaxCost ? moved.cost[k] : (moved.cost[k] - moved.cost[k - 1]) / added;
    EXPECT_DOUBLE_EQ(score, best) << group_count_rule_name(rule);
    groups[s.layer] = s.to_groups;
    resource += added;
    EXPECT_EQ(resource, s.resource);
  }
}

TEST(GroupCountSearch, EveryStepIsTheRulesBestMove) {
  std::mt19937 rng(2);
  for (int trial = 0; trial < 50; ++trial) {
    const auto layers = random_layers(5, rng);
    std::vector<int> largest;
    for (const auto& l : layers) largest.push_back(l.groups.back());
    const int64_t budget = configuration_resource(layers, 0, largest) * 3;
    expect_rule_followed(layers, 0, budget, GroupCountRule::kCostPerResource);
    expect_rule_followed(layers, 0, budget, GroupCountRule::kMaxCost);
  }
}

TEST(GroupCountSearch, EqualsBruteForceWhereGreedyIsOptimal) {
  // Equal layers with candidates {1, 4}: every move adds the same resource, so the optimum under
  // a budget of m moves is to make dense the m layers with the largest costs — greedy's choice.
  std::mt19937 rng(3);
  for (int trial = 0; trial < 30; ++trial) {
    const int n = 6;
    std::vector<GroupCountChoice> layers;
    for (int l = 0; l < n; ++l)
      layers.push_back({"c" + std::to_string(l), {1, 4}, {0, std::uniform_real_distribution<double>(0, 1)(rng)}, 400});
    const int64_t budget = n * 100 + static_cast<int64_t>(rng() % (n * 300 + 1));
    const GroupCountResult r = search_group_counts(layers, 0, budget, GroupCountRule::kCostPerResource);
    double best = 1e9;
    for (int mask = 0; mask < (1 << n); ++mask) {
      std::vector<int> groups;
      double cost = 0;
      for (int l = 0; l < n; ++l) {
        groups.push_back(mask >> l & 1 ? 1 : 4);
        cost += mask >> l & 1 ? 0 : layers[l].cost[1];
      }
      if (configuration_resource(layers, 0, groups) <= budget) best = std::min(best, cost);
    }
    EXPECT_NEAR(r.total_cost, best, 1e-12) << "trial " << trial;
  }
}

TEST(GroupCountSearch, GenerousBudgetKeepsEveryConvDense) {
  std::mt19937 rng(4);
  const auto layers = random_layers(4, rng);
  const GroupCountResult r =
      search_group_counts(layers, 10, configuration_resource(layers, 10, std::vector<int>(4, 1)), GroupCountRule::kCostPerResource);
  EXPECT_EQ(r.groups, std::vector<int>(4, 1));
  EXPECT_EQ(r.total_cost, 0);
}

TEST(GroupCountSearch, UnreachableBudgetIsAUserError) {
  std::mt19937 rng(5);
  const auto layers = random_layers(3, rng);
  std::vector<int> largest;
  for (const auto& l : layers) largest.push_back(l.groups.back());
  const int64_t lo = configuration_resource(layers, 10, largest);
  EXPECT_THROW(search_group_counts(layers, 10, lo - 1, GroupCountRule::kCostPerResource), UserError);
  EXPECT_NO_THROW(search_group_counts(layers, 10, lo, GroupCountRule::kCostPerResource));
  EXPECT_THROW(group_count_rule_from_name("fast"), UserError);
  EXPECT_EQ(group_count_rule_from_name("max_cost"), GroupCountRule::kMaxCost);
}

}  // namespace
}  // namespace pk
