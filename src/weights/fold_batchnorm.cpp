#include "weights/fold_batchnorm.h"

namespace pk {

FoldedNetwork fold_batchnorm(const Graph& graph, const WeightStore& weights) {
  const auto folds = foldable_batchnorms(graph);
  FoldedNetwork out;
  out.graph = fold_batchnorm_graph(graph, folds);
  out.folded = static_cast<int>(folds.size());
  torch::NoGradGuard no_grad;
  for (const auto& [node, tensors] : weights.all()) {
    if (!out.graph.has(node)) continue;  // a removed BN
    for (const auto& [name, t] : tensors) out.weights.set(node, name, t.detach().clone());
  }
  for (const auto& f : folds) {
    const double eps = graph.node(f.batch_norm).attr<BatchNormAttrs>().eps;
    const torch::Tensor& gamma = weights.get(f.batch_norm, "weight");
    const torch::Tensor& beta = weights.get(f.batch_norm, "bias");
    const torch::Tensor& mean = weights.get(f.batch_norm, "running_mean");
    const torch::Tensor& var = weights.get(f.batch_norm, "running_var");
    // In double, then back to float32: the fold adds no rounding of its own beyond the final cast.
    const torch::Tensor scale = gamma.to(torch::kFloat64) / (var.to(torch::kFloat64) + eps).sqrt();
    const torch::Tensor w = weights.get(f.conv, "weight").to(torch::kFloat64);
    const torch::Tensor b = weights.has(f.conv, "bias") ? weights.get(f.conv, "bias").to(torch::kFloat64)
                                                        : torch::zeros_like(scale);
    out.weights.set(f.conv, "weight", (w * scale.view({-1, 1, 1, 1})).to(torch::kFloat32).contiguous());
    out.weights.set(f.conv, "bias",
                    ((b - mean.to(torch::kFloat64)) * scale + beta.to(torch::kFloat64)).to(torch::kFloat32));
  }
  out.weights.validate(out.graph, "folded weights");
  return out;
}

}  // namespace pk
