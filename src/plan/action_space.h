// ActionSpace: the only place that turns numbers into plans. A search strategy proposes a
// PruneAction (a prune ratio per prunable channel group, a bit per removable residual block; the
// search layer's own `Action` maps onto it); the ActionSpace decodes it into a PrunePlan that is valid by construction (validate_plan passes):
// channel counts rounded to `round_to`, at least the minimum width, groups inside a removed
// block ignored, nested removals reduced to the outer block, and — if a budget is given — the
// ratios projected onto the budget by bisection on a common scale.
//
// Decoded plans carry counts only: which channels are kept is the importance criterion's job
// (resolve_counts). Torch-free; decoding costs O(bisection steps × weighted nodes), a few µs
// to a few hundred µs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/channel_analysis.h"
#include "analysis/channel_cost.h"
#include "plan/prune_plan.h"

namespace pk {

struct ActionSpaceOptions {
  int round_to = 1;                // kept counts are multiples of this, or the group's full size
                                   // (of lcm(round_to, blocks) for a group in blocks: grouped convs)
  int min_channels = 1;            // every pruned group keeps at least this many channels ...
  double min_keep_fraction = 0.0;  // ... and at least ⌈fraction · size⌉ (both rounded up to round_to,
                                   // capped at the size)
  double max_ratio = 1.0;          // prune ratios are clamped to [0, max_ratio] (ABCP: 0.9)
  std::vector<std::string> frozen_groups;  // group names never pruned (not decisions)
  bool blocks = true;              // offer the removable residual blocks as decisions
};

enum class BudgetMetric { kNone, kMacs, kParams };

struct Budget {
  BudgetMetric metric = BudgetMetric::kNone;
  double target = 1.0;  // fraction of the unpruned network's metric (fraction = true), or absolute
                        // MACs / params per sample (fraction = false)
  bool fraction = true;
  bool fill = true;     // true: project onto the target (the least pruning along the scale that
                        // meets it, so an under-budget action is pruned less); false: change the
                        // action only if it is over the budget
  int steps = 60;       // bisection steps per phase
};

/// A point of the space (named so as not to clash with search/search_space.h's Action). ratios[d] is the fraction of decision group d's channels to REMOVE
/// (0 = keep all; clamped to [0, max_ratio]; NaN is a UserError). remove[b] != 0 removes
/// decision block b; an empty `remove` removes none.
struct PruneAction {
  std::vector<double> ratios;
  std::vector<char> remove;
};

struct DecodedAction {
  PrunePlan plan;               // counts only; groups keeping everything are not listed
  std::vector<double> ratios;   // per decision group: the ratio applied (after clamping/projection,
                                // before rounding) — what a learner should store as its action
  std::vector<int> kept;        // per decision group: kept channels (its size if inactive)
  std::vector<char> active;     // per decision group: 0 if a removed block drops it entirely
  std::vector<char> removed;    // per decision block: effective removal (inner blocks of a removed
                                // block are cleared)
  NodeCost cost;                // MACs / params of the decoded plan, per sample
  bool budget_met = true;       // false: nothing within the bounds meets the budget, and `plan`
                                // is the cheapest plan within them (every active group at max_ratio)
};

class ActionSpace {
 public:
  struct GroupDecision {
    int group = -1;                  // ChannelAnalysis group id
    std::string name;
    int size = 0;
    int min_keep = 1;                // the least it may keep under the options
    int multiple = 1;                // kept counts are multiples of this (or the size):
                                     // lcm(round_to, the group's blocks)
    int node = -1;                   // its first producer (for ordering decisions topologically)
    std::vector<int> inside_blocks;  // decision blocks whose removal drops all of its members
  };
  struct BlockDecision {
    int block = -1;                  // index into ChannelAnalysis::blocks()
    std::string name;                // the Add node
    int node = -1;                   // the Add's index (for ordering decisions topologically)
    std::vector<int> nested;         // decision blocks inside this one's branch
  };

  /// UserError for bad options (round_to ≥ 1, min_channels ≥ 1, fractions in [0, 1], frozen
  /// groups must exist). `analysis` must be analyze_channels(graph); neither is referenced later.
  ActionSpace(const Graph& graph, const ChannelAnalysis& analysis, ActionSpaceOptions options = {});

  int num_groups() const { return static_cast<int>(groups_.size()); }
  int num_blocks() const { return static_cast<int>(blocks_.size()); }
  const std::vector<GroupDecision>& groups() const { return groups_; }
  const std::vector<BlockDecision>& blocks() const { return blocks_; }
  const ActionSpaceOptions& options() const { return options_; }

  /// Kept channels of decision group `d` at prune ratio `ratio`: the candidate nearest to
  /// size·(1 − ratio) among the multiples of round_to below the size and the size itself (ties
  /// to the larger), at least min_keep; ratio ≤ 0 keeps everything. Monotone in `ratio`.
  int keep_count(int d, double ratio) const;

  NodeCost original_cost() const { return cost_model_.original(); }
  /// Decodes `action` (UserError if its sizes do not match the space or a ratio is NaN).
  DecodedAction decode(const PruneAction& action, const Budget& budget = {}) const;

 private:
  /// Counts for `ratios` (active groups only) into counts.kept; returns the budget metric.
  double evaluate(const std::vector<double>& ratios, const std::vector<char>& active, BudgetMetric metric,
                  ChannelCounts& counts) const;

  ActionSpaceOptions options_;
  ChannelCostModel cost_model_;
  std::vector<int> full_kept_;  // per analysis group: its size
  std::vector<GroupDecision> groups_;
  std::vector<BlockDecision> blocks_;
  std::vector<std::vector<int>> block_nodes_;  // per decision block: its Add and branch nodes
  int num_nodes_ = 0;
};

}  // namespace pk
