// Training a YOLO detector (algorithms.md §5): the YOLO loss (train/yolo_loss.h) on augmented
// batches (flip + scale jitter with boxes moved alike, data/detection_augment.h), SGD with
// warm-up and cosine decay, mAP on the test split after each epoch (or every `eval_every`), a
// progress bar, a stop on a non-finite loss.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
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
  uint64_t seed = 0;
  int eval_every = 1;               // epochs between test-set mAP evaluations (the last is always evaluated)
  bool show_progress = true;
  /// Called after every epoch with the epoch number (1-based), e.g. to write a checkpoint.
  std::function<void(int)> on_epoch_end;

  /// SGD, lr 0.01, momentum 0.937 (Nesterov), weight decay 5e-4, one warm-up epoch: the YOLO recipe.
  static OptimizerOptions default_optimizer();
};

struct DetectionEpoch {
  int epoch = 0;  // 1-based
  double lr = 0;
  double loss = 0, box = 0, objectness = 0, classes = 0;  // means per batch
  double map50 = -1, map50_95 = -1;                      // test split; -1 = not evaluated this epoch
  double images_per_second = 0;
  double seconds = 0;
};

struct DetectionTrainResult {
  std::vector<DetectionEpoch> history;
  DetectionMetrics test;  // after the last epoch
  double seconds = 0;
};

nlohmann::json to_json(const DetectionEpoch& e);
nlohmann::json to_json(const DetectionTrainOptions& o);

/// Trains `detector` in place on splits.train (which must be a detection set) with `layout`'s
/// anchors, evaluating on splits.test. UserError for bad options or a diverging loss.
DetectionTrainResult train_detector(Executor& detector, const DatasetSplits& splits, const YoloLayout& layout,
                                    const DetectionTrainOptions& options);

}  // namespace pk
