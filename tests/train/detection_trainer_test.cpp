// The detector trainer's checkpoint: a run stopped after an epoch and resumed ends with exactly
// the weights and history of an uninterrupted run; a resume with other settings is refused.
#include <gtest/gtest.h>
#include <unistd.h>

#include <torch/torch.h>

#include <filesystem>
#include <memory>
#include <string>

#include "core/error.h"
#include "eval/output_map_distance.h"
#include "train/bn_recalibration.h"
#include "models/darknet.h"
#include "train/detection_trainer.h"
#include "weights/model_file.h"

namespace pk {
namespace {

namespace fs = std::filesystem;

/// n 64x64 images, each with one bright 20x30 box that moves right with i; two classes.
Dataset boxes(int64_t n) {
  Dataset d;
  d.name = "boxes";
  d.class_names = {"a", "b"};
  d.images = torch::full({n, 3, 64, 64}, 40, torch::kByte);
  for (int64_t i = 0; i < n; ++i) {
    const int x = static_cast<int>(2 + 3 * i);
    d.images.index_put_({i, torch::indexing::Slice(), torch::indexing::Slice(10, 40),
                         torch::indexing::Slice(x, x + 20)},
                        200);
    d.objects.push_back({{static_cast<int>(i % 2), Box{static_cast<float>(x), 10, static_cast<float>(x + 20), 40}}});
  }
  return d;
}

struct Fixture {
  Graph graph;
  YoloLayout layout;
  DatasetSplits splits;
  fs::path dir;
};

Fixture setup(const std::string& tag) {
  ModelOptions m;
  m.input_size = 64;
  m.num_classes = 2;
  m.width = 0.125;
  Fixture s;
  s.graph = build_yolo_tiny(m);
  s.layout = yolo_layout(s.graph, {{{20, 30}, {10, 10}, {30, 20}}, {{40, 40}, {20, 30}, {30, 20}}});
  s.splits.train = boxes(16);
  s.splits.test = boxes(4);
  s.splits.channels = 3, s.splits.height = 64, s.splits.width = 64;
  s.dir = fs::temp_directory_path() / ("pk_detection_trainer_" + tag + std::to_string(::getpid()));
  fs::remove_all(s.dir);
  fs::create_directories(s.dir);
  return s;
}

DetectionTrainOptions options(const fs::path& checkpoint) {
  DetectionTrainOptions o;
  o.epochs = 3;
  o.batch_size = 4;
  o.show_progress = false;
  o.checkpoint_path = checkpoint.string();
  o.settings = {{"data", {{"name", "boxes"}}}};
  return o;
}

TEST(DetectionTrainer, StopAndResumeEndsLikeAnUninterruptedRun) {
  const Fixture s = setup("resume");
  Executor full(s.graph, WeightStore::initialize(s.graph, 0));
  const DetectionTrainResult uninterrupted = train_detector(full, s.splits, s.layout, options(s.dir / "full.ckpt"));
  EXPECT_TRUE(uninterrupted.complete);

  DetectionTrainOptions o = options(s.dir / "part.ckpt");
  o.stop_after_epochs = 1;  // the "kill" after epoch 1 of 3
  {
    Executor killed(s.graph, WeightStore::initialize(s.graph, 0));
    const DetectionTrainResult stopped = train_detector(killed, s.splits, s.layout, o);
    EXPECT_FALSE(stopped.complete);
    EXPECT_EQ(stopped.history.size(), 1u);
  }
  EXPECT_EQ(load_model(o.checkpoint_path).metadata["checkpoint"]["epoch"].get<int>(), 1);
  o.stop_after_epochs = 0;
  o.resume = true;
  Executor resumed(s.graph, WeightStore::initialize(s.graph, 99));  // weights come from the checkpoint
  const DetectionTrainResult r = train_detector(resumed, s.splits, s.layout, o);
  EXPECT_TRUE(r.complete);
  ASSERT_EQ(r.history.size(), 3u);
  for (size_t e = 0; e < 3; ++e) {
    EXPECT_EQ(r.history[e].loss, uninterrupted.history[e].loss) << "epoch " << e + 1;
    EXPECT_EQ(r.history[e].map50, uninterrupted.history[e].map50) << "epoch " << e + 1;
  }
  EXPECT_EQ(r.test.map50_95, uninterrupted.test.map50_95);
  for (const auto& [node, tensors] : full.weights().all())
    for (const auto& [name, t] : tensors)
      EXPECT_TRUE(torch::equal(t, resumed.weights().get(node, name))) << node << "." << name;
  fs::remove_all(s.dir);
}

TEST(DetectionTrainer, ResumeWithOtherSettingsIsRefusedNamingThem) {
  const Fixture s = setup("settings");
  DetectionTrainOptions o = options(s.dir / "run.ckpt");
  o.stop_after_epochs = 1;
  {
    Executor ex(s.graph, WeightStore::initialize(s.graph, 0));
    train_detector(ex, s.splits, s.layout, o);
  }
  o.stop_after_epochs = 0;
  o.resume = true;
  DetectionTrainOptions changed = o;
  changed.optimizer.lr = 0.02;
  changed.settings["data"]["name"] = "other";
  Executor ex(s.graph, WeightStore::initialize(s.graph, 0));
  const WeightStore before = ex.weights().clone();
  try {
    train_detector(ex, s.splits, s.layout, changed);
    ADD_FAILURE() << "a resume with another lr and data was accepted";
  } catch (const UserError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("lr: checkpoint 0.01, now 0.02"), std::string::npos) << msg;
    EXPECT_NE(msg.find("data.name"), std::string::npos) << msg;
  }
  for (const auto& [node, tensors] : before.all())  // refused before anything was restored
    for (const auto& [name, t] : tensors) EXPECT_TRUE(torch::equal(t, ex.weights().get(node, name))) << node;

