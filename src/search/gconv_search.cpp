#include "search/gconv_search.h"

#include <filesystem>
#include <fstream>
#include <numeric>
#include <optional>
#include <random>

#include "analysis/channel_analysis.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/timer.h"
#include "graph/cost.h"
#include "plan/plan_json.h"
#include "prune/conv_mass.h"
#include "prune/group_permutation.h"
#include "prune/plan_apply.h"
#include "weights/model_file.h"

namespace pk {
namespace {

using nlohmann::json;

using ScoredConv = ConvGroupCosts;

int64_t weight_resource(const Graph& graph, int node, BudgetMetric metric) {
  const Node& n = graph.node(node);
  if (metric == BudgetMetric::kMacs) return node_cost(graph, node).macs;
  const auto& a = n.attr<ConvAttrs>();
  return n.shape.channels() * graph.node(graph.input_indices(node)[0]).shape.channels() * a.kernel.h * a.kernel.w;
}

GroupPermutation random_blocks(const MassMatrix& s, int groups, std::mt19937_64& rng) {
  GroupPermutation p;
  p.groups = groups;
  p.rows.resize(s.rows);
  p.cols.resize(s.cols);
  std::iota(p.rows.begin(), p.rows.end(), 0);
  std::iota(p.cols.begin(), p.cols.end(), 0);
  std::shuffle(p.rows.begin(), p.rows.end(), rng);
  std::shuffle(p.cols.begin(), p.cols.end(), rng);
  p.kept_mass = kept_block_mass(s, groups, p.rows, p.cols);
  p.cost = s.total() - p.kept_mass;
  return p;
}

}  // namespace

std::vector<ConvGroupCosts> conv_group_costs(const Graph& graph, const WeightStore& weights,
                                             const GconvSearchOptions& o) {
  std::vector<ScoredConv> convs;
  int64_t solves = 0;
  for (int i = 0; i < graph.size(); ++i) {
    const Node& n = graph.node(i);
    if (n.op != OpKind::kConv2d || n.attr<ConvAttrs>().groups != 1) continue;
    ScoredConv c;
    c.node = i;
    c.filters = n.shape.channels();
    c.channels = graph.node(graph.input_indices(i)[0]).shape.channels();
    c.choice.conv = n.name;
    c.choice.groups = candidate_group_counts(c.filters, c.channels, o);
    if (c.choice.groups.size() < 2) continue;
    c.choice.dense_resource = weight_resource(graph, i, o.budget.metric);
    solves += static_cast<int64_t>(c.choice.groups.size()) - 1;
    convs.push_back(std::move(c));
  }
  std::optional<ProgressBar> bar;
  if (o.show_progress) bar.emplace("gconv costs", solves);
  std::mt19937_64 rng(o.seed);
  int64_t done = 0;
  for (ScoredConv& c : convs) {
    const MassMatrix s = conv_mass_matrix(weights.get(c.choice.conv, "weight"));
    c.total_mass = s.total();
    for (int g : c.choice.groups) {
      GroupPermutation p = g == 1 ? solve_group_permutation(s, 1)
                           : o.random_permutation ? random_blocks(s, g, rng)
                                                  : solve_group_permutation(s, g, PermutationOptions{o.sweeps});
      c.choice.cost.push_back(g == 1 ? 0.0 : p.cost);
      c.blocks.push_back(std::move(p));
      if (g > 1 && bar) bar->update(++done, c.choice.conv);
    }
  }
  return convs;
}

namespace {

PrunePlan plan_of(const std::vector<ScoredConv>& convs, const GroupCountResult& r) {
  PrunePlan plan;
  for (size_t l = 0; l < convs.size(); ++l) {
    if (r.groups[l] == 1) continue;
    const ScoredConv& c = convs[l];
    const size_t k = std::find(c.choice.groups.begin(), c.choice.groups.end(), r.groups[l]) - c.choice.groups.begin();
    plan.conv_groups[c.choice.conv] = r.groups[l];
    plan.conv_permutations[c.choice.conv] = {c.blocks[k].rows, c.blocks[k].cols};
  }
  return plan;
}

void write_json(const std::string& path, const json& j) {
  write_file_atomically(path, [&](std::ostream& out) { out << j.dump(1) << "\n"; });
}

json layers_json(const std::vector<ScoredConv>& convs, const GroupCountResult& r) {
  json layers = json::array();
  for (size_t l = 0; l < convs.size(); ++l) {
    json candidates = json::array();
    for (size_t k = 0; k < convs[l].choice.groups.size(); ++k)
      candidates.push_back({{"groups", convs[l].choice.groups[k]}, {"cost", convs[l].choice.cost[k]}});
    layers.push_back({{"conv", convs[l].choice.conv},
                      {"filters", convs[l].filters},
                      {"channels", convs[l].channels},
                      {"chosen", r.groups[l]},
                      {"candidates", candidates}});
  }
  return layers;
}

/// log.jsonl (start + one line per move) and pareto.json (the trajectory: each move trades
/// budget for a lower pruning cost, so every point is non-dominated).
void write_trajectory(const GconvSearchResult& out, const std::vector<ScoredConv>& convs, const GroupCountResult& r,
                      const char* metric) {
  json points = json::array();
  points.push_back({{"step", 0}, {metric, r.start_resource}, {"pruning_cost", r.start_cost}});
  for (size_t k = 0; k < r.steps.size(); ++k) {
    const GroupCountStep& s = r.steps[k];
    points.push_back({{"step", k + 1},
                      {"conv", convs[s.layer].choice.conv},
                      {"from_groups", s.from_groups},
                      {"to_groups", s.to_groups},
                      {metric, s.resource},
                      {"pruning_cost", s.total_cost}});
  }
  write_file_atomically(out.log_path, [&](std::ostream& f) {
    for (const json& p : points) f << p.dump() << "\n";
  });
  write_json(out.pareto_path, {{"x", metric}, {"y", "pruning_cost"}, {"split", "none (weights only)"}, {"front", points}});
}

}  // namespace

std::vector<int> candidate_group_counts(int64_t filters, int64_t channels, const GconvSearchOptions& o) {
  std::vector<int> out{1};
  for (int64_t g = 2; g <= std::min<int64_t>({filters, channels, o.max_groups}); ++g) {
    if (filters % g != 0 || channels % g != 0) continue;
    const bool depthwise = g == filters && g == channels;
    if (depthwise ? o.allow_depthwise : filters / g >= o.min_channels_per_group && channels / g >= o.min_channels_per_group)
      out.push_back(static_cast<int>(g));
  }
  return out;
}

GconvSearchResult run_gconv_search(const Graph& graph, const WeightStore& weights, const GconvSearchOptions& o) {
  PK_CHECK(o.budget.metric == BudgetMetric::kMacs || o.budget.metric == BudgetMetric::kParams,
           "--method gconv takes a MACs or params budget (--target-macs, --target-params)");
  PK_CHECK(o.min_channels_per_group >= 1 && o.max_groups >= 2, "--min-channels-per-group must be ≥ 1 and --max-groups "
           "≥ 2 (got {} and {})", o.min_channels_per_group, o.max_groups);
  PK_CHECK(o.sweeps >= 1, "the permutation heuristic needs at least one sweep (got {})", o.sweeps);
  Timer timer;
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(o.out_dir, ec);
  PK_CHECK(!ec, "cannot create the output directory '{}': {}", o.out_dir, ec.message());
  GconvSearchResult out;
  const fs::path dir(o.out_dir);
  out.log_path = (dir / "log.jsonl").string();
  out.pareto_path = (dir / "pareto.json").string();
  out.plan_path = (dir / "best_plan.json").string();
  out.model_path = (dir / "pruned.pkm").string();
  out.layers_path = (dir / "layers.json").string();
  check_writable_path(out.model_path);

  const GraphCost original = graph_cost(graph);
  out.original_macs = original.macs;
  out.original_params = original.params;
  const bool macs = o.budget.metric == BudgetMetric::kMacs;
  const int64_t total = macs ? original.macs : original.params;
  out.budget = o.budget.fraction ? static_cast<int64_t>(o.budget.target * static_cast<double>(total))
                                 : static_cast<int64_t>(o.budget.target);

  const std::vector<ScoredConv> convs = conv_group_costs(graph, weights, o);
  PK_CHECK(!convs.empty(), "no dense conv can be regrouped: every one has fewer than {} channels per group at G = 2 "
           "(lower --min-channels-per-group)", o.min_channels_per_group);
  std::vector<GroupCountChoice> choices;
  int64_t fixed = total;
  for (const ScoredConv& c : convs) {
    choices.push_back(c.choice);
    fixed -= c.choice.dense_resource;
  }
  const GroupCountResult r = search_group_counts(choices, fixed, out.budget, o.rule);
  const PrunePlan plan = plan_of(convs, r);
  const PrunedNetwork pruned = plan_apply(graph, weights, analyze_channels(graph), plan);
  const GraphCost after = graph_cost(pruned.graph);
  PK_ASSERT((macs ? after.macs : after.params) == r.resource, "gconv: the regrouped network costs {}, the search said {}",
            macs ? after.macs : after.params, r.resource);

  out.macs = after.macs;
  out.params = after.params;
  out.total_cost = r.total_cost;
  out.candidates = static_cast<int>(convs.size());
  for (size_t l = 0; l < convs.size(); ++l) {
    const auto& c = convs[l].choice;
    const size_t k = std::find(c.groups.begin(), c.groups.end(), r.groups[l]) - c.groups.begin();
    out.layers.push_back({c.conv, r.groups[l], c.cost[k]});
    out.regrouped += r.groups[l] > 1;
  }
  for (const Node& n : pruned.graph.nodes()) out.permutes += n.op == OpKind::kChannelPermute;
  for (const Node& n : graph.nodes()) out.permutes -= n.op == OpKind::kChannelPermute;

  write_json(out.layers_path, layers_json(convs, r));
  write_trajectory(out, convs, r, macs ? "macs" : "params");
  save_plan(out.plan_path, plan);
  json metadata = o.metadata.is_object() ? o.metadata : json::object();
  metadata["gconv"] = {{"budget", out.budget}, {"metric", macs ? "macs" : "params"},
                       {"rule", group_count_rule_name(o.rule)}, {"pruning_cost", r.total_cost},
                       {"permutation", o.random_permutation ? "random" : "heuristic"}};
  save_model(out.model_path, pruned.graph, pruned.weights, metadata);
  out.seconds = timer.seconds();
  return out;
}

}  // namespace pk
