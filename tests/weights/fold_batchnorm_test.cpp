#include <gtest/gtest.h>
#include <torch/torch.h>

#include "exec/executor.h"
#include "models/zoo.h"
#include "weights/fold_batchnorm.h"

namespace pk {
namespace {

// Weights with non-trivial BN parameters and statistics, so a wrong fold shows.
WeightStore random_bn_weights(const Graph& g, uint64_t seed) {
  WeightStore w = WeightStore::initialize(g, seed);
  torch::manual_seed(static_cast<int64_t>(seed));
  torch::NoGradGuard no_grad;
  for (const auto& n : g.nodes()) {
    if (n.op != OpKind::kBatchNorm2d) continue;
    w.get(n.name, "weight").uniform_(0.5, 1.5);
    w.get(n.name, "bias").uniform_(-0.3, 0.3);
    w.get(n.name, "running_mean").uniform_(-0.5, 0.5);
    w.get(n.name, "running_var").uniform_(0.3, 2.0);
  }
  return w;
}

TEST(FoldBatchNorm, SameEvalOutputOnEveryZooModel) {
  ModelOptions o;
  o.in_channels = 3;
  o.input_size = 32;
  for (const auto& name : known_models()) {
    const Graph g = build_model(name, o);
    const WeightStore w = random_bn_weights(g, 3);
    int batchnorms = 0;
    for (const auto& n : g.nodes()) batchnorms += n.op == OpKind::kBatchNorm2d;
    FoldedNetwork f = fold_batchnorm(g, w);
    EXPECT_GT(f.folded, 0) << name;
    EXPECT_EQ(f.graph.size(), g.size() - f.folded) << name;
    EXPECT_LE(f.folded, batchnorms) << name;

    Executor original(g, w.clone()), folded(f.graph, f.weights);
    original.eval();
    folded.eval();
    torch::NoGradGuard no_grad;
    const torch::Tensor x = torch::randn({2, 3, 32, 32}, at::make_generator<at::CPUGeneratorImpl>(5));
    const torch::Tensor a = original.forward(x), b = folded.forward(x);
    const float scale = a.abs().max().item<float>();
    EXPECT_LT((a - b).abs().max().item<float>(), 1e-4 * std::max(1.0f, scale)) << name;
  }
}

TEST(FoldBatchNorm, LeavesItsInputsUntouched) {
  ModelOptions o;
  const Graph g = build_model("resnet20", o);
  const WeightStore w = random_bn_weights(g, 4);
  const WeightStore before = w.clone();
  fold_batchnorm(g, w);
  EXPECT_TRUE(torch::equal(w.get("conv1", "weight"), before.get("conv1", "weight")));
  EXPECT_FALSE(w.has("conv1", "bias"));
}

}  // namespace
}  // namespace pk
