// CostOracle: MACs and params of a search Action — complete or partial — without building a
// network (the ActionSpace's channel cost model). Strategies that must keep a budget reachable
// while they decide (AMC's action wall) ask it what a partial decision costs. Torch-free; a
// query costs one decode (µs to a few hundred µs).
#pragma once

#include "graph/cost.h"
#include "plan/action_space.h"
#include "search/search_builder.h"

namespace pk {

class CostOracle {
 public:
  /// Both must outlive the oracle; `mapping` must be built from `space`.
  CostOracle(const ActionSpace& space, const SearchMapping& mapping) : space_(space), mapping_(mapping) {}

  /// Cost per sample of `action` as given (no budget projection). NaN values that are not
  /// skipped by a removed owner block are decisions not taken yet: a ratio counts as
  /// `undecided_ratio` (clamped to [0, max_ratio]; 0 = the cost if the rest keeps everything,
  /// max_ratio = the least the rest can cost), a block bit as keep. Categorical decisions do not
  /// change MACs/params here.
  NodeCost cost(const Action& action, double undecided_ratio = 0.0) const;
  NodeCost original() const { return space_.original_cost(); }

 private:
  const ActionSpace& space_;
  const SearchMapping& mapping_;
};

}  // namespace pk
