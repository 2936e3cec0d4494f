#include "analysis/residual_blocks.h"

#include <algorithm>

#include <fmt/format.h>

namespace pk {
namespace {

bool is_output(const Graph& g, int node) {
  const auto& outs = g.outputs();
  return std::find(outs.begin(), outs.end(), g.node(node).name) != outs.end();
}

/// Fills b.branch with the nodes computing operand y from x; returns "" or why that fails.
std::string collect_branch(const Graph& g, int x, int y, ResidualBlock& b) {
  std::vector<char> seen(g.size(), 0);
  std::vector<int> stack{y};
  while (!stack.empty()) {
    const int n = stack.back();
    stack.pop_back();
    if (n == x || seen[n]) continue;
    seen[n] = 1;
    if (n < x || g.node(n).op == OpKind::kInput) {
      b.branch.clear();
      return fmt::format("no identity shortcut: '{}' is not computed from '{}' alone (it depends on '{}'; "
                         "a projection shortcut?)",
                         g.node(y).name, g.node(x).name, g.node(n).name);
    }
    b.branch.push_back(n);
    for (int in : g.input_indices(n)) stack.push_back(in);
  }
  std::sort(b.branch.begin(), b.branch.end());
  return "";
}

ResidualBlock analyze_add(const Graph& g, int add) {
  ResidualBlock b;
  b.add = add;
  const int p = g.input_indices(add)[0];
  const int q = g.input_indices(add)[1];
  if (p == q) {
    b.reason = fmt::format("both operands are '{}'", g.node(p).name);
    return b;
  }
  // Only the earlier operand can be an ancestor of the later one.
  const int x = std::min(p, q);
  const int y = std::max(p, q);
  b.reason = collect_branch(g, x, y, b);
  if (!b.reason.empty()) return b;
  b.entry = x;
  const std::string& add_name = g.node(add).name;
  if (g.node(x).shape != g.node(add).shape) {
    b.reason = fmt::format("the shortcut '{}' ({}) is broadcast to the Add's shape {}", g.node(x).name,
                           g.node(x).shape.str(), g.node(add).shape.str());
    return b;
  }
  if (is_output(g, add)) {
    b.reason = fmt::format("the Add '{}' is a graph output", add_name);
    return b;
  }
  std::vector<char> in_branch(g.size(), 0);
  for (int n : b.branch) in_branch[n] = 1;
  for (int n : b.branch) {
    if (is_output(g, n)) {
      b.reason = fmt::format("branch node '{}' is a graph output", g.node(n).name);
      return b;
    }
    for (int c : g.consumers(n)) {
      if (c != add && !in_branch[c]) {
        b.reason = fmt::format("branch node '{}' is also read by '{}' outside the block", g.node(n).name,
                               g.node(c).name);
        return b;
      }
    }
  }
  b.removable = true;
  return b;
}

}  // namespace

std::vector<ResidualBlock> find_residual_blocks(const Graph& graph) {
  std::vector<ResidualBlock> blocks;
  for (int i = 0; i < graph.size(); ++i)
    if (graph.node(i).op == OpKind::kAdd) blocks.push_back(analyze_add(graph, i));
  return blocks;
}

}  // namespace pk
