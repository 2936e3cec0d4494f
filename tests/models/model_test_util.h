// Helpers shared by the model tests: node queries written against the Graph API only.
#pragma once

#include <string>
#include <vector>

#include "graph/graph.h"

namespace pk::test {

inline int count_op(const Graph& g, OpKind op) {
  int n = 0;
  for (const auto& node : g.nodes()) n += node.op == op;
  return n;
}

inline std::vector<const Node*> nodes_of(const Graph& g, OpKind op) {
  std::vector<const Node*> out;
  for (const auto& node : g.nodes())
    if (node.op == op) out.push_back(&node);
  return out;
}

inline bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// Input channels of the (single-input) node `name`.
inline int64_t in_channels(const Graph& g, const std::string& name) {
  return g.node(g.node(name).inputs.at(0)).shape.channels();
}

}  // namespace pk::test
