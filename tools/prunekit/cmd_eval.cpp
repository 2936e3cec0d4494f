// prunekit eval: accuracy of a model file on its dataset (or another one).
#include <iostream>

#include "commands.h"
#include "common.h"
#include "core/error.h"
#include "detection_cli.h"
#include "exec/executor.h"
#include "exec/threads.h"
#include "graph/cost.h"
#include "train/evaluate.h"
#include "io/network_file.h"

namespace pk::cli {
namespace {

struct EvalCommandOptions {
  std::string model;
  std::string split = "test";
  int64_t batch_size = 256;
  int threads = 0;
  bool json = false;
  DataOptions data;
  std::vector<std::string> explicit_data;  // which data options the user set (they win over metadata)
};

void run(EvalCommandOptions& o, CLI::App* cmd) {
  const int threads = configure_threads(o.threads);
  PK_CHECK(o.split == "test" || o.split == "search" || o.split == "train",
           "--split '{}' is unknown; use test, search or train", o.split);
  ModelFile model = load_network(o.model);
  DataOptions data_options = o.data;
  apply_dataset_metadata(model.metadata, o.model, data_options, *cmd);
  print_resolved_options("eval", {{"model", o.model},
                                  {"dataset", data_options.name},
                                  {"split", o.split},
                                  {"batch_size", o.batch_size},
                                  {"threads", threads}});
  DatasetSplits data = load_dataset(data_options);
  check_model_fits_dataset(model.graph, data, o.model);
  const Dataset& split = o.split == "test" ? data.test : o.split == "search" ? data.search : data.train;
  if (split.is_detection()) return print_detection_eval(o.model, model.graph, model.weights, model.metadata, split, data, o.split, o.json);
  Executor executor(model.graph, model.weights);
  EvalResult r = evaluate(executor, split, data.normalization, o.batch_size, !o.json);
  const GraphCost cost = graph_cost(model.graph);
  if (o.json) {
    std::cout << nlohmann::json{{"model", o.model},         {"dataset", data_options.name}, {"split", o.split},
                                {"samples", r.samples},     {"top1", r.top1},               {"top5", r.top5},
                                {"loss", r.loss},           {"macs", cost.macs},            {"params", cost.params},
                                {"images_per_second", r.images_per_second}}
                     .dump(2)
              << "\n";
    return;
  }
  std::cout << fmt::format("model    {}\ndataset  {} ({} split, {} images)\n", o.model, data_options.name, o.split,
                           r.samples);
  std::cout << fmt::format("top-1    {:.2f}%\ntop-5    {:.2f}%\nloss     {:.4f}\n", 100 * r.top1, 100 * r.top5, r.loss);
  std::cout << fmt::format("MACs     {} ({})\nparams   {} ({})\nspeed    {:.0f} images/s\n", cost.macs,
                           human_count(cost.macs), cost.params, human_count(cost.params), r.images_per_second);
}

}  // namespace

Action register_eval(CLI::App& app) {
  auto o = std::make_shared<EvalCommandOptions>();
  CLI::App* cmd = app.add_subcommand("eval", "Top-1/top-5 accuracy (classifiers) or mAP (detectors) of a model file on a dataset split.");
  cmd->footer(
      "Example:\n  prunekit eval --model base.pkm\n"
      "The dataset defaults to the one recorded in the model file; --dataset overrides it.");
  cmd->add_option("--model,model", o->model, "model file (.pkm or .onnx)")->required();
  cmd->add_option("--split", o->split, "test, search or train")->capture_default_str();
  cmd->add_option("--batch-size", o->batch_size, "evaluation batch size")->capture_default_str();
  cmd->add_flag("--json", o->json, "print the result as JSON");
  add_threads_option(cmd, o->threads);
  add_data_options(cmd, o->data);
  return [o, cmd] { run(*o, cmd); };
}

}  // namespace pk::cli
