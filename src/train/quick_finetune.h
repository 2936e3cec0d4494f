// The optional short fine-tune of a search candidate (algorithms.md §0 step 3, ABCP's reference
// trains only the output head): a few SGD steps after BN recalibration, before scoring.
#pragma once

#include <cstdint>
#include <string>

#include "data/dataset.h"
#include "data/transforms.h"
#include "exec/executor.h"

namespace pk {

enum class FinetuneScope {
  kHead,  // only the final Linear layer; BN statistics stay frozen (eval-mode forward)
  kAll,   // every trainable tensor; BN in train mode
};

FinetuneScope finetune_scope_from_name(const std::string& name);  // "head" | "all"
const char* finetune_scope_name(FinetuneScope scope);

struct QuickFinetuneOptions {
  int steps = 0;  // 0 = no fine-tune
  FinetuneScope scope = FinetuneScope::kHead;
  double lr = 0.01;  // SGD, momentum 0.9, constant
  int64_t batch_size = 128;
  uint64_t seed = 0;  // of the (shuffled) training batches: every candidate sees the same ones
};

/// Trains `net` in place for options.steps batches of `train`. With a `teacher`, the loss is
/// the label-free distillation loss (τ = 4) against the teacher's logits and no label is read;
/// otherwise cross-entropy on the labels. Leaves `net` in eval mode. UserError for scope head
/// on a network whose output is not a Linear layer.
void quick_finetune(Executor& net, const Dataset& train, const Normalization& normalization,
                    const QuickFinetuneOptions& options, Executor* teacher = nullptr);

}  // namespace pk
