#include "plan/apply_plan.h"

#include <algorithm>

#include "core/error.h"
#include "graph/builder.h"
#include "plan/keep_masks.h"
#include "plan/validate_plan.h"

namespace pk {

Graph apply_plan_to_graph(const Graph& graph, const ChannelAnalysis& analysis, const PrunePlan& plan) {
  const ChannelCounts counts = plan_counts(graph, analysis, plan);  // validates
  const auto masks = keep_masks(analysis, plan);
  // A removed block's Add is replaced by its entry (which may itself be a replaced Add).
  std::vector<int> replacement(graph.size(), -1);
  for (const auto& name : plan.removed_blocks) {
    const ResidualBlock& blk = analysis.blocks()[analysis.block_index(name)];
    replacement[blk.add] = blk.entry;
  }
  auto resolve = [&](int i) {
    while (replacement[i] >= 0) i = replacement[i];
    return i;
  };
  GraphBuilder b;
  for (int i = 0; i < graph.size(); ++i) {
    if (counts.removed[i]) continue;
    Node n = graph.node(i);
    const auto& ins = graph.input_indices(i);
    for (size_t k = 0; k < ins.size(); ++k) n.inputs[k] = graph.node(resolve(ins[k])).name;
    const int64_t channels = analysis.value_size(i, counts.kept);
    switch (n.op) {
      case OpKind::kConv2d: {
        auto& a = std::get<ConvAttrs>(n.attrs);
        const bool depthwise = a.groups > 1 && a.groups == graph.node(ins[0]).shape.channels() &&
                               a.groups == a.out_channels;
        a.out_channels = static_cast<int>(channels);
        if (depthwise) a.groups = a.out_channels;
        else if (!counts.conv_groups.empty() && counts.conv_groups[i] > 0) a.groups = counts.conv_groups[i];
        break;
      }
      case OpKind::kLinear:
        std::get<LinearAttrs>(n.attrs).out_features = static_cast<int>(channels);
        break;
      case OpKind::kChannelPermute: {
        auto& order = std::get<ChannelPermuteAttrs>(n.attrs).order;
        const auto kept_in = kept_positions(analysis.value(ins[0]), masks);
        const auto kept_out = kept_positions(analysis.value(i), masks);
        std::vector<int> new_position(order.size(), -1);
        for (size_t k = 0; k < kept_in.size(); ++k) new_position[kept_in[k]] = static_cast<int>(k);
        std::vector<int> new_order;
        for (int c : kept_out) {
          PK_ASSERT(new_position[order[c]] >= 0, "permute '{}': kept output {} reads a pruned input", n.name, c);
          new_order.push_back(new_position[order[c]]);
        }
        order = std::move(new_order);
        break;
      }
      case OpKind::kChannelSlice: {  // the kept channels of [start, end) stay a contiguous run of the pruned input
        auto& a = std::get<ChannelSliceAttrs>(n.attrs);
        const auto kept_in = kept_positions(analysis.value(ins[0]), masks);
        const auto before = [&](int c) {
          return static_cast<int>(std::lower_bound(kept_in.begin(), kept_in.end(), c) - kept_in.begin());
        };
        a = ChannelSliceAttrs{before(a.start), before(a.end)};
        break;
      }
      case OpKind::kInput:
      case OpKind::kBatchNorm2d:
      case OpKind::kLayerNorm:
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
      case OpKind::kIdentity:
        break;  // channel counts follow from the inputs by shape inference
      case OpKind::kCount:
        PK_ASSERT(false, "invalid op");
    }
    b.add(std::move(n));
  }
  for (const auto& out : graph.outputs()) b.output(graph.node(resolve(graph.index_of(out))).name);
  Graph pruned = b.build();
  for (int i = 0; i < pruned.size(); ++i) {
    const int old = graph.index_of(pruned.node(i).name);
    PK_ASSERT(pruned.node(i).shape.channels() == analysis.value_size(old, counts.kept),
              "pruned '{}' has {} channels, the plan says {}", pruned.node(i).name, pruned.node(i).shape.channels(),
              analysis.value_size(old, counts.kept));
  }
  return pruned;
}

}  // namespace pk
