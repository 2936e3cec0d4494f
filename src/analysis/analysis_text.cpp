#include "analysis/analysis_text.h"

#include <fmt/format.h>

#include "core/strings.h"

namespace pk {
namespace {

/// "[a,b)" for a contiguous ascending run, else the explicit list "{3,0,1,2}".
std::string channel_list(const std::vector<int>& channels, int offset) {
  if (offset >= 0) return fmt::format("[{},{})", offset, offset + static_cast<int>(channels.size()));
  std::vector<std::string> parts;
  for (int c : channels) parts.push_back(std::to_string(c));
  return "{" + join(parts, ",") + "}";
}

/// Run-length form of a value's channels: "g[a,b) h[c] ..." (+ " x<spatial>").
std::string value_text(const ChannelAnalysis& a, const ValueChannels& v) {
  std::vector<std::string> runs;
  size_t c = 0;
  while (c < v.refs.size()) {
    size_t e = c + 1;
    while (e < v.refs.size() && v.refs[e].group == v.refs[c].group &&
           v.refs[e].index == v.refs[e - 1].index + 1)
      ++e;
    const std::string& name = a.group(v.refs[c].group).name;
    runs.push_back(e - c == 1 ? fmt::format("{}[{}]", name, v.refs[c].index)
                              : fmt::format("{}[{},{})", name, v.refs[c].index, v.refs[e - 1].index + 1));
    c = e;
  }
  std::string s = join(runs, " ");
  if (v.spatial != 1) s += fmt::format(" x{}", v.spatial);
  return s;
}

}  // namespace

std::string to_text(const ChannelAnalysis& a, const AnalysisTextOptions& options) {
  std::string out = "# prunekit channel analysis v1\n";
  const auto removable = a.removable_blocks();
  out += fmt::format("# {} groups ({} prunable), {} Add nodes ({} removable blocks)\n", a.num_groups(),
                     a.prunable_groups().size(), a.blocks().size(), removable.size());
  for (const auto& grp : a.groups()) {
    std::string state = grp.prunable ? std::string("prunable") : "pinned: " + grp.reason;
    if (grp.prunable && grp.blocks > 1)
      state += fmt::format(" (blocks={}: keeps multiples of {}, equal per block)", grp.blocks, grp.blocks);
    out += fmt::format("group {} size={} {}\n", grp.name, grp.size, state);
    for (const auto& m : grp.members) {
      std::string line = fmt::format("  {:<9}{} {}", role_name(m.role), a.node_name(m.node),
                                     channel_list(m.channels, m.offset()));
      if (m.spatial != 1) line += fmt::format(" x{}", m.spatial);
      out += line + "\n";
    }
  }
  if (options.values) {
    out += "values\n";
    for (int i = 0; i < a.num_nodes(); ++i) out += fmt::format("  {} = {}\n", a.node_name(i), value_text(a, a.value(i)));
  }
  out += "blocks\n";
  for (const auto& b : a.blocks()) {
    if (b.removable) {
      std::vector<std::string> names;
      for (int n : b.branch) names.push_back(a.node_name(n));
      out += fmt::format("  {} removable: entry {}, branch {}\n", a.node_name(b.add), a.node_name(b.entry),
                         join(names, " "));
    } else {
      out += fmt::format("  {} not removable: {}\n", a.node_name(b.add), b.reason);
    }
  }
  return out;
}

}  // namespace pk
