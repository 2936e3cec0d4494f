#include "plan/regroup_layout.h"

#include <algorithm>
#include <numeric>

#include "core/error.h"

namespace pk {
namespace {

std::vector<int> identity(int64_t n) {
  std::vector<int> v(n);
  std::iota(v.begin(), v.end(), 0);
  return v;
}

bool is_permutation_of(const std::vector<int>& p, int64_t n) {
  if (static_cast<int64_t>(p.size()) != n) return false;
  std::vector<char> seen(n, 0);
  for (int v : p)
    if (v < 0 || v >= n || seen[v]++) return false;
  return true;
}

/// Per node: its regroup with full permutations, or groups = 0 if it is not regrouped.
std::vector<ConvRegroup> checked_regroups(const Graph& graph, const std::map<std::string, ConvRegroup>& convs) {
  std::vector<ConvRegroup> per_node(graph.size(), ConvRegroup{0, {}});
  for (const auto& [name, r] : convs) {
    const int i = graph.index_of(name);
    PK_CHECK(i >= 0, "regroup: the graph has no node '{}'", name);
    const Node& n = graph.node(i);
    PK_CHECK(n.op == OpKind::kConv2d, "regroup: '{}' is a {} node, not a Conv2d", name, op_name(n.op));
    PK_CHECK(n.attr<ConvAttrs>().groups == 1, "regroup: conv '{}' already has {} groups; only dense convs are regrouped",
             name, n.attr<ConvAttrs>().groups);
    const int64_t f = n.shape.channels();
    const int64_t c = graph.node(graph.input_indices(i)[0]).shape.channels();
    PK_CHECK(r.groups >= 1 && f % r.groups == 0 && c % r.groups == 0,
             "regroup: conv '{}' ({} filters, {} input channels) cannot have {} groups", name, f, c, r.groups);
    ConvRegroup full = r;
    if (full.blocks.filters.empty()) full.blocks.filters = identity(f);
    if (full.blocks.channels.empty()) full.blocks.channels = identity(c);
    PK_CHECK(is_permutation_of(full.blocks.filters, f), "regroup: the filters of conv '{}' are not a permutation of 0..{}",
             name, f - 1);
    PK_CHECK(is_permutation_of(full.blocks.channels, c),
             "regroup: the input channels of conv '{}' are not a permutation of 0..{}", name, c - 1);
    per_node[i] = full;
  }
  return per_node;
}

/// Groups whose physical order may change: prunable (the channel engine may re-index every
/// member), without the block structure of a grouped conv (a reorder would mix its blocks) and
/// never present twice in one value (Concat(x, x)).
std::vector<char> reorderable_groups(const ChannelAnalysis& analysis) {
  std::vector<char> ok(analysis.num_groups(), 0);
  for (int g : analysis.prunable_groups()) ok[g] = analysis.group(g).blocks == 1;
  for (int v = 0; v < analysis.num_nodes(); ++v)
    for (const GroupOccurrence& o : analysis.value(v).groups)
      if (o.times > 1) ok[o.group] = 0;
  return ok;
}

/// Sets sigma[g] (if g is still free) so that position k of `value` carries the channel of
/// `value` at `wanted[k]`. Only for a value that holds exactly one group, once.
void want_order(const ValueChannels& value, const std::vector<int>& wanted, const std::vector<char>& reorderable,
                std::vector<std::vector<int>>& sigma, std::vector<char>& fixed) {
  if (value.groups.size() != 1 || value.spatial != 1) return;
  const int g = value.groups[0].group;
  if (!reorderable[g] || fixed[g]) return;
  for (size_t k = 0; k < wanted.size(); ++k) sigma[g][value.refs[k].index] = value.refs[wanted[k]].index;
  fixed[g] = 1;
}

/// sigma[g]: the relabeling of group g — the position that carried group channel i carries
/// group channel sigma[g][i] in the new layout. Each free group takes the order of the first
/// regrouped conv (node order) that writes it, else the first that reads it.
std::vector<std::vector<int>> choose_orders(const Graph& graph, const ChannelAnalysis& analysis,
                                            const std::vector<ConvRegroup>& regroups,
                                            const std::vector<char>& reorderable) {
  std::vector<std::vector<int>> sigma;
  for (const ChannelGroup& g : analysis.groups()) sigma.push_back(identity(g.size));
  std::vector<char> fixed(analysis.num_groups(), 0);
  for (int i = 0; i < graph.size(); ++i)
    if (regroups[i].groups > 0) want_order(analysis.value(i), regroups[i].blocks.filters, reorderable, sigma, fixed);
  for (int i = 0; i < graph.size(); ++i)
    if (regroups[i].groups > 0)
      want_order(analysis.value(graph.input_indices(i)[0]), regroups[i].blocks.channels, reorderable, sigma, fixed);
  return sigma;
}

/// physical[k] of one value under the relabeling `sigma` (features expanded for flattened values).
std::vector<int> physical_order(const ValueChannels& value, const std::vector<std::vector<int>>& sigma,
                                const std::vector<char>& reorderable) {
  const int n = static_cast<int>(value.refs.size());
  std::map<std::pair<int, int>, int> channel_of;  // (group, index) → channel, reorderable groups only
  for (int c = 0; c < n; ++c)
    if (reorderable[value.refs[c].group]) channel_of[{value.refs[c].group, value.refs[c].index}] = c;
  std::vector<int> phys;
  const int sp = static_cast<int>(value.spatial);
  for (int c = 0; c < n; ++c) {
    const ChannelRef& r = value.refs[c];
    const int source = reorderable[r.group] ? channel_of.at({r.group, sigma[r.group][r.index]}) : c;
    for (int s = 0; s < sp; ++s) phys.push_back(source * sp + s);
  }
  return phys;
}

/// For each block b of the physical input order `phys_in`: the column group it holds, or an
/// empty vector if some block mixes column groups.
std::vector<int> matching_column_groups(const std::vector<int>& phys_in, const std::vector<int>& channels, int groups) {
  const int per = static_cast<int>(channels.size()) / groups;
  const std::vector<int> position = inverse_permutation(channels);
  std::vector<int> group_of_block(groups);
  std::vector<char> used(groups, 0);
  for (int b = 0; b < groups; ++b) {
    const int j = position[phys_in[b * per]] / per;
    for (int k = b * per; k < (b + 1) * per; ++k)
      if (position[phys_in[k]] / per != j) return {};
    if (used[j]++) return {};
    group_of_block[b] = j;
  }
  return group_of_block;
}

/// True if block b of `phys_out` holds exactly the filters of row group group_of_block[b].
bool blocks_match(const std::vector<int>& phys_out, const std::vector<int>& filters,
                  const std::vector<int>& group_of_block) {
  const int groups = static_cast<int>(group_of_block.size());
  const int per = static_cast<int>(filters.size()) / groups;
  const std::vector<int> position = inverse_permutation(filters);
  for (int k = 0; k < static_cast<int>(phys_out.size()); ++k)
    if (position[phys_out[k]] / per != group_of_block[k / per]) return false;
  return true;
}

RegroupedConv realize(int node, const ConvRegroup& r, const std::vector<int>& phys_in,
                      const std::vector<int>& phys_out) {
  RegroupedConv out;
  out.node = node;
  out.groups = r.groups;
  std::vector<int> group_of_block = matching_column_groups(phys_in, r.blocks.channels, r.groups);
  if (!group_of_block.empty()) {
    out.columns = phys_in;
  } else {
    const std::vector<int> position = inverse_permutation(phys_in);
    for (int c : r.blocks.channels) out.in_order.push_back(position[c]);
    out.columns = r.blocks.channels;
    group_of_block = identity(r.groups);
  }
  if (blocks_match(phys_out, r.blocks.filters, group_of_block)) {
    out.filters = phys_out;
  } else {
    const int per = static_cast<int>(r.blocks.filters.size()) / r.groups;
    for (int k = 0; k < static_cast<int>(r.blocks.filters.size()); ++k)
      out.filters.push_back(r.blocks.filters[group_of_block[k / per] * per + k % per]);
    const std::vector<int> position = inverse_permutation(out.filters);
    for (int f : phys_out) out.out_order.push_back(position[f]);
  }
  return out;
}

}  // namespace

std::vector<int> inverse_permutation(const std::vector<int>& p) {
  std::vector<int> inv(p.size());
  for (size_t k = 0; k < p.size(); ++k) inv[p[k]] = static_cast<int>(k);
  return inv;
}

int RegroupLayout::permutes() const {
  int n = 0;
  for (const RegroupedConv& c : convs) n += !c.in_order.empty() + !c.out_order.empty();
  return n;
}

RegroupLayout regroup_layout(const Graph& graph, const ChannelAnalysis& analysis,
                             const std::map<std::string, ConvRegroup>& convs) {
  analysis.check_graph(graph);
  const std::vector<ConvRegroup> regroups = checked_regroups(graph, convs);
  const std::vector<char> reorderable = reorderable_groups(analysis);
  const auto sigma = choose_orders(graph, analysis, regroups, reorderable);
  RegroupLayout layout;
  for (int i = 0; i < graph.size(); ++i) layout.physical.push_back(physical_order(analysis.value(i), sigma, reorderable));
  for (int i = 0; i < graph.size(); ++i)
    if (regroups[i].groups > 0)
      layout.convs.push_back(realize(i, regroups[i], layout.physical[graph.input_indices(i)[0]], layout.physical[i]));
  return layout;
}

}  // namespace pk