  o.checkpoint_path = (s.dir / "missing.ckpt").string();
  EXPECT_THROW(train_detector(ex, s.splits, s.layout, o), UserError);
  fs::remove_all(s.dir);
}

// Distillation (DetectionTrainOptions::teacher): the student's raw outputs move towards the
// teacher's much more than training on the boxes alone moves them; the run records the term and
// its settings (only with a teacher), and kd_alpha 1 (no boxes) is refused.
TEST(DetectionTrainer, DistillationPullsTheOutputsTowardsTheTeacher) {
  const Fixture s = setup("kd");
  Executor teacher(s.graph, WeightStore::initialize(s.graph, 5));
  DetectionTrainOptions teach = options("");
  teach.epochs = 6;
  train_detector(teacher, s.splits, s.layout, teach);  // a trained detector, as a real teacher is
  const OutputMapReference reference(teacher, s.splits.train, s.splits.normalization, 8);
  const auto distance_after = [&](Executor* kd_teacher, DetectionTrainOptions o) {
    Executor student(s.graph, WeightStore::initialize(s.graph, 0));
    o.teacher = kd_teacher;
    o.kd_alpha = 0.9;
    o.augment.horizontal_flip = false;
    o.augment.scale_jitter = 0;
    const DetectionTrainResult r = train_detector(student, s.splits, s.layout, o);
    for (const DetectionEpoch& e : r.history) EXPECT_EQ(e.distill > 0, kd_teacher != nullptr) << e.epoch;
    // BN statistics recomputed on the training images: after 24 steps the running averages lag
    // the weights, and what is compared here is what the weights learned.
    RecalibrationOptions calib;
    calib.batches = 2;
    calib.batch_size = 8;
    recalibrate_batch_norm(student, s.splits.train, s.splits.normalization, calib);
    return reference.distance(student);
  };
  DetectionTrainOptions o = options("");
  o.epochs = 12;
  o.batch_size = 8;
  const double start = reference.distance(*std::make_unique<Executor>(s.graph, WeightStore::initialize(s.graph, 0)));
  const double boxes_only = distance_after(nullptr, o);
  const double distilled = distance_after(&teacher, o);
  EXPECT_LT(distilled, 0.5 * start) << "boxes only: " << boxes_only;
  EXPECT_LT(distilled, 0.5 * boxes_only) << "start: " << start;

  DetectionTrainOptions with = o;
  with.teacher = &teacher;
  EXPECT_EQ(detection_run_settings(with).at("distillation").at("alpha"), 0.5);
  EXPECT_FALSE(detection_run_settings(o).contains("distillation"));  // older checkpoints stay resumable
  with.kd_alpha = 1;
  Executor ex(s.graph, WeightStore::initialize(s.graph, 0));
  EXPECT_THROW(train_detector(ex, s.splits, s.layout, with), UserError);  // the boxes always take part
  fs::remove_all(s.dir);
}

}  // namespace
}  // namespace pk
