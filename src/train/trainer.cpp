#include "train/trainer.h"

#include <cmath>
#include <optional>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/interrupt.h"
#include "core/log.h"
#include "core/progress.h"
#include "core/timer.h"
#include "data/loader.h"
#include "train/evaluate.h"
#include "train/train_checkpoint.h"

namespace pk {
namespace {

std::vector<EpochRecord> history_from_json(const nlohmann::json& history) {
  std::vector<EpochRecord> records;
  for (const auto& r : history) {
    EpochRecord e;
    e.epoch = r["epoch"];
    e.lr = r["lr"];
    e.train_loss = r["train_loss"];
    e.train_top1 = r["train_top1"];
    e.test_top1 = r["test_top1"];
    e.test_top5 = r["test_top5"];
    e.images_per_second = r["images_per_second"];
    e.seconds = r["seconds"];
    records.push_back(e);
  }
  return records;
}

/// The checkpoint after `epoch` completed epochs; it records run_settings(options), which a resume must match.
void save_checkpoint(const TrainOptions& options, Executor& executor, torch::optim::Optimizer& optimizer, int epoch,
                     const std::vector<EpochRecord>& history, const nlohmann::json& metadata) {
  TrainCheckpointState state;
  state.epoch = epoch;
  for (const auto& r : history) state.history.push_back(to_json(r));
  save_train_checkpoint(options.checkpoint_path, executor, optimizer, state, run_settings(options), metadata);
}

/// Restores weights and optimizer state; returns the last completed epoch and its history.
int load_checkpoint(const TrainOptions& options, Executor& executor, torch::optim::Optimizer& optimizer,
                    std::vector<EpochRecord>& history) {
  const TrainCheckpointState state =
      load_train_checkpoint(options.checkpoint_path, executor, optimizer, run_settings(options));
  history = history_from_json(state.history);
  return state.epoch;
}

/// The error for a diverged run (0-based `epoch`), saying which checkpoint survives.
UserError diverged(const TrainOptions& options, int epoch, const std::string& what) {
  const std::string kept = options.checkpoint_path.empty() || epoch == 0
                               ? "no checkpoint was written"
                               : fmt::format("the last good checkpoint (epoch {}) is kept at '{}'", epoch,
                                             options.checkpoint_path);
  return UserError(fmt::format("training stopped in epoch {}: {}; {}. Lower --lr or check the data", epoch + 1, what,
                               kept));
}

/// "node.tensor" of the first weight or BN statistic that is not finite, or "".
std::string first_non_finite_tensor(const WeightStore& weights) {
  for (const auto& [node, tensors] : weights.all())
    for (const auto& [name, t] : tensors)
      if (!torch::isfinite(t).all().item<bool>()) return node + "." + name;
  return "";
}

}  // namespace

nlohmann::json to_json(const EpochRecord& r) {
  return {{"epoch", r.epoch},           {"lr", r.lr},
          {"train_loss", r.train_loss}, {"train_top1", r.train_top1},
          {"test_top1", r.test_top1},   {"test_top5", r.test_top5},
          {"images_per_second", r.images_per_second}, {"seconds", r.seconds}};
}

nlohmann::json to_json(const TrainOptions& o) {
  return {{"epochs", o.epochs},
          {"batch_size", o.batch_size},
          {"optimizer", o.optimizer.type},
          {"lr", o.optimizer.lr},
          {"momentum", o.optimizer.momentum},
          {"nesterov", o.optimizer.nesterov},
          {"weight_decay", o.optimizer.weight_decay},
          {"warmup_epochs", o.optimizer.warmup_epochs},
          {"min_lr", o.optimizer.min_lr},
          {"label_smoothing", o.label_smoothing},
          {"crop_padding", o.crop_padding},
          {"horizontal_flip", o.horizontal_flip},
          {"seed", o.seed}};
}

nlohmann::json run_settings(const TrainOptions& o) {
  PK_ASSERT(o.settings.is_object(), "TrainOptions::settings must be a JSON object, not {}", o.settings.dump());
  nlohmann::json s = to_json(o);
  s["eval_batch_size"] = o.eval_batch_size;
  s["distillation"] = o.teacher ? nlohmann::json{{"alpha", o.distillation.alpha},
                                                 {"temperature", o.distillation.temperature}}
                                : nlohmann::json(nullptr);
  for (const auto& [key, value] : o.settings.items()) {
    PK_ASSERT(!s.contains(key), "TrainOptions::settings key '{}' is one of the options' own", key);
    s[key] = value;
  }
  return s;
}

TrainResult train(Executor& executor, const DatasetSplits& splits, const TrainOptions& options,
                  const nlohmann::json& metadata) {
  PK_CHECK(options.epochs >= 1, "epochs {} must be ≥ 1", options.epochs);
  PK_CHECK(options.batch_size >= 1, "batch size {} must be ≥ 1", options.batch_size);
  PK_CHECK(options.label_smoothing >= 0 && options.label_smoothing < 1, "label smoothing {} must be in [0, 1)",
           options.label_smoothing);
  PK_CHECK(!options.resume || !options.checkpoint_path.empty(), "--resume needs a checkpoint path");
  PK_CHECK(splits.train.size() > 0, "the training set is empty");
  if (options.teacher) options.teacher->eval();
  PK_CHECK(options.stop_after_epochs >= 0, "stop-after {} must be ≥ 0", options.stop_after_epochs);
  if (!options.checkpoint_path.empty()) check_writable_path(options.checkpoint_path);

  auto optimizer = make_optimizer(executor.parameters(), options.optimizer);
  TrainResult result;
  int start_epoch = 0;
  if (options.resume) {
    start_epoch = load_checkpoint(options, executor, *optimizer, result.history);
    log().info("resuming after epoch {} of {} from '{}'", start_epoch, options.epochs, options.checkpoint_path);
    PK_CHECK(start_epoch <= options.epochs, "--resume: checkpoint is at epoch {}, beyond --epochs {}", start_epoch,
             options.epochs);
  }

  // Label-free: distillation alone (alpha 1) — no label is passed to any loss or counted.
  const bool label_free = options.teacher && options.distillation.alpha >= 1;
  PK_CHECK(label_free || splits.train.has_labels(),
           "dataset '{}' has no labels: train label-free by distilling from a teacher "
           "(prunekit finetune --label-free --teacher base.pkm)", splits.train.name);
  LoaderOptions lo;
  lo.batch_size = options.batch_size;
  lo.shuffle = true;
  lo.drop_last = splits.train.size() > options.batch_size;
  lo.seed = options.seed;
  lo.augment.crop_padding = options.crop_padding;
  lo.augment.horizontal_flip = options.horizontal_flip;
  lo.normalization = splits.normalization;
  DataLoader loader(splits.train, lo);
  const int64_t steps_per_epoch = loader.batches_per_epoch();
  const int64_t total_steps = steps_per_epoch * options.epochs;
  const int64_t warmup = warmup_steps(options.optimizer, steps_per_epoch, total_steps);
  const auto cross_entropy_options =
      torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(options.label_smoothing);

  Timer total_timer;
  const int end_epoch = options.stop_after_epochs > 0 ? std::min(options.epochs, options.stop_after_epochs) : options.epochs;
  for (int epoch = start_epoch; epoch < end_epoch; ++epoch) {
    Timer epoch_timer;
    executor.train();
    loader.start_epoch(epoch);
    std::optional<ProgressBar> bar;
    if (options.show_progress)
      bar.emplace(fmt::format("epoch {}/{}", epoch + 1, options.epochs), steps_per_epoch);
    double loss_sum = 0;
    int64_t correct = 0, seen = 0, step = 0;
    double lr = 0;
    Batch batch;
    while (loader.next(batch)) {
      throw_if_interrupted();  // SIGINT/SIGTERM: stop here; the last epoch's checkpoint stays
      lr = scheduled_lr(options.optimizer, epoch * steps_per_epoch + step, total_steps, warmup);
      set_lr(*optimizer, lr);
      auto logits = executor.forward(batch.images);
      torch::Tensor loss;
      if (options.teacher) {
        torch::Tensor teacher_logits;
        {
          torch::NoGradGuard no_grad;
          teacher_logits = options.teacher->forward(batch.images);
        }
        loss = distillation_loss(logits, teacher_logits, label_free ? torch::Tensor() : batch.labels,
                                 options.distillation);
      } else {
        loss = torch::nn::functional::cross_entropy(logits, batch.labels, cross_entropy_options);
      }
      const double loss_value = loss.item<double>();
      if (!std::isfinite(loss_value))
        throw diverged(options, epoch, fmt::format("the loss became {} at step {} (lr {:.4g})", loss_value, step + 1, lr));
      optimizer->zero_grad();
      loss.backward();
      optimizer->step();
      const int64_t b = batch.images.size(0);
      loss_sum += loss_value * b;
      if (!label_free) correct += logits.argmax(1).eq(batch.labels).sum().item<int64_t>();
      seen += b;
      ++step;
      if (bar)
        bar->update(step, label_free ? fmt::format("loss={:.4f} {:.0f} img/s", loss_sum / seen, seen / epoch_timer.seconds())
                                     : fmt::format("loss={:.4f} acc={:.2f}% {:.0f} img/s", loss_sum / seen,
                                                   100.0 * correct / seen, seen / epoch_timer.seconds()));
    }
    EpochRecord rec;
    rec.epoch = epoch + 1;
    rec.lr = lr;
    rec.train_loss = loss_sum / std::max<int64_t>(seen, 1);
    rec.train_top1 = static_cast<double>(correct) / std::max<int64_t>(seen, 1);
    rec.images_per_second = seen / std::max(epoch_timer.seconds(), 1e-9);
    if (splits.test.size() > 0 && splits.test.has_labels()) {
      EvalResult ev = evaluate(executor, splits.test, splits.normalization, options.eval_batch_size);
      rec.test_top1 = ev.top1;
      rec.test_top5 = ev.top5;
    }
    rec.seconds = epoch_timer.seconds();
    const std::string train_accuracy = label_free ? "" : fmt::format(" acc={:.2f}%", 100 * rec.train_top1);
    const std::string test_accuracy = splits.test.has_labels() ? fmt::format(" test={:.2f}%", 100 * rec.test_top1) : "";
    const std::string summary = fmt::format("loss={:.4f}{}{} {:.0f} img/s", rec.train_loss, train_accuracy,
                                            test_accuracy, rec.images_per_second);
    if (bar)
      bar->finish(summary);
    else
      log().info("epoch {}/{} {} {:.0f}s", epoch + 1, options.epochs, summary, rec.seconds);
    result.history.push_back(rec);
    if (const std::string bad = first_non_finite_tensor(executor.weights()); !bad.empty())
      throw diverged(options, epoch, fmt::format("tensor {} became NaN or Inf", bad));
    if (!options.checkpoint_path.empty())
      save_checkpoint(options, executor, *optimizer, epoch + 1, result.history, metadata);
  }
  executor.eval();
  if (!result.history.empty()) {
    result.test_top1 = result.history.back().test_top1;
    result.test_top5 = result.history.back().test_top5;
    result.complete = result.history.back().epoch == options.epochs;
  }
  result.seconds = total_timer.seconds();
  return result;
}

}  // namespace pk
