// Options of the per-candidate short fine-tune (train/quick_finetune.h), torch-free.
#pragma once

#include <cstdint>
#include <string>

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

}  // namespace pk
