#include "train/gradients.h"

#include "core/error.h"
#include "data/loader.h"
#include "graph/params.h"

namespace pk {
namespace {

struct Trainable {
  std::string node, tensor;
  torch::Tensor value;  // shares storage with the executor's weights
};

std::vector<Trainable> trainable_tensors(const Executor& executor) {
  std::vector<Trainable> out;
  const Graph& g = executor.graph();
  for (int i = 0; i < g.size(); ++i)
    for (const auto& spec : tensor_specs(g, i))
      if (spec.trainable) out.push_back({g.node(i).name, spec.name, executor.weights().get(g.node(i).name, spec.name)});
  return out;
}

}  // namespace

WeightStore accumulate_gradients(Executor& executor, const Dataset& train, const Normalization& normalization,
                                 const GradientOptions& o) {
  PK_CHECK(o.batches >= 1 && o.batch_size >= 1, "gradients need ≥ 1 batch of ≥ 1 image (got {} × {})", o.batches,
           o.batch_size);
  PK_CHECK(train.size() > 0, "gradients: dataset '{}' is empty", train.name);
  WeightStore sums = executor.weights().clone();
  {
    torch::NoGradGuard no_grad;
    for (const auto& [node, tensors] : sums.all())
      for (const auto& [name, t] : tensors) const_cast<torch::Tensor&>(t).zero_();
  }
  auto params = trainable_tensors(executor);
  for (auto& p : params) p.value.set_requires_grad(true);
  DataLoader loader(train, LoaderOptions::sampled(o.batch_size, normalization, o.seed));
  loader.start_epoch(0);
  executor.eval();
  Batch batch;
  for (int k = 0; k < o.batches; ++k) {
    if (!loader.next(batch)) {  // fewer images than requested: wrap around
      loader.start_epoch(k);
      PK_CHECK(loader.next(batch), "gradients: no batch in '{}'", train.name);
    }
    PK_CHECK(batch.labels.defined(), "the taylor criterion needs labels; '{}' has none", train.name);
    for (auto& p : params) p.value.mutable_grad() = torch::Tensor();
    torch::nn::functional::cross_entropy(executor.forward(batch.images), batch.labels).backward();
    torch::NoGradGuard no_grad;
    for (auto& p : params)
      if (p.value.grad().defined()) sums.get(p.node, p.tensor).add_(p.value.grad());
  }
  for (auto& p : params) {
    p.value.mutable_grad() = torch::Tensor();
    p.value.set_requires_grad(false);
  }
  return sums;
}

}  // namespace pk
