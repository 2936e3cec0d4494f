// search_builder: the bridge between the network-independent SearchSpace (what strategies see)
// and the ActionSpace (what turns numbers into plans). Torch-free, no I/O.
//
// Decisions are in topological order: a block bit sits at its block's first branch node (so it
// precedes every decision it owns), a ratio decision at its group's first producer; ties put the
// block bit first. Features (all ~[0, 1]): [is_block, log2(size)/12, position = node/num_nodes,
// MACs share of the original network] where size is the group's channels (blocks: the channels
// of the Add's output) and the MACs share is the block's branch MACs or the group's first
// producer's MACs.
#pragma once

#include <vector>

#include "analysis/channel_analysis.h"
#include "graph/graph.h"
#include "plan/action_space.h"
#include "search/search_space.h"

namespace pk {

/// How the decisions of a SearchSpace map onto an ActionSpace.
struct SearchMapping {
  SearchSpace space;
  /// Per decision: the ActionSpace decision block (kBlockBit) or decision group (kRatio) index.
  std::vector<int> target;
  int num_groups = 0;
  int num_blocks = 0;
};

/// `actions` must be built from `graph` and `analysis` (= analyze_channels(graph)).
SearchMapping build_search_space(const Graph& graph, const ChannelAnalysis& analysis, const ActionSpace& actions);

/// Search Action → PruneAction: skipped ratios → 0, block bit 1 → remove (skipped → keep).
PruneAction to_prune_action(const SearchMapping& mapping, const Action& action);

/// What was actually evaluated, as a search Action: block bits from decoded.removed, ratios from
/// decoded.ratios (clamped to [0, max_ratio]); a decision whose owner block is removed or skipped
/// is skipped (joint sampling), so log π is computed on exactly the decoded candidate.
Action from_decoded(const SearchMapping& mapping, const DecodedAction& decoded);

}  // namespace pk
