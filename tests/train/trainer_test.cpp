#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "exec/executor.h"
#include "graph/builder.h"
#include "train/evaluate.h"
#include "train/optimizer.h"
#include "train/trainer.h"
#include "weights/model_file.h"
#include "support/quadrants.h"

namespace pk {
namespace {

namespace fs = std::filesystem;

DatasetSplits quadrant_splits() { return testing::quadrant_splits(512, 0, 256); }

Graph small_net() {
  GraphBuilder b;
  auto x = b.input("input", Shape{{1, 8, 8}});
  x = b.relu("relu1", b.batch_norm("bn1", b.conv("conv1", x, 8, 3, 1, 1)));
  x = b.relu("relu2", b.batch_norm("bn2", b.conv("conv2", x, 8, 3, 2, 1)));
  b.output(b.linear("fc", b.flatten("flat", x), 4));
  return b.build();
}

TrainOptions quick_options(const std::string& checkpoint) {
  TrainOptions o;
  o.epochs = 3;
  o.batch_size = 64;
  o.optimizer.lr = 0.05;
  o.crop_padding = 0;
  o.horizontal_flip = false;
  o.checkpoint_path = checkpoint;
  o.show_progress = false;
  return o;
}

fs::path temp_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("pk_train_test_" + name + std::to_string(::getpid()));
  fs::create_directories(d);
  return d;
}

TEST(Schedule, WarmupThenCosineToMin) {
  OptimizerOptions o;
  o.lr = 0.1;
  o.min_lr = 0.001;
  EXPECT_NEAR(scheduled_lr(o, 0, 100, 10), 0.01, 1e-12);
  EXPECT_NEAR(scheduled_lr(o, 9, 100, 10), 0.1, 1e-12);
  EXPECT_NEAR(scheduled_lr(o, 10, 100, 10), 0.1, 1e-12);
  EXPECT_NEAR(scheduled_lr(o, 55, 100, 10), 0.5 * (0.1 + 0.001), 1e-9);  // half-way through the decay
  EXPECT_NEAR(scheduled_lr(o, 100, 100, 10), 0.001, 1e-12);
  EXPECT_GT(scheduled_lr(o, 30, 100, 10), scheduled_lr(o, 60, 100, 10));
}

// The warm-up takes at most 10% of the iterations: a 1-epoch run (469 iterations, warm-up 1
// epoch configured) warms up for 46 and ends near 0 after the cosine decay; a 30-epoch run keeps
// its configured epoch of warm-up and the schedule it always had.
TEST(Schedule, WarmupIsCappedAtATenthOfTheRun) {
  OptimizerOptions o;  // lr 0.1, warm-up 1 epoch, min lr 0
  const int64_t per_epoch = 469;
  const int64_t short_warmup = warmup_steps(o, per_epoch, per_epoch);
  EXPECT_EQ(short_warmup, 46);
  EXPECT_NEAR(scheduled_lr(o, short_warmup - 1, per_epoch, short_warmup), o.lr, 1e-12) << "the peak ends the warm-up";
  EXPECT_LT(scheduled_lr(o, per_epoch - 1, per_epoch, short_warmup), 1e-4 * o.lr) << "the last step is near 0";
  EXPECT_LT(scheduled_lr(o, per_epoch / 2, per_epoch, short_warmup), o.lr);

  const int64_t total = 30 * per_epoch;
  const int64_t long_warmup = warmup_steps(o, per_epoch, total);
  EXPECT_EQ(long_warmup, per_epoch) << "1 of 30 epochs fits in 10%: unchanged";
  for (int64_t step : {int64_t{0}, per_epoch / 2, per_epoch - 1, per_epoch, 10 * per_epoch, total - 1})
    EXPECT_EQ(scheduled_lr(o, step, total, long_warmup), scheduled_lr(o, step, total, per_epoch)) << step;
  EXPECT_EQ(warmup_steps(o, per_epoch, 10 * per_epoch), per_epoch) << "exactly 10% fits";
  o.warmup_epochs = 0;
  EXPECT_EQ(warmup_steps(o, per_epoch, per_epoch), 0);
  o.warmup_epochs = 0.5;
  EXPECT_EQ(warmup_steps(o, per_epoch, total), per_epoch / 2);
}

TEST(Optimizer, RejectsBadOptions) {
  OptimizerOptions o;
  o.type = "rmsprop";
  EXPECT_THROW(validate(o), UserError);
  o = OptimizerOptions();
  o.lr = -1;
  EXPECT_THROW(validate(o), UserError);
}

TEST(Trainer, LearnsAToyProblem) {
  DatasetSplits s = quadrant_splits();
  Graph g = small_net();
  Executor ex(g, WeightStore::initialize(g, 0));
  const double before = evaluate(ex, s.test, s.normalization).top1;
  TrainResult r = train(ex, s, quick_options(""));
  ASSERT_EQ(r.history.size(), 3u);
  EXPECT_GT(r.test_top1, 0.9) << "before training: " << before;
  EXPECT_NEAR(r.test_top1, evaluate(ex, s.test, s.normalization).top1, 1e-12);
  EXPECT_LT(r.history.back().train_loss, r.history.front().train_loss);
}

// Distillation alone (alpha 1) reads no label: scrambled labels, or none at all, give the same
// weights; without a teacher an unlabeled set is refused.
TEST(Trainer, LabelFreeDistillationReadsNoLabel) {
  const Graph g = small_net();
  Executor teacher(g, WeightStore::initialize(g, 7));
  TrainOptions o = quick_options("");
  o.epochs = 1;
  o.teacher = &teacher;
  o.distillation.alpha = 1.0;
  const auto tuned = [&](const DatasetSplits& s) {
    Executor student(g, WeightStore::initialize(g, 0));
    train(student, s, o);
    return student.weights();
  };
  const DatasetSplits labeled = quadrant_splits();
  DatasetSplits scrambled = labeled, unlabeled = labeled;
  scrambled.train.labels = torch::randint(0, 4, {labeled.train.size()}, torch::kLong);
  for (Dataset* d : {&unlabeled.train, &unlabeled.test}) {
    d->labels = torch::Tensor();
    d->class_names.clear();
  }
  const WeightStore a = tuned(labeled), b = tuned(scrambled), c = tuned(unlabeled);
  for (const auto& [node, tensors] : a.all())
    for (const auto& [name, t] : tensors) {
      EXPECT_TRUE(torch::equal(t, b.get(node, name))) << node << "." << name;
      EXPECT_TRUE(torch::equal(t, c.get(node, name))) << node << "." << name;
    }
  o.distillation.alpha = 0.9;  // cross-entropy needs labels
  Executor student(g, WeightStore::initialize(g, 0));
  EXPECT_THROW(train(student, unlabeled, o), UserError);
  o.teacher = nullptr;
  EXPECT_THROW(train(student, unlabeled, o), UserError);
}

TEST(Trainer, ResumeEqualsUninterruptedRun) {
  DatasetSplits s = quadrant_splits();
  Graph g = small_net();
  const fs::path dir = temp_dir("resume");

  Executor full(g, WeightStore::initialize(g, 0));
  TrainResult uninterrupted = train(full, s, quick_options((dir / "full.ckpt").string()));

  TrainOptions o = quick_options((dir / "part.ckpt").string());
  o.stop_after_epochs = 2;  // the "kill" after epoch 2 of 3
  {
    Executor killed(g, WeightStore::initialize(g, 0));
    EXPECT_EQ(train(killed, s, o).history.size(), 2u);
  }
  EXPECT_EQ(load_model(o.checkpoint_path).metadata["checkpoint"]["epoch"].get<int>(), 2);
  o.stop_after_epochs = 0;
  o.resume = true;
  Executor resumed(g, WeightStore::initialize(g, 99));  // weights come from the checkpoint
  TrainResult r = train(resumed, s, o);
  ASSERT_EQ(r.history.size(), 3u);
  EXPECT_EQ(r.test_top1, uninterrupted.test_top1);
  for (const auto& [node, tensors] : full.weights().all())
    for (const auto& [name, t] : tensors)
      EXPECT_TRUE(torch::equal(t, resumed.weights().get(node, name))) << node << "." << name;
  fs::remove_all(dir);
}

// Every option that shapes the run is stored with the checkpoint: a resume with another value is
// refused before anything is loaded, naming each differing setting with both values.
TEST(Trainer, ResumeWithOtherSettingsIsRefusedNamingEachDifference) {
  DatasetSplits s = quadrant_splits();
  Graph g = small_net();
  const fs::path dir = temp_dir("settings");
  TrainOptions o = quick_options((dir / "run.ckpt").string());
  o.settings = {{"data", {{"name", "quadrants"}, {"train_limit", 512}}}};  // what the caller adds
  o.stop_after_epochs = 1;
  {
    Executor ex(g, WeightStore::initialize(g, 0));
    train(ex, s, o);
  }
  o.stop_after_epochs = 0;
  o.resume = true;
  Executor teacher(g, WeightStore::initialize(g, 7));
  const auto refusal = [&](const TrainOptions& changed) -> std::string {
    Executor ex(g, WeightStore::initialize(g, 0));
    try {
      train(ex, s, changed);
    } catch (const UserError& e) {
      return e.what();
    }
    return "";
  };
  TrainOptions c = o;
  c.optimizer.lr = 0.01;
  c.seed = 3;
  c.batch_size = 32;
  const std::string msg = refusal(c);
  for (const char* line :
       {"lr: checkpoint 0.05, now 0.01", "seed: checkpoint 0, now 3", "batch_size: checkpoint 64, now 32"})
    EXPECT_NE(msg.find(line), std::string::npos) << line << "\n" << msg;
  EXPECT_EQ(msg.find("momentum"), std::string::npos) << msg;
  const std::vector<std::pair<const char*, std::function<void(TrainOptions&)>>> changes = {
      {"epochs:", [](TrainOptions& t) { t.epochs = 4; }},
      {"optimizer:", [](TrainOptions& t) { t.optimizer.type = "adam"; }},
      {"momentum:", [](TrainOptions& t) { t.optimizer.momentum = 0.8; }},
      {"nesterov:", [](TrainOptions& t) { t.optimizer.nesterov = false; }},
      {"weight_decay:", [](TrainOptions& t) { t.optimizer.weight_decay = 0; }},
      {"warmup_epochs:", [](TrainOptions& t) { t.optimizer.warmup_epochs = 0; }},
      {"min_lr:", [](TrainOptions& t) { t.optimizer.min_lr = 0.001; }},
      {"label_smoothing:", [](TrainOptions& t) { t.label_smoothing = 0.1; }},
      {"crop_padding:", [](TrainOptions& t) { t.crop_padding = 1; }},
      {"horizontal_flip:", [](TrainOptions& t) { t.horizontal_flip = true; }},
      {"data.train_limit: checkpoint 512, now 256", [](TrainOptions& t) { t.settings["data"]["train_limit"] = 256; }},
      {"data.seed: checkpoint absent, now 1", [](TrainOptions& t) { t.settings["data"]["seed"] = 1; }},
      {"model: checkpoint absent", [](TrainOptions& t) { t.settings["model"] = "small_net"; }},
      {"distillation: checkpoint null, now {\"alpha\":0.9,\"temperature\":4.0}",
       [&](TrainOptions& t) { t.teacher = &teacher; }},
  };
  for (const auto& [key, change] : changes) {
    TrainOptions t = o;
    change(t);
    const std::string m = refusal(t);
    EXPECT_NE(m.find(key), std::string::npos) << key << "\n" << m;
  }
  EXPECT_EQ(load_model(o.checkpoint_path).metadata["checkpoint"]["epoch"].get<int>(), 1)
      << "refusals keep the checkpoint";
  TrainOptions same = o;
  same.stop_after_epochs = 2;  // how far to go is no setting of the run
  same.show_progress = true;
  EXPECT_EQ(refusal(same), "");
  // A checkpoint that records no settings (an older prunekit's) cannot be checked: refused.
  ModelFile old = load_model(o.checkpoint_path);
  old.metadata["checkpoint"].erase("settings");
  save_model(o.checkpoint_path, old.graph, old.weights, old.metadata);
  EXPECT_NE(refusal(o).find("records no training settings"), std::string::npos) << refusal(o);
  fs::remove_all(dir);
}

// A 1-epoch run is no longer all warm-up: the warm-up is capped at 10% of the iterations, so the
// learning rate has decayed to near 0 at the end. Where the configured warm-up fits (1 of 20
// epochs) the schedule is the configured one: the peak is reached exactly at the end of epoch 1.
TEST(Trainer, ShortRunsWarmUpBrieflyAndDecay) {
  DatasetSplits s = quadrant_splits();
  Graph g = small_net();
  TrainOptions o = quick_options("");
  o.epochs = 1;  // warm-up 1 epoch by default
  o.batch_size = 16;  // 32 iterations
  {
    Executor ex(g, WeightStore::initialize(g, 0));
    const TrainResult r = train(ex, s, o);
    EXPECT_LT(r.history.at(0).lr, 0.01 * o.optimizer.lr);
  }
  o.epochs = 20;
  o.batch_size = 64;  // 8 iterations per epoch, 160 in all: 1 epoch of warm-up fits in 10%
  o.stop_after_epochs = 1;
  Executor ex(g, WeightStore::initialize(g, 0));
  EXPECT_DOUBLE_EQ(train(ex, s, o).history.at(0).lr, o.optimizer.lr);
}

TEST(Trainer, ResumeWithoutCheckpointIsUserError) {
  DatasetSplits s = quadrant_splits();
  Graph g = small_net();
  Executor ex(g, WeightStore::initialize(g, 0));
  TrainOptions o = quick_options((temp_dir("nockpt") / "missing.ckpt").string());
  o.resume = true;
  EXPECT_THROW(train(ex, s, o), UserError);
}

TEST(Trainer, NonFiniteLossStopsAndKeepsLastGoodCheckpoint) {
  DatasetSplits s = quadrant_splits();
  Graph g = small_net();
  const fs::path dir = temp_dir("nan");
  TrainOptions o = quick_options((dir / "run.ckpt").string());
  o.stop_after_epochs = 1;
  {
    Executor ex(g, WeightStore::initialize(g, 0));
    train(ex, s, o);
  }
  // Corrupt the data so that the loss of the next epoch is NaN.
  s.train.images = s.train.images.clone();
  s.normalization.std = {1e-37f};  // inputs near FLT_MAX → Inf/NaN activations
  o.stop_after_epochs = 0;
  o.resume = true;
  Executor ex(g, WeightStore::initialize(g, 0));
  try {
    train(ex, s, o);
    FAIL() << "expected a UserError for the NaN loss";
  } catch (const UserError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("epoch 2"), std::string::npos) << msg;
    EXPECT_NE(msg.find("last good checkpoint (epoch 1)"), std::string::npos) << msg;
  }
  EXPECT_EQ(load_model(o.checkpoint_path).metadata["checkpoint"]["epoch"].get<int>(), 1);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace pk
