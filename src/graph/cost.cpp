#include "graph/cost.h"

#include "graph/params.h"

namespace pk {

NodeCost node_cost(const Graph& graph, int index) {
  const Node& n = graph.node(index);
  NodeCost c;
  for (const auto& spec : tensor_specs(graph, index))
    if (spec.trainable) c.params += spec.numel();
  if (n.op == OpKind::kConv2d) {
    const auto& a = n.attr<ConvAttrs>();
    const int64_t in = graph.node(graph.input_indices(index)[0]).shape.channels();
    c.macs = n.shape.numel() * (in / a.groups) * a.kernel.h * a.kernel.w;
  } else if (n.op == OpKind::kLinear) {
    const int64_t in = graph.node(graph.input_indices(index)[0]).shape.channels();
    c.macs = in * n.attr<LinearAttrs>().out_features;
  }
  return c;
}

GraphCost graph_cost(const Graph& graph) {
  GraphCost total;
  for (int i = 0; i < graph.size(); ++i) {
    total.per_node.push_back(node_cost(graph, i));
    total.macs += total.per_node.back().macs;
    total.params += total.per_node.back().params;
  }
  return total;
}

}  // namespace pk
