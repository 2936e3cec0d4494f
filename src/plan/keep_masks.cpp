#include "plan/keep_masks.h"

namespace pk {

std::vector<std::vector<char>> keep_masks(const ChannelAnalysis& analysis, const PrunePlan& plan) {
  std::vector<std::vector<char>> masks;
  for (const auto& g : analysis.groups()) masks.emplace_back(g.size, 1);
  for (const auto& [name, keep] : plan.groups) {
    const int id = analysis.group_index(name);
    if (id < 0) continue;
    auto& m = masks[id];
    if (keep.resolved()) {
      m.assign(m.size(), 0);
      for (int i : keep.indices) m.at(i) = 1;
    } else {
      for (size_t i = 0; i < m.size(); ++i) m[i] = static_cast<int>(i) < keep.count;
    }
  }
  return masks;
}

std::vector<int> kept_positions(const ValueChannels& value, const std::vector<std::vector<char>>& masks) {
  std::vector<int> out;
  const int sp = static_cast<int>(value.spatial);
  for (size_t c = 0; c < value.refs.size(); ++c) {
    const auto& r = value.refs[c];
    if (!masks[r.group][r.index]) continue;
    for (int s = 0; s < sp; ++s) out.push_back(static_cast<int>(c) * sp + s);
  }
  return out;
}

}  // namespace pk
