// Where every channel sits once some dense convs become grouped convs (group-convolution
// pruning, docs/methods.md). Torch-free: the weight side is prune/regroup_convs.h.
//
// A regrouped conv with G groups keeps G diagonal blocks of its weight after permuting its
// filters and input channels (ConvPermutation). Realizing it needs its input channels of each
// block next to each other, and it produces its filters block by block. Rather than surround
// every such conv with two ChannelPermute ops, each channel group (ChannelAnalysis) gets one
// *physical order* of its channels, chosen to match one regrouped conv that reads or writes it;
// every dense member of the group (producer rows, BN/depthwise parameters, consumer columns,
// Linear features) is re-indexed to that order at no cost. A ChannelPermute remains only where a
// regrouped conv's blocks do not match the order of its group — two regrouped convs on one group
// (a VGG chain of them, a residual stream written by several), or a group whose order is pinned
// (graph input/output, groups the channel engine may not touch).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "analysis/channel_analysis.h"
#include "graph/graph.h"
#include "plan/prune_plan.h"

namespace pk {

/// What one dense conv becomes: `groups` groups whose blocks are `blocks` (empty vectors =
/// identity permutations: the plain block diagonal).
struct ConvRegroup {
  int groups = 1;
  ConvPermutation blocks;
};

/// How one regrouped conv is realized. Channel numbers are the original (dense) ones.
struct RegroupedConv {
  int node = -1;
  int groups = 1;
  /// Input channel read by grouped column k (block b reads columns [b·C/G, (b+1)·C/G)).
  std::vector<int> columns;
  /// Filter produced at output position k (block b produces [b·F/G, (b+1)·F/G)).
  std::vector<int> filters;
  /// A ChannelPermute before the conv: its output k is its input's physical channel
  /// in_order[k]; empty if the input's physical order already has the blocks' columns.
  std::vector<int> in_order;
  /// A ChannelPermute after the conv: its output k is the conv's output position out_order[k];
  /// empty if the conv produces its group's physical order.
  std::vector<int> out_order;
};

struct RegroupLayout {
  /// Per node: physical[k] = the original channel (feature, for flattened values) of that node's
  /// output at its new position k. For a regrouped conv: the order its readers see (after its
  /// out permute, if any).
  std::vector<std::vector<int>> physical;
  std::vector<RegroupedConv> convs;  // node order
  /// ChannelPermute ops the realization inserts.
  int permutes() const;
};

/// q with q[p[k]] = k: where each element of the permutation `p` sits.
std::vector<int> inverse_permutation(const std::vector<int>& p);

/// The layout for regrouping `convs` (conv name → regroup) in `graph`; `analysis` must be
/// analyze_channels(graph). UserError for an unknown name, a node that is not a dense
/// (groups = 1) Conv2d, groups that do not divide its channels, or blocks that are not
/// permutations of its filters/channels.
RegroupLayout regroup_layout(const Graph& graph, const ChannelAnalysis& analysis,
                             const std::map<std::string, ConvRegroup>& convs);

}  // namespace pk
