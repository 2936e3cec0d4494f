#include "report/layer_widths.h"

#include "analysis/channel_analysis.h"
#include "analysis/residual_blocks.h"
#include "core/error.h"

namespace pk {
namespace {

bool produces_channels(OpKind op) { return op == OpKind::kConv2d || op == OpKind::kLinear; }

int conv_groups(const Node& node) { return node.op == OpKind::kConv2d ? node.attr<ConvAttrs>().groups : 1; }

}  // namespace

std::vector<LayerWidth> compare_layer_widths(const Graph& original, const Graph& pruned) {
  const ChannelAnalysis analysis = analyze_channels(original);
  std::vector<LayerWidth> widths;
  for (const ChannelGroup& g : analysis.groups()) {
    const Node& producer = original.node(g.name);
    if (!produces_channels(producer.op)) continue;  // graph inputs
    LayerWidth w;
    w.group = g.name;
    w.original = g.size;
    w.prunable = g.prunable;
    w.conv_groups_before = conv_groups(producer);
    if (pruned.has(g.name)) {
      const Node& now = pruned.node(g.name);
      PK_CHECK(produces_channels(now.op), "the pruned network's node '{}' is no Conv2d/Linear, as it is in the original",
               g.name);
      w.kept = static_cast<int>(now.shape.channels());
      w.conv_groups_after = conv_groups(now);
    } else {
      w.removed = true;
      w.conv_groups_after = w.conv_groups_before;
    }
    widths.push_back(w);
  }
  return widths;
}

std::vector<std::string> removed_blocks(const Graph& original, const Graph& pruned) {
  std::vector<std::string> names;
  for (const ResidualBlock& b : find_residual_blocks(original)) {
    const std::string& add = original.node(b.add).name;
    if (!pruned.has(add)) names.push_back(add);
  }
  return names;
}

}  // namespace pk
