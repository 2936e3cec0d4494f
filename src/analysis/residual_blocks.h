// Removable residual blocks (ABCP's "block → identity"): an Add whose one operand is the
// block's entry value x (an identity shortcut) and whose other operand is computed from x alone
// by a branch with no consumer outside it. Removing the block replaces the Add's output by x and
// drops the branch; the rest of the graph is unchanged.
#pragma once

#include <string>
#include <vector>

#include "graph/graph.h"

namespace pk {

/// One Add node of the graph, removable or not.
struct ResidualBlock {
  int add = -1;              // the Add node
  int entry = -1;            // x, the identity shortcut operand (-1 if there is none)
  std::vector<int> branch;   // nodes strictly between x and the Add, in node order (empty if none)
  bool removable = false;
  std::string reason;        // why not removable ("" if removable)
};

/// One entry per Add node of `graph`, in node order. Conditions for `removable`:
///   - one operand x is an ancestor of the other operand y, and every node on a path from x to
///     y (the branch, y included) reads only x or branch nodes;
///   - no branch node is read outside the branch (other than by the Add) or is a graph output;
///   - the Add is not a graph output, and x has the Add's shape (no broadcast).
std::vector<ResidualBlock> find_residual_blocks(const Graph& graph);

}  // namespace pk
