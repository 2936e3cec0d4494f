// What a search strategy decides, independent of networks: a sequence of decisions in
// topological order, each a block bit (keep/remove a residual block), a prune ratio (of a
// channel group) or a categorical choice (e.g. the group count of a convolution). The driver
// builds the SearchSpace from the channel analysis and turns a strategy's Actions into plans
// with the ActionSpace; strategies see only numbers. Torch-free.
#pragma once

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace pk {

enum class DecisionKind { kBlockBit, kRatio, kCategory };

struct Decision {
  DecisionKind kind = DecisionKind::kRatio;
  std::string name;  // block (Add node), channel-group or conv name, for logs
  /// Index (into SearchSpace::decisions) of the block-bit decision whose "remove" skips this
  /// decision (joint sampling), or -1. A block bit always precedes the decisions it owns.
  int owner_block = -1;
  /// Descriptor fed to learned controllers (search_builder.h lists the columns), normalized to
  /// roughly [0, 1]; the same length for every decision.
  std::vector<double> features;
  /// kCategory only: the values to choose from (e.g. group counts); an Action holds the index.
  std::vector<double> choices;
};

struct SearchSpace {
  std::vector<Decision> decisions;
  double max_ratio = 0.9;  // ratios are sampled in [0, max_ratio]

  int size() const { return static_cast<int>(decisions.size()); }
  int feature_size() const { return decisions.empty() ? 0 : static_cast<int>(decisions[0].features.size()); }
  bool has_kind(DecisionKind kind) const {
    for (const Decision& d : decisions)
      if (d.kind == kind) return true;
    return false;
  }
};

/// UserError if owner_block indices are out of order or do not name block bits, feature
/// lengths differ, a categorical decision has no choice, or max_ratio is outside (0, 1).
void validate(const SearchSpace& space);

/// One point of a SearchSpace: values[i] is 1 (remove) or 0 (keep) for a block bit, a ratio in
/// [0, max_ratio] for a ratio decision, a choice index for a categorical one, or kSkipped for a
/// decision inside a removed block (never sampled; contributes nothing to log-probabilities) —
/// or, in a partial action (cost_oracle.h), a decision not taken yet.
struct Action {
  static constexpr double kSkipped = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> values;

  bool skipped(int i) const { return std::isnan(values[i]); }
};

/// What the driver tells a strategy about one candidate of its last ask.
///  sampled    the strategy's own action, exactly as ask() returned it (before budget projection).
///             Policy-gradient strategies (ABCP: REINFORCE) compute log π on this one: the
///             projection is part of the environment, so crediting anything else is off-policy.
///  evaluated  the action that was actually scored: the budget-projected ratios (clamped to
///             [0, max_ratio]) and effective block bits (from_decoded in search_builder.h).
///             Value-based agents (DDPG: LFGCL, AMC) store and learn from this one.
struct ScoredAction {
  Action sampled;
  Action evaluated;
  double reward = 0;
};

}  // namespace pk
