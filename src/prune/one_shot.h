// One-shot pruning baselines (algorithms.md §4), all on the same engine and budget projection:
//   uniform  the same prune ratio for every prunable group, the largest one meeting the budget;
//            then the slack rounding leaves is topped up, one multiple at a time, least-kept first
//   global   one threshold on importance normalized per group (score / mean score of its group):
//            channels below it are pruned; the lowest threshold that meets the budget
//   random   random ratios per group, scaled onto the budget (ActionSpace projection)
// Channels inside groups are chosen by the importance criterion. No block is removed.
#pragma once

#include <string>

#include "analysis/channel_analysis.h"
#include "plan/action_space.h"
#include "plan/prune_plan.h"
#include "prune/criterion.h"
#include "weights/weight_store.h"

namespace pk {

struct OneShotOptions {
  std::string method = "uniform";  // uniform | global | random
  ImportanceOptions importance;    // which channels a group keeps
  Budget budget;                   // MACs or params target (required)
  ActionSpaceOptions space;        // round_to, min_channels, max_ratio, frozen groups
  uint64_t seed = 0;               // random only
};

struct OneShotResult {
  PrunePlan plan;       // resolved (explicit channel indices)
  NodeCost cost;        // of the pruned network, per sample
  bool budget_met = true;
};

std::vector<std::string> one_shot_methods();

/// UserError for an unknown method or a missing budget.
/// `gradients` (summed ∂L/∂w, train/gradients.h) is required for the taylor criterion only.
OneShotResult one_shot_plan(const Graph& graph, const WeightStore& weights, const ChannelAnalysis& analysis,
                            const OneShotOptions& options, const WeightStore* gradients = nullptr);

}  // namespace pk
