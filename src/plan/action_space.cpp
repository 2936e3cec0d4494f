#include "plan/action_space.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "core/error.h"

namespace pk {
namespace {

int round_up(int value, int multiple) { return (value + multiple - 1) / multiple * multiple; }

std::vector<double> scaled(const std::vector<double>& base, double s, double max_ratio) {
  std::vector<double> r(base.size());
  for (size_t d = 0; d < base.size(); ++d) r[d] = std::min(max_ratio, s * base[d]);
  return r;
}

/// Phase 2 of the projection: every ratio moves from `from` towards max_ratio by t ∈ [0, 1].
std::vector<double> towards_max(const std::vector<double>& from, double t, double max_ratio) {
  std::vector<double> r(from.size());
  for (size_t d = 0; d < from.size(); ++d) r[d] = from[d] + t * (max_ratio - from[d]);
  return r;
}

/// Ratios below this are "zero" when choosing the upper end of the scale (they are still
/// scaled, and phase 2 moves them); keeps the bisection interval bounded.
constexpr double kTinyRatio = 1e-6;

}  // namespace

ActionSpace::ActionSpace(const Graph& graph, const ChannelAnalysis& analysis, ActionSpaceOptions options)
    : options_(std::move(options)), cost_model_(graph, analysis), num_nodes_(graph.size()) {
  const auto& o = options_;
  PK_CHECK(o.round_to >= 1, "action space: round_to is {}; expected ≥ 1", o.round_to);
  PK_CHECK(o.min_channels >= 1, "action space: min_channels is {}; expected ≥ 1", o.min_channels);
  PK_CHECK(o.min_keep_fraction >= 0 && o.min_keep_fraction <= 1,
           "action space: min_keep_fraction is {}; expected a fraction in [0, 1]", o.min_keep_fraction);
  PK_CHECK(o.max_ratio >= 0 && o.max_ratio <= 1, "action space: max_ratio is {}; expected a fraction in [0, 1]",
           o.max_ratio);
  std::set<int> frozen;
  for (const auto& name : o.frozen_groups) frozen.insert(analysis.group(name).id);  // UserError if unknown

  for (const auto& g : analysis.groups()) full_kept_.push_back(g.size);
  if (o.blocks) {
    for (int b : analysis.removable_blocks()) {
      const ResidualBlock& blk = analysis.blocks()[b];
      blocks_.push_back({b, analysis.node_name(blk.add), blk.add, {}});
      std::vector<int> nodes = blk.branch;
      nodes.push_back(blk.add);
      block_nodes_.push_back(std::move(nodes));
    }
  }
  std::vector<char> in_block(graph.size(), 0);
  for (size_t j = 0; j < blocks_.size(); ++j) {
    const auto& branch = analysis.blocks()[blocks_[j].block].branch;
    for (size_t k = 0; k < blocks_.size(); ++k)
      if (k != j && std::binary_search(branch.begin(), branch.end(), blocks_[k].node))
        blocks_[j].nested.push_back(static_cast<int>(k));
  }
  for (const auto& g : analysis.groups()) {
    if (!g.prunable || frozen.count(g.id) != 0) continue;
    GroupDecision d;
    d.group = g.id;
    d.name = g.name;
    d.size = g.size;
    d.node = g.members.front().node;
    const int lo = std::max(o.min_channels, static_cast<int>(std::ceil(o.min_keep_fraction * g.size - 1e-9)));
    // Grouped convs: the same count in every block, so multiples of lcm(round_to, blocks).
    d.multiple = std::lcm(o.round_to, std::max(1, g.blocks));
    d.min_keep = std::min(g.size, round_up(std::max({lo, 1, g.blocks}), d.multiple));
    for (size_t j = 0; j < blocks_.size(); ++j) {
      std::fill(in_block.begin(), in_block.end(), 0);
      for (int n : block_nodes_[j]) in_block[n] = 1;
      const bool inside = std::all_of(g.members.begin(), g.members.end(),
                                      [&](const GroupMember& m) { return in_block[m.node] != 0; });
      if (inside) d.inside_blocks.push_back(static_cast<int>(j));
    }
    groups_.push_back(std::move(d));
  }
}

int ActionSpace::keep_count(int d, double ratio) const {
  const GroupDecision& g = groups_.at(d);
  const int n = g.size;
  const double r = std::min(options_.max_ratio, ratio);
  if (!(r > 0)) return n;
  const double keep = n * (1.0 - r);
  const int m = g.multiple;
  int below = static_cast<int>(std::floor(keep / m)) * m;  // a multiple of m, ≤ keep
  int above = std::min(n, below + m);
  if (below >= n) below = above = n;
  int k = (below >= 1 && keep - below < above - keep) ? below : above;
  return std::min(n, std::max(k, g.min_keep));
}

double ActionSpace::evaluate(const std::vector<double>& ratios, const std::vector<char>& active, BudgetMetric metric,
                             ChannelCounts& counts) const {
  for (size_t d = 0; d < groups_.size(); ++d)
    counts.kept[groups_[d].group] = active[d] ? keep_count(static_cast<int>(d), ratios[d]) : groups_[d].size;
  const NodeCost c = cost_model_.cost(counts);
  switch (metric) {
    case BudgetMetric::kNone: return 0;
    case BudgetMetric::kMacs: return static_cast<double>(c.macs);
    case BudgetMetric::kParams: return static_cast<double>(c.params);
  }
  return 0;
}

DecodedAction ActionSpace::decode(const PruneAction& action, const Budget& budget) const {
  PK_CHECK(action.ratios.size() == groups_.size(), "action: {} ratios for {} prunable groups", action.ratios.size(),
           groups_.size());
  PK_CHECK(action.remove.empty() || action.remove.size() == blocks_.size(),
           "action: {} block bits for {} removable blocks", action.remove.size(), blocks_.size());
  for (size_t d = 0; d < action.ratios.size(); ++d)
    PK_CHECK(!std::isnan(action.ratios[d]), "action: the ratio of group '{}' is NaN", groups_[d].name);
  PK_CHECK(budget.metric == BudgetMetric::kNone || (std::isfinite(budget.target) && budget.target > 0),
           "budget: target {} must be a positive number", budget.target);

  DecodedAction out;
  // Blocks: a removed block's nested blocks go with it; only the outer one is listed.
  out.removed.assign(blocks_.size(), 0);
  for (size_t j = 0; j < blocks_.size(); ++j) out.removed[j] = !action.remove.empty() && action.remove[j] != 0;
  std::vector<char> inner(blocks_.size(), 0);
  for (size_t j = 0; j < blocks_.size(); ++j)
    if (out.removed[j])
      for (int k : blocks_[j].nested) inner[k] = 1;
  ChannelCounts counts;
  counts.kept = full_kept_;
  counts.removed.assign(num_nodes_, 0);
  for (size_t j = 0; j < blocks_.size(); ++j) {
    if (inner[j]) out.removed[j] = 0;
    if (!out.removed[j]) continue;
    out.plan.removed_blocks.push_back(blocks_[j].name);
    for (int n : block_nodes_[j]) counts.removed[n] = 1;
  }
  out.active.assign(groups_.size(), 1);
  std::vector<double> base(groups_.size(), 0.0);
  for (size_t d = 0; d < groups_.size(); ++d) {
    for (int j : groups_[d].inside_blocks)
      if (counts.removed[block_nodes_[j].back()]) out.active[d] = 0;  // back() is the Add
    base[d] = std::clamp(action.ratios[d], 0.0, options_.max_ratio);
  }

  std::vector<double> r = base;
  if (budget.metric != BudgetMetric::kNone) {
    const NodeCost orig = cost_model_.original();
    const double whole = budget.metric == BudgetMetric::kMacs ? static_cast<double>(orig.macs)
                                                              : static_cast<double>(orig.params);
    const double target = budget.fraction ? budget.target * whole : budget.target;
    const double max_ratio = options_.max_ratio;
    auto f = [&](const std::vector<double>& ratios) { return evaluate(ratios, out.active, budget.metric, counts); };
    // Phase 1: r = min(max_ratio, s·base), s from s_lo up to where every non-tiny ratio saturates.
    const double s_lo = budget.fill ? 0.0 : 1.0;
    double min_pos = 0;
    for (size_t d = 0; d < base.size(); ++d)
      if (out.active[d] && base[d] >= kTinyRatio) min_pos = min_pos == 0 ? base[d] : std::min(min_pos, base[d]);
    const double s_hi = min_pos > 0 ? std::max(s_lo, max_ratio / min_pos) : s_lo;
    if (f(scaled(base, s_lo, max_ratio)) <= target) {
      r = scaled(base, s_lo, max_ratio);
    } else if (f(scaled(base, s_hi, max_ratio)) <= target) {
      double lo = s_lo, hi = s_hi;
      for (int i = 0; i < budget.steps; ++i) {
        const double mid = 0.5 * (lo + hi);
        (f(scaled(base, mid, max_ratio)) <= target ? hi : lo) = mid;
      }
      r = scaled(base, hi, max_ratio);
    } else {
      // Phase 2: move every ratio from its saturated value towards max_ratio.
      const std::vector<double> sat = scaled(base, s_hi, max_ratio);
      if (f(towards_max(sat, 1.0, max_ratio)) <= target) {
        double lo = 0.0, hi = 1.0;
        for (int i = 0; i < budget.steps; ++i) {
          const double mid = 0.5 * (lo + hi);
          (f(towards_max(sat, mid, max_ratio)) <= target ? hi : lo) = mid;
        }
        r = towards_max(sat, hi, max_ratio);
      } else {
        r = towards_max(sat, 1.0, max_ratio);
        out.budget_met = false;
      }
    }
  }
  evaluate(r, out.active, BudgetMetric::kNone, counts);
  out.cost = cost_model_.cost(counts);
  out.ratios = r;
  for (size_t d = 0; d < groups_.size(); ++d) {
    const int k = counts.kept[groups_[d].group];
    out.kept.push_back(k);
    if (out.active[d] && k < groups_[d].size) out.plan.keep_count(groups_[d].name, k);
  }
  return out;
}

}  // namespace pk
