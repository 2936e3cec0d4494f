// A plan's keep-sets as per-group masks, and the kept positions of any value under them.
// Shared by apply_plan_to_graph and kept_channels so both number the new channels alike:
// the new channels of every value are its old channels whose group channel is kept, in their
// old order (ascending position). This one rule keeps Add operands, Concat segments,
// ChannelPermute orders and Flatten features consistent everywhere.
#pragma once

#include <vector>

#include "analysis/channel_analysis.h"
#include "plan/prune_plan.h"

namespace pk {

/// masks[g][i] = 1 if group g keeps its channel i. Groups not in the plan keep everything;
/// resolved groups keep their indices; count-only groups keep their first `count` channels
/// (a provisional choice: only which channels, never how many, depends on it).
/// Assumes a valid plan (validate_plan).
std::vector<std::vector<char>> keep_masks(const ChannelAnalysis& analysis, const PrunePlan& plan);

/// Ascending positions (features, for flattened values: channel c covers [c·spatial, (c+1)·spatial))
/// of `value` that are kept under `masks`.
std::vector<int> kept_positions(const ValueChannels& value, const std::vector<std::vector<char>>& masks);

}  // namespace pk
