#include "prune/plan_apply.h"

#include "core/error.h"
#include "plan/apply_plan.h"
#include "plan/kept_channels.h"
#include "plan/resolve_counts.h"
#include "plan/validate_plan.h"
#include "prune/regroup_convs.h"

namespace pk {
namespace {

torch::Tensor select(const torch::Tensor& t, int64_t dim, const std::vector<int>& indices, bool full) {
  if (full) return t.detach().clone();
  auto index = torch::tensor(std::vector<int64_t>(indices.begin(), indices.end()), torch::kLong);
  return t.detach().index_select(dim, index).contiguous();
}

/// plan.conv_groups (with their permutations) as regroup_convs takes them: convs of removed
/// blocks and convs that keep their groups are left out.
std::map<std::string, ConvRegroup> regroups_of(const PrunedNetwork& pruned, const PrunePlan& plan) {
  std::map<std::string, ConvRegroup> convs;
  for (const auto& [name, groups] : plan.conv_groups) {
    if (!pruned.graph.has(name) || pruned.graph.node(name).attr<ConvAttrs>().groups == groups) continue;
    ConvRegroup r;
    r.groups = groups;
    if (plan.conv_permutations.count(name)) r.blocks = plan.conv_permutations.at(name);
    convs[name] = r;
  }
  return convs;
}

/// Channels and blocks first, then the regrouping on the pruned network (permutations refer to
/// unpruned convs, so the numbering is the same in both).
PrunedNetwork prune_then_regroup(const Graph& graph, const WeightStore& weights, const ChannelAnalysis& analysis,
                                 const PrunePlan& plan) {
  validate_plan(graph, analysis, plan);
  PrunePlan channels_only = plan;
  channels_only.conv_groups.clear();
  channels_only.conv_permutations.clear();
  const PrunedNetwork pruned = plan_apply(graph, weights, analysis, channels_only);
  const auto convs = regroups_of(pruned, plan);
  if (convs.empty()) return pruned;
  return regroup_convs(pruned.graph, pruned.weights, convs);
}

/// The weight [F, C/G, kh, kw] of a grouped conv (G groups, not depthwise) keeping filters k.out
/// and inputs k.in[0]: block b's kept filters read block b's kept inputs, at columns
/// (input − b·C/G). The plan keeps the same number of filters and of inputs in every block
/// (validate_plan), so the result is a G-group conv again.
torch::Tensor grouped_weight(const torch::Tensor& weight, int groups, const NodeChannels& k) {
  if (k.in_full() && k.out_full()) return weight.detach().clone();
  const int64_t per_in = k.in_sizes[0] / groups;
  const int64_t per_out = k.out_size / groups;
  std::vector<std::vector<int>> filters(groups), columns(groups);
  for (int f : k.out) filters.at(f / per_out).push_back(f);
  for (int c : k.in[0]) columns.at(c / per_in).push_back(static_cast<int>(c - (c / per_in) * per_in));
  std::vector<torch::Tensor> blocks;
  for (int b = 0; b < groups; ++b) {
    PK_ASSERT(filters[b].size() == filters[0].size() && columns[b].size() == columns[0].size(),
              "grouped conv: block {} keeps {} filters and {} inputs, block 0 keeps {} and {}", b, filters[b].size(),
              columns[b].size(), filters[0].size(), columns[0].size());
    blocks.push_back(select(select(weight, 0, filters[b], false), 1, columns[b], false));
  }
  return torch::cat(blocks, 0).contiguous();
}

}  // namespace

PrunedNetwork plan_apply(const Graph& graph, const WeightStore& weights, const ChannelAnalysis& analysis,
                         const PrunePlan& plan) {
  if (!plan.conv_groups.empty()) return prune_then_regroup(graph, weights, analysis, plan);
  const KeptChannels kept = kept_channels(graph, analysis, plan);  // validates the plan
  PrunedNetwork out;
  out.graph = apply_plan_to_graph(graph, analysis, plan);
  torch::NoGradGuard no_grad;
  for (int i = 0; i < graph.size(); ++i) {
    const Node& n = graph.node(i);
    const NodeChannels& k = kept.nodes[i];
    if (k.removed) continue;
    switch (n.op) {
      case OpKind::kConv2d: {
        PK_ASSERT(!k.regrouped, "conv '{}' regrouped by the channel slicer", n.name);
        const auto& a = n.attr<ConvAttrs>();
        const bool depthwise = a.groups > 1 && a.groups == k.in_sizes[0] && a.groups == a.out_channels;
        torch::Tensor w;
        if (a.groups == 1) {
          w = select(select(weights.get(n.name, "weight"), 0, k.out, k.out_full()), 1, k.in[0], k.in_full());
        } else if (depthwise) {
          w = select(weights.get(n.name, "weight"), 0, k.out, k.out_full());  // dim 1 is 1
        } else {
          w = grouped_weight(weights.get(n.name, "weight"), a.groups, k);
        }
        out.weights.set(n.name, "weight", w);
        if (a.bias) out.weights.set(n.name, "bias", select(weights.get(n.name, "bias"), 0, k.out, k.out_full()));
        break;
      }
      case OpKind::kLinear: {
        torch::Tensor w = select(weights.get(n.name, "weight"), 0, k.out, k.out_full());
        out.weights.set(n.name, "weight", select(w, 1, k.in[0], k.in_full()));
        if (n.attr<LinearAttrs>().bias)
          out.weights.set(n.name, "bias", select(weights.get(n.name, "bias"), 0, k.out, k.out_full()));
        break;
      }
      case OpKind::kBatchNorm2d:
        for (const char* t : {"weight", "bias", "running_mean", "running_var"})
          out.weights.set(n.name, t, select(weights.get(n.name, t), 0, k.out, k.out_full()));
        break;
      case OpKind::kLayerNorm:  // pinned by the channel rule, so k.out keeps every channel; sliced like BN for all that
        for (const char* t : {"weight", "bias"})
          out.weights.set(n.name, t, select(weights.get(n.name, t), 0, k.out, k.out_full()));
        break;
      case OpKind::kInput:
      case OpKind::kReLU:
      case OpKind::kReLU6:
      case OpKind::kLeakyReLU:
      case OpKind::kSiLU:
      case OpKind::kHardSigmoid:
      case OpKind::kSoftmax:
      case OpKind::kLogSoftmax:
      case OpKind::kHardSwish:
      case OpKind::kGELU:
      case OpKind::kSigmoid:
      case OpKind::kAdd:
      case OpKind::kMul:
      case OpKind::kConcat:
      case OpKind::kMaxPool2d:
      case OpKind::kAvgPool2d:
      case OpKind::kGlobalAvgPool:
      case OpKind::kPad:
      case OpKind::kUpsample:
      case OpKind::kFlatten:
      case OpKind::kChannelPermute:
      case OpKind::kChannelSlice:
      case OpKind::kIdentity:
        break;
      case OpKind::kCount:
        PK_ASSERT(false, "invalid op");
    }
  }
  out.weights.validate(out.graph, "plan_apply result");
  return out;
}

PrunePlan resolve_plan(const PrunePlan& plan, const ChannelAnalysis& analysis,
                       const std::vector<std::vector<float>>& scores) {
  PK_CHECK(static_cast<int>(scores.size()) == analysis.num_groups(),
           "resolve_plan: {} score vectors for {} channel groups", scores.size(), analysis.num_groups());
  GroupScores by_name;
  for (const auto& [name, keep] : plan.groups) {
    const int g = analysis.group_index(name);
    if (g >= 0 && !scores[g].empty()) by_name[name] = scores[g];
  }
  return resolve_counts(plan, analysis, by_name);
}

PrunePlan resolve_plan(const Graph& graph, const WeightStore& weights, const ChannelAnalysis& analysis,
                       const PrunePlan& plan, const ImportanceOptions& importance, const WeightStore* gradients) {
  return resolve_plan(plan, analysis, channel_importance(graph, analysis, weights, importance, gradients));
}

PrunePlan resolve_plan(const Graph& graph, const WeightStore& weights, const ChannelAnalysis& analysis,
                       const PrunePlan& plan, Criterion criterion, const WeightStore* gradients) {
  ImportanceOptions importance;
  importance.criterion = criterion;
  return resolve_plan(graph, weights, analysis, plan, importance, gradients);
}

}  // namespace pk
