// The group-count local search of group-convolution pruning (docs/methods.md): which G each
// dense conv gets under a MACs or params budget, from per-layer pruning costs alone. Torch-free.
//
// A configuration costs fixed + Σ_l dense_l / G_l (a conv's weight MACs/params shrink by G; its
// bias and every other layer do not) and loses Σ_l cost_l(G_l) of weight mass. The search starts
// with every layer at its largest G (the cheapest configuration) and repeatedly moves one layer to
// its next smaller G, choosing by `rule`, among the moves that keep the configuration within the
// budget; it stops when no move fits. The budget is never exceeded.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pk {

/// One conv's candidates.
struct GroupCountChoice {
  std::string conv;
  std::vector<int> groups;     // ascending; groups[0] = 1 (dense)
  std::vector<double> cost;    // pruning cost at groups[k]: mass of the conv's unit-norm S outside
                               // the blocks (group_permutation.h); cost[0] = 0
  int64_t dense_resource = 0;  // the conv's weight MACs (or params) at G = 1; divisible by every G
};

enum class GroupCountRule {
  kCostPerResource,  // the move with the largest cost reduction per unit of added MACs/params
  kMaxCost,          // `--gopt max_cost`: the layer whose current pruning cost is largest
};
const char* group_count_rule_name(GroupCountRule rule);
/// "cost_per_resource" or "max_cost"; UserError otherwise.
GroupCountRule group_count_rule_from_name(const std::string& name);

/// One accepted move and the configuration it leads to.
struct GroupCountStep {
  int layer = -1;
  int from_groups = 0;
  int to_groups = 0;
  double total_cost = 0;  // Σ cost after the move
  int64_t resource = 0;   // fixed + Σ dense / G after the move
};

struct GroupCountResult {
  std::vector<int> groups;  // per layer, the chosen G
  double total_cost = 0;
  int64_t resource = 0;
  std::vector<GroupCountStep> steps;  // in order; the start (all at the largest G) is not a step
  double start_cost = 0;
  int64_t start_resource = 0;
};

/// Resource of a configuration: fixed + Σ dense_resource / groups[l].
int64_t configuration_resource(const std::vector<GroupCountChoice>& layers, int64_t fixed_resource,
                               const std::vector<int>& groups);

/// UserError if a layer's candidates are malformed, or if even the cheapest configuration is
/// over `budget` (the message says how close the search can get).
GroupCountResult search_group_counts(const std::vector<GroupCountChoice>& layers, int64_t fixed_resource,
                                     int64_t budget, GroupCountRule rule);

}  // namespace pk
