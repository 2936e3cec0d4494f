// The short fine-tune of a detector candidate (ABCP's reference trains the head only): a few
// SGD steps of the YOLO loss (train/yolo_loss.h) on un-augmented training batches, after BN
// recalibration and before scoring.
#pragma once

#include "data/dataset.h"
#include "data/transforms.h"
#include "detect/yolo_layout.h"
#include "exec/executor.h"
#include "train/quick_finetune_options.h"

namespace pk {

/// Trains `net` in place for options.steps batches of the detection set `train` (seeded draws
/// without replacement, the same for every candidate). Scope head: only the output convs (the
/// graph outputs) learn, BN frozen; all: every tensor, BN in train mode. Leaves `net` in eval
/// mode. UserError if `train` is not a detection set or an output is not a Conv2d (scope head).
void quick_finetune_detector(Executor& net, const Dataset& train, const Normalization& normalization,
                             const QuickFinetuneOptions& options, const YoloLayout& layout);

}  // namespace pk
