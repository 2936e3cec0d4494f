// prunekit bench: measured latency and throughput of a model on this machine.
#include <iostream>

#include <fmt/format.h>

#include "commands.h"
#include "common.h"
#include "core/error.h"
#include "eval/latency.h"
#include "exec/threads.h"
#include "graph/cost.h"
#include "model_source.h"

namespace pk::cli {
namespace {

struct BenchCommandOptions {
  std::string model;
  std::vector<int> batches{1, 32};
  std::vector<int> threads{0};
  int repetitions = 20;
  int warmup = 3;
  bool json = false;
  bool keep_batchnorm = false;
  ModelOptions zoo{1, 28, 10, 1.0};
};

void run(const BenchCommandOptions& o) {
  for (int b : o.batches) PK_CHECK(b >= 1, "--batch {} must be ≥ 1", b);
  for (int t : o.threads) check_thread_count(t);
  print_resolved_options("bench", {{"model", o.model},
                                   {"batches", o.batches},
                                   {"threads", o.threads},
                                   {"repetitions", o.repetitions},
                                   {"warmup", o.warmup},
                                   {"keep_batchnorm", o.keep_batchnorm},
                                   {"zoo", zoo_options_json(o.zoo)}});
  LoadedModel m = load_model_source(o.model, o.zoo, 0);
  const GraphCost cost = graph_cost(m.graph);
  Executor executor(m.graph, m.weights);
  nlohmann::json rows = nlohmann::json::array();
  if (!o.json)
    std::cout << fmt::format("{}: {} MACs, {} params per image\n{:>6} {:>8} {:>12} {:>10} {:>10} {:>12}\n", o.model,
                             human_count(cost.macs), human_count(cost.params), "batch", "threads", "median ms",
                             "p10 ms", "p90 ms", "images/s");
  for (int t : o.threads)
    for (int b : o.batches) {
      LatencyOptions lo;
      lo.batch = b;
      lo.threads = t;
      lo.repetitions = o.repetitions;
      lo.warmup = o.warmup;
      lo.fold_batchnorm = !o.keep_batchnorm;
      LatencyResult r = measure_latency(executor, lo);
      rows.push_back({{"batch", r.batch},
                      {"threads", r.threads},
                      {"runs", r.runs},
                      {"median_ms", r.median_ms},
                      {"p10_ms", r.p10_ms},
                      {"p90_ms", r.p90_ms},
                      {"images_per_second", r.images_per_second}});
      if (!o.json)
        std::cout << fmt::format("{:>6} {:>8} {:>12.3f} {:>10.3f} {:>10.3f} {:>12.1f}\n", r.batch, r.threads,
                                 r.median_ms, r.p10_ms, r.p90_ms, r.images_per_second);
    }
  if (o.json)
    std::cout << nlohmann::json{{"model", o.model}, {"macs", cost.macs}, {"params", cost.params}, {"results", rows}}
                     .dump(2)
              << "\n";
}

}  // namespace

Action register_bench(CLI::App& app) {
  auto o = std::make_shared<BenchCommandOptions>();
  CLI::App* cmd = app.add_subcommand("bench", "Measure a model's inference latency and throughput on this machine.");
  cmd->footer(
      "Example:\n  prunekit bench --model pruned.pkm --batch 1,32 --threads 1,2\n"
      "Times forward passes on random input (eval mode) after a warm-up; reports the median and p10/p90.\n"
      "BatchNorm layers are folded into the convolution before them first, as deployment runtimes\n"
      "(ONNX Runtime, TorchScript freezing) do; --keep-batchnorm times the network as trained.");
  cmd->add_option("--model,model", o->model, "model file (.pkm or .onnx) or built-in model name")->required();
  cmd->add_option("--batch", o->batches, "batch sizes, comma separated")->delimiter(',')->capture_default_str();
  cmd->add_option("--threads", o->threads, "thread counts, comma separated (0 = all cores)")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--reps", o->repetitions, "timed runs per setting")->capture_default_str();
  cmd->add_option("--warmup", o->warmup, "untimed runs first")->capture_default_str();
  cmd->add_flag("--json", o->json, "machine-readable output");
  cmd->add_flag("--keep-batchnorm", o->keep_batchnorm, "do not fold BN into the convs before timing");
  cmd->add_option("--in-channels", o->zoo.in_channels, "built-in models: input channels")->capture_default_str();
  cmd->add_option("--input-size", o->zoo.input_size, "built-in models: input height = width")->capture_default_str();
  cmd->add_option("--num-classes", o->zoo.num_classes, "built-in models: classes")->capture_default_str();
  return [o] { run(*o); };
}

}  // namespace pk::cli
