// What a search strategy decides, independent of networks: a sequence of decisions in
// topological order, each a block bit (keep/remove a residual block) or a prune ratio (of a
// channel group). The driver builds the SearchSpace from the channel analysis and turns a
// strategy's Actions into plans with the ActionSpace; strategies see only numbers.
#pragma once

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace pk {

enum class DecisionKind { kBlockBit, kRatio };

struct Decision {
  DecisionKind kind = DecisionKind::kRatio;
  std::string name;  // block (Add node) or channel-group name, for logs
  /// Index (into SearchSpace::decisions) of the block-bit decision whose "remove" skips this
  /// decision (joint sampling), or -1. A block bit always precedes the decisions it owns.
  int owner_block = -1;
  /// Descriptor fed to learned controllers (kind, channels, kernel, stride, MACs share,
  /// position...), normalized to roughly [0, 1]; the same length for every decision.
  std::vector<double> features;
};

struct SearchSpace {
  std::vector<Decision> decisions;
  double max_ratio = 0.9;  // ratios are sampled in [0, max_ratio]

  int size() const { return static_cast<int>(decisions.size()); }
  int feature_size() const { return decisions.empty() ? 0 : static_cast<int>(decisions[0].features.size()); }
};

/// UserError if owner_block indices are out of order or do not name block bits, or feature
/// lengths differ, or max_ratio is outside (0, 1).
void validate(const SearchSpace& space);

/// One sampled point of a SearchSpace: values[i] is 1 (remove) or 0 (keep) for a block bit, a
/// ratio in [0, max_ratio] for a ratio decision, or kSkipped for a decision inside a removed
/// block (it was never sampled and contributes nothing to log-probabilities).
struct Action {
  static constexpr double kSkipped = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> values;

  bool skipped(int i) const { return std::isnan(values[i]); }
};

struct ScoredAction {
  Action action;
  double reward = 0;
};

}  // namespace pk
