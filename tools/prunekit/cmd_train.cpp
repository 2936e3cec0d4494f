// prunekit train: train a zoo model (or continue training a model file) on a dataset.
#include <filesystem>
#include <iostream>

#include "commands.h"
#include "common.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "exec/executor.h"
#include "exec/threads.h"
#include "graph/cost.h"
#include "model_source.h"
#include "train/trainer.h"
#include "weights/model_file.h"

namespace pk::cli {
namespace {

struct TrainCommandOptions {
  std::string model = "resnet20";
  std::string out;
  double width = 1.0;
  int in_channels = 0;  // 0 = the dataset's
  int threads = 0;
  DataOptions data;
  TrainOptions train;
};

void check_classes(const Graph& graph, const DatasetSplits& data, const std::string& model) {
  const Shape& out = graph.node(graph.outputs().at(0)).shape;
  PK_CHECK(out.rank() == 1 && out.channels() == data.train.num_classes(),
           "model '{}' outputs {} but dataset '{}' has {} classes", model, out.str(), data.train.name,
           data.train.num_classes());
}

void run(TrainCommandOptions& o) {
  const int threads = configure_threads(o.threads);
  check_writable_path(o.out);
  o.train.checkpoint_path = o.out + ".ckpt";
  nlohmann::json resolved = to_json(o.train);
  resolved["model"] = o.model;
  resolved["out"] = o.out;
  resolved["width"] = o.width;
  resolved["threads"] = threads;
  resolved["dataset"] = o.data.name;
  print_resolved_options("train", resolved);

  DatasetSplits data = load_dataset(o.data);
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

  Executor executor(model.graph, model.weights);
  const GraphCost cost = graph_cost(executor.graph());
  std::cerr << fmt::format("training '{}' ({} MACs, {} params) on {} images of '{}', testing on {}\n", o.model,
                           human_count(cost.macs), human_count(cost.params), data.train.size(), o.data.name,
                           data.test.size());
  TrainResult result = train(executor, data, o.train, metadata);

  nlohmann::json history = nlohmann::json::array();
  for (const auto& r : result.history) history.push_back(to_json(r));
  metadata["training"]["history"] = history;
  metadata["training"]["seconds"] = result.seconds;
  metadata["accuracy"] = {{"split", "test"}, {"top1", result.test_top1}, {"top5", result.test_top5}};
  save_model(o.out, executor.graph(), executor.weights(), metadata);
  std::error_code ignored;
  std::filesystem::remove(o.train.checkpoint_path, ignored);
  std::filesystem::remove(o.train.checkpoint_path + ".optim", ignored);

  std::cout << fmt::format("model      {}\n", o.out);
  std::cout << fmt::format("test top-1 {:.2f}%\ntest top-5 {:.2f}%\n", 100 * result.test_top1, 100 * result.test_top5);
  std::cout << fmt::format("MACs       {} ({})\nparams     {} ({})\n", cost.macs, human_count(cost.macs), cost.params,
                           human_count(cost.params));
  std::cout << fmt::format("epochs     {} in {:.1f} s\n", result.history.size(), result.seconds);
}

}  // namespace

Action register_train(CLI::App& app) {
  auto o = std::make_shared<TrainCommandOptions>();
  CLI::App* cmd = app.add_subcommand("train", "Train a built-in model (or continue training a model file) on a dataset.");
  cmd->footer(
      "Example:\n  prunekit train --model resnet20 --dataset fashion-mnist --epochs 30 --out base.pkm\n"
      "A checkpoint <out>.ckpt is written after every epoch; rerun the same command with --resume to continue.");
  cmd->add_option("--model", o->model, "built-in model name or a .pkm model file")->capture_default_str();
  cmd->add_option("--out", o->out, "output model file (.pkm)")->required();
  cmd->add_option("--epochs", o->train.epochs, "training epochs")->capture_default_str();
  cmd->add_option("--batch-size", o->train.batch_size, "mini-batch size")->capture_default_str();
  cmd->add_option("--optimizer", o->train.optimizer.type, "sgd or adam")->capture_default_str();
  cmd->add_option("--lr", o->train.optimizer.lr, "peak learning rate (cosine schedule after warm-up)")
      ->capture_default_str();
  cmd->add_option("--momentum", o->train.optimizer.momentum, "SGD momentum")->capture_default_str();
  cmd->add_flag("!--no-nesterov", o->train.optimizer.nesterov, "plain momentum instead of Nesterov");
  cmd->add_option("--weight-decay", o->train.optimizer.weight_decay, "L2 weight decay")->capture_default_str();
  cmd->add_option("--warmup-epochs", o->train.optimizer.warmup_epochs, "linear warm-up length in epochs")
      ->capture_default_str();
  cmd->add_option("--label-smoothing", o->train.label_smoothing, "label smoothing in [0, 1)")->capture_default_str();
  cmd->add_option("--crop-padding", o->train.crop_padding, "random-crop padding in pixels (0 = no crop)")
      ->capture_default_str();
  cmd->add_flag("!--no-flip", o->train.horizontal_flip, "disable random horizontal flips");
  cmd->add_option("--width", o->width, "width multiplier for built-in models")->capture_default_str();
  cmd->add_option("--in-channels", o->in_channels, "input channels of a built-in model (default: the dataset's)");
  cmd->add_option("--seed", o->train.seed, "seed of weight init, shuffling and augmentation")->capture_default_str();
  cmd->add_flag("--resume", o->train.resume, "continue from <out>.ckpt after an interruption");
  cmd->add_option("--stop-after", o->train.stop_after_epochs,
                  "stop after N epochs of the --epochs schedule (checkpoint kept; --resume continues)");
  cmd->add_flag("!--no-progress", o->train.show_progress, "no progress bar");
  add_threads_option(cmd, o->threads);
  add_data_options(cmd, o->data);
  return [o] { run(*o); };
}

}  // namespace pk::cli
