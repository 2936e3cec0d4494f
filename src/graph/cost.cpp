#include "graph/cost.h"

#include <optional>

#include "core/error.h"
#include "graph/params.h"

namespace pk {
namespace {

/// The product of `factors`, or UserError naming node `n` and its output shape: its MACs do
/// not fit in int64.
int64_t macs_or_throw(const Node& n, std::initializer_list<int64_t> factors) {
  std::optional<int64_t> macs = 1;
  for (int64_t f : factors)
    if (macs) macs = checked_mul(*macs, f);
  PK_CHECK(macs.has_value(), "node '{}' ({}): the MACs of output shape {} do not fit in int64", n.name, op_name(n.op),
           n.shape.str());
  return *macs;
}

/// total + add, or UserError naming node `n`: the `what` (MACs/params) up to it do not fit in int64.
int64_t add_or_throw(int64_t total, int64_t add, const Node& n, const char* what) {
  const std::optional<int64_t> sum = checked_add(total, add);
  PK_CHECK(sum.has_value(), "node '{}' ({}): the total {} up to this node (output shape {}) do not fit in int64",
           n.name, op_name(n.op), what, n.shape.str());
  return *sum;
}

}  // namespace

NodeCost node_cost(const Graph& graph, int index) {
  const Node& n = graph.node(index);
  NodeCost c;
  for (const auto& spec : tensor_specs(graph, index))
    if (spec.trainable) c.params = add_or_throw(c.params, spec.numel(), n, "params");
  if (n.op == OpKind::kConv2d) {
    const auto& a = n.attr<ConvAttrs>();
    const int64_t in = graph.node(graph.input_indices(index)[0]).shape.channels();
    c.macs = macs_or_throw(n, {n.shape.numel(), in / a.groups, a.kernel.h, a.kernel.w});
  } else if (n.op == OpKind::kLinear) {
    const int64_t in = graph.node(graph.input_indices(index)[0]).shape.channels();
    c.macs = macs_or_throw(n, {in, n.attr<LinearAttrs>().out_features});
  }
  return c;
}

GraphCost graph_cost(const Graph& graph) {
  GraphCost total;
  for (int i = 0; i < graph.size(); ++i) {
    total.per_node.push_back(node_cost(graph, i));
    total.macs = add_or_throw(total.macs, total.per_node.back().macs, graph.node(i), "MACs");
    total.params = add_or_throw(total.params, total.per_node.back().params, graph.node(i), "params");
  }
  return total;
}

}  // namespace pk
