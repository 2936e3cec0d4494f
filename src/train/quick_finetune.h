// The optional short fine-tune of a search candidate (algorithms.md §0 step 3, ABCP's reference
// trains only the output head): a few SGD steps after BN recalibration, before scoring.
#pragma once

#include <cstdint>
#include <string>

#include "data/dataset.h"
#include "data/transforms.h"
#include "exec/executor.h"
#include "train/quick_finetune_options.h"

namespace pk {

/// Trains `net` in place for options.steps batches of `train`. With a `teacher`, the loss is
/// the label-free distillation loss (τ = 4) against the teacher's logits and no label is read;
/// otherwise cross-entropy on the labels. Leaves `net` in eval mode. UserError for scope head
/// on a network whose output is not a Linear layer.
void quick_finetune(Executor& net, const Dataset& train, const Normalization& normalization,
                    const QuickFinetuneOptions& options, Executor* teacher = nullptr);

}  // namespace pk
