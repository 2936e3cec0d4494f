#include <gtest/gtest.h>
#include <torch/torch.h>

#include "data/loader.h"
#include "graph/builder.h"
#include "support/quadrants.h"
#include "train/gradients.h"

namespace pk {
namespace {

// input 1×8×8 → conv (4) → bn → relu → gap → flatten → fc (4)
Graph small_net() {
  GraphBuilder b;
  auto x = b.input("input", Shape{{1, 8, 8}});
  x = b.relu("r", b.batch_norm("bn", b.conv("c", x, 4, 3, 1, 1)));
  b.output(b.linear("fc", b.flatten("f", b.global_avg_pool("gap", x)), 4));
  return b.build();
}

TEST(Gradients, SumOfBatchMeanCrossEntropyGradientsInEvalMode) {
  const DatasetSplits data = testing::quadrant_splits(64, 0, 8);
  Graph g = small_net();
  WeightStore w = WeightStore::initialize(g, 3);
  {
    torch::NoGradGuard ng;  // non-trivial running statistics, so train mode would change them
    w.get("bn", "running_mean").fill_(0.2f);
    w.get("bn", "running_var").fill_(0.5f);
  }
  const WeightStore before = w.clone();
  Executor ex(g, w);
  GradientOptions o;
  o.batches = 2;
  o.batch_size = 16;
  o.seed = 5;
  const WeightStore grads = accumulate_gradients(ex, data.train, data.normalization, o);

  // Hand-computed: ∂(mean CE)/∂b_fc = mean over the batch of (softmax − one-hot), summed over
  // the same two batches, with BN normalising by its running statistics (eval mode).
  DataLoader loader(data.train, LoaderOptions::sampled(16, data.normalization, 5));
  loader.start_epoch(0);
  torch::NoGradGuard ng;
  torch::Tensor expected = torch::zeros({4});
  Batch batch;
  for (int k = 0; k < 2; ++k) {
    ASSERT_TRUE(loader.next(batch));
    const auto p = torch::softmax(ex.forward(batch.images), 1);
    expected += (p - torch::one_hot(batch.labels, 4).to(torch::kFloat32)).mean(0);
  }
  EXPECT_TRUE(torch::allclose(grads.get("fc", "bias"), expected, 1e-5, 1e-6))
      << grads.get("fc", "bias") << " vs " << expected;
  EXPECT_GT(grads.get("c", "weight").abs().sum().item<float>(), 0.0f);
  EXPECT_GT(grads.get("bn", "weight").abs().sum().item<float>(), 0.0f);
  EXPECT_EQ(grads.get("bn", "running_var").abs().sum().item<float>(), 0.0f);
  // The weights and the running statistics are untouched and no longer require gradients.
  for (const auto& [node, tensors] : before.all())
    for (const auto& [name, t] : tensors) {
      EXPECT_TRUE(torch::equal(w.get(node, name), t)) << node << "." << name;
      EXPECT_FALSE(w.get(node, name).requires_grad()) << node << "." << name;
    }
}

}  // namespace
}  // namespace pk
