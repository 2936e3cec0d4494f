#include "search/group_count_search.h"

#include "core/error.h"

namespace pk {
namespace {

void check_layers(const std::vector<GroupCountChoice>& layers) {
  for (const GroupCountChoice& l : layers) {
    PK_CHECK(!l.groups.empty() && l.groups[0] == 1 && l.groups.size() == l.cost.size(),
             "group-count search: conv '{}' needs candidates starting at G = 1 with one cost each", l.conv);
    for (size_t k = 0; k < l.groups.size(); ++k) {
      PK_CHECK(k == 0 || l.groups[k] > l.groups[k - 1], "group-count search: conv '{}' candidates are not ascending",
               l.conv);
      PK_CHECK(l.dense_resource % l.groups[k] == 0, "group-count search: G = {} does not divide the {} of conv '{}'",
               l.groups[k], l.dense_resource, l.conv);
    }
  }
}

struct Move {
  int layer = -1;
  double score = 0;
};

/// The best move that fits, or layer -1. `index[l]` is layer l's current candidate.
Move best_move(const std::vector<GroupCountChoice>& layers, const std::vector<size_t>& index, int64_t resource,
               int64_t budget, GroupCountRule rule) {
  Move best;
  for (size_t l = 0; l < layers.size(); ++l) {
    const size_t k = index[l];
    if (k == 0) continue;
    const GroupCountChoice& c = layers[l];
    const int64_t added = c.dense_resource / c.groups[k - 1] - c.dense_resource / c.groups[k];
    if (resource + added > budget) continue;
    const double score = rule == GroupCountRule::kMaxCost ? c.cost[k] : (c.cost[k] - c.cost[k - 1]) / added;
    if (best.layer < 0 || score > best.score) best = {static_cast<int>(l), score};
  }
  return best;
}

}  // namespace

const char* group_count_rule_name(GroupCountRule rule) {
  return rule == GroupCountRule::kMaxCost ? "max_cost" : "cost_per_resource";
}

GroupCountRule group_count_rule_from_name(const std::string& name) {
  if (name == "cost_per_resource") return GroupCountRule::kCostPerResource;
  if (name == "max_cost") return GroupCountRule::kMaxCost;
  throw UserError(fmt::format("unknown --gopt '{}'; expected cost_per_resource or max_cost", name));
}

int64_t configuration_resource(const std::vector<GroupCountChoice>& layers, int64_t fixed_resource,
                               const std::vector<int>& groups) {
  int64_t total = fixed_resource;
  for (size_t l = 0; l < layers.size(); ++l) total += layers[l].dense_resource / groups.at(l);
  return total;
}

GroupCountResult search_group_counts(const std::vector<GroupCountChoice>& layers, int64_t fixed_resource,
                                     int64_t budget, GroupCountRule rule) {
  check_layers(layers);
  std::vector<size_t> index;
  GroupCountResult r;
  for (const GroupCountChoice& l : layers) {
    index.push_back(l.groups.size() - 1);
    r.groups.push_back(l.groups.back());
    r.total_cost += l.cost.back();
  }
  r.resource = configuration_resource(layers, fixed_resource, r.groups);
  PK_CHECK(r.resource <= budget,
           "the budget ({}) is out of reach: with every conv at its largest group count the network still has {}; "
           "allow more groups (--max-groups, --min-channels-per-group, --allow-depthwise) or raise the budget",
           budget, r.resource);
  r.start_cost = r.total_cost;
  r.start_resource = r.resource;
  for (Move m = best_move(layers, index, r.resource, budget, rule); m.layer >= 0;
       m = best_move(layers, index, r.resource, budget, rule)) {
    const GroupCountChoice& c = layers[m.layer];
    const size_t k = index[m.layer]--;
    r.resource += c.dense_resource / c.groups[k - 1] - c.dense_resource / c.groups[k];
    r.groups[m.layer] = c.groups[k - 1];
    r.total_cost = 0;  // summed afresh: no drift from adding and subtracting
    for (size_t l = 0; l < layers.size(); ++l) r.total_cost += layers[l].cost[index[l]];
    r.steps.push_back({m.layer, c.groups[k], c.groups[k - 1], r.total_cost, r.resource});
  }
  return r;
}

}  // namespace pk
