#include "plan/resolve_counts.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.h"

namespace pk {

std::vector<int> top_channels(const std::vector<float>& scores, int count) {
  PK_ASSERT(count >= 0 && count <= static_cast<int>(scores.size()), "top {} of {}", count, scores.size());
  std::vector<int> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return scores[a] > scores[b]; });
  order.resize(count);
  std::sort(order.begin(), order.end());
  return order;
}

PrunePlan resolve_counts(const PrunePlan& plan, const ChannelAnalysis& analysis, const GroupScores& scores) {
  PrunePlan out = plan;
  for (auto& [name, keep] : out.groups) {
    if (keep.resolved()) continue;
    const ChannelGroup& g = analysis.group(name);  // UserError if unknown
    PK_CHECK(keep.count >= 1 && keep.count <= g.size, "plan: group '{}' keeps {} channels; expected 1..{}", name,
             keep.count, g.size);
    PK_CHECK(g.prunable || keep.count == g.size, "plan: group '{}' cannot be pruned ({}); it must keep all {} channels",
             name, g.reason, g.size);
    if (keep.count == g.size) {  // nothing to choose (pinned groups have no scores)
      keep.indices.resize(g.size);
      std::iota(keep.indices.begin(), keep.indices.end(), 0);
      continue;
    }
    auto it = scores.find(name);
    PK_CHECK(it != scores.end(), "resolve_counts: no importance scores for group '{}' (keeps {} of {})", name,
             keep.count, g.size);
    const auto& s = it->second;
    PK_CHECK(static_cast<int>(s.size()) == g.size, "resolve_counts: group '{}' has {} channels but {} scores", name,
             g.size, s.size());
    for (size_t i = 0; i < s.size(); ++i)
      PK_CHECK(std::isfinite(s[i]), "resolve_counts: group '{}': score of channel {} is {}", name, i, s[i]);
    if (g.blocks <= 1) {
      keep.indices = top_channels(s, keep.count);
      continue;
    }
    // Blocked group (grouped convs): the top count / blocks channels of every block.
    PK_CHECK(keep.count % g.blocks == 0,
             "plan: group '{}' keeps {} channels; it falls into {} blocks, so it must keep a multiple of {}", name,
             keep.count, g.blocks, g.blocks);
    std::vector<std::vector<int>> members(g.blocks);
    for (int i = 0; i < g.size; ++i) members[g.block_of[i]].push_back(i);
    for (const auto& block : members) {
      std::vector<float> bs;
      for (int i : block) bs.push_back(s[i]);
      for (int j : top_channels(bs, keep.count / g.blocks)) keep.indices.push_back(block[j]);
    }
    std::sort(keep.indices.begin(), keep.indices.end());
  }
  return out;
}

}  // namespace pk
