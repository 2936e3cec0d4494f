// Graph-only plan application: the smaller Graph a plan describes, without touching weights.
// This is what costing a candidate needs (graph_cost, latency of a fresh net); the weight
// slicer (src/prune) builds the same Graph and fills its tensors using kept_channels.
#pragma once

#include "analysis/channel_analysis.h"
#include "graph/graph.h"
#include "plan/prune_plan.h"

namespace pk {

/// Returns the pruned graph (never modifies `graph`); validates the plan first (UserError).
///   - producers get their kept channel counts (Conv2d out_channels, Linear out_features);
///   - depthwise convs get groups = out_channels = their kept input channels;
///   - Conv2d groups from plan.conv_groups (the weights and any ChannelPermute: regroup_convs);
///   - removed blocks: the Add and its branch are dropped and the Add's readers read the entry x;
///   - ChannelPermute orders are renumbered over the kept channels.
/// Node names, order (minus removed nodes), attributes otherwise, and outputs are unchanged.
/// Count-only groups keep their first channels provisionally: channel counts, shapes and costs
/// are exact; a ChannelPermute's order is final only for a resolved plan.
/// `analysis` must be analyze_channels(graph).
Graph apply_plan_to_graph(const Graph& graph, const ChannelAnalysis& analysis, const PrunePlan& plan);

}  // namespace pk
