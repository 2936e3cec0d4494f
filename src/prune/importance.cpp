#include "prune/importance.h"

#include "core/error.h"
#include "core/strings.h"

namespace pk {
namespace {

const Criterion kAll[] = {Criterion::kL1, Criterion::kL2, Criterion::kBnGamma, Criterion::kFpgm, Criterion::kTaylor};

/// Rows of the member's weight that belong to the group, as a [size, -1] matrix.
torch::Tensor member_rows(const torch::Tensor& weight, const GroupMember& m) {
  auto index = torch::tensor(std::vector<int64_t>(m.channels.begin(), m.channels.end()), torch::kLong);
  return weight.index_select(0, index).reshape({static_cast<int64_t>(m.channels.size()), -1});
}

void add_scores(std::vector<float>& scores, const torch::Tensor& s) {
  auto acc = s.to(torch::kFloat32).contiguous();
  const float* p = acc.data_ptr<float>();
  for (size_t i = 0; i < scores.size(); ++i) scores[i] += p[i];
}

bool carries_rows(const Graph& graph, const GroupMember& m) {
  const OpKind op = graph.node(m.node).op;
  if (m.role == MemberRole::kProducer) return op == OpKind::kConv2d || op == OpKind::kLinear;
  return m.role == MemberRole::kSliced && op == OpKind::kConv2d;  // depthwise conv rows
}

std::vector<float> group_scores(const Graph& graph, const ChannelGroup& g, const WeightStore& w, Criterion c,
                                const WeightStore* grads) {
  std::vector<float> scores(g.size, 0.0f);
  bool any = false;
  if (c == Criterion::kBnGamma) {
    for (const auto& m : g.members)
      if (m.role == MemberRole::kSliced && graph.node(m.node).op == OpKind::kBatchNorm2d) {
        add_scores(scores, member_rows(w.get(graph.node(m.node).name, "weight").view({-1, 1}), m).abs().view({-1}));
        any = true;
      }
    if (any) return scores;
    c = Criterion::kL1;  // documented fallback: no BN on this group
  }
  for (const auto& m : g.members) {
    if (!carries_rows(graph, m)) continue;
    const std::string& name = graph.node(m.node).name;
    auto rows = member_rows(w.get(name, "weight"), m);
    switch (c) {
      case Criterion::kL1:
        add_scores(scores, rows.abs().sum(1));
        break;
      case Criterion::kL2:
        add_scores(scores, rows.pow(2).sum(1).sqrt());
        break;
      case Criterion::kFpgm:
        if (m.role == MemberRole::kProducer) add_scores(scores, torch::cdist(rows, rows).sum(1));
        break;
      case Criterion::kTaylor: {
        PK_CHECK(grads != nullptr, "the taylor criterion needs gradients");
        auto grad_rows = member_rows(grads->get(name, "weight"), m);
        add_scores(scores, (rows * grad_rows).sum(1).abs());
        break;
      }
      case Criterion::kBnGamma:
        break;
    }
    any = true;
  }
  if (c == Criterion::kTaylor) {
    for (const auto& m : g.members)
      if (m.role == MemberRole::kSliced && graph.node(m.node).op == OpKind::kBatchNorm2d) {
        const std::string& name = graph.node(m.node).name;
        auto contrib = w.get(name, "weight") * grads->get(name, "weight") + w.get(name, "bias") * grads->get(name, "bias");
        add_scores(scores, member_rows(contrib.view({-1, 1}), m).abs().view({-1}));
        any = true;
      }
  }
  PK_ASSERT(any, "group '{}' has no member with weights to score", g.name);
  return scores;
}

}  // namespace

Criterion criterion_from_name(const std::string& name) {
  for (Criterion c : kAll)
    if (name == criterion_name(c)) return c;
  PK_CHECK(false, "unknown importance criterion '{}'; known: {}", name, join(known_criteria(), ", "));
  return Criterion::kL1;
}

const char* criterion_name(Criterion c) {
  switch (c) {
    case Criterion::kL1: return "l1";
    case Criterion::kL2: return "l2";
    case Criterion::kBnGamma: return "bn_gamma";
    case Criterion::kFpgm: return "fpgm";
    case Criterion::kTaylor: return "taylor";
  }
  PK_ASSERT(false, "invalid criterion");
}

std::vector<std::string> known_criteria() {
  std::vector<std::string> names;
  for (Criterion c : kAll) names.push_back(criterion_name(c));
  return names;
}

std::vector<std::vector<float>> channel_importance(const Graph& graph, const ChannelAnalysis& analysis,
                                                   const WeightStore& weights, Criterion criterion,
                                                   const WeightStore* gradients) {
  analysis.check_graph(graph);
  torch::NoGradGuard no_grad;
  std::vector<std::vector<float>> scores(analysis.num_groups());
  for (const auto& g : analysis.groups())
    if (g.prunable) scores[g.id] = group_scores(graph, g, weights, criterion, gradients);
  return scores;
}

}  // namespace pk
