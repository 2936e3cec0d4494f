// BN recalibration (algorithms.md §0 step 2): after pruning, the running statistics of every
// BatchNorm2d no longer describe its input. Reset them and re-estimate them as the exact
// average over `batches` mini-batches of training images, in train mode without gradients.
// Reads images only (no labels). Leaves the executor in eval mode.
#pragma once

#include "data/dataset.h"
#include "data/transforms.h"
#include "exec/executor.h"
#include "train/recalibration_options.h"

namespace pk {

void recalibrate_batch_norm(Executor& executor, const Dataset& images, const Normalization& normalization,
                            const RecalibrationOptions& options = {});

}  // namespace pk
