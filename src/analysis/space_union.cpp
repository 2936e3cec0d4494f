#include "analysis/space_union.h"

#include "core/error.h"

namespace pk {

int SpaceUnion::add(int size) {
  PK_ASSERT(size >= 0, "space size {}", size);
  parent_.push_back(count());
  size_.push_back(size);
  rank_.push_back(0);
  to_parent_.emplace_back();
  return count() - 1;
}

int SpaceUnion::find(int space) {
  const int p = parent_.at(space);
  if (p == space) return space;
  const int root = find(p);
  if (root != p) {
    // Compose self→p with p→root (p now points at the root directly after find(p)).
    const std::vector<int>& up = to_parent_[p];
    std::vector<int>& mine = to_parent_[space];
    if (!up.empty()) {
      if (mine.empty()) {
        mine = up;
      } else {
        for (int& v : mine) v = up[v];
      }
    }
    parent_[space] = root;
  }
  return root;
}

int SpaceUnion::root_index(int space, int index) {
  PK_ASSERT(index >= 0 && index < size_.at(space), "channel {} of space {} (size {})", index, space,
            size_[space]);
  find(space);
  const std::vector<int>& m = to_parent_[space];
  return m.empty() ? index : m[index];
}

bool SpaceUnion::unite(int a, int b, const std::vector<int>& rel) {
  const int n = size_.at(a);
  PK_ASSERT(n == size_.at(b), "unite spaces of sizes {} and {}", n, size_[b]);
  PK_ASSERT(rel.empty() || static_cast<int>(rel.size()) == n, "relation of size {} for {} channels", rel.size(), n);
  const int ra = find(a);
  const int rb = find(b);
  // r[x] = root-b index of root-a index x.
  std::vector<int> r(n);
  bool identity = true;
  for (int i = 0; i < n; ++i) {
    const int x = root_index(a, i);
    const int y = root_index(b, rel.empty() ? i : rel[i]);
    r[x] = y;
    identity = identity && x == y;
  }
  if (ra == rb) return identity;
  if (rank_[ra] < rank_[rb]) {
    parent_[ra] = rb;
    if (!identity) to_parent_[ra] = std::move(r);
  } else {
    std::vector<int> inverse;
    if (!identity) {
      inverse.assign(n, 0);
      for (int x = 0; x < n; ++x) inverse[r[x]] = x;
    }
    parent_[rb] = ra;
    to_parent_[rb] = std::move(inverse);
    if (rank_[ra] == rank_[rb]) ++rank_[ra];
  }
  return true;
}

}  // namespace pk
