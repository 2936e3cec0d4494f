// Turning a plan's channel counts into explicit keep-sets from importance scores (torch-free:
// the criterion — L1, BN |γ|, Taylor... computed with torch elsewhere — hands over plain floats).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "analysis/channel_analysis.h"
#include "plan/prune_plan.h"

namespace pk {

/// Per group name: one importance score per group channel (group numbering, size == group
/// size; higher = more important). Scores should already be summed over the group's members.
using GroupScores = std::map<std::string, std::vector<float>>;

/// Returns `plan` with every count-only group resolved to its `count` highest-scoring channels
/// (ties: the lower index first), listed ascending. Groups already resolved are unchanged.
/// UserError naming the group if its scores are missing, of the wrong size or not finite, or
/// if the group is unknown. Scores of groups the plan does not list are ignored.
PrunePlan resolve_counts(const PrunePlan& plan, const ChannelAnalysis& analysis, const GroupScores& scores);

/// Indices of the `count` largest scores (ties: lower index first), ascending.
std::vector<int> top_channels(const std::vector<float>& scores, int count);

}  // namespace pk
