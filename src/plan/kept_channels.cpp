#include "plan/kept_channels.h"

#include <fmt/format.h>

#include "core/error.h"
#include "plan/keep_masks.h"
#include "plan/validate_plan.h"

namespace pk {

KeptChannels kept_channels(const Graph& graph, const ChannelAnalysis& analysis, const PrunePlan& plan) {
  const ChannelCounts counts = plan_counts(graph, analysis, plan);  // validates
  for (const auto& [name, keep] : plan.groups) {
    const ChannelGroup& g = analysis.group(name);
    PK_CHECK(keep.resolved() || keep.count == g.size,
             "plan: group '{}' keeps {} of {} channels but does not say which; resolve the plan with an importance "
             "ranking first (resolve_counts)",
             name, keep.count, g.size);
  }
  const auto masks = keep_masks(analysis, plan);
  KeptChannels kc;
  kc.nodes.resize(graph.size());
  for (int i = 0; i < graph.size(); ++i) {
    NodeChannels& nc = kc.nodes[i];
    const Node& n = graph.node(i);
    if (counts.removed[i]) {
      nc.removed = true;
      continue;
    }
    for (int in : graph.input_indices(i)) {
      nc.in.push_back(kept_positions(analysis.value(in), masks));
      nc.in_sizes.push_back(graph.node(in).shape.channels());
    }
    nc.out = kept_positions(analysis.value(i), masks);
    nc.out_size = n.shape.channels();
    if (n.op == OpKind::kConv2d) {
      const auto& a = n.attr<ConvAttrs>();
      const bool depthwise = a.groups > 1 && a.groups == nc.in_sizes[0] && a.groups == a.out_channels;
      nc.groups = a.groups;
      if (depthwise) {
        nc.groups = static_cast<int>(nc.out.size());
      } else if (!counts.conv_groups.empty() && counts.conv_groups[i] > 0 && counts.conv_groups[i] != a.groups) {
        nc.groups = counts.conv_groups[i];
        nc.regrouped = true;
      }
    }
  }
  return kc;
}

}  // namespace pk
