// Group-convolution permutations on a trained network (issue 14): for every dense conv and every
// candidate group count of the gconv search defaults, the weight mass the heuristic + assignment
// keeps inside the blocks against random permutations (the best and the mean of --random draws),
// and the solver's time. Mass = sum of the unit-Frobenius S (prune/group_permutation.h).
//   build/bench/bench_gconv_mass MODEL.pkm [--random 100] [--json out.json]
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>
#include <numeric>
#include <random>
#include <string>

#include "bench/median.h"
#include "core/timer.h"
#include "prune/conv_mass.h"
#include "prune/group_permutation.h"
#include "search/gconv_search.h"
#include "weights/model_file.h"

namespace {

struct Row {
  std::string conv;
  int groups = 0;
  double total = 0, heuristic = 0, random_best = 0, random_mean = 0, solve_ms = 0;
};

Row measure(const std::string& conv, const pk::MassMatrix& s, int groups, int draws, std::mt19937_64& rng) {
  Row r{conv, groups, s.total()};
  std::vector<double> ms;
  pk::GroupPermutation p;
  for (int rep = 0; rep < 3; ++rep) {
    pk::Timer t;
    p = pk::solve_group_permutation(s, groups);
    ms.push_back(1e3 * t.seconds());
  }
  r.solve_ms = pk::bench::median(ms);
  r.heuristic = p.kept_mass;
  std::vector<int> rows(s.rows), cols(s.cols);
  std::iota(rows.begin(), rows.end(), 0);
  std::iota(cols.begin(), cols.end(), 0);
  for (int d = 0; d < draws; ++d) {
    std::shuffle(rows.begin(), rows.end(), rng);
    std::shuffle(cols.begin(), cols.end(), rng);
    const double kept = pk::kept_block_mass(s, groups, rows, cols);
    r.random_best = std::max(r.random_best, kept);
    r.random_mean += kept / draws;
  }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: bench_gconv_mass MODEL.pkm [--random 100] [--json out.json]\n";
    return 2;
  }
  int draws = 100;
  std::string json_path;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--random") draws = std::stoi(argv[i + 1]);
    if (std::string(argv[i]) == "--json") json_path = argv[i + 1];
  }
  const pk::ModelFile m = pk::load_model(argv[1]);
  const pk::GconvSearchOptions defaults;
  std::mt19937_64 rng(1);
  std::vector<Row> rows;
  for (int i = 0; i < m.graph.size(); ++i) {
    const pk::Node& n = m.graph.node(i);
    if (n.op != pk::OpKind::kConv2d || n.attr<pk::ConvAttrs>().groups != 1) continue;
    const int64_t c = m.graph.node(m.graph.input_indices(i)[0]).shape.channels();
    const pk::MassMatrix s = pk::conv_mass_matrix(m.weights.get(n.name, "weight"));
    for (int g : pk::candidate_group_counts(n.shape.channels(), c, defaults))
      if (g > 1) rows.push_back(measure(n.name, s, g, draws, rng));
  }
  std::cout << fmt::format("{}: kept weight mass (share of the conv's total), heuristic vs {} random permutations\n\n",
                           argv[1], draws);
  std::cout << "| conv | G | heuristic | random best | random mean | heuristic / random best | solve ms |\n";
  std::cout << "|---|---|---|---|---|---|---|\n";
  double log_ratio = 0;
  int wins = 0;
  nlohmann::json out = nlohmann::json::array();
  for (const Row& r : rows) {
    std::cout << fmt::format("| {} | {} | {:.3f} | {:.3f} | {:.3f} | {:.3f} | {:.2f} |\n", r.conv, r.groups,
                             r.heuristic / r.total, r.random_best / r.total, r.random_mean / r.total,
                             r.heuristic / r.random_best, r.solve_ms);
    log_ratio += std::log(r.heuristic / r.random_best) / rows.size();
    wins += r.heuristic > r.random_best;
    out.push_back({{"conv", r.conv}, {"groups", r.groups}, {"total", r.total}, {"heuristic", r.heuristic},
                   {"random_best", r.random_best}, {"random_mean", r.random_mean}, {"solve_ms", r.solve_ms}});
  }
  std::cout << fmt::format("\nheuristic > best random in {} of {} (conv, G) pairs; geometric mean ratio {:.3f}\n", wins,
                           rows.size(), std::exp(log_ratio));
  if (!json_path.empty()) std::ofstream(json_path) << out.dump(1) << "\n";
  return 0;
}
