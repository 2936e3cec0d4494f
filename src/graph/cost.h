// Complexity per node, per sample (batch 1), from the graph alone.
// MACs count the multiply-accumulates of Conv2d and Linear (the convention of the pruning
// literature: elementwise ops, BN, pooling are 0). Params count trainable parameters
// (BN running statistics excluded). Counts that do not fit in int64 (a node's MACs, the totals)
// are a UserError naming the node and its output shape.
#pragma once

#include <cstdint>
#include <vector>

#include "graph/graph.h"

namespace pk {

struct NodeCost {
  int64_t macs = 0;
  int64_t params = 0;
};

NodeCost node_cost(const Graph& graph, int index);

struct GraphCost {
  int64_t macs = 0;
  int64_t params = 0;
  std::vector<NodeCost> per_node;  // indexed like graph.nodes()
};

GraphCost graph_cost(const Graph& graph);

}  // namespace pk
