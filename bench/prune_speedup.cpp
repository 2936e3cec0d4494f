// Pruning engine benchmark (issue 3):
//   1. plan_apply time (analysis + resolve + slice) on ResNet-56 and MobileNetV2
//   2. real speed-up of ResNet-56 uniformly pruned to 50% of its MACs (--round-to 8), at batch 1
//      and 32, measured interleaved with the original in the same run, as a fraction of the
//      MACs reduction (goal ≥ 0.75); both networks as trained and with BN folded into the convs
//      (the inference form prunekit bench times by default).
//   build/bench/bench_prune_speedup [--reps 15] [--threads 0] [--size 32] [--json out.json]
#include <algorithm>
#include <fstream>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bench/median.h"
#include "core/timer.h"
#include "eval/latency.h"
#include "exec/threads.h"
#include "graph/cost.h"
#include "models/zoo.h"
#include "prune/one_shot.h"
#include "prune/plan_apply.h"

namespace {

using pk::bench::median;

struct Pruned {
  pk::Graph graph;
  pk::WeightStore weights;
  double apply_ms = 0;  // median plan_apply (incl. analysis and resolution)
};

Pruned prune(const pk::Graph& g, const pk::WeightStore& w, int reps) {
  pk::OneShotOptions o;
  o.method = "uniform";
  o.budget.metric = pk::BudgetMetric::kMacs;
  o.budget.target = 0.5;
  o.space.round_to = 8;
  std::vector<double> ms;
  Pruned p;
  for (int r = 0; r < reps; ++r) {
    pk::Timer t;
    pk::ChannelAnalysis a = pk::analyze_channels(g);
    pk::OneShotResult plan = pk::one_shot_plan(g, w, a, o);
    pk::PrunedNetwork net = pk::plan_apply(g, w, a, plan.plan);
    ms.push_back(t.seconds() * 1e3);
    p.graph = net.graph;
    p.weights = net.weights;
  }
  p.apply_ms = median(ms);
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  pk::reexec_with_passive_openmp_wait(argv);
  int reps = 15, threads = 0, size = 32;
  std::string json_path;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--reps") reps = std::stoi(argv[i + 1]);
    else if (a == "--threads") threads = std::stoi(argv[i + 1]);
    else if (a == "--size") size = std::stoi(argv[i + 1]);
    else if (a == "--json") json_path = argv[i + 1];
  }
  threads = pk::configure_threads(threads);
  pk::ModelOptions mo;
  mo.in_channels = 3;
  mo.input_size = size;
  nlohmann::json out;
  std::cout << fmt::format("plan_apply (analysis + uniform plan at 50% MACs + slicing), median of {} runs:\n", reps);
  for (const std::string name : {"resnet56", "mobilenetv2"}) {
    pk::Graph g = pk::build_model(name, mo);
    pk::WeightStore w = pk::WeightStore::initialize(g, 0);
    Pruned p = prune(g, w, reps);
    std::cout << fmt::format("  {:<12} {:8.2f} ms\n", name, p.apply_ms);
    out["plan_apply_ms"][name] = p.apply_ms;
  }

  pk::Graph g = pk::build_model("resnet56", mo);
  pk::WeightStore w = pk::WeightStore::initialize(g, 0);
  Pruned p = prune(g, w, 1);
  const double macs_ratio = static_cast<double>(pk::graph_cost(g).macs) / pk::graph_cost(p.graph).macs;
  pk::Executor original(g, w), pruned(p.graph, p.weights);
  std::cout << fmt::format("\nResNet-56 {}x{}x{}, uniform 50% MACs, round-to 8: MACs {:.1f}M → {:.1f}M ({:.2f}x fewer), "
                           "{} threads\n",
                           3, size, size, pk::graph_cost(g).macs / 1e6, pk::graph_cost(p.graph).macs / 1e6, macs_ratio,
                           threads);
  std::cout << fmt::format("{:>6} {:>10} {:>14} {:>14} {:>9} {:>22}\n", "batch", "BN", "original ms", "pruned ms",
                           "speed-up", "speed-up / MACs ratio");
  for (int batch : {1, 32})
    for (bool fold : {false, true}) {
      pk::LatencyOptions lo;
      lo.batch = batch;
      lo.threads = threads;
      lo.repetitions = 5;
      lo.fold_batchnorm = fold;
      std::vector<double> a, b;
      for (int r = 0; r < reps; ++r) {  // interleaved rounds of 5 timed runs each
        a.push_back(pk::measure_latency(original, lo).median_ms);
        b.push_back(pk::measure_latency(pruned, lo).median_ms);
      }
      const double speedup = median(a) / median(b);
      const std::string form = fold ? "folded" : "as trained";
      std::cout << fmt::format("{:>6} {:>10} {:>14.3f} {:>14.3f} {:>8.2f}x {:>22.2f}\n", batch, form, median(a),
                               median(b), speedup, speedup / macs_ratio);
      out["speedup"][fold ? "bn_folded" : "as_trained"][std::to_string(batch)] = {
          {"original_ms", median(a)},
          {"pruned_ms", median(b)},
          {"speedup", speedup},
          {"fraction_of_macs_ratio", speedup / macs_ratio}};
    }
  out["macs_ratio"] = macs_ratio;
  if (!json_path.empty()) std::ofstream(json_path) << out.dump(2) << "\n";
  return 0;
}
