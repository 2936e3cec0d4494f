#include "search/search_builder.h"

#include <algorithm>
#include <cmath>
#include <tuple>

#include "analysis/channel_cost.h"
#include "core/error.h"
#include "graph/cost.h"

namespace pk {
namespace {

/// Raw (unnormalized) descriptor of one decision; features() normalizes it.
struct Descriptor {
  bool block = false;
  double in = 1, out = 1, kernel = 1, stride = 1, spatial = 1;
  double macs_saved = 0, params_saved = 0;
  int coupled = 0;
  int node = 0;
};

bool has_weights(OpKind op) { return op == OpKind::kConv2d || op == OpKind::kLinear || op == OpKind::kBatchNorm2d; }

double channels_of(const Shape& shape) { return shape.dims.empty() ? 1.0 : static_cast<double>(shape.dims[0]); }
double area_of(const Shape& shape) {
  double a = 1;
  for (size_t i = 1; i < shape.dims.size(); ++i) a *= static_cast<double>(shape.dims[i]);
  return a;
}

/// Kernel and stride of a node into d (largest so far).
void widen_geometry(const Node& n, Descriptor& d) {
  if (n.op != OpKind::kConv2d) return;
  const ConvAttrs& c = n.attr<ConvAttrs>();
  d.kernel = std::max<double>(d.kernel, std::max(c.kernel.h, c.kernel.w));
  d.stride = std::max<double>(d.stride, std::max(c.stride.h, c.stride.w));
}

std::vector<double> features(const Descriptor& d, const NodeCost& original, int num_nodes) {
  auto log_scaled = [](double v, double top) { return std::min(1.0, std::log2(std::max(1.0, v)) / top); };
  return {d.block ? 1.0 : 0.0,
          log_scaled(d.in, 12),
          log_scaled(d.out, 12),
          std::min(1.0, d.kernel / 7.0),
          std::min(1.0, d.stride / 4.0),
          log_scaled(d.spatial, 16),
          std::clamp(d.macs_saved / std::max<double>(1.0, static_cast<double>(original.macs)), 0.0, 1.0),
          std::clamp(d.params_saved / std::max<double>(1.0, static_cast<double>(original.params)), 0.0, 1.0),
          std::min(1.0, d.coupled / 16.0),
          static_cast<double>(d.node) / std::max(1, num_nodes)};
}

class DescriptorBuilder {
 public:
  DescriptorBuilder(const Graph& graph, const ChannelAnalysis& analysis)
      : graph_(graph), analysis_(analysis), model_(graph, analysis), full_(ChannelCounts::full(analysis)) {}

  NodeCost original() const { return model_.original(); }

  Descriptor group(const ActionSpace::GroupDecision& g) const {
    Descriptor d;
    d.node = g.node;
    const Node& first = graph_.node(g.node);
    d.out = g.size;
    d.in = first.inputs.empty() ? 1.0 : channels_of(graph_.node(first.inputs[0]).shape);
    d.spatial = area_of(first.shape);
    for (const GroupMember& m : analysis_.group(g.group).members) {
      const Node& n = graph_.node(m.node);
      if (m.role == MemberRole::kProducer) widen_geometry(n, d);
      if (has_weights(n.op)) ++d.coupled;
    }
    ChannelCounts counts = full_;
    counts.kept[g.group] = 1;
    saved(counts, d);
    return d;
  }

  Descriptor block(const ResidualBlock& rb, int add_node) const {
    Descriptor d;
    d.block = true;
    d.node = rb.branch.empty() ? add_node : std::min(rb.branch.front(), add_node);
    const Node& add = graph_.node(add_node);
    d.in = d.out = channels_of(add.shape);
    d.spatial = area_of(add.shape);
    ChannelCounts counts = full_;
    counts.removed.assign(graph_.size(), 0);
    counts.removed[add_node] = 1;
    for (int n : rb.branch) {
      counts.removed[n] = 1;
      widen_geometry(graph_.node(n), d);
      if (has_weights(graph_.node(n).op)) ++d.coupled;
    }
    saved(counts, d);
    return d;
  }

