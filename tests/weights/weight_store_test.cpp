#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "support/expect_error.h"
#include "core/error.h"
#include "graph/params.h"
#include "test_nets.h"
#include "weights/weight_store.h"

namespace pk {
namespace {

using testing::expect_user_error;

using testing::small_net;


bool stores_equal(const WeightStore& a, const WeightStore& b) {
  if (a.all().size() != b.all().size()) return false;
  for (const auto& [node, ts] : a.all())
    for (const auto& [name, t] : ts)
      if (!b.has(node, name) || !torch::equal(t, b.get(node, name))) return false;
  return true;
}

TEST(WeightStore, InitializeIsDeterministicPerSeed) {
  const Graph g = small_net();
  WeightStore a = WeightStore::initialize(g, 42);
  WeightStore b = WeightStore::initialize(g, 42);
  WeightStore c = WeightStore::initialize(g, 43);
  EXPECT_TRUE(stores_equal(a, b));
  EXPECT_FALSE(torch::equal(a.get("conv1", "weight"), c.get("conv1", "weight")));
  EXPECT_FALSE(torch::equal(a.get("fc", "weight"), c.get("fc", "weight")));
  EXPECT_NO_THROW(a.validate(g, "init"));
}

TEST(WeightStore, InitializeFollowsTorchDefaults) {
  const Graph g = small_net();
  WeightStore w = WeightStore::initialize(g, 1);
  EXPECT_TRUE(torch::equal(w.get("bn1", "weight"), torch::ones({4})));
  EXPECT_TRUE(torch::equal(w.get("bn1", "running_var"), torch::ones({4})));
  EXPECT_TRUE(torch::equal(w.get("bn1", "running_mean"), torch::zeros({4})));
  EXPECT_TRUE(torch::equal(w.get("conv1", "bias"), torch::zeros({4})));
  // Linear U(±1/√in), in = 8 features.
  const double bound = 1.0 / std::sqrt(8.0);
  EXPECT_LE(w.get("fc", "weight").abs().max().item<double>(), bound);
  EXPECT_GT(w.get("fc", "weight").abs().max().item<double>(), 0.0);
  EXPECT_FALSE(w.has("conv2", "bias"));
}

TEST(WeightStore, ValidateRejectsMissingTensorNamingIt) {
  const Graph g = small_net();
  WeightStore full = WeightStore::initialize(g, 1);
  WeightStore w;
  for (const auto& [node, ts] : full.all())
    for (const auto& [name, t] : ts)
      if (!(node == "bn2" && name == "running_var")) w.set(node, name, t);
  expect_user_error([&] { w.validate(g, "src.pkm"); }, {"src.pkm", "bn2", "running_var"});

  WeightStore no_node;
  for (const auto& [node, ts] : full.all())
    for (const auto& [name, t] : ts)
      if (node != "fc") no_node.set(node, name, t);
  expect_user_error([&] { no_node.validate(g, "src"); }, {"missing", "'fc'"});
}

TEST(WeightStore, ValidateRejectsWrongShapeNaNUndefinedAndExtras) {
  const Graph g = small_net();
  {
    WeightStore w = WeightStore::initialize(g, 1);
    w.set("conv2", "weight", torch::zeros({4, 4, 3, 3}));  // groups=2 needs [4,2,3,3]
    expect_user_error([&] { w.validate(g, "src"); }, {"conv2.weight", "[4,4,3,3]", "[4,2,3,3]"});
  }
  {
    WeightStore w = WeightStore::initialize(g, 1);
    w.get("bn1", "running_mean")[2] = std::numeric_limits<float>::quiet_NaN();
    expect_user_error([&] { w.validate(g, "src"); }, {"bn1.running_mean", "NaN"});
  }
  {
    WeightStore w = WeightStore::initialize(g, 1);
    w.set("fc", "bias", torch::Tensor());
    expect_user_error([&] { w.validate(g, "src"); }, {"fc.bias", "undefined"});
  }
  {
    WeightStore w = WeightStore::initialize(g, 1);
    w.set("conv2", "bias", torch::zeros({4}));  // conv2 has bias=false
    expect_user_error([&] { w.validate(g, "src"); }, {"conv2", "[bias, weight]", "[weight]"});
  }
  {
    WeightStore w = WeightStore::initialize(g, 1);
    w.set("ghost", "weight", torch::zeros({1}));
    expect_user_error([&] { w.validate(g, "src"); }, {"'ghost'", "does not have"});
  }
  {
    WeightStore w = WeightStore::initialize(g, 1);
    w.set("relu1", "weight", torch::zeros({1}));
    expect_user_error([&] { w.validate(g, "src"); }, {"'relu1'", "ReLU", "no weights"});
  }
  {
    WeightStore w = WeightStore::initialize(g, 1);
    w.set("fc", "bias", torch::zeros({5}, torch::kFloat64));
    expect_user_error([&] { w.validate(g, "src"); }, {"fc.bias", "float32"});
  }
}

TEST(WeightStore, CloneIsDeep) {
  const Graph g = small_net();
  WeightStore a = WeightStore::initialize(g, 3);
  WeightStore b = a.clone();
  b.get("conv1", "weight").add_(1.0);
  EXPECT_FALSE(torch::equal(a.get("conv1", "weight"), b.get("conv1", "weight")));
  EXPECT_EQ(a.numel(), b.numel());
}

}  // namespace
}  // namespace pk
