// Channel dependency analysis (the DepGraph idea, docs/channel-rules.md): which channels of a
// Graph must be pruned together, and which residual blocks can be replaced by the identity.
//
// Every channel of every value belongs to exactly one *channel group*. A group is a set of
// "channel spaces" (the output rows of a Conv2d/Linear, or a graph input) that Add/Mul tie
// together channel by channel; pruning a group removes the same group channels everywhere:
// the producers' output rows, the per-channel parameters of BatchNorm2d and depthwise convs on
// the way, and the input columns of every consumer. A group that cannot be pruned safely
// (graph input/output, grouped convs, operands that disagree) is kept whole, with a reason;
// the analysis is conservative: it may refuse to prune, it never allows a wrong pruning.
//
// The analysis is torch-free and costs O(nodes + channels). Groups are named after their first
// producer (in topological order); plans refer to groups by these names.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "analysis/residual_blocks.h"
#include "graph/graph.h"

namespace pk {

/// Channel `index` (0-based, in the group's own numbering) of group `group`.
struct ChannelRef {
  int group = -1;
  int index = -1;
  bool operator==(const ChannelRef& o) const { return group == o.group && index == o.index; }
};

/// How often group `group` occurs in a value (Concat(x, x) holds x's groups twice).
struct GroupOccurrence {
  int group = -1;
  int times = 0;
};

/// The channel dimension (dim 0 of the per-sample shape) of one value.
/// `refs[c]` is the group channel carried by channel c. Values computed from a Flatten carry
/// `spatial` consecutive features per channel: feature f belongs to refs[f / spatial], so
/// shape.channels() == refs.size() * spatial (spatial = H·W of the flattened map; 1 otherwise).
/// A value always holds whole groups: each group in `groups` occurs `times` × size channels.
struct ValueChannels {
  std::vector<ChannelRef> refs;
  int64_t spatial = 1;
  std::vector<GroupOccurrence> groups;  // in order of first appearance
};

enum class MemberRole {
  kProducer,  // starts the group: output rows of a Conv2d (groups = 1 or grouped) / Linear, or an Input
  kSliced,    // carries it with per-channel parameters: BatchNorm2d, depthwise Conv2d
  kConsumer,  // reads it through input columns: Conv2d (not depthwise), Linear
};
const char* role_name(MemberRole role);

/// A node whose tensors are indexed by the group's channels.
/// `channels[i]` is the node's channel that carries group channel i (size == group size):
///   producer  – output row: Conv2d/Linear weight dim 0 and bias;
///   sliced    – channel of its (single) input = its output: BatchNorm2d weight/bias/running
///               stats; depthwise Conv2d weight dim 0 and bias;
///   consumer  – input channel: Conv2d weight dim 1 (groups = 1); for Linear, the input features
///               [channels[i]·spatial, (channels[i]+1)·spatial) (weight columns).
/// A consumer whose input holds the group twice (Concat(x, x)) is listed once per occurrence.
struct GroupMember {
  int node = -1;
  MemberRole role = MemberRole::kProducer;
  std::vector<int> channels;
  int64_t spatial = 1;

  /// channels[0] if `channels` is the contiguous ascending run channels[0] + i, else -1.
  int offset() const;
};

struct ChannelGroup {
  int id = -1;
  std::string name;     // name of its first producer node (topological order); unique.
                        // Group channel i is output channel i of that producer.
  int size = 0;         // channels of the unpruned group
  bool prunable = true;
  std::string reason;   // why not prunable ("" if prunable); several reasons joined by "; "
  std::vector<GroupMember> members;  // producers, then sliced, then consumers; each in node order
  /// Block structure imposed by grouped convs (1 < groups, not depthwise) among its members: the
  /// group's channels fall into `blocks` blocks of size / blocks channels, and a pruning must keep
  /// the same number of channels in every block (so counts are multiples of `blocks`).
  /// block_of[i] is the block of group channel i (empty when blocks == 1). For a grouped conv
  /// with C inputs, F filters and G groups, input channel k lies in block k / (C/G) (consumer
  /// side) and filter k in block k / (F/G) (producer side); several grouped members must agree
  /// on the partition (up to the blocks' labels), else the group is pinned. Not set when
  /// AnalysisOptions::grouped_conv_blocks is false (grouped convs then pin both sides).
  int blocks = 1;
  std::vector<int> block_of;
};

class ChannelAnalysis {
 public:
  const std::vector<ChannelGroup>& groups() const { return groups_; }
  int num_groups() const { return static_cast<int>(groups_.size()); }
  const ChannelGroup& group(int id) const { return groups_.at(id); }
  /// UserError naming `name` (and the group of a node of that name, if any) if unknown.
  const ChannelGroup& group(const std::string& name) const;
  /// Id of the group named `name`, or -1.
  int group_index(const std::string& name) const;
  /// Ids of the prunable groups, ascending.
  std::vector<int> prunable_groups() const;

  /// Channel mapping of node `node`'s output value (indexed like graph.nodes()).
  const ValueChannels& value(int node) const { return values_.at(node); }

  /// One entry per Add node, in node order.
  const std::vector<ResidualBlock>& blocks() const { return blocks_; }
  /// Indices into blocks() of the removable ones.
  std::vector<int> removable_blocks() const;
  /// Index into blocks() of the block whose Add is `add_name`, or -1.
  int block_index(const std::string& add_name) const;

  int num_nodes() const { return static_cast<int>(node_names_.size()); }
  const std::string& node_name(int node) const { return node_names_.at(node); }
  /// UserError unless `graph` is the graph this analysis was made for (same node names in the
  /// same order, same channel counts).
  void check_graph(const Graph& graph) const;

  /// Channels (features, for flattened values) of `node`'s output when group g keeps
  /// kept[g] channels: spatial · Σ times·kept[g].
  int64_t value_size(int node, const std::vector<int>& kept) const;

 private:
  friend class ChannelAnalysisBuilder;  // channel_analysis.cpp
  std::vector<ChannelGroup> groups_;
  std::vector<ValueChannels> values_;
  std::vector<ResidualBlock> blocks_;
  std::vector<std::string> node_names_;
  std::vector<int64_t> node_channels_;  // original channels of each value (for check_graph)
  std::unordered_map<std::string, int> group_by_name_;
  std::unordered_map<std::string, int> block_by_add_;
};

struct AnalysisOptions {
  /// Grouped convs (1 < groups, not depthwise): true (the default) makes their input and output
  /// groups prunable in equal blocks (ChannelGroup::blocks; docs/channel-rules.md); false pins
  /// both sides, as prunekit did before grouped convs were pruned.
  bool grouped_conv_blocks = true;
};

/// Analyzes `graph` (see the rules in docs/channel-rules.md). Never throws for a valid Graph:
/// anything it cannot handle makes the groups involved not prunable.
ChannelAnalysis analyze_channels(const Graph& graph, const AnalysisOptions& options = {});

}  // namespace pk