 private:
  void saved(const ChannelCounts& counts, Descriptor& d) const {
    const NodeCost after = model_.cost(counts), before = model_.original();
    d.macs_saved = static_cast<double>(before.macs - after.macs);
    d.params_saved = static_cast<double>(before.params - after.params);
  }

  const Graph& graph_;
  const ChannelAnalysis& analysis_;
  ChannelCostModel model_;
  ChannelCounts full_;
};

}  // namespace

SearchMapping build_search_space(const Graph& graph, const ChannelAnalysis& analysis, const ActionSpace& actions) {
  const auto& blocks = actions.blocks();
  const auto& groups = actions.groups();
  const auto& rblocks = analysis.blocks();
  const DescriptorBuilder describe(graph, analysis);

  // Per decision block: start node and branch size (for "innermost").
  std::vector<int> block_start(blocks.size());
  std::vector<size_t> block_len(blocks.size(), 0);
  for (size_t b = 0; b < blocks.size(); ++b) {
    const ResidualBlock& rb = rblocks.at(blocks[b].block);
    block_start[b] = rb.branch.empty() ? blocks[b].node : std::min(rb.branch.front(), blocks[b].node);
    block_len[b] = rb.branch.size();
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
  PK_CHECK(m.space.max_ratio > 0 && m.space.max_ratio < 1, "the largest prune ratio of a search is {}; expected a "
           "fraction strictly between 0 and 1 (e.g. 0.9)", m.space.max_ratio);
  std::vector<int> block_decision(blocks.size(), -1);
  for (const auto& [node, kind, index] : order) {
    Decision d;
    int owner_block = -1;
    Descriptor desc;
    if (kind == 0) {
      d.kind = DecisionKind::kBlockBit;
      d.name = blocks[index].name;
      owner_block = block_parent[index];
      desc = describe.block(rblocks.at(blocks[index].block), blocks[index].node);
      block_decision[index] = m.space.size();
    } else {
      d.kind = DecisionKind::kRatio;
      d.name = groups[index].name;
      owner_block = innermost(groups[index].inside_blocks);
      desc = describe.group(groups[index]);
    }
    if (owner_block >= 0) {
      d.owner_block = block_decision[owner_block];
      PK_ASSERT(d.owner_block >= 0, "block {} does not precede decision {}", blocks[owner_block].name, d.name);
    }
    desc.node = node;
    d.features = features(desc, describe.original(), graph.size());
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
    const DecisionKind kind = mapping.space.decisions[i].kind;
    if (kind == DecisionKind::kBlockBit)
      a.remove[mapping.target[i]] = action.values[i] >= 0.5 ? 1 : 0;
    else if (kind == DecisionKind::kRatio)
      a.ratios[mapping.target[i]] = action.values[i];
  }
  return a;
}

Action from_decoded(const SearchMapping& mapping, const DecodedAction& decoded, const Action& sampled) {
  Action a;
  a.values.assign(mapping.space.size(), Action::kSkipped);
  for (int i = 0; i < mapping.space.size(); ++i) {
    const Decision& d = mapping.space.decisions[i];
    if (d.owner_block >= 0 && (a.skipped(d.owner_block) || a.values[d.owner_block] >= 0.5)) continue;
    if (d.kind == DecisionKind::kBlockBit) {
      a.values[i] = decoded.removed.at(mapping.target[i]) ? 1.0 : 0.0;
    } else if (d.kind == DecisionKind::kRatio) {
      a.values[i] = std::clamp(decoded.ratios.at(mapping.target[i]), 0.0, mapping.space.max_ratio);
    } else {
      a.values[i] = sampled.values.at(i);
    }
  }
  return a;
}

}  // namespace pk
