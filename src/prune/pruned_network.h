// The result of physically pruning a network: a new graph and its own weights (fresh storage).
#pragma once

#include "graph/graph.h"
#include "weights/weight_store.h"

namespace pk {

struct PrunedNetwork {
  Graph graph;
  WeightStore weights;
};

}  // namespace pk
