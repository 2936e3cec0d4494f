#include "analysis/channel_analysis.h"

#include <algorithm>
#include <map>
#include <utility>

#include <fmt/format.h>

#include "analysis/space_union.h"
#include "core/error.h"
#include "core/strings.h"

namespace pk {
namespace {

/// Channel `index` of channel space `space` (before the spaces are grouped).
struct SpaceRef {
  int space = -1;
  int index = -1;
};

struct RawValue {
  std::vector<SpaceRef> refs;
  int64_t spatial = 1;
};

/// refs repeated `spatial` times each, spatial 1: the same features, one ref per feature.
RawValue expand(const RawValue& v) {
  if (v.spatial == 1) return v;
  RawValue out;
  out.refs.reserve(v.refs.size() * static_cast<size_t>(v.spatial));
  for (const auto& r : v.refs)
    for (int64_t s = 0; s < v.spatial; ++s) out.refs.push_back(r);
  return out;
}

void add_unique(std::vector<std::string>& reasons, const std::string& reason) {
  if (std::find(reasons.begin(), reasons.end(), reason) == reasons.end()) reasons.push_back(reason);
}

/// One member per occurrence of each group in `v` (the node's input or output value).
void add_value_members(std::vector<ChannelGroup>& groups, const ValueChannels& v, int node, MemberRole role) {
  for (const auto& occ : v.groups) {
    const int size = groups[occ.group].size;
    std::vector<GroupMember> ms(occ.times);
    for (auto& m : ms) {
      m.node = node;
      m.role = role;
      m.spatial = v.spatial;
      m.channels.assign(size, -1);
    }
    std::vector<int> next(size, 0);  // occurrence to fill next, per group channel
    for (size_t c = 0; c < v.refs.size(); ++c) {
      const auto& r = v.refs[c];
      if (r.group == occ.group) ms[next[r.index]++].channels[r.index] = static_cast<int>(c);
    }
    for (auto& m : ms) groups[occ.group].members.push_back(std::move(m));
  }
}

/// Refines the partition `classes` (class of each element; empty = all in one class) by `by`:
/// elements stay in one class only if they had one class and equal `by` values. Classes are
/// renumbered 0, 1, ... in order of first element.
void refine(std::vector<int>& classes, const std::vector<int>& by) {
  if (classes.empty()) classes.assign(by.size(), 0);
  std::map<std::pair<int, int>, int> renumber;
  for (size_t x = 0; x < classes.size(); ++x)
    classes[x] = renumber.emplace(std::make_pair(classes[x], by[x]), static_cast<int>(renumber.size())).first->second;
}

bool is_depthwise(const Graph& g, int node) {
  const auto& a = g.node(node).attr<ConvAttrs>();
  return a.groups > 1 && a.groups == g.node(g.input_indices(node)[0]).shape.channels() &&
         a.groups == a.out_channels;
}

}  // namespace

class ChannelAnalysisBuilder {
 public:
  ChannelAnalysisBuilder(const Graph& g, const AnalysisOptions& options)
      : g_(g), options_(options) {}

  ChannelAnalysis run();

 private:
  /// One visit of every node: spaces (by the current pieces), unions and values.
  void build_values();
  /// The output value of producer `node` (size channels): one space per piece of its rows.
  RawValue produce(int node, int64_t size);
  /// Splits the pieces of every producer whose group a ChannelSlice cuts (takes some of its
  /// channels and not others, or some more often than others) along the cut. True if any split:
  /// the values must then be built again.
  bool split_at_slices();
  void pin_space(int space, const std::string& reason);
  void pin(const RawValue& v, const std::string& reason);
  /// Ties the channels of `a` and `b` one to one (Add/Mul). False if they do not line up.
  bool merge(const RawValue& a, const RawValue& b);
  void visit(int node);
  void build_groups(ChannelAnalysis& out);
  /// Sets the block structure of the groups read/produced by grouped convs, or pins them.
  void apply_block_rules(ChannelAnalysis& out);

  /// A grouped conv's input (as consumer) or output (as producer) value: channel k lies in block
  /// k / (channels / groups).
  struct BlockRule {
    int node = -1;
    int groups = 1;
    RawValue value;
    bool output = false;
  };
  std::vector<BlockRule> block_rules_;
  void add_members(ChannelAnalysis& out);

