#include "train/detection_trainer.h"

#include <torch/torch.h>

#include <cmath>
#include <optional>

#include "core/error.h"
#include "core/interrupt.h"
#include "core/log.h"
#include "core/progress.h"
#include "core/timer.h"
#include "data/random.h"
#include "train/evaluate_detector.h"

namespace pk {
namespace {

void validate(const DetectionTrainOptions& o, const DatasetSplits& splits) {
  PK_CHECK(o.epochs >= 1, "epochs {} must be ≥ 1", o.epochs);
  PK_CHECK(o.batch_size >= 1, "batch size {} must be ≥ 1", o.batch_size);
  PK_CHECK(o.eval_every >= 1, "eval-every {} must be ≥ 1", o.eval_every);
  PK_CHECK(splits.train.is_detection(), "dataset '{}' has no object boxes: a detector trains on a detection set "
           "(--dataset shapes, or --dataset yolo --data-path DIR)", splits.train.name);
  PK_CHECK(splits.train.size() > 0, "the training set is empty");
  validate(o.optimizer);
}

struct EpochSums {
  double loss = 0, box = 0, objectness = 0, classes = 0;
  int64_t batches = 0, images = 0;
};

std::string status(const EpochSums& s, double seconds) {
  const double n = static_cast<double>(std::max<int64_t>(s.batches, 1));
  return fmt::format("loss={:.3f} box={:.3f} obj={:.3f} cls={:.3f} {:.0f} img/s", s.loss / n, s.box / n,
                     s.objectness / n, s.classes / n, s.images / std::max(seconds, 1e-9));
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
          {"classes", e.classes}, {"test_map50", e.map50}, {"test_map50_95", e.map50_95},
          {"images_per_second", e.images_per_second}, {"seconds", e.seconds}};
}

nlohmann::json to_json(const DetectionTrainOptions& o) {
  return {{"epochs", o.epochs}, {"batch_size", o.batch_size}, {"optimizer", o.optimizer.type},
          {"lr", o.optimizer.lr}, {"momentum", o.optimizer.momentum}, {"weight_decay", o.optimizer.weight_decay},
          {"warmup_epochs", o.optimizer.warmup_epochs}, {"horizontal_flip", o.augment.horizontal_flip},
          {"scale_jitter", o.augment.scale_jitter}, {"box_weight", o.loss.box_weight},
          {"objectness_weight", o.loss.objectness_weight}, {"class_weight", o.loss.class_weight},
          {"anchor_iou_threshold", o.loss.anchor_iou_threshold}, {"seed", o.seed}};
}

DetectionTrainResult train_detector(Executor& detector, const DatasetSplits& splits, const YoloLayout& layout,
                                    const DetectionTrainOptions& options) {
  validate(options, splits);
  auto optimizer = make_optimizer(detector.parameters(), options.optimizer);
  const int64_t n = splits.train.size();
  const int64_t steps_per_epoch = std::max<int64_t>(1, n / options.batch_size);  // drop the last partial batch
  const int64_t total_steps = steps_per_epoch * options.epochs;
  const int64_t warmup = warmup_steps(options.optimizer, steps_per_epoch, total_steps);
  DetectionTrainResult result;
  Timer total;
  for (int epoch = 0; epoch < options.epochs; ++epoch) {
    Timer timer;
    detector.train();
    const auto order = random_permutation(n, options.seed * 1000003 + static_cast<uint64_t>(epoch));
    std::optional<ProgressBar> bar;
    if (options.show_progress) bar.emplace(fmt::format("epoch {}/{}", epoch + 1, options.epochs), steps_per_epoch);
    EpochSums sums;
    double lr = 0;
    for (int64_t step = 0; step < steps_per_epoch; ++step) {
      throw_if_interrupted();
      lr = scheduled_lr(options.optimizer, epoch * steps_per_epoch + step, total_steps, warmup);
      set_lr(*optimizer, lr);
      const int64_t begin = step * options.batch_size;
      const std::vector<int64_t> indices(order.begin() + begin,
                                         order.begin() + std::min(n, begin + options.batch_size));
      const DetectionBatch batch = make_detection_batch(splits.train, indices, options.augment,
                                                        splits.normalization,
                                                        options.seed ^ (static_cast<uint64_t>(epoch) << 32) ^ step);
      const YoloLossParts loss = yolo_loss(detector.forward_all({batch.images}), batch.objects, layout, options.loss);
      const double value = loss.total.item<double>();
      PK_CHECK(std::isfinite(value), "training diverged: the loss became {} at epoch {} step {} (lr {:.4g}); lower --lr",
               value, epoch + 1, step + 1, lr);
      optimizer->zero_grad();
      loss.total.backward();
      optimizer->step();
      sums.loss += value, sums.box += loss.box, sums.objectness += loss.objectness, sums.classes += loss.classes;
      sums.batches += 1, sums.images += static_cast<int64_t>(indices.size());
      if (bar) bar->update(step + 1, status(sums, timer.seconds()));
    }
    DetectionEpoch rec;
    rec.epoch = epoch + 1;
    rec.lr = lr;
    const double batches = static_cast<double>(sums.batches);
    rec.loss = sums.loss / batches, rec.box = sums.box / batches;
    rec.objectness = sums.objectness / batches, rec.classes = sums.classes / batches;
    rec.images_per_second = sums.images / std::max(timer.seconds(), 1e-9);
    const bool last = epoch + 1 == options.epochs;
    std::string summary = status(sums, timer.seconds());
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
    if (options.on_epoch_end) options.on_epoch_end(epoch + 1);
  }
  detector.eval();
  result.seconds = total.seconds();
  return result;
}

}  // namespace pk
