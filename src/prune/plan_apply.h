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
#include "weights/weight_store.h"

namespace pk {

struct PrunedNetwork {
  Graph graph;
  WeightStore weights;
};

/// `plan` must be resolved (explicit indices; see resolve_plan) and valid for `graph`;
/// `analysis` must be analyze_channels(graph). UserError for an invalid plan or a plan that
/// regroups convolutions (that is the group-convolution method's job).
PrunedNetwork plan_apply(const Graph& graph, const WeightStore& weights, const ChannelAnalysis& analysis,
                         const PrunePlan& plan);

/// Resolves the count-only groups of `plan` to the channels `criterion` ranks highest.
/// `gradients` is needed for taylor only.
PrunePlan resolve_plan(const Graph& graph, const WeightStore& weights, const ChannelAnalysis& analysis,
                       const PrunePlan& plan, Criterion criterion, const WeightStore* gradients = nullptr);

}  // namespace pk
