// Inference form of a network: every foldable BatchNorm (graph/batchnorm_folding.h) merged into
// the convolution before it. With s = γ/√(running_var + eps) per output channel:
//   W' = W · s   (scaled along output channels),   b' = (b − running_mean) · s + β   (b = 0 if none)
// The folded network computes the eval-mode output of the original up to float rounding, with
// one op less per BN: what deployment runtimes run (ONNX Runtime folds BN the same way), so
// latency is measured on it.
#pragma once

#include "graph/batchnorm_folding.h"
#include "graph/graph.h"
#include "weights/weight_store.h"

namespace pk {

struct FoldedNetwork {
  Graph graph;
  WeightStore weights;  // fresh storage; the inputs are never modified
  int folded = 0;       // BN nodes removed
};

FoldedNetwork fold_batchnorm(const Graph& graph, const WeightStore& weights);

}  // namespace pk
