#include "plan/validate_plan.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "core/error.h"

namespace pk {
namespace {

/// The message of analysis.group(name)'s UserError (it names the group of a node called `name`).
std::string unknown_group_message(const ChannelAnalysis& analysis, const std::string& name) {
  try {
    analysis.group(name);
  } catch (const UserError& e) {
    return e.what();
  }
  return fmt::format("unknown channel group '{}'", name);
}

void check_group(const ChannelAnalysis& analysis, const std::string& name, const GroupKeep& keep,
                 std::vector<std::string>& problems) {
  const int id = analysis.group_index(name);
  if (id < 0) {
    problems.push_back("plan: " + unknown_group_message(analysis, name));
    return;
  }
  const ChannelGroup& g = analysis.group(id);
  if (keep.count < 1 || keep.count > g.size) {
    problems.push_back(fmt::format("plan: group '{}' keeps {} channels; expected 1..{} (its size)", name, keep.count,
                                   g.size));
    return;
  }
  if (!g.prunable && keep.count != g.size) {
    problems.push_back(fmt::format("plan: group '{}' cannot be pruned ({}); it must keep all {} channels", name,
                                   g.reason, g.size));
    return;
  }
  if (g.blocks > 1 && keep.count % g.blocks != 0) {
    problems.push_back(fmt::format("plan: group '{}' keeps {} channels; it is read or produced by a grouped conv and "
                                   "falls into {} blocks, so it must keep a multiple of {} (the same number per block)",
                                   name, keep.count, g.blocks, g.blocks));
    return;
  }
  if (keep.indices.empty()) return;
  if (static_cast<int>(keep.indices.size()) != keep.count) {
    problems.push_back(fmt::format("plan: group '{}' keeps {} channels but lists {} indices", name, keep.count,
                                   keep.indices.size()));
    return;
  }
  std::vector<char> seen(g.size, 0);
  for (int i : keep.indices) {
    if (i < 0 || i >= g.size) {
      problems.push_back(fmt::format("plan: group '{}': channel index {} is out of range 0..{}", name, i, g.size - 1));
      return;
    }
    if (seen[i]) {
      problems.push_back(fmt::format("plan: group '{}': channel index {} is listed twice", name, i));
      return;
    }
    seen[i] = 1;
  }
  if (g.blocks > 1) {
    std::vector<int> per_block(g.blocks, 0);
    for (int i : keep.indices) ++per_block[g.block_of[i]];
    for (int b = 0; b < g.blocks; ++b)
      if (per_block[b] != keep.count / g.blocks) {
        problems.push_back(fmt::format("plan: group '{}' keeps {} channels in {} blocks, so {} per block, but block {} "
                                       "keeps {}",
                                       name, keep.count, g.blocks, keep.count / g.blocks, b, per_block[b]));
        return;
      }
  }
}

void check_blocks(const Graph& graph, const ChannelAnalysis& analysis, const PrunePlan& plan,
                  std::vector<std::string>& problems) {
  std::set<std::string> listed;
  std::vector<int> owner(graph.size(), -1);  // node → removed block (index into blocks()) dropping it
  for (const auto& name : plan.removed_blocks) {
    if (!listed.insert(name).second) {
      problems.push_back(fmt::format("plan: removed block '{}' is listed twice", name));
      continue;
    }
    const int b = analysis.block_index(name);
    if (b < 0) {
      if (!graph.has(name))
        problems.push_back(fmt::format("plan: removed block '{}': the graph has no node of that name", name));
      else
        problems.push_back(fmt::format("plan: removed block '{}' is a {} node; blocks are named by their Add node",
                                       name, op_name(graph.node(name).op)));
      continue;
    }
    const ResidualBlock& blk = analysis.blocks()[b];
    if (!blk.removable) {
      problems.push_back(fmt::format("plan: block '{}' cannot be removed: {}", name, blk.reason));
      continue;
    }
    std::vector<int> nodes = blk.branch;
    nodes.push_back(blk.add);
    for (int n : nodes) {
      if (owner[n] >= 0) {
        const ResidualBlock& other = analysis.blocks()[owner[n]];
        const bool inside = n == blk.add || std::find(other.branch.begin(), other.branch.end(), blk.add) != other.branch.end();
        const std::string& outer = inside ? analysis.node_name(other.add) : name;
        const std::string& inner = inside ? name : analysis.node_name(other.add);
        problems.push_back(fmt::format("plan: removed blocks '{}' and '{}' overlap ('{}' lies inside the branch of "
                                       "'{}'); remove only the outer one",
                                       analysis.node_name(other.add), name, inner, outer));
        break;
      }
      owner[n] = b;
    }
  }
}

/// Problem text if `p` is not a permutation of 0..n-1, else "".
std::string permutation_problem(const std::vector<int>& p, int64_t n) {
  if (static_cast<int64_t>(p.size()) != n) return fmt::format("has {} entries; expected {}", p.size(), n);
  std::vector<char> seen(n, 0);
  for (int v : p) {
    if (v < 0 || v >= n) return fmt::format("has index {}; expected 0..{}", v, n - 1);
    if (seen[v]++) return fmt::format("lists {} twice", v);
  }
  return "";
}

void check_conv_permutations(const Graph& graph, const ChannelAnalysis& analysis, const PrunePlan& plan,
                             const std::vector<int>& kept, std::vector<std::string>& problems) {
  for (const auto& [name, perm] : plan.conv_permutations) {
    const int i = graph.index_of(name);
    if (plan.conv_groups.count(name) == 0) {
      problems.push_back(fmt::format("plan: conv_permutations: '{}' is not in conv_groups", name));
      continue;
    }
    if (i < 0 || graph.node(i).op != OpKind::kConv2d) continue;  // reported by check_conv_groups
    const int in = graph.input_indices(i)[0];
    const int64_t cin = graph.node(in).shape.channels();
    const int64_t cout = graph.node(i).shape.channels();
    if (analysis.value_size(in, kept) != cin || analysis.value_size(i, kept) != cout) {
      problems.push_back(fmt::format("plan: conv '{}' has permutations and also loses channels; a plan either "
                                     "prunes the channels of a conv or regroups it with permutations, not both",
                                     name));
      continue;
    }
    const std::string f = permutation_problem(perm.filters, cout);
    if (!f.empty()) problems.push_back(fmt::format("plan: conv_permutations.'{}'.filters {}", name, f));
    const std::string c = permutation_problem(perm.channels, cin);
    if (!c.empty()) problems.push_back(fmt::format("plan: conv_permutations.'{}'.channels {}", name, c));
  }
}

void check_conv_groups(const Graph& graph, const ChannelAnalysis& analysis, const PrunePlan& plan,
                       const std::vector<int>& kept, const std::vector<char>& removed,
                       std::vector<std::string>& problems) {
  for (const auto& [name, groups] : plan.conv_groups) {
    const int i = graph.index_of(name);
    if (i < 0) {
      problems.push_back(fmt::format("plan: conv_groups: the graph has no node '{}'", name));
      continue;
    }
    const Node& n = graph.node(i);
    if (n.op != OpKind::kConv2d) {
      problems.push_back(fmt::format("plan: conv_groups: '{}' is a {} node, not a Conv2d", name, op_name(n.op)));
      continue;
    }
    const int in = graph.input_indices(i)[0];
    const auto& a = n.attr<ConvAttrs>();
    if (a.groups > 1 && a.groups == graph.node(in).shape.channels() && a.groups == a.out_channels) {
      problems.push_back(fmt::format("plan: conv_groups: '{}' is a depthwise conv; its groups follow its channels",
                                     name));
      continue;
    }
    if (groups < 1) {
      problems.push_back(fmt::format("plan: conv_groups: '{}' has groups {}; expected ≥ 1", name, groups));
      continue;
    }
    if (removed[i]) continue;
    const int64_t cin = analysis.value_size(in, kept);
    const int64_t cout = analysis.value_size(i, kept);
    if (cin % groups != 0)
      problems.push_back(fmt::format("plan: conv '{}': groups {} does not divide its pruned input channels {}", name,
                                     groups, cin));
    else if (cout % groups != 0)
      problems.push_back(fmt::format("plan: conv '{}': groups {} does not divide its pruned output channels {}",
                                     name, groups, cout));
  }
}

std::vector<int> kept_counts(const ChannelAnalysis& analysis, const PrunePlan& plan) {
  std::vector<int> kept;
  for (const auto& g : analysis.groups()) kept.push_back(g.size);
  for (const auto& [name, keep] : plan.groups) {
    const int id = analysis.group_index(name);
    if (id >= 0 && keep.count >= 1 && keep.count <= kept[id]) kept[id] = keep.count;
  }
  return kept;
}

}  // namespace

std::vector<std::string> plan_problems(const Graph& graph, const ChannelAnalysis& analysis, const PrunePlan& plan) {
  analysis.check_graph(graph);
  std::vector<std::string> problems;
  for (const auto& [name, keep] : plan.groups) check_group(analysis, name, keep, problems);
  check_blocks(graph, analysis, plan, problems);
  const std::vector<int> kept = kept_counts(analysis, plan);
  check_conv_groups(graph, analysis, plan, kept, removed_nodes(analysis, plan), problems);
  check_conv_permutations(graph, analysis, plan, kept, problems);
  return problems;
}

void validate_plan(const Graph& graph, const ChannelAnalysis& analysis, const PrunePlan& plan) {
  const auto problems = plan_problems(graph, analysis, plan);
  if (problems.empty()) return;
  if (problems.size() == 1) throw UserError(problems[0]);
  throw UserError(fmt::format("{} (and {} more problem{})", problems[0], problems.size() - 1,
                              problems.size() == 2 ? "" : "s"));
}

std::vector<char> removed_nodes(const ChannelAnalysis& analysis, const PrunePlan& plan) {
  std::vector<char> removed(analysis.num_nodes(), 0);
  for (const auto& name : plan.removed_blocks) {
    const int b = analysis.block_index(name);
    if (b < 0 || !analysis.blocks()[b].removable) continue;
    removed[analysis.blocks()[b].add] = 1;
    for (int n : analysis.blocks()[b].branch) removed[n] = 1;
  }
  return removed;
}

ChannelCounts plan_counts(const Graph& graph, const ChannelAnalysis& analysis, const PrunePlan& plan) {
  validate_plan(graph, analysis, plan);
  ChannelCounts c;
  c.kept = kept_counts(analysis, plan);
  c.removed = removed_nodes(analysis, plan);
  if (!plan.conv_groups.empty()) {
    c.conv_groups.assign(graph.size(), 0);
    for (const auto& [name, groups] : plan.conv_groups) c.conv_groups[graph.index_of(name)] = groups;
  }
  return c;
}

NodeCost plan_cost(const Graph& graph, const ChannelAnalysis& analysis, const PrunePlan& plan) {
  return ChannelCostModel(graph, analysis).cost(plan_counts(graph, analysis, plan));
}

}  // namespace pk
