// Training a YOLO detector (algorithms.md §5): the YOLO loss (train/yolo_loss.h) on augmented
// batches (flip + scale jitter with boxes moved alike, data/detection_augment.h), SGD with
// warm-up and cosine decay, mAP on the test split after each epoch (or every `eval_every`), a
// progress bar, a stop on a non-finite loss, a per-epoch checkpoint and an exact --resume
// (train/train_checkpoint.h).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/detection_augment.h"
#include "detect/average_precision.h"
#include "detect/yolo_layout.h"
#include "exec/executor.h"
#include "train/optimizer.h"
#include "train/yolo_loss.h"

namespace pk {

struct DetectionTrainOptions {
  int epochs = 30;
  int64_t batch_size = 16;
  OptimizerOptions optimizer = default_optimizer();
  DetectionAugmentOptions augment;  // flip + scale jitter by default
  YoloLossOptions loss;
  /// If set, distill from this network (usually the unpruned original), run in eval mode on the
  /// same augmented batch: loss = (1 − kd_alpha) · YOLO loss + kd_alpha · kd_scale · Σ_images D,
  /// D the relative squared error of the raw output maps (eval/output_map_distance.h). Both
  /// terms are sums over the batch's images.
  Executor* teacher = nullptr;
  double kd_alpha = 0.5;  // in [0, 1)
  double kd_scale = 1.0;  // D per image → the YOLO loss's per-image scale
  uint64_t seed = 0;
  int eval_every = 1;               // epochs between test-set mAP evaluations (the last is always evaluated)
  bool show_progress = true;
  /// Written atomically after every epoch (model file + "<path>.optim"); "" = no checkpoint.
  std::string checkpoint_path;
  /// Continue from checkpoint_path; the result equals an uninterrupted run's. UserError if the
  /// checkpoint was written with other detection_run_settings.
  bool resume = false;
  /// Stop (after checkpointing) once this many epochs of the schedule are done; 0 = all `epochs`.
  int stop_after_epochs = 0;
  /// What else shapes the run (model, data, …) as the caller describes it: a JSON object merged
  /// into detection_run_settings, stored with every checkpoint and compared on resume.
  nlohmann::json settings = nlohmann::json::object();

  /// SGD, lr 0.01, momentum 0.937 (Nesterov), weight decay 5e-4, one warm-up epoch: the YOLO recipe.
  static OptimizerOptions default_optimizer();
};

struct DetectionEpoch {
  int epoch = 0;  // 1-based
  double lr = 0;
  double loss = 0, box = 0, objectness = 0, classes = 0;  // means per batch
  double distill = 0;                                    // the weighted distillation term, mean per batch
  double map50 = -1, map50_95 = -1;                      // test split; -1 = not evaluated this epoch
  double images_per_second = 0;
  double seconds = 0;
};

struct DetectionTrainResult {
  std::vector<DetectionEpoch> history;
  DetectionMetrics test;  // after the last epoch this process ran (not evaluated: all fields 0)
  double seconds = 0;     // this process's training time (a resumed run counts from its resume)
  bool complete = false;  // all `epochs` are done (false when stop_after_epochs stopped early)
};

nlohmann::json to_json(const DetectionEpoch& e);
nlohmann::json to_json(const DetectionTrainOptions& o);
DetectionEpoch detection_epoch_from_json(const nlohmann::json& j);

/// Everything that must be equal for a resumed run to end like an uninterrupted one: to_json(o),
/// eval_every and the keys of o.settings (not resume, stop_after_epochs, the path or progress).
nlohmann::json detection_run_settings(const DetectionTrainOptions& o);

/// Trains `detector` in place on splits.train (which must be a detection set) with `layout`'s
/// anchors, evaluating on splits.test. `metadata` is stored in every checkpoint. UserError for bad
/// options, a checkpoint that does not fit, or a diverging loss (the last good checkpoint stays).
DetectionTrainResult train_detector(Executor& detector, const DatasetSplits& splits, const YoloLayout& layout,
                                    const DetectionTrainOptions& options, const nlohmann::json& metadata = {});

}  // namespace pk
