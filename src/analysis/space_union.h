// Union-find over "channel spaces" with an index relation on every link. A space is a run of
// channels created by one node (a Conv2d/Linear output, a graph input); uniting two spaces says
// "channel i of space a IS channel rel[i] of space b" (they must be pruned together). Each
// space stores a map from its indices to its parent's, so sets can be joined through channel
// permutations, and every space resolves to (root, index in the root).
// Internal to analyze_channels (channel_analysis.cpp); exposed for its unit tests.
#pragma once

#include <vector>

namespace pk {

class SpaceUnion {
 public:
  /// Adds a singleton space of `size` channels; returns its id (0, 1, 2, ...).
  int add(int size);
  int count() const { return static_cast<int>(parent_.size()); }
  int size(int space) const { return size_.at(space); }

  /// Root of `space`'s set (compresses the path).
  int find(int space);
  /// Index in the root's numbering of channel `index` of `space`.
  int root_index(int space, int index);

  /// Ties space `a` to space `b` with channel i of `a` = channel rel[i] of `b` (`rel` a
  /// permutation of [0, size); empty = identity; sizes must be equal). Returns false and changes
  /// nothing if the two are already tied by a different relation.
  bool unite(int a, int b, const std::vector<int>& rel);

 private:
  std::vector<int> parent_;
  std::vector<int> size_;
  std::vector<int> rank_;
  std::vector<std::vector<int>> to_parent_;  // index in self → index in parent; empty = identity
};

}  // namespace pk
