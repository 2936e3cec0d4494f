// Complexity (MACs, params) of a pruned network computed from channel counts alone, without
// building the pruned Graph: the inner loop of budget projection (ActionSpace) and search.
// Same conventions as graph_cost (graph/cost.h), and equal to graph_cost of the graph that
// apply_plan_to_graph builds for the same counts (tested on the whole zoo).
#pragma once

#include <cstdint>
#include <vector>

#include "analysis/channel_analysis.h"
#include "graph/cost.h"

namespace pk {

/// A pruned network by indices: the fast form of a PrunePlan (plan_counts in plan/validate_plan.h;
/// the ActionSpace fills it directly).
struct ChannelCounts {
  std::vector<int> kept;         // per group id: channels kept, 1..size (size = num_groups)
  std::vector<char> removed;     // per node: 1 if dropped (a removed block's branch or Add); empty = none
  std::vector<int> conv_groups;  // per node: groups of that Conv2d after pruning, 0 = unchanged; empty = none

  /// Nothing pruned: every group at its full size.
  static ChannelCounts full(const ChannelAnalysis& analysis);
};

class ChannelCostModel {
 public:
  /// `analysis` must be analyze_channels(graph); neither is referenced after construction.
  ChannelCostModel(const Graph& graph, const ChannelAnalysis& analysis);

  /// Totals (per sample) of the network pruned to `counts`. A depthwise conv's groups follow
  /// its channels; other convs keep their groups unless counts.conv_groups says otherwise.
  /// `counts` must be valid (InternalError on a non-dividing group count).
  NodeCost cost(const ChannelCounts& counts) const;
  /// Totals of the unpruned graph (== graph_cost(graph) totals).
  NodeCost original() const { return original_; }

 private:
  struct ValueForm {
    std::vector<GroupOccurrence> groups;
    int64_t spatial = 1;
  };
  enum class ItemKind { kConv2d, kLinear, kNormalization };  // kNormalization: BN, LayerNorm (2 params/channel)
  struct Item {
    int node = -1;
    ItemKind kind = ItemKind::kConv2d;
    int in = -1;         // index into forms_ of the input value
    int out = -1;        // index into forms_ of the output value
    int64_t area = 1;    // Conv2d: H_out·W_out·kh·kw
    int64_t kernel = 1;  // Conv2d: kh·kw
    int groups = 1;      // Conv2d: original groups
    bool depthwise = false;
    bool bias = false;
  };
  int64_t size_of(int form, const std::vector<int>& kept) const;

  std::vector<ValueForm> forms_;
  std::vector<Item> items_;  // nodes with weights, in node order
  NodeCost original_;
};

}  // namespace pk
