// GraphBuilder: the only way to make a Graph. Every add validates the node (unique legal name,
// existing inputs, arity, the attribute type for the op, channel/shape compatibility) and
// infers its output shape; a violation is a UserError naming the node. Convenience methods
// return the new node's name so builders read like a forward pass:
//   GraphBuilder b;
//   auto x = b.input("input", Shape{{1, 28, 28}});
//   x = b.relu("relu1", b.batch_norm("bn1", b.conv("conv1", x, 16, 3, 1, 1)));
//   b.output(b.linear("fc", b.flatten("flat", b.global_avg_pool("pool", x)), 10));
//   Graph g = b.build();
#pragma once

#include <string>
#include <vector>

#include "graph/graph.h"

namespace pk {

class GraphBuilder {
 public:
  /// Adds a fully specified node (its `shape` is ignored and inferred). Returns its name.
  const std::string& add(Node node);

  std::string input(const std::string& name, const Shape& shape);
  /// Square kernel/stride/padding convenience.
  std::string conv(const std::string& name, const std::string& x, int out_channels, int kernel,
                   int stride = 1, int padding = 0, int groups = 1, bool bias = false, int dilation = 1);
  std::string conv(const std::string& name, const std::string& x, const ConvAttrs& attrs);
  std::string batch_norm(const std::string& name, const std::string& x, double eps = 1e-5,
                         double momentum = 0.1);
  /// LayerNorm over the channels of each position (LayerNormAttrs).
  std::string layer_norm(const std::string& name, const std::string& x, double eps = 1e-6);
  std::string relu(const std::string& name, const std::string& x);
  std::string relu6(const std::string& name, const std::string& x);
  std::string leaky_relu(const std::string& name, const std::string& x, double slope = 0.01);
  std::string silu(const std::string& name, const std::string& x);
  std::string sigmoid(const std::string& name, const std::string& x);
  std::string gelu(const std::string& name, const std::string& x);
  /// Softmax (log = false) or LogSoftmax over the entries of a vector [K].
  std::string softmax(const std::string& name, const std::string& x, bool log = false);
  std::string add(const std::string& name, const std::string& a, const std::string& b);
  std::string mul(const std::string& name, const std::string& a, const std::string& b);
  std::string concat(const std::string& name, const std::vector<std::string>& xs);
  std::string max_pool(const std::string& name, const std::string& x, int kernel, int stride,
                       int padding = 0, bool ceil_mode = false);
  std::string avg_pool(const std::string& name, const std::string& x, int kernel, int stride,
                       int padding = 0, bool ceil_mode = false, bool count_include_pad = true);
  std::string global_avg_pool(const std::string& name, const std::string& x);
  std::string pad(const std::string& name, const std::string& x, const PadAttrs& attrs);
  std::string upsample(const std::string& name, const std::string& x, int scale = 2);
  std::string flatten(const std::string& name, const std::string& x);
  std::string linear(const std::string& name, const std::string& x, int out_features, bool bias = true);
  std::string channel_permute(const std::string& name, const std::string& x, std::vector<int> order);
  /// Channels [start, end) of x.
  std::string channel_slice(const std::string& name, const std::string& x, int start, int end);
  std::string identity(const std::string& name, const std::string& x);

  /// Marks an existing node as a graph output (in call order).
  void output(const std::string& name);

  /// Shape of an already added node (useful inside model builders).
  const Shape& shape(const std::string& name) const;
  bool has(const std::string& name) const { return graph_.has(name); }

  /// Finishes the graph: needs ≥ 1 input and ≥ 1 output. The builder is left empty.
  Graph build();

 private:
  Graph graph_;
};

/// Infers the output shape of `node` from its producers' shapes; UserError naming the node
/// if the inputs or attributes are incompatible.
Shape infer_shape(const Node& node, const std::vector<const Shape*>& input_shapes);

}  // namespace pk
