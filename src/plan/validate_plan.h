// Checking a PrunePlan against a Graph and its ChannelAnalysis, and turning it into index form.
#pragma once

#include <string>
#include <vector>

#include "analysis/channel_analysis.h"
#include "analysis/channel_cost.h"
#include "plan/prune_plan.h"

namespace pk {

/// Every problem of `plan` for `graph`, one message each (empty = valid), in a stable order:
/// groups (unknown name — naming the group of a node of that name —, not prunable with the
/// reason, count out of 1..size, indices out of range / duplicated / not matching the count),
/// removed blocks (unknown node, not an Add, not removable with the reason, listed twice,
/// overlapping another removed block), conv group counts (unknown node, not a Conv2d, depthwise,
/// < 1, not dividing the pruned input or output channels). Entries about nodes inside removed
/// blocks are allowed and have no effect. `analysis` must be analyze_channels(graph).
std::vector<std::string> plan_problems(const Graph& graph, const ChannelAnalysis& analysis, const PrunePlan& plan);

/// UserError with the first problem (and how many more there are) if the plan is not valid.
void validate_plan(const Graph& graph, const ChannelAnalysis& analysis, const PrunePlan& plan);

/// The plan in index form (validates it first): kept counts per group, removed nodes, conv
/// group counts. Input of ChannelCostModel and apply_counts_to_graph.
ChannelCounts plan_counts(const Graph& graph, const ChannelAnalysis& analysis, const PrunePlan& plan);

/// Per node: 1 if a removed block of `plan` drops it (its Add and its branch). Assumes the
/// block names are valid (unknown names are skipped).
std::vector<char> removed_nodes(const ChannelAnalysis& analysis, const PrunePlan& plan);

/// MACs/params of the plan's pruned network (validates it first).
NodeCost plan_cost(const Graph& graph, const ChannelAnalysis& analysis, const PrunePlan& plan);

}  // namespace pk
