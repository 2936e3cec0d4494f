// The statistic every bench program quotes: the median of repeated timings.
#pragma once

#include <algorithm>
#include <vector>

namespace pk::bench {

/// Upper median of `samples` (the middle one for an odd count); `samples` must not be empty.
inline double median(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  return samples[samples.size() / 2];
}

}  // namespace pk::bench
