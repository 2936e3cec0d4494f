// The graph IR: a topologically ordered list of single-output nodes. A node's name is also
// the name of the value it produces, and names are identity everywhere in prunekit (plans,
// weights, taps, reports). A Graph is immutable once built: make one with GraphBuilder, which
// validates every node and infers shapes; transformations build a new Graph.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "graph/attrs.h"
#include "graph/op_kind.h"
#include "graph/shape.h"

namespace pk {

struct Node {
  std::string name;
  OpKind op = OpKind::kIdentity;
  std::vector<std::string> inputs;  // names of producer nodes, in operand order
  Attrs attrs;                      // the alternative matching `op` (see attrs.h)
  Shape shape;                      // per-sample output shape, set by shape inference

  template <class T>
  const T& attr() const {
    return std::get<T>(attrs);
  }
};

class Graph {
 public:
  Graph() = default;

  const std::vector<Node>& nodes() const { return nodes_; }
  int size() const { return static_cast<int>(nodes_.size()); }
  const Node& node(int index) const { return nodes_.at(index); }
  /// UserError naming the missing node.
  const Node& node(const std::string& name) const;
  bool has(const std::string& name) const { return index_.count(name) != 0; }
  /// Index of `name`, or -1.
  int index_of(const std::string& name) const;

  /// Producer indices of node `index`, in operand order.
  const std::vector<int>& input_indices(int index) const { return input_indices_.at(index); }
  /// Indices of the nodes that read node `index` (each reader once, in topological order).
  const std::vector<int>& consumers(int index) const { return consumers_.at(index); }

  /// Names of the Input nodes, in order.
  std::vector<std::string> input_names() const;
  /// Names of the graph outputs, in order.
  const std::vector<std::string>& outputs() const { return outputs_; }

  bool operator==(const Graph& o) const;

 private:
  friend class GraphBuilder;
  std::vector<Node> nodes_;
  std::vector<std::string> outputs_;
  std::unordered_map<std::string, int> index_;
  std::vector<std::vector<int>> input_indices_;
  std::vector<std::vector<int>> consumers_;
};

}  // namespace pk
