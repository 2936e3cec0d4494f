// Measured inference latency of a network on this machine (CPU, eval mode, no gradients).
// Search methods call this to score candidates by real speed; `prunekit bench` prints it.
#pragma once

#include <vector>

#include "eval/latency_options.h"
#include "exec/executor.h"

namespace pk {

struct LatencyResult {
  int batch = 0;
  int threads = 0;
  int runs = 0;                // timed runs actually made
  double median_ms = 0;        // per forward pass of the whole batch
  double p10_ms = 0;
  double p90_ms = 0;
  double images_per_second = 0;  // batch / median
};

/// Times forward passes of executor's network (folded if options.fold_batchnorm) on a random
/// input of the graph's input shape. Leaves the executor in eval mode.
LatencyResult measure_latency(Executor& executor, const LatencyOptions& options);

}  // namespace pk
