// The deterministic train/search partition of a training set.
#pragma once

#include <cstdint>
#include <vector>

namespace pk {

struct SplitIndices {
  std::vector<int64_t> train, search;  // both ascending, disjoint, together 0..n-1
};

/// `search_size` of the `n` training samples chosen uniformly at random by `seed` go to search,
/// the rest to train; a pure function of (n, search_size, seed). For the same (n, seed) a smaller
/// search split is a subset of a larger one (so it never contains training images). UserError unless
/// 0 ≤ search_size < n.
SplitIndices split_indices(int64_t n, int64_t search_size, uint64_t seed);

}  // namespace pk
