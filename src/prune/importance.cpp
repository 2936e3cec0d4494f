#include "prune/importance.h"

#include <cmath>

#include "core/error.h"

namespace pk {
namespace {

/// Where a member keeps the group's channels in its tensors (importance.h lists them).
enum class Layout { kNone, kRows, kColumns, kGroupedColumns, kBatchNorm };

Layout layout_of(const Graph& graph, const GroupMember& m) {
  const Node& n = graph.node(m.node);
  switch (m.role) {
    case MemberRole::kProducer:
      return n.op == OpKind::kConv2d || n.op == OpKind::kLinear ? Layout::kRows : Layout::kNone;
    case MemberRole::kSliced:
      if (n.op == OpKind::kBatchNorm2d) return Layout::kBatchNorm;
      return n.op == OpKind::kConv2d ? Layout::kRows : Layout::kNone;  // depthwise rows
    case MemberRole::kConsumer:
      if (n.op == OpKind::kLinear) return Layout::kColumns;
      if (n.op != OpKind::kConv2d) return Layout::kNone;
      return n.attr<ConvAttrs>().groups == 1 ? Layout::kColumns : Layout::kGroupedColumns;
  }
  return Layout::kNone;
}

torch::Tensor long_index(const std::vector<int64_t>& v) { return torch::tensor(v, torch::kLong); }

std::vector<int64_t> member_channels(const GroupMember& m) { return {m.channels.begin(), m.channels.end()}; }

/// [size, spatial·rest]: the consumer's input columns of group channel i, in row i. Linear
/// consumers after a Flatten read features [c·spatial, (c+1)·spatial) for channel c.
torch::Tensor columns_of(const torch::Tensor& weight, const GroupMember& m) {
  const int64_t size = static_cast<int64_t>(m.channels.size());
  if (weight.dim() == 2) {
    std::vector<int64_t> features;
    for (int c : m.channels)
      for (int64_t s = 0; s < m.spatial; ++s) features.push_back(c * m.spatial + s);
    auto cols = weight.index_select(1, long_index(features)).view({weight.size(0), size, m.spatial});
    return cols.permute({1, 0, 2}).reshape({size, -1});
  }
  return weight.index_select(1, long_index(member_channels(m))).transpose(0, 1).reshape({size, -1});
}

/// [size, (F/G)·kh·kw]: a grouped conv consumer (weight [F, C/G, kh, kw], G groups): input
/// channel k is column k mod (C/G) of the F/G filters of block k / (C/G).
torch::Tensor grouped_columns_of(const torch::Tensor& weight, const GroupMember& m, int groups) {
  const int64_t per_in = weight.size(1);
  const int64_t per_out = weight.size(0) / groups;
  std::vector<torch::Tensor> rows;
  rows.reserve(m.channels.size());
  for (int k : m.channels) {
    const int64_t b = k / per_in;
    rows.push_back(weight.narrow(0, b * per_out, per_out).select(1, k % per_in).reshape({-1}));
  }
  return torch::stack(rows);
}

/// The member's tensors for the group's channels, as [size, -1] (row i = group channel i), from
/// `store` (weights or gradients). `with_bias` appends the producer/depthwise bias and BN β.
torch::Tensor member_matrix(const Graph& graph, const GroupMember& m, Layout layout, const WeightStore& store,
                            bool with_bias) {
  const std::string& name = graph.node(m.node).name;
  const int64_t size = static_cast<int64_t>(m.channels.size());
  const auto index = long_index(member_channels(m));
  const torch::Tensor& weight = store.get(name, "weight");
  if (layout == Layout::kColumns) return columns_of(weight, m);
  if (layout == Layout::kGroupedColumns) return grouped_columns_of(weight, m, graph.node(m.node).attr<ConvAttrs>().groups);
  auto mat = weight.index_select(0, index).reshape({size, -1});
  if (with_bias && store.has(name, "bias"))
    mat = torch::cat({mat, store.get(name, "bias").index_select(0, index).view({size, 1})}, 1);
  return mat;
}

/// Whether `criterion` scores a member of this layout (bn_gamma's fallback is the caller's).
bool scores_member(Criterion c, const GroupMember& m, Layout layout, bool producers_only) {
  if (layout == Layout::kNone) return false;
  switch (c) {
    case Criterion::kBnGamma: return layout == Layout::kBatchNorm;
    case Criterion::kFpgm: return layout == Layout::kRows && m.role == MemberRole::kProducer;
    case Criterion::kL1:
    case Criterion::kL2: return !producers_only || layout == Layout::kRows;
    case Criterion::kTaylor:
      return !producers_only || (layout != Layout::kColumns && layout != Layout::kGroupedColumns);
  }
  return false;
}

/// float [size]: one member's per-channel scores under criterion `c`.
torch::Tensor member_scores(const Graph& graph, const GroupMember& m, Layout layout, Criterion c,
                            const WeightStore& w, const WeightStore* grads) {
  const bool taylor = c == Criterion::kTaylor;
  const auto mat = member_matrix(graph, m, layout, w, taylor);
  switch (c) {
    case Criterion::kL1:
    case Criterion::kBnGamma: return mat.abs().sum(1);
    case Criterion::kL2: return mat.pow(2).sum(1).sqrt();
    case Criterion::kFpgm: return torch::cdist(mat, mat).sum(1);
    case Criterion::kTaylor:
      PK_CHECK(grads != nullptr, "the taylor criterion needs gradients");
      return (mat * member_matrix(graph, m, layout, *grads, true)).sum(1).abs();
  }
  PK_ASSERT(false, "invalid criterion");
}

torch::Tensor normalized(torch::Tensor s, ScoreNormalizer n) {
  if (n == ScoreNormalizer::kNone) return s;
  const double d = (n == ScoreNormalizer::kMean ? s.mean() : s.max()).item<double>();
  return d > 0 && std::isfinite(d) ? s / d : s;
}

std::vector<float> group_scores(const Graph& graph, const ChannelGroup& g, const WeightStore& w,
                                const ImportanceOptions& o, const WeightStore* grads) {
  Criterion c = o.criterion;
  std::vector<torch::Tensor> members;
  for (int pass = 0; pass < 2 && members.empty(); ++pass) {
    if (pass == 1) {
      if (c != Criterion::kBnGamma) break;
      c = Criterion::kL1;  // documented fallback: no BN on this group
    }
    for (const auto& m : g.members) {
      const Layout layout = layout_of(graph, m);
      if (!scores_member(c, m, layout, o.producers_only)) continue;
      auto s = member_scores(graph, m, layout, c, w, grads).to(torch::kFloat32);
      PK_ASSERT(s.dim() == 1 && s.size(0) == g.size, "member '{}' of group '{}' scored {} channels, expected {}",
                graph.node(m.node).name, g.name, s.numel(), g.size);
      members.push_back(normalized(s, o.normalizer));
    }
  }
  PK_ASSERT(!members.empty(), "group '{}' has no member with weights to score", g.name);
  const auto all = torch::stack(members);  // [members, size]
  torch::Tensor r;
  switch (o.reduction) {
    case ScoreReduction::kSum: r = all.sum(0); break;
    case ScoreReduction::kMean: r = all.mean(0); break;
    case ScoreReduction::kMax: r = std::get<0>(all.max(0)); break;
  }
  r = r.contiguous();
  return {r.data_ptr<float>(), r.data_ptr<float>() + r.numel()};
}

}  // namespace

std::vector<std::vector<float>> channel_importance(const Graph& graph, const ChannelAnalysis& analysis,
                                                   const WeightStore& weights, const ImportanceOptions& options,
                                                   const WeightStore* gradients) {
  analysis.check_graph(graph);
  PK_CHECK(options.criterion != Criterion::kTaylor || gradients != nullptr, "the taylor criterion needs gradients");
  torch::NoGradGuard no_grad;
  std::vector<std::vector<float>> scores(analysis.num_groups());
  for (const auto& g : analysis.groups())
    if (g.prunable) scores[g.id] = group_scores(graph, g, weights, options, gradients);
  return scores;
}

std::vector<std::vector<float>> channel_importance(const Graph& graph, const ChannelAnalysis& analysis,
                                                   const WeightStore& weights, Criterion criterion,
                                                   const WeightStore* gradients) {
  ImportanceOptions o;
  o.criterion = criterion;
  return channel_importance(graph, analysis, weights, o, gradients);
}

}  // namespace pk
