#include "prune/one_shot.h"

#include <algorithm>
#include <numeric>
#include <random>

#include "analysis/channel_cost.h"
#include "core/error.h"
#include "core/strings.h"
#include "plan/resolve_counts.h"
#include "plan/validate_plan.h"
#include "prune/importance.h"

namespace pk {
namespace {

double metric_of(const NodeCost& c, BudgetMetric m) {
  return m == BudgetMetric::kParams ? static_cast<double>(c.params) : static_cast<double>(c.macs);
}

/// Global threshold: each group's channels with normalized score below t are pruned (down to
/// the ActionSpace's minimum and rounding). Returns the action for threshold t.
PruneAction global_action(const ActionSpace& space, const std::vector<std::vector<float>>& normalized, double t) {
  PruneAction a;
  a.remove.assign(space.num_blocks(), 0);
  for (int d = 0; d < space.num_groups(); ++d) {
    const auto& s = normalized[space.groups()[d].group];
    const auto below = std::count_if(s.begin(), s.end(), [&](float v) { return v < t; });
    a.ratios.push_back(static_cast<double>(below) / s.size());
  }
  return a;
}

/// Rounding to multiples (--round-to, the blocks of grouped convs) can leave a uniform plan far
/// under its budget: with RegNet's 8-channel blocks every group moves in steps of 1/8 together,
/// and 50% of the MACs became 43%. Tops `decoded` up: repeatedly gives one more multiple to the
/// active group keeping the smallest fraction (ties: the first) while the cost stays within the
/// budget; a group that does not fit is not tried again. Ratios stay as uniform as the budget allows.
void top_up_to_budget(const Graph& graph, const ChannelAnalysis& analysis, const ActionSpace& space,
                      const Budget& budget, DecodedAction& decoded) {
  const ChannelCostModel model(graph, analysis);
  const double whole = metric_of(model.original(), budget.metric);
  const double target = budget.fraction ? budget.target * whole : budget.target;
  ChannelCounts counts = plan_counts(graph, analysis, decoded.plan);
  const auto& groups = space.groups();
  std::vector<char> done(groups.size(), 0);
  for (size_t d = 0; d < groups.size(); ++d) done[d] = !decoded.active[d] || decoded.kept[d] >= groups[d].size;
  for (;;) {
    int pick = -1;
    for (size_t d = 0; d < groups.size(); ++d)
      if (!done[d] && (pick < 0 || int64_t{decoded.kept[d]} * groups[pick].size <
                                       int64_t{decoded.kept[pick]} * groups[d].size))
        pick = static_cast<int>(d);
    if (pick < 0) break;
    const auto& g = groups[static_cast<size_t>(pick)];
    const int more = std::min(g.size, (decoded.kept[pick] / g.multiple + 1) * g.multiple);
    const int before = counts.kept[g.group];
    counts.kept[g.group] = more;
    if (metric_of(model.cost(counts), budget.metric) <= target) {
      decoded.kept[pick] = more;
      done[pick] = more >= g.size;
    } else {
      counts.kept[g.group] = before;
      done[pick] = 1;
    }
  }
  decoded.plan.groups.clear();
  for (size_t d = 0; d < groups.size(); ++d)
    if (decoded.active[d] && decoded.kept[d] < groups[d].size) decoded.plan.keep_count(groups[d].name, decoded.kept[d]);
  decoded.cost = model.cost(counts);
}

}  // namespace

std::vector<std::string> one_shot_methods() { return {"uniform", "global", "random"}; }

OneShotResult one_shot_plan(const Graph& graph, const WeightStore& weights, const ChannelAnalysis& analysis,
                            const OneShotOptions& o, const WeightStore* gradients) {
  const auto methods = one_shot_methods();
  PK_CHECK(std::find(methods.begin(), methods.end(), o.method) != methods.end(),
           "unknown pruning method '{}'; one-shot methods: {}", o.method, join(methods, ", "));
  PK_CHECK(o.budget.metric != BudgetMetric::kNone, "pruning method '{}' needs a budget (--target-macs or --target-params)",
           o.method);
  ActionSpaceOptions space_options = o.space;
  space_options.blocks = false;
  const ActionSpace space(graph, analysis, space_options);
  PK_CHECK(space.num_groups() > 0, "the model has no prunable channel group (see `prunekit analyze`)");
  const auto scores = channel_importance(graph, analysis, weights, o.importance, gradients);

  DecodedAction decoded;
  if (o.method == "uniform" || o.method == "random") {
    PruneAction a;
    a.remove.assign(space.num_blocks(), 0);
    std::mt19937_64 rng(o.seed);
    std::uniform_real_distribution<double> u(0.05, 1.0);
    for (int d = 0; d < space.num_groups(); ++d) a.ratios.push_back(o.method == "uniform" ? 1.0 : u(rng));
    // The projection scales every ratio by one factor: for uniform that is one common ratio.
    decoded = space.decode(a, o.budget);
    if (o.method == "uniform" && decoded.budget_met) top_up_to_budget(graph, analysis, space, o.budget, decoded);
  } else {
    std::vector<std::vector<float>> normalized(scores.size());
    for (size_t g = 0; g < scores.size(); ++g) {
      if (scores[g].empty()) continue;
      const double mean = std::accumulate(scores[g].begin(), scores[g].end(), 0.0) / scores[g].size();
      for (float v : scores[g]) normalized[g].push_back(static_cast<float>(mean > 0 ? v / mean : 1.0));
    }
    Budget no_budget;
    const double original = metric_of(space.original_cost(), o.budget.metric);
    const double target = o.budget.fraction ? o.budget.target * original : o.budget.target;
    // Bisection on the threshold: cost decreases as t grows.
    double lo = 0, hi = 0;
    for (const auto& s : normalized)
      for (float v : s) hi = std::max(hi, static_cast<double>(v));
    hi += 1e-6;
    decoded = space.decode(global_action(space, normalized, hi), no_budget);
    const bool feasible = metric_of(decoded.cost, o.budget.metric) <= target;
    for (int step = 0; feasible && step < 60; ++step) {
      const double mid = 0.5 * (lo + hi);
      DecodedAction d = space.decode(global_action(space, normalized, mid), no_budget);
      if (metric_of(d.cost, o.budget.metric) <= target) {
        hi = mid;
        decoded = d;
      } else {
        lo = mid;
      }
    }
    decoded.budget_met = feasible;
  }
  GroupScores by_name;
  for (const auto& [name, keep] : decoded.plan.groups) by_name[name] = scores[analysis.group_index(name)];
  OneShotResult r;
  r.plan = resolve_counts(decoded.plan, analysis, by_name);
  r.cost = plan_cost(graph, analysis, r.plan);
  r.budget_met = decoded.budget_met;
  return r;
}

}  // namespace pk
