// prunekit train / finetune: one training loop, two sets of defaults.
//   train     a zoo model from scratch (or a model file further) — lr 0.1, 30 epochs
//   finetune  a (pruned) model file — lr 0.01, 10 epochs, no warm-up, optional distillation
//             from --teacher (the original network)
#include <filesystem>
#include <iostream>

#include "commands.h"
#include "common.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "detection_cli.h"
#include "exec/executor.h"
#include "exec/threads.h"
#include "graph/cost.h"
#include "model_source.h"
#include "search/search_checkpoint.h"
#include "train/train_checkpoint.h"
#include "train/trainer.h"
#include "io/network_file.h"
#include "weights/model_file.h"

namespace pk::cli {
namespace {

struct TrainCommandOptions {
  std::string command = "train";
  std::string model = "resnet20";
  std::string teacher;  // finetune only: a model file to distill from
  bool label_free = false;  // finetune only: distillation alone (alpha 1)
  std::string out;
  double width = 1.0;
  int in_channels = 0;  // 0 = the dataset's
  int threads = 0;
  DataOptions data;
  TrainOptions train;
  const CLI::App* cmd = nullptr;  // to tell given options from defaults
};

bool given(const TrainCommandOptions& o, const std::string& flag) { return o.cmd && o.cmd->count(flag) > 0; }

/// The detection run of `o`: the YOLO recipe's defaults wherever the user gave no value.
DetectionTrainRequest detection_request(const TrainCommandOptions& o) {
  PK_CHECK(!o.label_free, "--label-free is not available for detectors: their fine-tune always reads the boxes "
           "(distill with --teacher and --kd-alpha below 1)");
  DetectionTrainRequest r;
  r.teacher = o.teacher;
  if (o.command == "finetune" && given(o, "--kd-alpha")) r.train.kd_alpha = o.train.distillation.alpha;  // train has no --kd-alpha
  r.model = given(o, "--model") ? o.model : "yolo-tiny";
  if (o.command == "finetune") {  // the finetune defaults: 10 epochs, half the YOLO lr, no warm-up
    r.train.epochs = o.train.epochs;
    r.train.optimizer.lr = DetectionTrainOptions::default_optimizer().lr / 2;
    r.train.optimizer.warmup_epochs = 0;
  }
  r.out = o.out;
  r.width = o.width;
  r.data = o.data;
  r.threads = o.threads;
  DetectionTrainOptions& t = r.train;
  if (given(o, "--epochs")) t.epochs = o.train.epochs;
  if (given(o, "--batch-size")) t.batch_size = o.train.batch_size;
  if (given(o, "--optimizer")) t.optimizer.type = o.train.optimizer.type;
  if (given(o, "--lr")) t.optimizer.lr = o.train.optimizer.lr;
  if (given(o, "--momentum")) t.optimizer.momentum = o.train.optimizer.momentum;
  if (given(o, "--weight-decay")) t.optimizer.weight_decay = o.train.optimizer.weight_decay;
  if (given(o, "--warmup-epochs")) t.optimizer.warmup_epochs = o.train.optimizer.warmup_epochs;
  t.optimizer.nesterov = o.train.optimizer.nesterov;
  t.augment.horizontal_flip = o.train.horizontal_flip;
  t.seed = o.train.seed;
  t.show_progress = o.train.show_progress;
  t.checkpoint_path = o.out + ".ckpt";
  t.resume = o.train.resume;
  t.stop_after_epochs = o.train.stop_after_epochs;
  return r;
}

void check_classes(const Graph& graph, const DatasetSplits& data, const std::string& model) {
  const Shape& out = graph.node(graph.outputs().at(0)).shape;
  if (!data.train.has_labels()) {  // unlabeled images: any classifier fits
    PK_CHECK(out.rank() == 1, "model '{}' outputs {}, expected one vector of class scores", model, out.str());
    return;
  }
  PK_CHECK(out.rank() == 1 && out.channels() == data.train.num_classes(),
           "model '{}' outputs {} but dataset '{}' has {} classes", model, out.str(), data.train.name,
           data.train.num_classes());
}

/// What besides TrainOptions shapes the run, stored with the checkpoint and compared on --resume
/// (train/trainer.h run_settings): the command, the model as given and a digest of its starting
/// weights (`model_digest`, model_identity), the data options and a digest of the training images
/// (and labels), the teacher.
nlohmann::json run_inputs(const TrainCommandOptions& o, const nlohmann::json& model_digest, const DatasetSplits& data,
                          const Executor* teacher) {
  const DataOptions& d = o.data;
  const bool label_free = teacher && o.train.distillation.alpha >= 1;
  nlohmann::json data_settings = data_options_json(d);
  data_settings["digest"] = data_identity(data, !label_free).at("digest");
  return {{"command", o.command},
          {"model", {{"source", o.model},
                     {"width", o.width},
                     {"in_channels", o.in_channels},
                     {"digest", model_digest}}},
          {"data", data_settings},
          {"teacher", teacher ? nlohmann::json{{"model", o.teacher},
                                               {"digest", model_identity(teacher->graph(), teacher->weights())}}
                              : nlohmann::json(nullptr)}};
}

/// Writes the final model and removes the checkpoint (a finished run only).
void save_final_model(const TrainCommandOptions& o, const Executor& executor, const TrainResult& result,
                      nlohmann::json metadata) {
  PK_ASSERT(result.complete, "only a finished run writes '{}'", o.out);
  nlohmann::json history = nlohmann::json::array();
  for (const auto& r : result.history) history.push_back(to_json(r));
  metadata["training"]["history"] = history;
  metadata["training"]["seconds"] = result.seconds;
  metadata["accuracy"] = {{"split", "test"}, {"top1", result.test_top1}, {"top5", result.test_top5}};
  save_network(o.out, executor.graph(), executor.weights(), metadata);  // .pkm, .onnx or .pt by extension
  remove_train_checkpoint(o.train.checkpoint_path);
}

/// The result on stdout: the final model, or (stopped by --stop-after) the checkpoint kept.
void print_summary(const TrainCommandOptions& o, const TrainResult& result, const DatasetSplits& data,
                   const GraphCost& cost) {
  const int done = result.history.empty() ? 0 : result.history.back().epoch;
  if (result.complete) {
    std::cout << fmt::format("model      {}\n", o.out);
  } else {
    std::cout << fmt::format("stopped after epoch {} of {} (--stop-after): '{}' is not written\n", done,
                             o.train.epochs, o.out);
    std::cout << fmt::format("checkpoint {} (a model file; rerun the same command with --resume to continue)\n",
                             o.train.checkpoint_path);
  }
  if (data.test.has_labels() && data.test.size() > 0)
    std::cout << fmt::format("test top-1 {:.2f}%\ntest top-5 {:.2f}%\n", 100 * result.test_top1, 100 * result.test_top5);
  else
    std::cout << "test top-1 - (no labeled test split)\n";
  std::cout << fmt::format("MACs       {} ({})\nparams     {} ({})\n", cost.macs, human_count(cost.macs), cost.params,
                           human_count(cost.params));
  std::cout << fmt::format("epochs     {} of {} in {:.1f} s\n", done, o.train.epochs, result.seconds);
}

void run(TrainCommandOptions& o) {
  const int threads = configure_threads(o.threads);
  check_writable_path(o.out);
  if (is_detection_dataset(o.data.name)) {
    DetectionTrainRequest request = detection_request(o);
    nlohmann::json resolved = to_json(request.train);
    resolved["model"] = request.model, resolved["out"] = o.out, resolved["width"] = o.width;
    resolved["threads"] = threads, resolved["data"] = data_options_json(o.data);
    if (!o.teacher.empty()) resolved["teacher"] = o.teacher, resolved["kd_alpha"] = request.train.kd_alpha;
    print_resolved_options(o.command, resolved);
    const DatasetSplits data = load_dataset(o.data);
    request.train.settings = run_inputs(o, nullptr, data, nullptr);  // the model digest is added once it is built
    run_detection_training(request, data);
    return;
  }
  o.train.checkpoint_path = o.out + ".ckpt";
  nlohmann::json resolved = to_json(o.train);
  resolved["model"] = o.model;
  resolved["out"] = o.out;
  resolved["width"] = o.width;
  resolved["threads"] = threads;
  resolved["data"] = data_options_json(o.data);
  if (!o.teacher.empty()) {
    resolved["teacher"] = o.teacher;
    resolved["kd_alpha"] = o.train.distillation.alpha;
    resolved["kd_temperature"] = o.train.distillation.temperature;
  }
  print_resolved_options(o.command, resolved);

  DatasetSplits data = load_dataset(o.data);
  const bool label_free = !o.teacher.empty() && o.train.distillation.alpha >= 1;
  PK_CHECK(label_free || data.train.has_labels(),
           "dataset '{}' has no labels: {}", o.data.name,
           o.command == "train" ? "training needs labels (fine-tune a trained model label-free instead: "
                                  "prunekit finetune --label-free --teacher base.pkm)"
                                : "fine-tune label-free with --label-free --teacher base.pkm");
  PK_CHECK(data.height == data.width, "dataset '{}' has {}x{} images; zoo models take square inputs (use --image-size)",
           o.data.name, data.height, data.width);
  ModelOptions zoo;
  zoo.in_channels = o.in_channels > 0 ? o.in_channels : data.channels;
  zoo.input_size = data.height;
  zoo.num_classes = data.train.num_classes();
  zoo.width = o.width;
  LoadedModel model = load_model_source(o.model, zoo, o.train.seed);
  check_model_fits_dataset(model.graph, data, o.model);
  check_classes(model.graph, data, o.model);

  nlohmann::json metadata = model.metadata;
  metadata["architecture"] = model.from_zoo ? o.model : metadata.value("architecture", o.model);
  metadata["dataset"] = dataset_metadata(o.data, data);
  metadata["training"] = {{"options", to_json(o.train)}};

  std::unique_ptr<Executor> teacher;
  if (!o.teacher.empty()) {
    ModelFile t = load_network(o.teacher);  // .pkm, or .onnx imported
    check_model_fits_dataset(t.graph, data, o.teacher);
    check_classes(t.graph, data, o.teacher);
    teacher = std::make_unique<Executor>(std::move(t.graph), std::move(t.weights));
    o.train.teacher = teacher.get();
    metadata["training"]["teacher"] = {{"model", o.teacher},
                                       {"alpha", o.train.distillation.alpha},
                                       {"temperature", o.train.distillation.temperature}};
  }
  if (o.command == "finetune") metadata["finetuned_from"] = o.model;

  Executor executor(model.graph, model.weights);
  o.train.settings = run_inputs(o, model_identity(executor.graph(), executor.weights()), data, teacher.get());
  const GraphCost cost = graph_cost(executor.graph());
  std::cerr << fmt::format("{} '{}' ({} MACs, {} params) on {} images of '{}', testing on {}\n",
                           o.command == "train" ? "training" : "fine-tuning", o.model,
                           human_count(cost.macs), human_count(cost.params), data.train.size(), o.data.name,
                           data.test.size());
  TrainResult result = train(executor, data, o.train, metadata);
  if (result.complete) save_final_model(o, executor, result, metadata);
  print_summary(o, result, data, cost);
}

/// Options common to train and finetune; `o` already holds the command's defaults.
void add_training_options(CLI::App* cmd, TrainCommandOptions& o) {
  cmd->add_option("--out", o.out, "output model: .pkm, .onnx or .pt (TorchScript), by extension; the checkpoint beside it is always a .pkm")->required();
  cmd->add_option("--epochs", o.train.epochs, "training epochs")->capture_default_str();
  cmd->add_option("--batch-size", o.train.batch_size, "mini-batch size")->capture_default_str();
  cmd->add_option("--optimizer", o.train.optimizer.type, "sgd or adam")->capture_default_str();
  cmd->add_option("--lr", o.train.optimizer.lr, "peak learning rate (cosine schedule after warm-up)")
      ->capture_default_str();
  cmd->add_option("--momentum", o.train.optimizer.momentum, "SGD momentum")->capture_default_str();
  cmd->add_flag("!--no-nesterov", o.train.optimizer.nesterov, "plain momentum instead of Nesterov");
  cmd->add_option("--weight-decay", o.train.optimizer.weight_decay, "L2 weight decay")->capture_default_str();
  cmd->add_option("--warmup-epochs", o.train.optimizer.warmup_epochs,
                  "linear warm-up length in epochs (at most 10% of the run's iterations)")
      ->capture_default_str();
  cmd->add_option("--label-smoothing", o.train.label_smoothing, "label smoothing in [0, 1)")->capture_default_str();
  cmd->add_option("--crop-padding", o.train.crop_padding, "random-crop padding in pixels (0 = no crop)")
      ->capture_default_str();
  cmd->add_flag("!--no-flip", o.train.horizontal_flip, "disable random horizontal flips");
  cmd->add_option("--seed", o.train.seed, "seed of weight init, shuffling and augmentation")->capture_default_str();
  cmd->add_flag("--resume", o.train.resume,
                "continue from <out>.ckpt after an interruption (other settings than the checkpoint's are refused)");
  cmd->add_option("--stop-after", o.train.stop_after_epochs,
                  "stop after N epochs of the --epochs schedule: <out> is not written, <out>.ckpt is kept for --resume");
  cmd->add_flag("!--no-progress", o.train.show_progress, "one log line per epoch instead of a progress bar");
  add_threads_option(cmd, o.threads);
  add_data_options(cmd, o.data);
}

}  // namespace

Action register_train(CLI::App& app) {
  auto o = std::make_shared<TrainCommandOptions>();
  CLI::App* cmd = app.add_subcommand("train", "Train a built-in model (or continue training a model file) on a dataset.");
  cmd->footer(
      "Examples:\n  prunekit train --model resnet20 --dataset fashion-mnist --epochs 30 --out base.pkm\n"
      "  prunekit train --model yolo-tiny --dataset shapes --out det.pkm   # a detector on the generated set\n"
      "On a detection dataset (shapes, yolo) the YOLO recipe applies: default model yolo-tiny, SGD lr 0.01,\n"
      "momentum 0.937, batch 16, flip + scale jitter; anchors are fitted to the training boxes by k-means.\n"
      "A checkpoint <out>.ckpt is written after every epoch; rerun the same command with --resume to continue.");
  cmd->add_option("--model", o->model, "built-in model name or a model file (.pkm or .onnx)")->capture_default_str();
  cmd->add_option("--width", o->width, "width multiplier for built-in models")->capture_default_str();
  cmd->add_option("--in-channels", o->in_channels, "input channels of a built-in model (default: the dataset's)");
  add_training_options(cmd, *o);
  o->cmd = cmd;
  return [o] { run(*o); };
}

Action register_finetune(CLI::App& app) {
  auto o = std::make_shared<TrainCommandOptions>();
  o->command = "finetune";
  o->model.clear();
  o->train.epochs = 10;
  o->train.optimizer.lr = 0.01;
  o->train.optimizer.warmup_epochs = 0;
  CLI::App* cmd = app.add_subcommand("finetune", "Fine-tune a (pruned) model file, optionally distilling from a teacher.");
  cmd->footer(
      "Examples:\n  prunekit finetune --model pruned.pkm --epochs 10 --out pruned-ft.pkm\n"
      "  prunekit finetune --model pruned.pkm --teacher base.pkm --label-free --out pruned-ft.pkm   # reads no label\n"
      "  prunekit finetune --model pruned.pkm --teacher base.pkm --label-free --dataset images --data-path DIR \\\n"
      "      --channels 1 --out pruned-ft.pkm   # a directory of unlabeled images\n"
      "The dataset defaults to the one recorded in the model file.");
  cmd->add_option("--model", o->model, "model file (.pkm or .onnx) to fine-tune")->required();
  cmd->add_option("--teacher", o->teacher, "model file (.pkm or .onnx) to distill from (usually the unpruned original)");
  cmd->add_option("--kd-alpha", o->train.distillation.alpha,
                  "weight of the distillation loss (1 = label-free: labels are not used); a detector's default "
                  "is 0.5 and must stay below 1")
      ->capture_default_str();
  cmd->add_option("--kd-temperature", o->train.distillation.temperature, "distillation temperature")
      ->capture_default_str();
  cmd->add_flag("--label-free", o->label_free,
                "distill from --teacher alone (--kd-alpha 1): no label is read, so the data may be unlabeled");
  add_training_options(cmd, *o);
  o->cmd = cmd;
  return [o, cmd] {
    if (o->label_free) {
      PK_CHECK(!o->teacher.empty(), "--label-free distills from the original network: give --teacher base.pkm");
      PK_CHECK(cmd->count("--kd-alpha") == 0 || o->train.distillation.alpha == 1.0,
               "--label-free means --kd-alpha 1 (got {})", o->train.distillation.alpha);
      o->train.distillation.alpha = 1.0;
    }
    apply_dataset_metadata(load_network(o->model).metadata, o->model, o->data, *cmd);  // fine-tune on the model's data
    run(*o);
  };
}

}  // namespace pk::cli
