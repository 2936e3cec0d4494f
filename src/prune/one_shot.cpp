#include "prune/one_shot.h"

#include <algorithm>
#include <numeric>
#include <random>

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
