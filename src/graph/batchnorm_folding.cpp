#include "graph/batchnorm_folding.h"

#include <algorithm>
#include <map>

#include "core/error.h"
#include "graph/builder.h"

namespace pk {

std::vector<BatchNormFold> foldable_batchnorms(const Graph& graph) {
  const auto& outputs = graph.outputs();
  auto is_output = [&](const std::string& name) {
    return std::find(outputs.begin(), outputs.end(), name) != outputs.end();
  };
  std::vector<BatchNormFold> folds;
  for (int i = 0; i < graph.size(); ++i) {
    const Node& bn = graph.node(i);
    if (bn.op != OpKind::kBatchNorm2d) continue;
    const int conv = graph.input_indices(i).at(0);
    const Node& producer = graph.node(conv);
    if (producer.op != OpKind::kConv2d || graph.consumers(conv).size() != 1 || is_output(producer.name)) continue;
    folds.push_back({producer.name, bn.name});
  }
  return folds;
}

Graph fold_batchnorm_graph(const Graph& graph, const std::vector<BatchNormFold>& folds) {
  std::map<std::string, std::string> reader_of_bn;  // removed BN → its conv
  for (const auto& f : folds) {
    const int conv = graph.index_of(f.conv), bn = graph.index_of(f.batch_norm);
    PK_ASSERT(conv >= 0 && bn >= 0 && graph.node(conv).op == OpKind::kConv2d &&
                  graph.node(bn).op == OpKind::kBatchNorm2d && graph.consumers(conv) == std::vector<int>{bn},
              "BN fold {} → {} is not foldable", f.batch_norm, f.conv);
    reader_of_bn[f.batch_norm] = f.conv;
  }
  auto renamed = [&](const std::string& name) {
    auto it = reader_of_bn.find(name);
    return it == reader_of_bn.end() ? name : it->second;
  };
  std::vector<bool> gains_bias(graph.size(), false);
  for (const auto& f : folds) gains_bias[graph.index_of(f.conv)] = true;
  GraphBuilder b;
  for (int i = 0; i < graph.size(); ++i) {
    Node n = graph.node(i);
    if (reader_of_bn.count(n.name)) continue;
    for (auto& in : n.inputs) in = renamed(in);
    if (gains_bias[i]) std::get<ConvAttrs>(n.attrs).bias = true;
    b.add(std::move(n));
  }
  for (const auto& out : graph.outputs()) b.output(renamed(out));
  return b.build();
}

}  // namespace pk
