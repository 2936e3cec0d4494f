// The group-convolution search (docs/methods.md "Group-convolution pruning"): for every dense
// conv, the pruning cost of each candidate group count (permutation heuristic + assignment on
// the conv's normalized weight mass), then the group-count local search under the budget, then
// the regrouped network. Reads no data: the costs come from the weights alone.
//
// Writes into out_dir: layers.json (every conv's candidates: G, cost, kept mass), log.jsonl (one
// line per accepted move), pareto.json (pruning cost against the budget metric along the
// search), best_plan.json (conv_groups + conv_permutations; re-applies to the original model)
// and pruned.pkm (the regrouped network: real grouped convs, permutations folded where the
// channel layout allows). Every file is written atomically.
#pragma once

#include <string>
#include <vector>

#include "graph/graph.h"
#include "prune/group_permutation.h"
#include "search/gconv_options.h"
#include "weights/weight_store.h"

namespace pk {

struct GconvLayerResult {
  std::string conv;
  int groups = 1;    // chosen
  double cost = 0;   // its pruning cost at that G
};

struct GconvSearchResult {
  int64_t original_macs = 0, original_params = 0;
  int64_t macs = 0, params = 0;  // of pruned.pkm
  int64_t budget = 0;            // in the budget metric
  double total_cost = 0;         // Σ pruning cost (each layer's S has unit norm)
  int candidates = 0;            // convs with a group count > 1 to choose from
  int regrouped = 0;             // convs that got G > 1
  int permutes = 0;              // ChannelPermute ops the pruned network needs
  std::vector<GconvLayerResult> layers;
  double seconds = 0;
  std::string log_path, pareto_path, plan_path, model_path, layers_path;
};

/// One dense conv with a candidate G > 1: the pruning cost and the blocks of every candidate
/// (blocks[k] for choice.groups[k]; blocks[0] is the identity of G = 1).
struct ConvGroupCosts {
  int node = -1;
  int64_t filters = 0, channels = 0;
  double total_mass = 0;  // of the conv's unit-norm S: costs are shares of it
  GroupCountChoice choice;
  std::vector<GroupPermutation> blocks;
};

/// Every dense (groups = 1) conv of `graph` with a candidate group count, in node order, scored
/// with the permutation heuristic (or random blocks, options.random_permutation). Progress bar
/// if options.show_progress. options.budget.metric says what choice.dense_resource counts.
std::vector<ConvGroupCosts> conv_group_costs(const Graph& graph, const WeightStore& weights,
                                             const GconvSearchOptions& options);

/// UserError for a budget out of reach (the message says the least reachable) or no dense conv
/// with a candidate group count.
GconvSearchResult run_gconv_search(const Graph& graph, const WeightStore& weights, const GconvSearchOptions& options);

/// Candidate group counts of a conv with `filters` filters and `channels` input channels,
/// ascending, starting at 1.
std::vector<int> candidate_group_counts(int64_t filters, int64_t channels, const GconvSearchOptions& options);

}  // namespace pk
