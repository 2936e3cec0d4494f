// Classification accuracy of an executor on a dataset (eval mode, no gradients).
#pragma once

#include <cstdint>

#include "data/dataset.h"
#include "exec/executor.h"

namespace pk {

struct EvalResult {
  double top1 = 0;        // fraction in [0, 1]
  double top5 = 0;        // fraction in [0, 1] (= top1-or-better when fewer than 5 classes)
  double loss = 0;        // mean cross-entropy
  int64_t samples = 0;
  double images_per_second = 0;
};

/// Leaves the executor in eval mode. `show_progress` draws a progress bar on stderr.
EvalResult evaluate(Executor& executor, const Dataset& data, const Normalization& normalization,
                    int64_t batch_size = 256, bool show_progress = false);

}  // namespace pk
