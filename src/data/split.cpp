#include "data/split.h"

#include <algorithm>

#include "core/error.h"
#include "data/random.h"

namespace pk {

namespace {
constexpr uint64_t kSplitStream = 0x73706c6974ull;  // "split"
}

SplitIndices split_indices(int64_t n, int64_t search_size, uint64_t seed) {
  PK_CHECK(search_size >= 0, "search split size must be ≥ 0, got {}", search_size);
  PK_CHECK(search_size < n,
           "search split size {} must be smaller than the training set ({} samples), so that some "
           "training samples remain", search_size, n);
  std::vector<int64_t> perm = random_permutation(n, derive_seed(seed, kSplitStream));
  std::vector<char> in_search(static_cast<size_t>(n), 0);
  for (int64_t i = 0; i < search_size; ++i) in_search[static_cast<size_t>(perm[i])] = 1;
  SplitIndices out;
  out.search.reserve(static_cast<size_t>(search_size));
  out.train.reserve(static_cast<size_t>(n - search_size));
  for (int64_t i = 0; i < n; ++i) (in_search[static_cast<size_t>(i)] ? out.search : out.train).push_back(i);
  return out;
}

}  // namespace pk
