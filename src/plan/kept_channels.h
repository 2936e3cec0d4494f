// Which channels of every node survive a plan: the contract between the torch-free plan and the
// weight slicer (src/prune). Indices always refer to the ORIGINAL graph's numbering, are
// ascending, and list the kept channels in the order they take in the pruned graph
// (apply_plan_to_graph builds exactly these channel counts, by the same rule: keep_masks.h).
//
// How the slicer uses it, per op (W = original tensor, idx = torch index_select):
//   Conv2d, groups = 1      weight = W.idx(0, out).idx(1, in[0]); bias = b.idx(0, out)
//   Conv2d, depthwise       weight = W.idx(0, out)  (dim 1 is 1); bias = b.idx(0, out);
//                           groups = out.size() (= in[0].size())
//   Conv2d, other groups    G = groups stays (in/out are everything when the analysis pinned it:
//                           AnalysisOptions::grouped_conv_blocks = false): the plan keeps the same number of
//                           filters and of inputs per block, so with P = C/G, Q = F/G:
//                           weight = concat over blocks b of W.idx(0, out ∩ [bQ, (b+1)Q))
//                                    .idx(1, (in[0] ∩ [bP, (b+1)P)) − bP)
//                           unless `regrouped`: then the plan changed its groups and re-blocking
//                           the weight is the regroup_convs' job (prune/regroup_convs.h); the
//                           slicer never sees it
//   Linear                  weight = W.idx(0, out).idx(1, in[0]) (in[0] = input FEATURES,
//                           flatten-expanded: channel c keeps features [c·HW, (c+1)·HW));
//                           bias = b.idx(0, out)
//   BatchNorm2d             weight, bias, running_mean, running_var = X.idx(0, out)
//   other ops               no tensors
// Nodes of removed blocks have `removed` set and no indices; a reader of a removed block's Add
// reads the block's entry instead, whose channels are numbered like the Add's.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/channel_analysis.h"
#include "graph/graph.h"
#include "plan/prune_plan.h"

namespace pk {

struct NodeChannels {
  bool removed = false;
  std::vector<std::vector<int>> in;  // per operand: kept channel (feature) indices of that input
  std::vector<int> out;              // kept output channels (features)
  int groups = 1;                    // Conv2d: groups of the pruned conv
  bool regrouped = false;            // Conv2d: plan.conv_groups changed its group count
  std::vector<int64_t> in_sizes;     // per operand: its original channels (features)
  int64_t out_size = 0;              // original output channels (features)

  /// True if nothing of operand `k` / of the output is pruned.
  bool in_full(size_t k = 0) const { return static_cast<int64_t>(in.at(k).size()) == in_sizes.at(k); }
  bool out_full() const { return static_cast<int64_t>(out.size()) == out_size; }
};

struct KeptChannels {
  std::vector<NodeChannels> nodes;  // indexed like graph.nodes()
};

/// Kept channels of every node of `graph` under `plan` (validated first). Needs a resolved plan:
/// UserError naming the group if one keeps fewer channels than its size without saying which
/// (resolve it with resolve_counts). `analysis` must be analyze_channels(graph).
KeptChannels kept_channels(const Graph& graph, const ChannelAnalysis& analysis, const PrunePlan& plan);

}  // namespace pk
