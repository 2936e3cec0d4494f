#include "search/search_builder.h"

#include <algorithm>
#include <cmath>
#include <tuple>

#include "core/error.h"
#include "graph/cost.h"

namespace pk {

SearchMapping build_search_space(const Graph& graph, const ChannelAnalysis& analysis, const ActionSpace& actions) {
  const int num_nodes = std::max(1, static_cast<int>(graph.nodes().size()));
  const GraphCost cost = graph_cost(graph);
  const double total_macs = std::max<double>(1.0, static_cast<double>(cost.macs));
  const auto& blocks = actions.blocks();
  const auto& groups = actions.groups();
  const auto& rblocks = analysis.blocks();

  // Per decision block: start node, branch MACs, branch size (for "innermost").
  std::vector<int> block_start(blocks.size());
  std::vector<double> block_macs(blocks.size(), 0.0);
  std::vector<size_t> block_len(blocks.size(), 0);
  for (size_t b = 0; b < blocks.size(); ++b) {
    const ResidualBlock& rb = rblocks.at(blocks[b].block);
    block_start[b] = rb.branch.empty() ? blocks[b].node : std::min(rb.branch.front(), blocks[b].node);
    block_len[b] = rb.branch.size();
    for (int n : rb.branch) block_macs[b] += static_cast<double>(cost.per_node.at(n).macs);
  }
  // Innermost of a set of decision blocks: the one with the shortest branch (nested ones are shorter).
  auto innermost = [&](const std::vector<int>& candidates) {
    int best = -1;
    for (int b : candidates)
      if (best < 0 || block_len[b] < block_len[best] || (block_len[b] == block_len[best] && b > best)) best = b;
    return best;
  };
  std::vector<int> block_parent(blocks.size(), -1);
  for (size_t b = 0; b < blocks.size(); ++b) {
    std::vector<int> enclosing;
    for (size_t o = 0; o < blocks.size(); ++o)
      if (o != b && std::find(blocks[o].nested.begin(), blocks[o].nested.end(), static_cast<int>(b)) !=
                        blocks[o].nested.end())
        enclosing.push_back(static_cast<int>(o));
    block_parent[b] = innermost(enclosing);
  }

  // (position node, kind 0 = block / 1 = group, index)
  std::vector<std::tuple<int, int, int>> order;
  for (size_t b = 0; b < blocks.size(); ++b) order.emplace_back(block_start[b], 0, static_cast<int>(b));
  for (size_t g = 0; g < groups.size(); ++g) order.emplace_back(groups[g].node, 1, static_cast<int>(g));
  std::sort(order.begin(), order.end());

  SearchMapping m;
  m.num_blocks = actions.num_blocks();
  m.num_groups = actions.num_groups();
  m.space.max_ratio = actions.options().max_ratio;
  if (!(m.space.max_ratio > 0 && m.space.max_ratio < 1)) m.space.max_ratio = 0.9;
  std::vector<int> block_decision(blocks.size(), -1);
  for (const auto& [node, kind, index] : order) {
    Decision d;
    int owner_block = -1;
    double size = 1, macs = 0;
    if (kind == 0) {
      d.kind = DecisionKind::kBlockBit;
      d.name = blocks[index].name;
      owner_block = block_parent[index];
      const auto& shape = graph.nodes().at(blocks[index].node).shape;
      size = shape.dims.empty() ? 1 : static_cast<double>(shape.dims[0]);
      macs = block_macs[index];
      block_decision[index] = m.space.size();
    } else {
      d.kind = DecisionKind::kRatio;
      d.name = groups[index].name;
      owner_block = innermost(groups[index].inside_blocks);
      size = groups[index].size;
      macs = groups[index].node >= 0 ? static_cast<double>(cost.per_node.at(groups[index].node).macs) : 0.0;
    }
    if (owner_block >= 0) {
      d.owner_block = block_decision[owner_block];
      PK_ASSERT(d.owner_block >= 0, "block {} does not precede decision {}", blocks[owner_block].name, d.name);
    }
    d.features = {kind == 0 ? 1.0 : 0.0, std::log2(std::max(1.0, size)) / 12.0,
                  static_cast<double>(node) / num_nodes, macs / total_macs};
    m.space.decisions.push_back(std::move(d));
    m.target.push_back(index);
  }
  validate(m.space);
  return m;
}

PruneAction to_prune_action(const SearchMapping& mapping, const Action& action) {
  PK_CHECK(static_cast<int>(action.values.size()) == mapping.space.size(),
           "action has {} values, the search space {} decisions", action.values.size(), mapping.space.size());
  PruneAction a;
  a.ratios.assign(mapping.num_groups, 0.0);
  a.remove.assign(mapping.num_blocks, 0);
  for (int i = 0; i < mapping.space.size(); ++i) {
    if (action.skipped(i)) continue;
    if (mapping.space.decisions[i].kind == DecisionKind::kBlockBit)
      a.remove[mapping.target[i]] = action.values[i] >= 0.5 ? 1 : 0;
    else
      a.ratios[mapping.target[i]] = action.values[i];
  }
  return a;
}

Action from_decoded(const SearchMapping& mapping, const DecodedAction& decoded) {
  Action a;
  a.values.assign(mapping.space.size(), Action::kSkipped);
  for (int i = 0; i < mapping.space.size(); ++i) {
    const Decision& d = mapping.space.decisions[i];
    if (d.owner_block >= 0 && (a.skipped(d.owner_block) || a.values[d.owner_block] >= 0.5)) continue;
    if (d.kind == DecisionKind::kBlockBit) {
      a.values[i] = decoded.removed.at(mapping.target[i]) ? 1.0 : 0.0;
    } else {
      a.values[i] = std::clamp(decoded.ratios.at(mapping.target[i]), 0.0, mapping.space.max_ratio);
    }
  }
  return a;
}

}  // namespace pk
