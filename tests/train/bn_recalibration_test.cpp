#include <gtest/gtest.h>
#include <torch/torch.h>

#include "exec/executor.h"
#include "graph/builder.h"
#include "train/bn_recalibration.h"

namespace pk {
namespace {

TEST(BnRecalibration, RunningStatsBecomeTheExactAverageOverTheBatches) {
  GraphBuilder b;
  auto x = b.input("input", Shape{{1, 4, 4}});
  b.output(b.batch_norm("bn", b.conv("conv", x, 2, 1)));
  Graph g = b.build();
  WeightStore w = WeightStore::initialize(g, 0);
  w.get("conv", "weight").copy_(torch::tensor({1.0f, 2.0f}).view({2, 1, 1, 1}));
  w.get("bn", "running_mean").fill_(123.0f);  // stale statistics from "before pruning"
  Executor ex(g, w);

  Dataset d;
  d.name = "ramp";
  d.class_names = {"a"};
  d.images = torch::arange(8 * 16).view({8, 1, 4, 4}).to(torch::kUInt8);
  d.labels = torch::zeros({8}, torch::kLong);
  Normalization identity{{0.0f}, {1.0f / 255.0f}};  // (x/255 − 0)/(1/255) = x
  RecalibrationOptions o;
  o.batches = 3;
  o.batch_size = 8;  // each batch is the whole set (the loader wraps around after the first)
  recalibrate_batch_norm(ex, d, identity, o);
  EXPECT_FALSE(ex.training());
  const double mean_pixel = (8 * 16 - 1) / 2.0;  // mean of 0..127
  auto rm = ex.weights().get("bn", "running_mean");
  EXPECT_NEAR(rm[0].item<double>(), mean_pixel, 1e-3);
  EXPECT_NEAR(rm[1].item<double>(), 2 * mean_pixel, 1e-3);
  // Unbiased variance of 0..127: (128² − 1)/12 · 128/127 = 1376; the stale 123 is gone.
  auto rv = ex.weights().get("bn", "running_var");
  EXPECT_NEAR(rv[0].item<double>(), 1376.0, 1e-2);
  EXPECT_NEAR(rv[1].item<double>(), 4 * 1376.0, 4e-2);
}

}  // namespace
}  // namespace pk
