// Rewrites of the imported IR that run after the ONNX walk and before unused nodes are dropped:
// one pattern per entry of import_rewrites(), each a function over the pending nodes. The walk
// (onnx_import.cpp) maps ONNX ops one by one; patterns that span IR nodes live here, so adding
// one is a new entry, not another branch in an op handler. Torch-free.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "graph/graph.h"

namespace pk {

/// The importer's pending nodes in topological order, their positions by name, and the graph outputs.
struct PendingNodes {
  std::vector<Node>& nodes;
  const std::unordered_map<std::string, int>& index;
  const std::vector<std::string>& outputs;
  const Node& producer(const std::string& name) const { return nodes.at(static_cast<size_t>(index.at(name))); }
};

struct ImportRewrite {
  const char* name;     // "gated-activation"
  const char* pattern;  // what it matches and what it becomes, for docs and messages
  /// Rewrites matches in place (a replaced node keeps its name, and every node read by a graph
  /// output keeps its output shape; shapes are inferred again when the graph is built; nodes no
  /// longer read are left for the dead-node sweep); returns the number of matches.
  int (*apply)(PendingNodes& pending);
};

/// Every rewrite, in the order they run.
const std::vector<ImportRewrite>& import_rewrites();

}  // namespace pk