  const Graph& g_;
  AnalysisOptions options_;
  SpaceUnion spaces_;
  std::vector<int> space_node_;            // creating node of each space
  std::vector<std::vector<int>> space_rows_;  // output rows of its node each space holds, ascending
  std::vector<int> space_piece_;           // index of the space among its node's pieces; -1 if one piece
  /// Producers whose output rows a ChannelSlice splits into pieces (groups of their own):
  /// piece id of every row. Kept from one build_values to the next; a producer absent is one piece.
  std::map<int, std::vector<int>> piece_of_row_;
  std::vector<std::vector<std::string>> space_reasons_;  // why each space is pinned (empty = free)
  std::vector<RawValue> values_;
  std::vector<char> conflict_;              // Add/Mul nodes whose operands do not line up
  std::vector<int> group_of_root_;          // by space id (roots only)
  std::vector<std::vector<int>> group_numbering_;  // by group: root index → group index
};

RawValue ChannelAnalysisBuilder::produce(int node, int64_t size) {
  PK_ASSERT(size >= 0 && size <= (int64_t{1} << 30), "node '{}': {} channels", g_.node(node).name, size);
  std::vector<std::vector<int>> pieces;  // rows of each piece, pieces in order of their first row
  const auto split = piece_of_row_.find(node);
  if (split == piece_of_row_.end()) {
    pieces.emplace_back(static_cast<size_t>(size));
    for (int r = 0; r < size; ++r) pieces[0][r] = r;
  } else {
    std::map<int, int> order;  // piece id → index in `pieces`
    for (int r = 0; r < size; ++r) {
      const auto [it, fresh] = order.emplace(split->second[r], static_cast<int>(pieces.size()));
      if (fresh) pieces.emplace_back();
      pieces[it->second].push_back(r);
    }
  }
  RawValue v;
  v.refs.resize(static_cast<size_t>(size));
  for (size_t p = 0; p < pieces.size(); ++p) {
    const int s = spaces_.add(static_cast<int>(pieces[p].size()));
    space_node_.push_back(node);
    space_reasons_.emplace_back();
    space_piece_.push_back(pieces.size() == 1 ? -1 : static_cast<int>(p));
    for (size_t j = 0; j < pieces[p].size(); ++j) v.refs[pieces[p][j]] = {s, static_cast<int>(j)};
    space_rows_.push_back(std::move(pieces[p]));
  }
  return v;
}

void ChannelAnalysisBuilder::pin_space(int space, const std::string& reason) {
  add_unique(space_reasons_[space], reason);
}

void ChannelAnalysisBuilder::pin(const RawValue& v, const std::string& reason) {
  int last = -1;
  for (const auto& r : v.refs) {
    if (r.space == last) continue;
    last = r.space;
    pin_space(r.space, reason);
  }
}

bool ChannelAnalysisBuilder::merge(const RawValue& a0, const RawValue& b0) {
  // Different flatten factors: compare feature by feature.
  RawValue expanded_a, expanded_b;
  const RawValue* pa = &a0;
  const RawValue* pb = &b0;
  if (a0.spatial != b0.spatial) {
    expanded_a = expand(a0);
    expanded_b = expand(b0);
    pa = &expanded_a;
    pb = &expanded_b;
  }
  const RawValue& a = *pa;
  const RawValue& b = *pb;
  if (a.refs.size() != b.refs.size()) return false;
  // Root-level relations, one per (root of a, root of b) pair met: rel[index in ra] = index in rb.
  std::map<std::pair<int, int>, std::vector<int>> relations;
  for (size_t c = 0; c < a.refs.size(); ++c) {
    const int ra = spaces_.find(a.refs[c].space);
    const int rb = spaces_.find(b.refs[c].space);
    const int xa = spaces_.root_index(a.refs[c].space, a.refs[c].index);
    const int xb = spaces_.root_index(b.refs[c].space, b.refs[c].index);
    if (ra == rb) {
      if (xa != xb) return false;
      continue;
    }
    auto& rel = relations[{ra, rb}];
    if (rel.empty()) rel.assign(spaces_.size(ra), -1);
    if (rel[xa] != -1 && rel[xa] != xb) return false;
    rel[xa] = xb;
  }
  // Each pair must be a bijection between two whole spaces of equal size.
  for (const auto& [key, rel] : relations) {
    if (spaces_.size(key.first) != spaces_.size(key.second)) return false;
    std::vector<char> hit(rel.size(), 0);
    for (int v : rel) {
      if (v < 0 || hit[v]) return false;
      hit[v] = 1;
    }
  }
  for (const auto& [key, rel] : relations)
    if (!spaces_.unite(key.first, key.second, rel)) return false;
  return true;
}

void ChannelAnalysisBuilder::visit(int i) {
  const Node& n = g_.node(i);
  const auto& ins = g_.input_indices(i);
  switch (n.op) {
    case OpKind::kInput:
      values_[i] = produce(i, n.shape.channels());
      pin(values_[i], fmt::format("graph input '{}'", n.name));
      return;
    case OpKind::kConv2d: {
      const auto& a = n.attr<ConvAttrs>();
      const RawValue& in = values_[ins[0]];
      if (is_depthwise(g_, i)) {
        values_[i] = in;  // depthwise: channel c in, channel c out
        return;
      }
      values_[i] = produce(i, a.out_channels);
      if (a.groups > 1 && options_.grouped_conv_blocks) {
        // Blocks of G channels; checked against the groups once the spaces are united.
        block_rules_.push_back({i, a.groups, in, false});
        block_rules_.push_back({i, a.groups, values_[i], true});
      } else if (a.groups > 1) {
        const std::string reason =
            fmt::format("grouped conv '{}' (groups={}, {} -> {} channels): pruning through 1 < groups < channels "
                        "is not enabled (AnalysisOptions::grouped_conv_blocks)",
                        n.name, a.groups, g_.node(ins[0]).shape.channels(), a.out_channels);
        pin(in, reason);
        pin(values_[i], reason);
      }
      return;
    }
    case OpKind::kLinear:
      values_[i] = produce(i, n.attr<LinearAttrs>().out_features);
      return;
    case OpKind::kSoftmax:
    case OpKind::kLogSoftmax:  // normalises over every entry: removing one changes all the others
      values_[i] = values_[ins[0]];
      pin(values_[i], fmt::format("{} '{}' normalises over all {} entries", op_name(n.op), n.name, n.shape.channels()));
      return;
    case OpKind::kLayerNorm:  // mean and variance over the channels: removing one changes every other's output
      values_[i] = values_[ins[0]];
      pin(values_[i], fmt::format("LayerNorm '{}' normalises over all {} channels", n.name, n.shape.channels()));
      return;
    case OpKind::kBatchNorm2d:
    case OpKind::kReLU:
    case OpKind::kReLU6:
    case OpKind::kLeakyReLU:
    case OpKind::kSiLU:
    case OpKind::kHardSigmoid:
    case OpKind::kHardSwish:
    case OpKind::kGELU:
    case OpKind::kSigmoid:
    case OpKind::kMaxPool2d:
    case OpKind::kAvgPool2d:
    case OpKind::kGlobalAvgPool:
    case OpKind::kPad:
    case OpKind::kUpsample:
    case OpKind::kIdentity:
      values_[i] = values_[ins[0]];
      return;
    case OpKind::kAdd:
    case OpKind::kMul: {
      const RawValue& a = values_[ins[0]];
      const RawValue& b = values_[ins[1]];
      if (!merge(a, b)) {
        conflict_[i] = 1;
        const std::string reason =
            fmt::format("{} '{}': the channels of '{}' and '{}' do not line up one to one", op_name(n.op), n.name,
                        g_.node(ins[0]).name, g_.node(ins[1]).name);
        pin(a, reason);
        pin(b, reason);
      }
      values_[i] = a;
      return;
    }
    case OpKind::kConcat: {
      RawValue v;
      for (int in : ins) {
        PK_ASSERT(values_[in].spatial == 1, "concat '{}' of a flattened value", n.name);
        v.refs.insert(v.refs.end(), values_[in].refs.begin(), values_[in].refs.end());
      }
      values_[i] = std::move(v);
      return;
    }
    case OpKind::kFlatten: {
      const Shape& s = g_.node(ins[0]).shape;
      values_[i] = values_[ins[0]];
      values_[i].spatial *= s.height() * s.width();
      return;
    }
    case OpKind::kChannelPermute: {
      const RawValue in = expand(values_[ins[0]]);
      const auto& order = n.attr<ChannelPermuteAttrs>().order;
      RawValue v;
      v.refs.reserve(order.size());
      for (int o : order) v.refs.push_back(in.refs.at(o));
      values_[i] = std::move(v);
      return;
    }
    case OpKind::kChannelSlice: {
      const auto& a = n.attr<ChannelSliceAttrs>();
      const RawValue& in = values_[ins[0]];
      PK_ASSERT(in.spatial == 1, "channel slice '{}' of a flattened value", n.name);
      values_[i].refs.assign(in.refs.begin() + a.start, in.refs.begin() + a.end);
      return;
    }
    case OpKind::kCount:
      break;
  }
  PK_ASSERT(false, "analyze_channels: invalid op {}", static_cast<int>(n.op));
}

void ChannelAnalysisBuilder::build_groups(ChannelAnalysis& out) {
  group_of_root_.assign(spaces_.count(), -1);
  // Spaces are created in node order, so the first space met of each set is its first producer.
  for (int s = 0; s < spaces_.count(); ++s) {
    const int r = spaces_.find(s);
    if (group_of_root_[r] < 0) {
      ChannelGroup grp;
      grp.id = static_cast<int>(out.groups_.size());
      grp.name = g_.node(space_node_[s]).name;
      if (space_piece_[s] >= 0) grp.name += fmt::format("#{}", space_piece_[s]);
      while (out.group_by_name_.count(grp.name)) grp.name += "'";  // a node may be named like a piece
      out.group_by_name_[grp.name] = grp.id;
      grp.size = spaces_.size(s);
      group_of_root_[r] = grp.id;
      // Number the group's channels like its named producer's output channels.
      std::vector<int> numbering(grp.size);
      for (int j = 0; j < grp.size; ++j) numbering[spaces_.root_index(s, j)] = j;
      group_numbering_.push_back(std::move(numbering));
      out.groups_.push_back(std::move(grp));
    }
  }
  std::vector<std::vector<std::string>> reasons(out.groups_.size());
  for (int s = 0; s < spaces_.count(); ++s)
    for (const auto& reason : space_reasons_[s]) add_unique(reasons[group_of_root_[spaces_.find(s)]], reason);
  for (auto& grp : out.groups_) {
    grp.prunable = reasons[grp.id].empty();
    grp.reason = join(reasons[grp.id], "; ");
  }

  out.values_.resize(g_.size());
  for (int i = 0; i < g_.size(); ++i) {
    const RawValue& raw = values_[i];
    ValueChannels& v = out.values_[i];
    v.spatial = raw.spatial;
    v.refs.reserve(raw.refs.size());
    std::map<int, int> counts;
    for (const auto& r : raw.refs) {
      const int gid = group_of_root_[spaces_.find(r.space)];
      const int index = group_numbering_[gid][spaces_.root_index(r.space, r.index)];
      v.refs.push_back({gid, index});
      if (counts[gid]++ == 0) v.groups.push_back({gid, 0});
    }
    for (auto& occ : v.groups) {
      const int size = out.groups_[occ.group].size;
      PK_ASSERT(size > 0 && counts[occ.group] % size == 0, "value '{}' holds {} channels of group '{}' of size {}",
                g_.node(i).name, counts[occ.group], out.groups_[occ.group].name, size);
      occ.times = counts[occ.group] / size;
    }
    PK_ASSERT(static_cast<int64_t>(v.refs.size()) * v.spatial == g_.node(i).shape.channels(),
              "value '{}': {} refs x {} for {} channels", g_.node(i).name, v.refs.size(), v.spatial,
              g_.node(i).shape.channels());
  }
}

namespace {

/// True if the partitions `a` and `b` (block of each channel) are the same up to the blocks' labels.
bool same_partition(const std::vector<int>& a, const std::vector<int>& b) {
  if (a.size() != b.size()) return false;
  std::map<int, int> ab, ba;
  for (size_t i = 0; i < a.size(); ++i) {
    auto x = ab.emplace(a[i], b[i]);
    auto y = ba.emplace(b[i], a[i]);
    if (x.first->second != b[i] || y.first->second != a[i]) return false;
  }
  return true;
}

}  // namespace

void ChannelAnalysisBuilder::apply_block_rules(ChannelAnalysis& out) {
  std::vector<std::vector<std::string>> reasons(out.groups_.size());
  std::vector<char> conflict(out.groups_.size(), 0);
  for (const BlockRule& rule : block_rules_) {
    const Node& n = g_.node(rule.node);
    const auto& a = n.attr<ConvAttrs>();
    const int64_t cin = g_.node(g_.input_indices(rule.node)[0]).shape.channels();
    const std::string conv = fmt::format("grouped conv '{}' (groups={}, {} -> {} channels)", n.name, a.groups, cin,
                                         a.out_channels);
    const ValueChannels& v = out.values_[rule.output ? rule.node : g_.input_indices(rule.node)[0]];
    const auto pin_all = [&](const std::string& reason) {
      for (const auto& occ : v.groups) {
        add_unique(reasons[occ.group], reason);
        conflict[occ.group] = 1;
      }
    };
    if (v.groups.size() != 1 || v.groups[0].times != 1 || v.spatial != 1) {
      pin_all(fmt::format("{}: its {} holds {} channel groups{}, so its blocks would straddle groups", conv,
                          rule.output ? "output" : "input", v.groups.size(),
                          v.groups.size() == 1 ? " (repeated)" : ""));
      continue;
    }
    const int gid = v.groups[0].group;
    ChannelGroup& grp = out.groups_[gid];
    const int per_block = grp.size / rule.groups;
    if (per_block * rule.groups != grp.size) {  // the graph checks divisibility; be safe
      pin_all(fmt::format("{}: {} channels do not split into {} blocks", conv, grp.size, rule.groups));
      continue;
    }
    if (per_block == 1) {
      pin_all(fmt::format("{}: one {} per group, so its {} cannot be pruned", conv,
                          rule.output ? "filter" : "input channel", rule.output ? "filters" : "input channels"));
      continue;
    }
    std::vector<int> block_of(grp.size);
    for (size_t c = 0; c < v.refs.size(); ++c) block_of[v.refs[c].index] = static_cast<int>(c) / per_block;
    if (grp.blocks == 1) {
      grp.blocks = rule.groups;
      grp.block_of = std::move(block_of);
    } else if (grp.blocks != rule.groups || !same_partition(grp.block_of, block_of)) {
      pin_all(fmt::format("{}: its {} blocks differ from the {} blocks another grouped conv imposes on group '{}'",
                          conv, rule.groups, grp.blocks, grp.name));
    }
  }
  for (auto& grp : out.groups_) {
    if (conflict[grp.id]) {
      grp.blocks = 1;
      grp.block_of.clear();
    }
    if (reasons[grp.id].empty()) continue;
    std::vector<std::string> all;
    if (!grp.reason.empty()) all.push_back(grp.reason);
    for (const auto& r : reasons[grp.id]) all.push_back(r);
    grp.prunable = false;
    grp.reason = join(all, "; ");
  }
}

void ChannelAnalysisBuilder::add_members(ChannelAnalysis& out) {
  for (int s = 0; s < spaces_.count(); ++s) {
    const int node = space_node_[s];
    const int gid = group_of_root_[spaces_.find(s)];
    GroupMember m;
    m.node = node;
    m.role = MemberRole::kProducer;
    m.channels.assign(spaces_.size(s), -1);
    for (int j = 0; j < spaces_.size(s); ++j)
      m.channels[group_numbering_[gid][spaces_.root_index(s, j)]] = space_rows_[s][j];
    out.groups_[gid].members.push_back(std::move(m));
  }
  for (int i = 0; i < g_.size(); ++i) {
    const Node& n = g_.node(i);
    if (n.op == OpKind::kBatchNorm2d || n.op == OpKind::kLayerNorm) {
      add_value_members(out.groups_, out.values_[i], i, MemberRole::kSliced);
    } else if (n.op == OpKind::kConv2d) {
      add_value_members(out.groups_, out.values_[g_.input_indices(i)[0]], i,
                        is_depthwise(g_, i) ? MemberRole::kSliced : MemberRole::kConsumer);
    } else if (n.op == OpKind::kLinear) {
      add_value_members(out.groups_, out.values_[g_.input_indices(i)[0]], i, MemberRole::kConsumer);
    }
  }
  for (auto& grp : out.groups_)
    std::stable_sort(grp.members.begin(), grp.members.end(), [](const GroupMember& x, const GroupMember& y) {
      return static_cast<int>(x.role) != static_cast<int>(y.role) ? static_cast<int>(x.role) < static_cast<int>(y.role)
                                                                  : x.node < y.node;
    });
}

void ChannelAnalysisBuilder::build_values() {
  spaces_ = SpaceUnion();
  space_node_.clear();
  space_rows_.clear();
  space_piece_.clear();
  space_reasons_.clear();
  block_rules_.clear();
  values_.assign(g_.size(), RawValue());
  conflict_.assign(g_.size(), 0);
  for (int i = 0; i < g_.size(); ++i) visit(i);
  for (const auto& name : g_.outputs()) pin(values_[g_.index_of(name)], fmt::format("graph output '{}'", name));
}

bool ChannelAnalysisBuilder::split_at_slices() {
  // Class of every channel of every root met, refined slice by slice by how often the slice
  // takes it: channels of one class are taken alike by every slice.
  std::map<int, std::vector<int>> class_of;  // root → class of each root channel
  for (int i = 0; i < g_.size(); ++i) {
    if (g_.node(i).op != OpKind::kChannelSlice) continue;
    std::map<int, std::vector<int>> taken;  // root → times the slice takes each root channel
    for (const SpaceRef& r : values_[i].refs) {
      const int root = spaces_.find(r.space);
      auto& t = taken[root];
      if (t.empty()) t.assign(spaces_.size(root), 0);
      ++t[spaces_.root_index(r.space, r.index)];
    }
    for (auto& [root, times] : taken) refine(class_of[root], times);
  }
  // Each space of a root with several classes splits by class; its node's pieces split with it.
  std::map<int, std::vector<int>> sub_of_row;  // node → class of each row in a splitting space, -1 elsewhere
  for (int s = 0; s < spaces_.count(); ++s) {
    const auto cls = class_of.find(spaces_.find(s));
    if (cls == class_of.end() || std::count(cls->second.begin(), cls->second.end(), cls->second[0]) ==
                                     static_cast<std::ptrdiff_t>(cls->second.size()))
      continue;
    const int node = space_node_[s];
    auto& sub = sub_of_row[node];
    if (sub.empty()) sub.assign(static_cast<size_t>(g_.node(node).shape.channels()), -1);
    for (int j = 0; j < spaces_.size(s); ++j) sub[space_rows_[s][j]] = cls->second[spaces_.root_index(s, j)];
  }
  for (auto& [node, sub] : sub_of_row) refine(piece_of_row_[node], sub);
  return !sub_of_row.empty();
}

ChannelAnalysis ChannelAnalysisBuilder::run() {
  // A slice cuts a group only if it cuts a producer's piece, and each split makes the pieces
  // finer, so this ends (after 2 builds when every cut is seen by the first).
  for (int build = 0;; ++build) {
    PK_ASSERT(build <= g_.size() + 1, "analyze_channels: the channel slices do not settle after {} builds", build);
    build_values();
    if (!split_at_slices()) break;
  }
  ChannelAnalysis out;
  for (const auto& n : g_.nodes()) {
    out.node_names_.push_back(n.name);
    out.node_channels_.push_back(n.shape.channels());
  }
  build_groups(out);
  apply_block_rules(out);
  add_members(out);
  out.blocks_ = find_residual_blocks(g_);
  for (size_t b = 0; b < out.blocks_.size(); ++b) {
    ResidualBlock& blk = out.blocks_[b];
    if (blk.removable && conflict_[blk.add]) {
      blk.removable = false;
      blk.reason = "the channels of its operands do not line up one to one";
    }
    out.block_by_add_[g_.node(blk.add).name] = static_cast<int>(b);
  }
  return out;
}

ChannelAnalysis analyze_channels(const Graph& graph, const AnalysisOptions& options) {
  return ChannelAnalysisBuilder(graph, options).run();
}

}  // namespace pk
