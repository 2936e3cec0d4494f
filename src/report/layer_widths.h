// Per-layer widths of a pruned network against its original, for reports: which channel groups
// kept how many channels, which residual blocks are gone, which convs became grouped. Torch-free.
#pragma once

#include <string>
#include <vector>

#include "graph/graph.h"

namespace pk {

/// One channel group of the original network (docs/channel-rules.md), in network order.
struct LayerWidth {
  std::string group;      // the group's name: its first producer node
  int original = 0;       // channels in the original network
  int kept = 0;           // channels of that producer in the pruned network (0 if removed)
  bool removed = false;   // the producer is gone (its residual block was removed)
  bool prunable = true;   // false: the analysis pins the group (graph output, …)
  int conv_groups_before = 1;  // the producer's Conv2d `groups` (1 for Linear or dense convs)
  int conv_groups_after = 1;
};

/// Every group of `original` that a Conv2d or Linear produces (graph inputs are left out), with
/// its width in `pruned`, matched by producer name (pruning keeps node names). UserError if a
/// surviving producer is no Conv2d/Linear in `pruned`.
std::vector<LayerWidth> compare_layer_widths(const Graph& original, const Graph& pruned);

/// Names of the residual blocks (their Add nodes) of `original` that `pruned` no longer has.
std::vector<std::string> removed_blocks(const Graph& original, const Graph& pruned);

}  // namespace pk
