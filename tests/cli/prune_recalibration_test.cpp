// End-to-end tests of `prunekit prune` / `apply` choosing channels (criteria, taylor from
// training batches) and recalibrating BN statistics of the result on training images.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "support/command.h"

namespace {

namespace fs = std::filesystem;

using Outcome = pk::testing::CommandResult;
using pk::testing::run_prunekit;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// The number after `"key":` in a JSON text.
double json_number(const std::string& text, const std::string& key) {
  const auto pos = text.find("\"" + key + "\":");
  if (pos == std::string::npos) return -1;
  return std::stod(text.substr(pos + key.size() + 3));
}

bool has_fashion_mnist() { return fs::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"); }

/// A quarter-width ResNet-20 trained for one epoch on 1024 images (shared by the tests below).
class PruneRecalibration : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("pk_prune_recal_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    model_ = (dir_ / "base.pkm").string();
    const Outcome t = run_prunekit("train --model resnet20 --width 0.25 --epochs 1 --batch-size 64 --train-limit 1024 "
                               "--test-limit 256 --no-progress --out " + model_);
    trained_ = t.code == 0;
    if (!trained_) train_output_ = t.output;
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }
  void SetUp() override {
    if (!has_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist not installed";
    ASSERT_TRUE(trained_) << train_output_;
  }
  static std::string path(const std::string& name) { return (dir_ / name).string(); }

  static fs::path dir_;
  static std::string model_, train_output_;
  static bool trained_;
};

fs::path PruneRecalibration::dir_;
std::string PruneRecalibration::model_, PruneRecalibration::train_output_;
bool PruneRecalibration::trained_ = false;

TEST_F(PruneRecalibration, RecalibratedResultHasLowerLossThanSlicedStatistics) {
  const std::string prune = "prune --model " + model_ + " --target-macs 0.5 --calib-batches 4 --calib-batch-size 64 ";
  const Outcome r = run_prunekit(prune + "--out " + path("recal.pkm"));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("BN recalibrated on 4 × 64 training images"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\"recalibrate\":{\"batch_size\":64,\"batches\":4}"), std::string::npos) << r.output;
  const Outcome n = run_prunekit(prune + "--no-recalibrate --out " + path("sliced.pkm"));
  ASSERT_EQ(n.code, 0) << n.output;
  EXPECT_EQ(n.output.find("BN recalibrated"), std::string::npos) << n.output;
  // The statistics differ from the sliced source statistics, and fit the pruned network better.
  const Outcome er = run_prunekit("eval --model " + path("recal.pkm") + " --test-limit 256 --json");
  const Outcome en = run_prunekit("eval --model " + path("sliced.pkm") + " --test-limit 256 --json");
  ASSERT_EQ(er.code, 0) << er.output;
  ASSERT_EQ(en.code, 0) << en.output;
  EXPECT_LT(json_number(er.output, "loss"), json_number(en.output, "loss")) << er.output << en.output;
  EXPECT_NE(read_file(path("recal.pkm")).find("\"recalibrate\":{"), std::string::npos) << "metadata records it";
}

TEST_F(PruneRecalibration, NoRecalibrateReadsNoTrainingImages) {
  const std::string prune = "prune --model " + model_ + " --target-macs 0.5 --data-path " + path("no-such-dir") + " ";
  const Outcome without = run_prunekit(prune + "--no-recalibrate --out " + path("a.pkm"));
  EXPECT_EQ(without.code, 0) << without.output;
  const Outcome with = run_prunekit(prune + "--out " + path("b.pkm"));
  EXPECT_EQ(with.code, 2) << "recalibration loads the dataset: " << with.output;
  EXPECT_FALSE(fs::exists(path("b.pkm")));
}

TEST_F(PruneRecalibration, OptionsAreResolvedAndRecorded) {
  const Outcome r = run_prunekit("prune --model " + model_ + " --target-macs 0.5 --criterion l2 --reduction max "
                             "--normalizer max --no-recalibrate --out " + path("opts.pkm"));
  ASSERT_EQ(r.code, 0) << r.output;
  for (const char* s : {"\"criterion\":\"l2\"", "\"reduction\":\"max\"", "\"normalizer\":\"max\""}) {
    EXPECT_NE(r.output.find(s), std::string::npos) << s << " in " << r.output;
    EXPECT_NE(read_file(path("opts.pkm")).find(s), std::string::npos) << s << " in the metadata";
  }
  const Outcome bad = run_prunekit("prune --model " + model_ + " --target-macs 0.5 --reduction median --out " +
                               path("bad.pkm"));
  EXPECT_EQ(bad.code, 2) << bad.output;
  EXPECT_NE(bad.output.find("median"), std::string::npos) << bad.output;
}

TEST_F(PruneRecalibration, TaylorRunsFromTheCommandLine) {
  const std::string prune = "prune --model " + model_ + " --target-macs 0.5 --no-recalibrate ";
  const Outcome t = run_prunekit(prune + "--criterion taylor --taylor-batches 2 --out " + path("t.pkm") + " --plan-out " +
                             path("t.json"));
  ASSERT_EQ(t.code, 0) << t.output;
  EXPECT_NE(t.output.find("\"taylor_batches\":2"), std::string::npos) << t.output;
  const Outcome l = run_prunekit(prune + "--criterion l1 --out " + path("l.pkm") + " --plan-out " + path("l.json"));
  ASSERT_EQ(l.code, 0) << l.output;
  EXPECT_NE(read_file(path("t.json")), read_file(path("l.json"))) << "taylor keeps the same channels as l1";
  // The scores come from the gradients of the batches: one batch instead of two ranks differently.
  const Outcome t1 = run_prunekit(prune + "--criterion taylor --taylor-batches 1 --out " + path("t1.pkm") +
                                  " --plan-out " + path("t1.json"));
  ASSERT_EQ(t1.code, 0) << t1.output;
  EXPECT_NE(read_file(path("t.json")), read_file(path("t1.json"))) << "taylor does not depend on the batches";
  // apply: a count-only plan resolved by taylor.
  std::ofstream(path("counts.json")) << R"({"format": "prunekit-plan", "version": 1, "groups": {"layer1.0.conv1": {"keep": 2}}})";
  const Outcome a = run_prunekit("apply --model " + model_ + " --plan " + path("counts.json") +
                             " --criterion taylor --calib-batches 1 --out " + path("applied.pkm"));
  ASSERT_EQ(a.code, 0) << a.output;
  EXPECT_NE(a.output.find("BN recalibrated on 1 × 128"), std::string::npos) << a.output;
  EXPECT_NE(read_file(path("applied.pkm")).find("\"criterion\":\"taylor\""), std::string::npos);
}

TEST_F(PruneRecalibration, BuiltInModelsAreNotRecalibrated) {
  const Outcome r = run_prunekit("prune resnet20 --target-macs 0.5 --data-path " + path("no-such-dir") + " --out " +
                             path("zoo.pkm"));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("\"recalibrate\":false"), std::string::npos) << r.output;
}

}  // namespace
