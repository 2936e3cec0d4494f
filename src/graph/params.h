// The tensors each node owns, derived from the graph alone. This table is the contract between
// the IR and every weight consumer: weight init, the model file, the executor, ONNX I/O.
//   Conv2d      weight [out, in/groups, kh, kw], bias [out] (if bias)
//   BatchNorm2d weight [C], bias [C] (trainable); running_mean [C], running_var [C] (buffers)
//   Linear      weight [out, in], bias [out] (if bias)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "graph/graph.h"

namespace pk {

struct TensorSpec {
  std::string name;            // "weight", "bias", "running_mean", "running_var"
  std::vector<int64_t> shape;  // full tensor shape
  bool trainable = true;       // false for BN running statistics (buffers)

  int64_t numel() const {
    int64_t n = 1;
    for (auto d : shape) n *= d;
    return n;
  }
};

/// Tensors owned by node `index` of `graph` (empty for ops without weights).
std::vector<TensorSpec> tensor_specs(const Graph& graph, int index);

/// The same for a node not (yet) in a graph: its output shape and its first input's channels
/// (0 for ops without inputs).
std::vector<TensorSpec> tensor_specs(const Node& node, const Shape& output, int64_t in_channels);

}  // namespace pk
