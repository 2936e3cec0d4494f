// Helpers for the plan tests: random valid plans and resolution with random scores.
#pragma once

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "analysis/channel_analysis.h"
#include "plan/prune_plan.h"
#include "plan/resolve_counts.h"

namespace pk::test {

/// A random valid plan: each prunable group pruned with probability 0.7 to a uniform count in
/// 1..size (a uniform multiple of its blocks for groups in blocks: grouped convs), each removable block drawn with probability 0.3. A drawn block nested in another
/// drawn block (its Add lies in the other's branch) goes with the outer one and is not listed,
/// as validate_plan requires.
inline PrunePlan random_plan(const ChannelAnalysis& a, std::mt19937& rng) {
  PrunePlan plan;
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (int g : a.prunable_groups()) {
    if (u(rng) >= 0.7) continue;
    const int blocks = a.group(g).blocks;  // grouped convs: a multiple of the blocks
    std::uniform_int_distribution<int> count(1, a.group(g).size / blocks);
    plan.keep_count(a.group(g).name, blocks * count(rng));
  }
  std::vector<int> drawn;
  for (int b : a.removable_blocks())
    if (u(rng) < 0.3) drawn.push_back(b);
  const auto inside = [&](int b, int outer) {
    const auto& branch = a.blocks()[outer].branch;
    return std::find(branch.begin(), branch.end(), a.blocks()[b].add) != branch.end();
  };
  for (int b : drawn)
    if (std::none_of(drawn.begin(), drawn.end(), [&](int o) { return o != b && inside(b, o); }))
      plan.removed_blocks.push_back(a.node_name(a.blocks()[b].add));
  return plan;
}

/// Random importance scores for every group of the plan.
inline GroupScores random_scores(const ChannelAnalysis& a, const PrunePlan& plan, std::mt19937& rng) {
  GroupScores scores;
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  for (const auto& [name, keep] : plan.groups) {
    auto& s = scores[name];
    for (int i = 0; i < a.group(name).size; ++i) s.push_back(u(rng));
  }
  return scores;
}

}  // namespace pk::test
