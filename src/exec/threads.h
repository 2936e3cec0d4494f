// libtorch starts with one intra-op thread on these machines; prunekit uses every core unless
// told otherwise.
#pragma once

namespace pk {

/// Sets libtorch's intra-op thread count: `threads` > 0 as given, 0 = number of cores.
/// Returns the count in effect.
int configure_threads(int threads = 0);

}  // namespace pk
