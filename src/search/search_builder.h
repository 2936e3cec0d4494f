// search_builder: the bridge between the network-independent SearchSpace (what strategies see)
// and the ActionSpace (what turns numbers into plans). Torch-free, no I/O.
//
// Decisions are in topological order: a block bit sits at its block's first branch node (so it
// precedes every decision it owns), a ratio decision at its group's first producer; ties put the
// block bit first. Features, one row per decision, each in [0, 1] (kDecisionFeatures columns):
//   0 is_block    1 for a block bit, 0 for a channel group
//   1 in          log2(input channels)/12 of the group's first producer (block: of the block)
//   2 out         log2(channels)/12 of the group (block: of the Add's output)
//   3 kernel      largest kernel side /7 (group: its producers; block: its branch convs)
//   4 stride      largest stride /4 (same members)
//   5 spatial     log2(H·W)/16 of the output (group: first producer; block: the Add)
//   6 macs_share  what pruning it saves, as a fraction of the network's MACs, from the channel
//                 cost model: group → MACs(full) − MACs(the group at 1 channel); block → the
//                 MACs of removing it
//   7 params_share  the same for parameters
//   8 coupled     weighted layers tied to the decision /16, capped at 1 (group: members with
//                 weights — convs, linears, BNs; block: weighted nodes of the branch)
//   9 position    node index / number of nodes
#pragma once

#include <vector>

#include "analysis/channel_analysis.h"
#include "graph/graph.h"
#include "plan/action_space.h"
#include "search/search_space.h"

namespace pk {

constexpr int kDecisionFeatures = 10;

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

/// What was actually evaluated, as a search Action (ScoredAction::evaluated): block bits from
/// decoded.removed, ratios from decoded.ratios (clamped to [0, max_ratio]); a decision whose
/// owner block is removed or skipped is skipped (joint sampling); categorical values are
/// `sampled`'s (the ActionSpace does not change them).
Action from_decoded(const SearchMapping& mapping, const DecodedAction& decoded, const Action& sampled);

}  // namespace pk
