#include "analysis/channel_cost.h"

#include "core/error.h"

namespace pk {

ChannelCounts ChannelCounts::full(const ChannelAnalysis& analysis) {
  ChannelCounts c;
  for (const auto& g : analysis.groups()) c.kept.push_back(g.size);
  return c;
}

ChannelCostModel::ChannelCostModel(const Graph& graph, const ChannelAnalysis& analysis) {
  analysis.check_graph(graph);
  std::vector<int> form_of(graph.size(), -1);
  auto form = [&](int node) {
    if (form_of[node] < 0) {
      form_of[node] = static_cast<int>(forms_.size());
      forms_.push_back({analysis.value(node).groups, analysis.value(node).spatial});
    }
    return form_of[node];
  };
  for (int i = 0; i < graph.size(); ++i) {
    const Node& n = graph.node(i);
    Item it;
    it.node = i;
    switch (n.op) {
      case OpKind::kConv2d: {
        it.kind = ItemKind::kConv2d;
        const auto& a = n.attr<ConvAttrs>();
        const int in = graph.input_indices(i)[0];
        it.in = form(in);
        it.out = form(i);
        it.kernel = int64_t{a.kernel.h} * a.kernel.w;
        it.area = n.shape.height() * n.shape.width() * it.kernel;
        it.groups = a.groups;
        it.depthwise = a.groups > 1 && a.groups == graph.node(in).shape.channels() && a.groups == a.out_channels;
        it.bias = a.bias;
        break;
      }
      case OpKind::kLinear:
        it.kind = ItemKind::kLinear;
        it.in = form(graph.input_indices(i)[0]);
        it.out = form(i);
        it.bias = n.attr<LinearAttrs>().bias;
        break;
      case OpKind::kBatchNorm2d:
      case OpKind::kLayerNorm:
        it.kind = ItemKind::kNormalization;
        it.out = form(i);
        break;
      case OpKind::kInput:
      case OpKind::kReLU:
      case OpKind::kReLU6:
      case OpKind::kLeakyReLU:
      case OpKind::kSiLU:
      case OpKind::kHardSigmoid:
      case OpKind::kSoftmax:
      case OpKind::kLogSoftmax:
      case OpKind::kHardSwish:
      case OpKind::kGELU:
      case OpKind::kSigmoid:
      case OpKind::kAdd:
      case OpKind::kMul:
      case OpKind::kConcat:
      case OpKind::kMaxPool2d:
      case OpKind::kAvgPool2d:
      case OpKind::kGlobalAvgPool:
      case OpKind::kPad:
      case OpKind::kUpsample:
      case OpKind::kFlatten:
      case OpKind::kChannelPermute:
      case OpKind::kChannelSlice:
      case OpKind::kIdentity:
        continue;  // no weights, no MACs
      case OpKind::kCount:
        PK_ASSERT(false, "invalid op");
    }
    items_.push_back(it);
  }
  original_ = cost(ChannelCounts::full(analysis));
}

int64_t ChannelCostModel::size_of(int form, const std::vector<int>& kept) const {
  const ValueForm& f = forms_[form];
  int64_t n = 0;
  for (const auto& occ : f.groups) n += static_cast<int64_t>(occ.times) * kept[occ.group];
  return n * f.spatial;
}

NodeCost ChannelCostModel::cost(const ChannelCounts& counts) const {
  NodeCost total;
  for (const Item& it : items_) {
    if (!counts.removed.empty() && counts.removed[it.node]) continue;
    switch (it.kind) {
      case ItemKind::kConv2d: {
        const int64_t in = size_of(it.in, counts.kept);
        const int64_t out = it.depthwise ? in : size_of(it.out, counts.kept);
        int64_t groups = it.groups;
        if (it.depthwise) groups = in;
        else if (!counts.conv_groups.empty() && counts.conv_groups[it.node] > 0) groups = counts.conv_groups[it.node];
        PK_ASSERT(in % groups == 0 && out % groups == 0, "conv node {}: {} -> {} channels, groups {}", it.node, in,
                  out, groups);
        total.macs += it.area * out * (in / groups);
        total.params += out * (in / groups) * it.kernel + (it.bias ? out : 0);
        break;
      }
      case ItemKind::kLinear: {
        const int64_t in = size_of(it.in, counts.kept);
        const int64_t out = size_of(it.out, counts.kept);
        total.macs += in * out;
        total.params += in * out + (it.bias ? out : 0);
        break;
      }
      case ItemKind::kNormalization:
        total.params += 2 * size_of(it.out, counts.kept);
        break;
    }
  }
  return total;
}

}  // namespace pk
