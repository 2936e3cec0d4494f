#include "train/detection_trainer.h"

#include <torch/torch.h>

#include <cmath>
#include <optional>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/interrupt.h"
#include "core/log.h"
#include "core/progress.h"
#include "core/timer.h"
#include "data/random.h"
#include "eval/output_map_distance.h"
#include "train/evaluate_detector.h"
#include "train/train_checkpoint.h"

namespace pk {
namespace {

void validate(const DetectionTrainOptions& o, const DatasetSplits& splits) {
  PK_CHECK(o.epochs >= 1, "epochs {} must be ≥ 1", o.epochs);
  PK_CHECK(o.batch_size >= 1, "batch size {} must be ≥ 1", o.batch_size);
  PK_CHECK(o.eval_every >= 1, "eval-every {} must be ≥ 1", o.eval_every);
  PK_CHECK(splits.train.is_detection(), "dataset '{}' has no object boxes: a detector trains on a detection set "
           "(--dataset shapes, or --dataset yolo --data-path DIR)", splits.train.name);
  PK_CHECK(splits.train.size() > 0, "the training set is empty");
  PK_CHECK(!o.resume || !o.checkpoint_path.empty(), "--resume needs a checkpoint path");
  PK_CHECK(o.stop_after_epochs >= 0, "stop-after {} must be ≥ 0", o.stop_after_epochs);
  PK_CHECK(o.kd_alpha >= 0 && o.kd_alpha < 1, "--kd-alpha {} of a detector must be in [0, 1): the boxes always "
           "take part (label-free fine-tuning of detectors is not available)", o.kd_alpha);
  PK_CHECK(o.kd_scale > 0, "kd scale {} must be > 0", o.kd_scale);
  if (!o.checkpoint_path.empty()) check_writable_path(o.checkpoint_path);
  validate(o.optimizer);
}

struct EpochSums {
  double loss = 0, box = 0, objectness = 0, classes = 0, distill = 0;
  int64_t batches = 0, images = 0;
  double lr = 0;  // at the last step
};

std::string status(const EpochSums& s, double seconds) {
  const double n = static_cast<double>(std::max<int64_t>(s.batches, 1));
  const std::string kd = s.distill > 0 ? fmt::format(" kd={:.3f}", s.distill / n) : std::string();
  return fmt::format("loss={:.3f} box={:.3f} obj={:.3f} cls={:.3f}{} {:.0f} img/s", s.loss / n, s.box / n,
                     s.objectness / n, s.classes / n, kd, s.images / std::max(seconds, 1e-9));
}

struct StepLoss {
  torch::Tensor total;  // scalar, differentiable
  YoloLossParts yolo;
  double distill = 0;   // the weighted distillation term
};

/// The YOLO loss of one batch, mixed with the distillation term when there is a teacher.
StepLoss step_loss(Executor& detector, const DetectionBatch& batch, const YoloLayout& layout,
                   const DetectionTrainOptions& options) {
  const std::vector<torch::Tensor> outputs = detector.forward_all({batch.images});
  StepLoss l{torch::Tensor(), yolo_loss(outputs, batch.objects, layout, options.loss), 0};
  if (options.teacher == nullptr) {
    l.total = l.yolo.total;
    return l;
  }
  std::vector<torch::Tensor> targets;
  {
    torch::NoGradGuard no_grad;
    options.teacher->eval();
    targets = options.teacher->forward_all({batch.images});
  }
  const torch::Tensor kd = options.kd_alpha * options.kd_scale * output_map_distance(outputs, targets).sum();
  l.distill = kd.item<double>();
  l.total = (1 - options.kd_alpha) * l.yolo.total + kd;
  return l;
}

struct EpochSchedule {
  int64_t steps_per_epoch = 0, total_steps = 0, warmup = 0;
};

/// One epoch (0-based `epoch`) of SGD on shuffled, augmented batches. The order and the
/// augmentation depend only on (seed, epoch, step), so a resumed run repeats them exactly.
EpochSums train_one_epoch(Executor& detector, torch::optim::Optimizer& optimizer, const DatasetSplits& splits,
                          const YoloLayout& layout, const DetectionTrainOptions& options,
                          const EpochSchedule& schedule, int epoch, std::optional<ProgressBar>& bar) {
  Timer timer;
  detector.train();
  const int64_t n = splits.train.size();
  const auto order = random_permutation(n, options.seed * 1000003 + static_cast<uint64_t>(epoch));
  EpochSums sums;
  for (int64_t step = 0; step < schedule.steps_per_epoch; ++step) {
    throw_if_interrupted();  // SIGINT/SIGTERM: stop here; the last epoch's checkpoint stays
    sums.lr = scheduled_lr(options.optimizer, epoch * schedule.steps_per_epoch + step, schedule.total_steps,
                           schedule.warmup);
    set_lr(optimizer, sums.lr);
    const int64_t begin = step * options.batch_size;
    const std::vector<int64_t> indices(order.begin() + begin, order.begin() + std::min(n, begin + options.batch_size));
    const DetectionBatch batch = make_detection_batch(splits.train, indices, options.augment, splits.normalization,
                                                      options.seed ^ (static_cast<uint64_t>(epoch) << 32) ^ step);
    const StepLoss loss = step_loss(detector, batch, layout, options);
    const double value = loss.total.item<double>();
    PK_CHECK(std::isfinite(value), "training diverged: the loss became {} at epoch {} step {} (lr {:.4g}); lower --lr{}",
             value, epoch + 1, step + 1, sums.lr,
             options.checkpoint_path.empty() || epoch == 0
                 ? std::string()
                 : fmt::format(" (the checkpoint of epoch {} is kept at '{}')", epoch, options.checkpoint_path));
    optimizer.zero_grad();
    loss.total.backward();
    optimizer.step();
    sums.loss += value, sums.box += loss.yolo.box, sums.objectness += loss.yolo.objectness;
    sums.classes += loss.yolo.classes, sums.distill += loss.distill;
    sums.batches += 1, sums.images += static_cast<int64_t>(indices.size());
    if (bar) bar->update(step + 1, status(sums, timer.seconds()));
  }
  return sums;
}

DetectionEpoch epoch_record(int epoch, const EpochSums& sums, double seconds) {
  DetectionEpoch rec;
  rec.epoch = epoch + 1;
  rec.lr = sums.lr;
  const double batches = static_cast<double>(std::max<int64_t>(sums.batches, 1));
  rec.loss = sums.loss / batches, rec.box = sums.box / batches;
  rec.objectness = sums.objectness / batches, rec.classes = sums.classes / batches;
  rec.distill = sums.distill / batches;
  rec.images_per_second = sums.images / std::max(seconds, 1e-9);
  return rec;
}

}  // namespace

OptimizerOptions DetectionTrainOptions::default_optimizer() {
  OptimizerOptions o;
  o.type = "sgd";
  o.lr = 0.01;
  o.momentum = 0.937;
  o.nesterov = true;
  o.weight_decay = 5e-4;
  o.warmup_epochs = 1.0;
  return o;
}

nlohmann::json to_json(const DetectionEpoch& e) {
  return {{"epoch", e.epoch}, {"lr", e.lr}, {"loss", e.loss}, {"box", e.box}, {"objectness", e.objectness},
          {"classes", e.classes}, {"distill", e.distill}, {"test_map50", e.map50}, {"test_map50_95", e.map50_95},
          {"images_per_second", e.images_per_second}, {"seconds", e.seconds}};
}

DetectionEpoch detection_epoch_from_json(const nlohmann::json& j) {
  DetectionEpoch e;
  e.epoch = j.at("epoch"), e.lr = j.at("lr");
  e.loss = j.at("loss"), e.box = j.at("box"), e.objectness = j.at("objectness"), e.classes = j.at("classes");
  e.distill = j.value("distill", 0.0);
  e.map50 = j.at("test_map50"), e.map50_95 = j.at("test_map50_95");
  e.images_per_second = j.at("images_per_second"), e.seconds = j.at("seconds");
  return e;
}

nlohmann::json to_json(const DetectionTrainOptions& o) {
  nlohmann::json j{{"epochs", o.epochs}, {"batch_size", o.batch_size}, {"optimizer", o.optimizer.type},
                   {"lr", o.optimizer.lr}, {"momentum", o.optimizer.momentum}, {"nesterov", o.optimizer.nesterov},
                   {"weight_decay", o.optimizer.weight_decay}, {"min_lr", o.optimizer.min_lr},
                   {"warmup_epochs", o.optimizer.warmup_epochs}, {"horizontal_flip", o.augment.horizontal_flip},
                   {"scale_jitter", o.augment.scale_jitter}, {"box_weight", o.loss.box_weight},
                   {"objectness_weight", o.loss.objectness_weight}, {"class_weight", o.loss.class_weight},
                   {"anchor_iou_threshold", o.loss.anchor_iou_threshold}, {"seed", o.seed}};
  // Only with a teacher: checkpoints of runs without one stay resumable.
  if (o.teacher) j["distillation"] = {{"alpha", o.kd_alpha}, {"scale", o.kd_scale}};
  return j;
}

nlohmann::json detection_run_settings(const DetectionTrainOptions& o) {
  PK_ASSERT(o.settings.is_object(), "DetectionTrainOptions::settings must be a JSON object, not {}", o.settings.dump());
  nlohmann::json s = to_json(o);
  s["eval_every"] = o.eval_every;
  for (const auto& [key, value] : o.settings.items()) {
    PK_ASSERT(!s.contains(key), "DetectionTrainOptions::settings key '{}' is one of the options' own", key);
    s[key] = value;
  }
  return s;
}

DetectionTrainResult train_detector(Executor& detector, const DatasetSplits& splits, const YoloLayout& layout,
                                    const DetectionTrainOptions& options, const nlohmann::json& metadata) {
  validate(options, splits);
  auto optimizer = make_optimizer(detector.parameters(), options.optimizer);
  const nlohmann::json settings = detection_run_settings(options);
  DetectionTrainResult result;
  int start_epoch = 0;
  if (options.resume) {
    const TrainCheckpointState state = load_train_checkpoint(options.checkpoint_path, detector, *optimizer, settings);
    PK_CHECK(state.epoch <= options.epochs, "--resume: checkpoint is at epoch {}, beyond --epochs {}", state.epoch,
             options.epochs);
    for (const auto& e : state.history) result.history.push_back(detection_epoch_from_json(e));
    start_epoch = state.epoch;
    log().info("resuming after epoch {} of {} from '{}'", start_epoch, options.epochs, options.checkpoint_path);
  }
  const int64_t steps_per_epoch = std::max<int64_t>(1, splits.train.size() / options.batch_size);  // no partial batch
  const EpochSchedule schedule{steps_per_epoch, steps_per_epoch * options.epochs,
                               warmup_steps(options.optimizer, steps_per_epoch, steps_per_epoch * options.epochs)};
  const int end_epoch =
      options.stop_after_epochs > 0 ? std::min(options.epochs, options.stop_after_epochs) : options.epochs;
  Timer total;
  for (int epoch = start_epoch; epoch < end_epoch; ++epoch) {
    Timer timer;
    std::optional<ProgressBar> bar;
    if (options.show_progress) bar.emplace(fmt::format("epoch {}/{}", epoch + 1, options.epochs), schedule.steps_per_epoch);
    const EpochSums sums = train_one_epoch(detector, *optimizer, splits, layout, options, schedule, epoch, bar);
    DetectionEpoch rec = epoch_record(epoch, sums, timer.seconds());
    std::string summary = status(sums, timer.seconds());
    const bool last = epoch + 1 == options.epochs;
    if (splits.test.size() > 0 && (last || (epoch + 1) % options.eval_every == 0)) {
      result.test = evaluate_detector(detector, splits.test, splits.normalization, layout);
      rec.map50 = result.test.map50, rec.map50_95 = result.test.map50_95;
      summary += fmt::format(" test mAP@0.5={:.2f}% mAP@0.5:0.95={:.2f}%", 100 * rec.map50, 100 * rec.map50_95);
    }
    rec.seconds = timer.seconds();
    if (bar)
      bar->finish(summary);
    else
      log().info("epoch {}/{} {} {:.0f}s", epoch + 1, options.epochs, summary, rec.seconds);
    result.history.push_back(rec);
    if (!options.checkpoint_path.empty()) {
      TrainCheckpointState state;
      state.epoch = epoch + 1;
      for (const auto& e : result.history) state.history.push_back(to_json(e));
      save_train_checkpoint(options.checkpoint_path, detector, *optimizer, state, settings, metadata);
    }
  }
  detector.eval();
  result.complete = !result.history.empty() && result.history.back().epoch == options.epochs;
  result.seconds = total.seconds();
  return result;
}

}  // namespace pk
