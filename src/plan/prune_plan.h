// PrunePlan: what to prune in one Graph, keyed by names (never positions), so a plan file can be
// re-applied to the original model. Three kinds of decisions:
//   - per channel group (named as in ChannelAnalysis: after its first producer): how many
//     channels it keeps, and once resolved, which ones;
//   - residual blocks to remove (named by their Add node);
//   - per Conv2d, a new group count, and optionally the filter/channel permutations that form
//     its blocks (group-convolution pruning: prune/regroup_convs.h applies them to the weights).
// Anything not listed is unchanged. JSON form: plan_json.h, docs/formats.md "Prune plan (JSON)".
// Validity is checked against a graph by validate_plan (validate_plan.h).
#pragma once

#include <map>
#include <string>
#include <vector>

namespace pk {

/// What one channel group keeps.
struct GroupKeep {
  int count = 0;             // channels kept, 1..group size
  std::vector<int> indices;  // which ones (group numbering; no duplicates, any order; size == count)
                             // — empty until the count is resolved by an importance ranking
  bool resolved() const { return !indices.empty(); }
  bool operator==(const GroupKeep& o) const { return count == o.count && indices == o.indices; }
};

/// Which original filters and input channels form the blocks of a regrouped conv with G groups:
/// filters[k] is the original filter at position k of the grouped conv, so filter group g is
/// positions [g·F/G, (g+1)·F/G); channels[k] likewise for the input channels (block g reads
/// positions [g·C/G, (g+1)·C/G)). Both are permutations of the conv's unpruned channels.
struct ConvPermutation {
  std::vector<int> filters;
  std::vector<int> channels;
  bool operator==(const ConvPermutation& o) const { return filters == o.filters && channels == o.channels; }
};

struct PrunePlan {
  std::map<std::string, GroupKeep> groups;  // group name → what it keeps
  std::vector<std::string> removed_blocks;  // Add node names of the residual blocks to remove
  std::map<std::string, int> conv_groups;   // Conv2d name → its groups after pruning
  std::map<std::string, ConvPermutation> conv_permutations;  // Conv2d name (also in conv_groups) →
                                                             // its blocks; absent = identity

  /// Sets group `name` to keep `count` channels (unresolved).
  void keep_count(const std::string& name, int count);
  /// Sets group `name` to keep exactly `indices` (count = indices.size()).
  void keep_indices(const std::string& name, std::vector<int> indices);
  /// True if every listed group says which channels it keeps.
  bool resolved() const;
  bool empty() const { return groups.empty() && removed_blocks.empty() && conv_groups.empty(); }
  bool operator==(const PrunePlan& o) const {
    return groups == o.groups && removed_blocks == o.removed_blocks && conv_groups == o.conv_groups &&
           conv_permutations == o.conv_permutations;
  }
  bool operator!=(const PrunePlan& o) const { return !(*this == o); }
};

}  // namespace pk
