// ABCP's learning on the synthetic pruning problem of the strategy tests (a real ActionSpace of a
// ResNet-20 layout at 50% MACs, hidden per-layer sensitivities, evaluation noise): per setting,
// the mean reward of the last quarter of the candidates and its gain over the first quarter,
// mean over seeds, against random search. Cheap (seconds per run): use it to screen settings
// before bench/search_settings.sh spends an hour on a real network.
//
//   build/bench/bench_abcp_synthetic [--candidates 300] [--seeds 3]
//   build/bench/bench_abcp_synthetic --methods [--candidates 400] [--seeds 3]
// The second form compares every registered method at its shipped defaults (its own budget
// projection and options): last-quarter and best reward, mean ± std over seeds.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "search/strategy_registry.h"
#include "tests/search/synthetic_pruning.h"

namespace {

struct Setting {
  double lr;  // 0 = automatic
  int per_update;
  bool fill;
  bool standardize;
};

struct Outcome {
  double last = 0, gain = 0;
};

Outcome run(const pk::test::SyntheticPruning& problem, const Setting& s, int candidates, uint64_t seed,
            const std::string& method) {
  const nlohmann::json options = method == "abcp" ? nlohmann::json{{"controller_lr", s.lr},
                                                                   {"standardize_advantages", s.standardize}}
                                                  : nlohmann::json::object();
  auto strategy = pk::make_search_strategy(
      method, pk::StrategyContext{problem.space(), &problem.oracle(), seed, candidates / s.per_update, candidates, {}}, options);
  const auto r = problem.run(*strategy, s.fill, candidates, s.per_update);
  const size_t q = candidates / 4;
  const double last = pk::test::mean(r, r.size() - q, r.size());
  return {last, last - pk::test::mean(r, 0, q)};
}

std::string mean_std(const std::vector<double>& v) {
  double m = 0, sq = 0;
  for (double x : v) m += x / v.size();
  for (double x : v) sq += (x - m) * (x - m) / std::max<size_t>(1, v.size() - 1);
  char text[64];
  std::snprintf(text, sizeof text, "%.3f ± %.3f", m, std::sqrt(sq));
  return text;
}

void compare_methods(const pk::test::SyntheticPruning& problem, int candidates, int seeds) {
  std::printf("| method (shipped defaults) | last-quarter reward | best reward |\n|---|---|---|\n");
  for (const pk::StrategyInfo& info : pk::search_strategies()) {
    std::vector<double> last, best;
    for (int seed = 1; seed <= seeds; ++seed) {
      const pk::Budget budget{pk::BudgetMetric::kMacs, 0.5, true, info.default_fill};
      auto strategy = pk::make_search_strategy(
          info.name, pk::StrategyContext{problem.space(), &problem.oracle(), static_cast<uint64_t>(seed), candidates / 4,
                                         candidates, budget});
      const auto r = problem.run(*strategy, info.default_fill, candidates, 4);
      const size_t q = candidates / 4;
      last.push_back(pk::test::mean(r, r.size() - q, r.size()));
      double top = r[0];
      for (double x : r) top = std::max(top, x);
      best.push_back(top);
    }
    std::printf("| %s | %s | %s |\n", info.name.c_str(), mean_std(last).c_str(), mean_std(best).c_str());
    std::fflush(stdout);
  }
}

}  // namespace

int main(int argc, char** argv) {
  int candidates = 300, seeds = 3;
  bool methods = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--methods")) methods = true;
    if (i + 1 < argc && !std::strcmp(argv[i], "--candidates")) candidates = std::atoi(argv[i + 1]);
    if (i + 1 < argc && !std::strcmp(argv[i], "--seeds")) seeds = std::atoi(argv[i + 1]);
  }
  const pk::test::SyntheticPruning problem;
  if (methods) {
    compare_methods(problem, candidates, seeds);
    return 0;
  }
  const std::vector<Setting> settings = {{0, 4, true, true},     {2e-3, 4, true, true}, {5e-3, 4, true, true},
                                         {0.02, 4, true, true},  {2e-3, 4, true, false}, {2e-3, 4, false, true},
                                         {0.02, 4, false, true}, {5e-3, 8, true, true}};
  std::printf("| setting | last-quarter reward | gain over the first quarter | random, last quarter |\n|---|---|---|---|\n");
  for (const Setting& s : settings) {
    Outcome a, r;
    for (int seed = 1; seed <= seeds; ++seed) {
      const Outcome x = run(problem, s, candidates, seed, "abcp"), y = run(problem, s, candidates, seed, "random");
      a.last += x.last / seeds;
      a.gain += x.gain / seeds;
      r.last += y.last / seeds;
    }
    std::printf("| lr %s, %d/update, %s%s | %.3f | %+.3f | %.3f |\n",
                s.lr == 0 ? "auto" : std::to_string(s.lr).c_str(), s.per_update, s.fill ? "fill" : "shrink",
                s.standardize ? "" : ", raw advantages", a.last, a.gain, r.last);
    std::fflush(stdout);
  }
}
