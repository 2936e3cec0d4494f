// Gradients of the training loss with respect to every trainable tensor, accumulated over a few
// training batches: the input of the taylor importance criterion (prune/importance.h).
#pragma once

#include <cstdint>

#include "data/dataset.h"
#include "data/transforms.h"
#include "exec/executor.h"
#include "weights/weight_store.h"

namespace pk {

struct GradientOptions {
  int batches = 4;          // mini-batches whose gradients are summed
  int64_t batch_size = 128;
  uint64_t seed = 0;        // which images (a shuffled order, no augmentation)
};

/// Σ over `batches` seeded mini-batches of ∂L/∂w, L = mean cross-entropy of the batch, for
/// every trainable tensor of `executor` (conv/linear weight and bias, BN γ/β). The network runs
/// in eval mode: BN normalises with its running statistics (the function the deployed network
/// computes, and the statistics are not changed). Returns a WeightStore with the layout of
/// executor.weights(); BN running statistics are zero in it. The executor's weights are not
/// modified and are left without requires_grad.
WeightStore accumulate_gradients(Executor& executor, const Dataset& train, const Normalization& normalization,
                                 const GradientOptions& options = {});

}  // namespace pk
