// How latency is measured (eval/latency.h), torch-free.
#pragma once

#include <cstdint>

namespace pk {

struct LatencyOptions {
  int batch = 1;
  int threads = 0;         // 0 = all cores; the previous thread count is restored afterwards
  int warmup = 3;          // untimed runs first (allocator, caches, oneDNN primitive creation)
  int repetitions = 20;    // timed runs
  double max_seconds = 5;  // stop early (after ≥ 3 timed runs) once this much time is spent
  uint64_t seed = 0;       // of the random input
  /// Time the inference form (weights/fold_batchnorm.h: BN merged into the conv before it), as
  /// deployment runtimes run it. Same outputs; one op less per folded BN.
  bool fold_batchnorm = true;
};

}  // namespace pk
