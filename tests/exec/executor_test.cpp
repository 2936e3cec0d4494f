#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/error.h"
#include "exec/executor.h"
#include "graph/builder.h"

namespace pk {
namespace {

// input 3x8x8 → conv(4) → bn → relu → [+ proj(input)] → maxpool → concat with avgpool → gap → flatten → fc
Graph test_graph() {
  GraphBuilder b;
  auto x = b.input("input", Shape{{3, 8, 8}});
  auto y = b.relu("relu", b.batch_norm("bn", b.conv("conv", x, 4, 3, 1, 1)));
  auto s = b.add("add", y, b.conv("proj", x, 4, 1, 1, 0, 1, /*bias=*/true));
  auto cat = b.concat("cat", {b.max_pool("mp", s, 2, 2), b.avg_pool("ap", s, 2, 2)});
  auto up = b.upsample("up", cat, 2);
  auto perm = b.channel_permute("perm", up, {7, 6, 5, 4, 3, 2, 1, 0});
  b.output(b.linear("fc", b.flatten("flat", b.global_avg_pool("gap", perm)), 5));
  return b.build();
}

TEST(Executor, MatchesHandWrittenTorch) {
  Graph g = test_graph();
  WeightStore w = WeightStore::initialize(g, 7);
  // Non-trivial BN statistics so eval mode differs from train mode.
  w.get("bn", "running_mean").uniform_(-0.5, 0.5);
  w.get("bn", "running_var").uniform_(0.5, 2.0);
  WeightStore ref = w.clone();
  Executor ex(g, w);
  ex.eval();
  torch::manual_seed(0);
  auto input = torch::randn({2, 3, 8, 8});
  auto out = ex.forward(input);

  torch::NoGradGuard ng;
  auto y = torch::conv2d(input, ref.get("conv", "weight"), {}, 1, 1);
  y = torch::batch_norm(y, ref.get("bn", "weight"), ref.get("bn", "bias"), ref.get("bn", "running_mean"),
                        ref.get("bn", "running_var"), false, 0.1, 1e-5, false);
  y = torch::relu(y) + torch::conv2d(input, ref.get("proj", "weight"), ref.get("proj", "bias"));
  auto cat = torch::cat({torch::max_pool2d(y, 2, 2), torch::avg_pool2d(y, 2, 2)}, 1);
  cat = torch::upsample_nearest2d(cat, {8, 8}).flip(1);
  auto expected = torch::linear(cat.mean({2, 3}), ref.get("fc", "weight"), ref.get("fc", "bias"));
  ASSERT_EQ(out.sizes(), expected.sizes());
  EXPECT_TRUE(torch::allclose(out, expected, 1e-5, 1e-5)) << (out - expected).abs().max().item<float>();
}

// LayerNorm normalises the channels of each position (of a map, and of a vector); GELU is the erf form.
TEST(Executor, LayerNormOverChannelsAndGeluMatchTheirFormulas) {
  GraphBuilder b;
  auto x = b.input("input", Shape{{5, 3, 4}});
  auto map = b.gelu("act", b.layer_norm("norm", x, 1e-3));
  b.output(b.layer_norm("vec.norm", b.flatten("flat", b.global_avg_pool("gap", map))));
  Graph g = b.build();
  WeightStore w = WeightStore::initialize(g, 1);
  torch::manual_seed(3);
  for (const char* node : {"norm", "vec.norm"}) {
    w.get(node, "weight").uniform_(0.5, 1.5);
    w.get(node, "bias").uniform_(-0.5, 0.5);
  }
  WeightStore ref = w.clone();
  Executor ex(g, w);
  ex.eval();
  const auto input = torch::randn({2, 5, 3, 4}) * 3 + 1;
  const auto out = ex.forward(input);

  torch::NoGradGuard ng;
  const auto norm = [&](const torch::Tensor& v, const char* node, double eps) {  // over dim 1
    const auto mean = v.mean({1}, true);
    const auto var = (v - mean).pow(2).mean({1}, true);
    auto shape = std::vector<int64_t>(static_cast<size_t>(v.dim()), 1);
    shape[1] = v.size(1);
    return (v - mean) / torch::sqrt(var + eps) * ref.get(node, "weight").view(shape) + ref.get(node, "bias").view(shape);
  };
  auto y = norm(input, "norm", 1e-3);
  y = y * 0.5 * (1 + torch::erf(y / std::sqrt(2.0)));
  const auto expected = norm(y.mean({2, 3}), "vec.norm", 1e-6);
  ASSERT_EQ(out.sizes(), expected.sizes());
  EXPECT_TRUE(torch::allclose(out, expected, 1e-5, 1e-5)) << (out - expected).abs().max().item<float>();
}

TEST(Executor, TrainModeUpdatesRunningStats) {
  Graph g = test_graph();
  Executor ex(g, WeightStore::initialize(g, 1));
  auto before = ex.weights().get("bn", "running_mean").clone();
  ex.train();
  ex.forward(torch::randn({4, 3, 8, 8}) + 3.0);
  EXPECT_FALSE(torch::equal(before, ex.weights().get("bn", "running_mean")));
  ex.eval();
  auto after = ex.weights().get("bn", "running_mean").clone();
  ex.forward(torch::randn({4, 3, 8, 8}));
  EXPECT_TRUE(torch::equal(after, ex.weights().get("bn", "running_mean")));
}

TEST(Executor, GradientsReachEveryParameter) {
  Graph g = test_graph();
  Executor ex(g, WeightStore::initialize(g, 1));
  ex.train();
  auto params = ex.parameters();
  EXPECT_EQ(params.size(), 7u);  // conv.w, bn.w, bn.b, proj.w, proj.b, fc.w, fc.b
  ex.forward(torch::randn({2, 3, 8, 8})).sum().backward();
  for (auto& p : params) {
    ASSERT_TRUE(p.grad().defined());
    EXPECT_GT(p.grad().abs().sum().item<float>(), 0.0f);
  }
}

TEST(Executor, MaskZeroesChannelsAndTapsReturnFeatures) {
  Graph g = test_graph();
  Executor ex(g, WeightStore::initialize(g, 3));
  ex.eval();
  torch::NoGradGuard ng;
  auto input = torch::randn({2, 3, 8, 8});
  ex.set_channel_mask("relu", torch::tensor({1.0f, 0.0f, 1.0f, 0.0f}));
  auto taps = ex.forward_taps(input, {"relu", "add"});
  ASSERT_EQ(taps.count("relu"), 1u);
  ASSERT_EQ(taps.count("fc"), 1u);
  EXPECT_EQ(taps["relu"].select(1, 1).abs().sum().item<float>(), 0.0f);
  EXPECT_GT(taps["relu"].select(1, 0).abs().sum().item<float>(), 0.0f);
  ex.clear_channel_masks();
  auto unmasked = ex.forward_taps(input, {"relu"});
  EXPECT_GT(unmasked["relu"].select(1, 1).abs().sum().item<float>(), 0.0f);
  EXPECT_THROW(ex.forward_taps(input, {"nope"}), UserError);
  EXPECT_THROW(ex.set_channel_mask("relu", torch::ones({3})), UserError);
}

TEST(Executor, RejectsWrongInputShape) {
  Graph g = test_graph();
  Executor ex(g, WeightStore::initialize(g, 1));
  try {
    ex.forward(torch::randn({2, 1, 8, 8}));
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("[N,3,8,8]"), std::string::npos) << e.what();
  }
}

TEST(Executor, RejectsWeightsNotMatchingGraph) {
  Graph g = test_graph();
  WeightStore w = WeightStore::initialize(g, 1);
  w.set("conv", "weight", torch::zeros({5, 3, 3, 3}));
  EXPECT_THROW(Executor(g, w), UserError);
}

}  // namespace
}  // namespace pk
