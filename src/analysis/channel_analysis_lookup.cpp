// The lookups of a finished ChannelAnalysis (by name, prunable groups and blocks, value sizes,
// graph check); the analysis itself is built in channel_analysis.cpp.
#include <algorithm>

#include <fmt/format.h>

#include "analysis/channel_analysis.h"
#include "core/error.h"
#include "core/strings.h"

namespace pk {

const char* role_name(MemberRole role) {
  switch (role) {
    case MemberRole::kProducer: return "producer";
    case MemberRole::kSliced: return "sliced";
    case MemberRole::kConsumer: return "consumer";
  }
  return "?";
}

int GroupMember::offset() const {
  for (size_t i = 0; i < channels.size(); ++i)
    if (channels[i] != channels[0] + static_cast<int>(i)) return -1;
  return channels.empty() ? -1 : channels[0];
}

const ChannelGroup& ChannelAnalysis::group(const std::string& name) const {
  const int id = group_index(name);
  if (id >= 0) return groups_[id];
  std::vector<std::string> of_node;
  for (const auto& grp : groups_)
    for (const auto& m : grp.members)
      if (node_names_[m.node] == name) {
        const std::string s = fmt::format("'{}' (as {})", grp.name, role_name(m.role));
        if (std::find(of_node.begin(), of_node.end(), s) == of_node.end()) of_node.push_back(s);
      }
  PK_CHECK(of_node.empty(), "'{}' is not a channel group name; node '{}' belongs to group {} (groups are named after "
           "their first producer)", name, name, join(of_node, ", "));
  PK_CHECK(false, "unknown channel group '{}' ({} groups; groups are named after their first producer, e.g. '{}')",
           name, groups_.size(), groups_.empty() ? std::string() : groups_.front().name);
  return groups_.front();  // unreachable
}

int ChannelAnalysis::group_index(const std::string& name) const {
  auto it = group_by_name_.find(name);
  return it == group_by_name_.end() ? -1 : it->second;
}

std::vector<int> ChannelAnalysis::prunable_groups() const {
  std::vector<int> ids;
  for (const auto& grp : groups_)
    if (grp.prunable) ids.push_back(grp.id);
  return ids;
}

std::vector<int> ChannelAnalysis::removable_blocks() const {
  std::vector<int> ids;
  for (size_t b = 0; b < blocks_.size(); ++b)
    if (blocks_[b].removable) ids.push_back(static_cast<int>(b));
  return ids;
}

int ChannelAnalysis::block_index(const std::string& add_name) const {
  auto it = block_by_add_.find(add_name);
  return it == block_by_add_.end() ? -1 : it->second;
}

void ChannelAnalysis::check_graph(const Graph& graph) const {
  bool same = graph.size() == num_nodes();
  for (int i = 0; same && i < graph.size(); ++i)
    same = graph.node(i).name == node_names_[i] && graph.node(i).shape.channels() == node_channels_[i];
  PK_CHECK(same, "the channel analysis was made for another graph ({} nodes) than the one given ({} nodes); "
           "re-run analyze_channels on it", num_nodes(), graph.size());
}

int64_t ChannelAnalysis::value_size(int node, const std::vector<int>& kept) const {
  const ValueChannels& v = values_.at(node);
  int64_t n = 0;
  for (const auto& occ : v.groups) n += static_cast<int64_t>(occ.times) * kept.at(occ.group);
  return n * v.spatial;
}

}  // namespace pk
