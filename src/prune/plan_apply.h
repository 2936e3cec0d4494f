// plan_apply: the physically smaller network of a plan. Pure: returns a new Graph and new
// weights (fresh storage) and never touches its inputs. The graph comes from
// apply_plan_to_graph (plan/apply_plan.h); every weight tensor is sliced with the kept channels
// of kept_channels (plan/kept_channels.h, which documents the per-op rule).
#pragma once

#include <string>

#include "analysis/channel_analysis.h"
#include "graph/graph.h"
#include "plan/prune_plan.h"
#include "prune/importance.h"
#include "prune/pruned_network.h"
#include "weights/weight_store.h"

namespace pk {

/// `plan` must be resolved (explicit indices; see resolve_plan) and valid for `graph`;
/// `analysis` must be analyze_channels(graph). UserError for an invalid plan. A plan with
/// conv_groups is applied in two steps: channels and blocks, then regroup_convs
/// (prune/regroup_convs.h) with the plan's permutations.
PrunedNetwork plan_apply(const Graph& graph, const WeightStore& weights, const ChannelAnalysis& analysis,
                         const PrunePlan& plan);

/// Resolves the count-only groups of `plan` to the channels ranked highest by `scores`, indexed
/// by group id as channel_importance returns them (scores[g] for every group the plan lists;
/// groups with empty scores, i.e. not prunable, are left to resolve_counts' checks). Lets a
/// caller that resolves many plans on the same weights (a search) score the channels once.
/// UserError unless scores.size() == analysis.num_groups().
PrunePlan resolve_plan(const PrunePlan& plan, const ChannelAnalysis& analysis,
                       const std::vector<std::vector<float>>& scores);

/// Scores the channels with `importance` (channel_importance) and resolves `plan` with them.
/// `gradients` is needed for taylor only.
PrunePlan resolve_plan(const Graph& graph, const WeightStore& weights, const ChannelAnalysis& analysis,
                       const PrunePlan& plan, const ImportanceOptions& importance,
                       const WeightStore* gradients = nullptr);

/// Backward-compatible form: ImportanceOptions' defaults with this criterion.
PrunePlan resolve_plan(const Graph& graph, const WeightStore& weights, const ChannelAnalysis& analysis,
                       const PrunePlan& plan, Criterion criterion, const WeightStore* gradients = nullptr);

}  // namespace pk
