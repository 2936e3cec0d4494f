#include "prune/regroup_convs.h"

#include "analysis/channel_analysis.h"
#include "core/error.h"
#include "graph/builder.h"

namespace pk {
namespace {

torch::Tensor take(const torch::Tensor& t, int64_t dim, const std::vector<int>& indices) {
  auto index = torch::tensor(std::vector<int64_t>(indices.begin(), indices.end()), torch::kLong);
  return t.detach().index_select(dim, index).contiguous();
}

bool is_identity(const std::vector<int>& p) {
  for (size_t k = 0; k < p.size(); ++k)
    if (p[k] != static_cast<int>(k)) return false;
  return true;
}

/// [F, C/G, kh, kw]: output position k of block b = k / (F/G) reads columns[b·C/G + j] of filter
/// filters[k] of the dense [F, C, kh, kw] weight.
torch::Tensor grouped_weight(const torch::Tensor& dense, const RegroupedConv& r) {
  const torch::Tensor rows = take(dense, 0, r.filters);
  const int per_filters = static_cast<int>(r.filters.size()) / r.groups;
  const int per_columns = static_cast<int>(r.columns.size()) / r.groups;
  std::vector<torch::Tensor> blocks;
  for (int b = 0; b < r.groups; ++b) {
    const std::vector<int> cols(r.columns.begin() + b * per_columns, r.columns.begin() + (b + 1) * per_columns);
    blocks.push_back(take(rows.narrow(0, b * per_filters, per_filters), 1, cols));
  }
  return torch::cat(blocks, 0).contiguous();
}

/// Tensors of a node that is not regrouped, re-indexed to the physical orders of its input
/// (`in`) and output (`out`).
void reindex_tensors(const Node& n, const std::vector<int>& in, const std::vector<int>& out, const WeightStore& from,
                     WeightStore& to) {
  auto copy = [&](const char* t, int64_t dim, const std::vector<int>& order) {
    to.set(n.name, t, take(from.get(n.name, t), dim, order));
  };
  switch (n.op) {
    case OpKind::kConv2d: {
      const auto& a = n.attr<ConvAttrs>();
      if (a.groups == 1) {
        to.set(n.name, "weight", take(take(from.get(n.name, "weight"), 0, out), 1, in));
      } else {
        // depthwise: channel k reads input channel k, so both orders agree; other grouped convs
        // sit on groups whose order never changes
        PK_ASSERT(in == out || (is_identity(in) && is_identity(out)), "grouped conv '{}' re-indexed across its groups",
                  n.name);
        copy("weight", 0, out);
      }
      if (a.bias) copy("bias", 0, out);
      break;
    }
    case OpKind::kLinear:
      to.set(n.name, "weight", take(take(from.get(n.name, "weight"), 0, out), 1, in));
      if (n.attr<LinearAttrs>().bias) copy("bias", 0, out);
      break;
    case OpKind::kBatchNorm2d:
      for (const char* t : {"weight", "bias", "running_mean", "running_var"}) copy(t, 0, out);
      break;
    case OpKind::kLayerNorm:  // its group is pinned, so never reordered; copied all the same
      for (const char* t : {"weight", "bias"}) copy(t, 0, out);
      break;
    default:
      break;  // no tensors
  }
}

Node permute_node(const std::string& name, const std::string& input, std::vector<int> order) {
  Node p;
  p.name = name;
  p.op = OpKind::kChannelPermute;
  p.inputs = {input};
  p.attrs = ChannelPermuteAttrs{std::move(order)};
  return p;
}

}  // namespace

PrunedNetwork regroup_convs(const Graph& graph, const WeightStore& weights,
                            const std::map<std::string, ConvRegroup>& convs) {
  const ChannelAnalysis analysis = analyze_channels(graph);
  const RegroupLayout layout = regroup_layout(graph, analysis, convs);
  std::vector<const RegroupedConv*> regrouped(graph.size(), nullptr);
  for (const RegroupedConv& r : layout.convs) regrouped[r.node] = &r;
  std::vector<std::string> read_as(graph.size());  // the name readers of node i use
  GraphBuilder b;
  PrunedNetwork out;
  torch::NoGradGuard no_grad;
  for (int i = 0; i < graph.size(); ++i) {
    Node n = graph.node(i);
    const auto& ins = graph.input_indices(i);
    for (size_t k = 0; k < ins.size(); ++k) n.inputs[k] = read_as[ins[k]];
    read_as[i] = n.name;
    const std::vector<int>& phys_in = ins.empty() ? layout.physical[i] : layout.physical[ins[0]];
    if (const RegroupedConv* r = regrouped[i]) {
      if (!r->in_order.empty()) {
        PK_CHECK(!graph.has(n.name + ".permute_in"), "regroup: the graph already has a node '{}.permute_in'", n.name);
        n.inputs[0] = b.add(permute_node(n.name + ".permute_in", n.inputs[0], r->in_order));
      }
      std::get<ConvAttrs>(n.attrs).groups = r->groups;
      out.weights.set(n.name, "weight", grouped_weight(weights.get(n.name, "weight"), *r));
      if (n.attr<ConvAttrs>().bias) out.weights.set(n.name, "bias", take(weights.get(n.name, "bias"), 0, r->filters));
      b.add(n);
      if (!r->out_order.empty()) {
        PK_CHECK(!graph.has(n.name + ".permute_out"), "regroup: the graph already has a node '{}.permute_out'", n.name);
        read_as[i] = b.add(permute_node(n.name + ".permute_out", n.name, r->out_order));
      }
      continue;
    }
    if (n.op == OpKind::kChannelPermute) {
      auto& order = std::get<ChannelPermuteAttrs>(n.attrs).order;
      const std::vector<int> position = inverse_permutation(phys_in);
      std::vector<int> renumbered;
      for (int k : layout.physical[i]) renumbered.push_back(position[order[k]]);
      order = std::move(renumbered);
    }
    reindex_tensors(n, phys_in, layout.physical[i], weights, out.weights);
    b.add(std::move(n));
  }
  for (const auto& o : graph.outputs()) b.output(read_as[graph.index_of(o)]);
  out.graph = b.build();
  out.weights.validate(out.graph, "regroup_convs result");
  return out;
}

}  // namespace pk
