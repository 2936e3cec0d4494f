// Folding inference-mode BatchNorm into the convolution that feeds it: the graph half (which
// BN nodes can go, and the graph without them). The weights half, which computes the folded
// conv weights and biases, is weights/fold_batchnorm.h. Only for inference: a folded graph has no
// BN left to train or recalibrate.
#pragma once

#include <string>
#include <vector>

#include "graph/graph.h"

namespace pk {

struct BatchNormFold {
  std::string conv;        // Conv2d node that absorbs the BN (keeps its name, gains a bias)
  std::string batch_norm;  // BatchNorm2d node that disappears
};

/// Every BatchNorm2d whose input is a Conv2d read by nothing else and which is not a graph
/// output, in graph order. (A conv read by other nodes too must keep its un-normalized output.)
std::vector<BatchNormFold> foldable_batchnorms(const Graph& graph);

/// `graph` without the BN nodes of `folds`: each folding conv gets a bias, and every reader of a
/// removed BN, and a graph output naming it, reads the conv instead. Shapes are unchanged.
/// PK_ASSERT that every fold is one foldable_batchnorms(graph) returns.
Graph fold_batchnorm_graph(const Graph& graph, const std::vector<BatchNormFold>& folds);

}  // namespace pk
