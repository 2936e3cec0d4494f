#include "graph/graph.h"

#include "core/error.h"

namespace pk {

const Node& Graph::node(const std::string& name) const {
  int i = index_of(name);
  PK_CHECK(i >= 0, "graph has no node named '{}'", name);
  return nodes_[i];
}

int Graph::index_of(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? -1 : it->second;
}

std::vector<std::string> Graph::input_names() const {
  std::vector<std::string> names;
  for (const auto& n : nodes_)
    if (n.op == OpKind::kInput) names.push_back(n.name);
  return names;
}

namespace {

bool attrs_equal(const Attrs& a, const Attrs& b) {
  if (a.index() != b.index()) return false;
  return std::visit(
      [&](const auto& x) -> bool {
        using T = std::decay_t<decltype(x)>;
        const T& y = std::get<T>(b);
        if constexpr (std::is_same_v<T, std::monostate>) {
          return true;
        } else if constexpr (std::is_same_v<T, InputAttrs>) {
          return x.shape == y.shape;
        } else if constexpr (std::is_same_v<T, ConvAttrs>) {
          return x.out_channels == y.out_channels && x.kernel == y.kernel && x.stride == y.stride &&
                 x.padding == y.padding && x.dilation == y.dilation && x.groups == y.groups &&
                 x.bias == y.bias;
        } else if constexpr (std::is_same_v<T, BatchNormAttrs>) {
          return x.eps == y.eps && x.momentum == y.momentum;
        } else if constexpr (std::is_same_v<T, LayerNormAttrs>) {
          return x.eps == y.eps;
        } else if constexpr (std::is_same_v<T, LeakyReluAttrs>) {
          return x.slope == y.slope;
        } else if constexpr (std::is_same_v<T, PoolAttrs>) {
          return x.kernel == y.kernel && x.stride == y.stride && x.padding == y.padding &&
                 x.ceil_mode == y.ceil_mode && x.count_include_pad == y.count_include_pad;
        } else if constexpr (std::is_same_v<T, UpsampleAttrs>) {
          return x.scale == y.scale;
        } else if constexpr (std::is_same_v<T, PadAttrs>) {
          return x.top == y.top && x.left == y.left && x.bottom == y.bottom && x.right == y.right && x.value == y.value;
        } else if constexpr (std::is_same_v<T, LinearAttrs>) {
          return x.out_features == y.out_features && x.bias == y.bias;
        } else if constexpr (std::is_same_v<T, ChannelSliceAttrs>) {
          return x.start == y.start && x.end == y.end;
        } else {
          static_assert(std::is_same_v<T, ChannelPermuteAttrs>);
          return x.order == y.order;
        }
      },
      a);
}

}  // namespace

bool Graph::operator==(const Graph& o) const {
  if (nodes_.size() != o.nodes_.size() || outputs_ != o.outputs_) return false;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const Node& a = nodes_[i];
    const Node& b = o.nodes_[i];
    if (a.name != b.name || a.op != b.op || a.inputs != b.inputs || a.shape != b.shape ||
        !attrs_equal(a.attrs, b.attrs))
      return false;
  }
  return true;
}

}  // namespace pk
