#include <gtest/gtest.h>
#include <torch/torch.h>

#include "exec/executor.h"
#include "graph/builder.h"
#include "train/bn_recalibration.h"

namespace pk {
namespace {

// Four different one-image batches, each drawn twice (8 batches: two shuffled passes, so the
// loader wraps around once). The running statistics must be the plain average of the eight
// per-batch statistics: the mean of the image means and the mean of the per-image unbiased
// variances, which differs from the variance of the pooled pixels and from any single batch's.
TEST(BnRecalibration, RunningStatsBecomeTheExactAverageOverTheBatches) {
  GraphBuilder b;
  auto x = b.input("input", Shape{{1, 4, 4}});
  b.output(b.batch_norm("bn", b.conv("conv", x, 2, 1)));
  Graph g = b.build();
  WeightStore w = WeightStore::initialize(g, 0);
  const double conv_weight[2] = {1.0, 2.0};
  w.get("conv", "weight").copy_(torch::tensor({1.0f, 2.0f}).view({2, 1, 1, 1}));
  w.get("bn", "running_mean").fill_(123.0f);  // stale statistics from "before pruning"
  w.get("bn", "running_var").fill_(77.0f);
  Executor ex(g, w);

  // Image i, pixel p: 16·i + (i + 1)·p — a different mean and spread per image.
  constexpr int kImages = 4, kPixels = 16;
  const auto pixel = [](int i, int p) { return 16.0 * i + (i + 1.0) * p; };
  Dataset d;
  d.name = "ramps";
  d.class_names = {"a"};
  d.images = torch::empty({kImages, 1, 4, 4}, torch::kUInt8);
  for (int i = 0; i < kImages; ++i)
    for (int p = 0; p < kPixels; ++p) d.images[i][0][p / 4][p % 4] = static_cast<uint8_t>(pixel(i, p));
  d.labels = torch::zeros({kImages}, torch::kLong);

  // Expected values, computed here in double: per image mean and unbiased variance, averaged.
  double mean_of_means = 0, mean_of_vars = 0, pooled_sq = 0;
  for (int i = 0; i < kImages; ++i) {
    double m = 0, ss = 0;
    for (int p = 0; p < kPixels; ++p) m += pixel(i, p) / kPixels;
    for (int p = 0; p < kPixels; ++p) ss += (pixel(i, p) - m) * (pixel(i, p) - m);
    mean_of_means += m / kImages;
    mean_of_vars += ss / (kPixels - 1) / kImages;
  }
  for (int i = 0; i < kImages; ++i)
    for (int p = 0; p < kPixels; ++p) pooled_sq += (pixel(i, p) - mean_of_means) * (pixel(i, p) - mean_of_means);
  const double pooled_var = pooled_sq / (kImages * kPixels - 1);
  ASSERT_NEAR(mean_of_vars, 170.0, 1e-9);  // 22⅔ (unbiased variance of 0..15) · mean of (i+1)² = 7.5
  ASSERT_GT(pooled_var - mean_of_vars, 100.0) << "the test must tell per-batch from pooled statistics";

  Normalization identity{{0.0f}, {1.0f / 255.0f}};  // (x/255 − 0)/(1/255) = x
  RecalibrationOptions o;
  o.batches = 2 * kImages;
  o.batch_size = 1;
  recalibrate_batch_norm(ex, d, identity, o);
  EXPECT_FALSE(ex.training());
  auto rm = ex.weights().get("bn", "running_mean");
  auto rv = ex.weights().get("bn", "running_var");
  for (int c = 0; c < 2; ++c) {
    const double k = conv_weight[c];
    EXPECT_NEAR(rm[c].item<double>(), k * mean_of_means, 1e-4 * k) << "channel " << c;
    EXPECT_NEAR(rv[c].item<double>(), k * k * mean_of_vars, 1e-3 * k * k) << "channel " << c;
  }
}

}  // namespace
}  // namespace pk
