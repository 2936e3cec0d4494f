#include "graph/builder.h"

#include <cctype>

#include "core/error.h"

namespace pk {
namespace {

bool legal_name(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '/' ||
              c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

const std::string& GraphBuilder::add(Node node) {
  PK_CHECK(legal_name(node.name),
           "node name '{}' is not legal: use letters, digits and _ . / : - (no spaces, not empty)", node.name);
  PK_CHECK(!graph_.has(node.name), "duplicate node name '{}'", node.name);
  std::vector<const Shape*> shapes;
  std::vector<int> indices;
  for (const auto& in : node.inputs) {
    int i = graph_.index_of(in);
    PK_CHECK(i >= 0, "node '{}': input '{}' is not defined before it", node.name, in);
    indices.push_back(i);
    shapes.push_back(&graph_.nodes_[i].shape);
  }
  node.shape = infer_shape(node, shapes);
  const int index = graph_.size();
  for (int i : indices) {
    auto& cons = graph_.consumers_[i];
    if (cons.empty() || cons.back() != index) cons.push_back(index);
  }
  graph_.index_[node.name] = index;
  graph_.input_indices_.push_back(std::move(indices));
  graph_.consumers_.emplace_back();
  graph_.nodes_.push_back(std::move(node));
  return graph_.nodes_.back().name;
}

std::string GraphBuilder::input(const std::string& name, const Shape& shape) {
  return add(Node{name, OpKind::kInput, {}, InputAttrs{shape}, {}});
}

std::string GraphBuilder::conv(const std::string& name, const std::string& x, int out_channels, int kernel,
                               int stride, int padding, int groups, bool bias, int dilation) {
  ConvAttrs a;
  a.out_channels = out_channels;
  a.kernel = {kernel, kernel};
  a.stride = {stride, stride};
  a.padding = {padding, padding};
  a.dilation = {dilation, dilation};
  a.groups = groups;
  a.bias = bias;
  return conv(name, x, a);
}

std::string GraphBuilder::conv(const std::string& name, const std::string& x, const ConvAttrs& attrs) {
  return add(Node{name, OpKind::kConv2d, {x}, attrs, {}});
}

std::string GraphBuilder::batch_norm(const std::string& name, const std::string& x, double eps, double momentum) {
  return add(Node{name, OpKind::kBatchNorm2d, {x}, BatchNormAttrs{eps, momentum}, {}});
}

std::string GraphBuilder::layer_norm(const std::string& name, const std::string& x, double eps) {
  return add(Node{name, OpKind::kLayerNorm, {x}, LayerNormAttrs{eps}, {}});
}

std::string GraphBuilder::relu(const std::string& name, const std::string& x) {
  return add(Node{name, OpKind::kReLU, {x}, {}, {}});
}
std::string GraphBuilder::relu6(const std::string& name, const std::string& x) {
  return add(Node{name, OpKind::kReLU6, {x}, {}, {}});
}
std::string GraphBuilder::leaky_relu(const std::string& name, const std::string& x, double slope) {
  return add(Node{name, OpKind::kLeakyReLU, {x}, LeakyReluAttrs{slope}, {}});
}
std::string GraphBuilder::silu(const std::string& name, const std::string& x) {
  return add(Node{name, OpKind::kSiLU, {x}, {}, {}});
}
std::string GraphBuilder::gelu(const std::string& name, const std::string& x) {
  return add(Node{name, OpKind::kGELU, {x}, {}, {}});
}
std::string GraphBuilder::sigmoid(const std::string& name, const std::string& x) {
  return add(Node{name, OpKind::kSigmoid, {x}, {}, {}});
}
std::string GraphBuilder::softmax(const std::string& name, const std::string& x, bool log) {
  return add(Node{name, log ? OpKind::kLogSoftmax : OpKind::kSoftmax, {x}, {}, {}});
}
std::string GraphBuilder::add(const std::string& name, const std::string& a, const std::string& b) {
  return add(Node{name, OpKind::kAdd, {a, b}, {}, {}});
}
std::string GraphBuilder::mul(const std::string& name, const std::string& a, const std::string& b) {
  return add(Node{name, OpKind::kMul, {a, b}, {}, {}});
}
std::string GraphBuilder::concat(const std::string& name, const std::vector<std::string>& xs) {
  return add(Node{name, OpKind::kConcat, xs, {}, {}});
}

std::string GraphBuilder::max_pool(const std::string& name, const std::string& x, int kernel, int stride,
                                   int padding, bool ceil_mode) {
  PoolAttrs a{{kernel, kernel}, {stride, stride}, {padding, padding}, ceil_mode, true};
  return add(Node{name, OpKind::kMaxPool2d, {x}, a, {}});
}

std::string GraphBuilder::avg_pool(const std::string& name, const std::string& x, int kernel, int stride,
                                   int padding, bool ceil_mode, bool count_include_pad) {
  PoolAttrs a{{kernel, kernel}, {stride, stride}, {padding, padding}, ceil_mode, count_include_pad};
  return add(Node{name, OpKind::kAvgPool2d, {x}, a, {}});
}

std::string GraphBuilder::global_avg_pool(const std::string& name, const std::string& x) {
  return add(Node{name, OpKind::kGlobalAvgPool, {x}, {}, {}});
}
std::string GraphBuilder::upsample(const std::string& name, const std::string& x, int scale) {
  return add(Node{name, OpKind::kUpsample, {x}, UpsampleAttrs{scale}, {}});
}

std::string GraphBuilder::pad(const std::string& name, const std::string& x, const PadAttrs& attrs) {
  return add(Node{name, OpKind::kPad, {x}, attrs, {}});
}
std::string GraphBuilder::flatten(const std::string& name, const std::string& x) {
  return add(Node{name, OpKind::kFlatten, {x}, {}, {}});
}
std::string GraphBuilder::linear(const std::string& name, const std::string& x, int out_features, bool bias) {
  return add(Node{name, OpKind::kLinear, {x}, LinearAttrs{out_features, bias}, {}});
}
std::string GraphBuilder::channel_permute(const std::string& name, const std::string& x, std::vector<int> order) {
  return add(Node{name, OpKind::kChannelPermute, {x}, ChannelPermuteAttrs{std::move(order)}, {}});
}
std::string GraphBuilder::channel_slice(const std::string& name, const std::string& x, int start, int end) {
  return add(Node{name, OpKind::kChannelSlice, {x}, ChannelSliceAttrs{start, end}, {}});
}
std::string GraphBuilder::identity(const std::string& name, const std::string& x) {
  return add(Node{name, OpKind::kIdentity, {x}, {}, {}});
}

void GraphBuilder::output(const std::string& name) {
  PK_CHECK(graph_.has(name), "output '{}' is not a node of the graph", name);
  for (const auto& o : graph_.outputs_) PK_CHECK(o != name, "output '{}' is declared twice", name);
  graph_.outputs_.push_back(name);
}

const Shape& GraphBuilder::shape(const std::string& name) const { return graph_.node(name).shape; }

Graph GraphBuilder::build() {
  PK_CHECK(!graph_.input_names().empty(), "graph has no Input node");
  PK_CHECK(!graph_.outputs_.empty(), "graph has no output");
  Graph g = std::move(graph_);
  graph_ = Graph();
  return g;
}

}  // namespace pk
