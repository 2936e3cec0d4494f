// The training / fine-tuning loop: cross-entropy (optional label smoothing), SGD or Adam,
// cosine schedule with warm-up, per-epoch evaluation, an atomic per-epoch checkpoint and
// resume, a progress bar (loss, accuracy, images/s, ETA), and a stop on a non-finite loss.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "data/dataset.h"
#include "exec/executor.h"
#include "train/distillation.h"
#include "train/optimizer.h"

namespace pk {

struct TrainOptions {
  int epochs = 30;
  int64_t batch_size = 128;
  OptimizerOptions optimizer;
  double label_smoothing = 0.0;  // in [0, 1)
  int crop_padding = 2;          // random crop with this zero padding (0 = off)
  bool horizontal_flip = true;
  uint64_t seed = 0;             // shuffling and augmentation
  /// Written atomically after every epoch (model file + "<path>.optim"); "" = no checkpoint.
  std::string checkpoint_path;
  /// Continue from checkpoint_path; the result equals an uninterrupted run's. UserError if the
  /// checkpoint was written with other run_settings (each difference is listed).
  bool resume = false;
  /// Stop (after checkpointing) once this many epochs of the schedule are done; 0 = run all
  /// `epochs`. The schedule is still the one of `epochs`, so a later --resume continues it.
  int stop_after_epochs = 0;
  bool show_progress = true;  // false: one log line per epoch instead of a progress bar
  int64_t eval_batch_size = 256;
  /// If set, the loss is distillation_loss against this network's logits (run in eval mode on
  /// the same augmented batch); with distillation.alpha == 1 no label is read.
  Executor* teacher = nullptr;
  DistillationOptions distillation;
  /// What else shapes the run, as the caller describes it (model, data, teacher, …): a JSON
  /// object merged into run_settings, so it is stored with every checkpoint and compared on resume.
  nlohmann::json settings = nlohmann::json::object();
};

struct EpochRecord {
  int epoch = 0;          // 1-based
  double lr = 0;          // at the end of the epoch
  double train_loss = 0;
  double train_top1 = 0;  // fraction, on augmented batches
  double test_top1 = 0;
  double test_top5 = 0;
  double images_per_second = 0;  // training throughput
  double seconds = 0;            // wall time of the epoch incl. evaluation
};

struct TrainResult {
  std::vector<EpochRecord> history;
  double test_top1 = 0;
  double test_top5 = 0;
  double seconds = 0;  // this process's training wall time (a resumed run counts from its resume)
  bool complete = false;  // all `epochs` are done (false when stop_after_epochs stopped the run early)
};

nlohmann::json to_json(const EpochRecord& r);
nlohmann::json to_json(const TrainOptions& o);

/// Everything that must be equal for a resumed run to end like an uninterrupted one: to_json(o)
/// (epochs, batch size, optimizer and schedule, augmentation, seed), the evaluation batch size,
/// the distillation settings (null without a teacher) and the keys of o.settings. How far this
/// process goes (resume, stop_after_epochs), the checkpoint path and progress are no part of it.
nlohmann::json run_settings(const TrainOptions& o);

/// Trains `executor`'s weights in place on splits.train and evaluates on splits.test after each
/// epoch. `metadata` is stored in every checkpoint. UserError (after keeping the last good
/// checkpoint) if the loss becomes NaN/Inf.
TrainResult train(Executor& executor, const DatasetSplits& splits, const TrainOptions& options,
                  const nlohmann::json& metadata = {});

}  // namespace pk
