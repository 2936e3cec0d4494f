#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "analysis/channel_analysis.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "graph/builder.h"
#include "graph/cost.h"
#include "plan/action_space.h"
#include "plan/plan_json.h"
#include "search/driver.h"
#include "search/search_builder.h"
#include "weights/model_file.h"
#include "search/cost_oracle.h"
#include "search/search_checkpoint.h"
#include "search/search_evaluator.h"
#include "search/strategy_registry.h"
#include "search/search_test_nets.h"
#include "support/quadrants.h"

namespace pk {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using test::resnet20_like;

TEST(SearchBuilder, Resnet20OrderAndOwners) {
  const Graph g = resnet20_like();
  const ChannelAnalysis analysis = analyze_channels(g);
  ActionSpaceOptions opt;
  opt.max_ratio = 0.9;
  const ActionSpace space(g, analysis, opt);
  const SearchMapping m = build_search_space(g, analysis, space);
  int bits = 0, ratios = 0;
  for (const Decision& d : m.space.decisions) (d.kind == DecisionKind::kBlockBit ? bits : ratios)++;
  EXPECT_EQ(bits, 7);
  EXPECT_EQ(ratios, space.num_groups());
  EXPECT_EQ(m.space.feature_size(), kDecisionFeatures);
  double last = -1;
  for (int i = 0; i < m.space.size(); ++i) {
    const Decision& d = m.space.decisions[i];
    EXPECT_GE(d.features[9], last) << d.name;  // topological order
    last = d.features[9];
    for (double f : d.features) {
      EXPECT_GE(f, 0.0);
      EXPECT_LE(f, 1.0);
    }
    if (d.kind == DecisionKind::kRatio) {
      const auto& gd = space.groups()[m.target[i]];
      if (gd.inside_blocks.empty()) {
        EXPECT_EQ(d.owner_block, -1) << d.name;
      } else {
        ASSERT_GE(d.owner_block, 0) << d.name;
        ASSERT_LT(d.owner_block, i);
        EXPECT_EQ(m.space.decisions[d.owner_block].kind, DecisionKind::kBlockBit);
        const int b = m.target[d.owner_block];
        EXPECT_NE(std::find(gd.inside_blocks.begin(), gd.inside_blocks.end(), b), gd.inside_blocks.end());
      }
    }
  }
  // layer1.1's conv1 group is owned by layer1.1's block bit.
  for (int i = 0; i < m.space.size(); ++i)
    if (m.space.decisions[i].kind == DecisionKind::kRatio &&
        m.space.decisions[i].name.find("layer1.1.conv1") != std::string::npos) {
      ASSERT_GE(m.space.decisions[i].owner_block, 0);
      EXPECT_EQ(m.space.decisions[m.space.decisions[i].owner_block].name, "layer1.1.add");
    }

  // Mapping: bit 1 removes the block, skipped ratios → 0; round trip through decode.
  Action a;
  a.values.assign(m.space.size(), 0.3);
  for (int i = 0; i < m.space.size(); ++i)
    if (m.space.decisions[i].kind == DecisionKind::kBlockBit) a.values[i] = 0;
  int first_bit = -1;
  for (int i = 0; i < m.space.size() && first_bit < 0; ++i)
    if (m.space.decisions[i].kind == DecisionKind::kBlockBit) first_bit = i;
  a.values[first_bit] = 1;
  for (int i = 0; i < m.space.size(); ++i)
    if (m.space.decisions[i].owner_block == first_bit) a.values[i] = Action::kSkipped;
  const PruneAction pa = to_prune_action(m, a);
  EXPECT_EQ(pa.remove[m.target[first_bit]], 1);
  const DecodedAction dec = space.decode(pa);
  const Action back = from_decoded(m, dec, a);
  for (int i = 0; i < m.space.size(); ++i) {
    EXPECT_EQ(back.skipped(i), a.skipped(i)) << m.space.decisions[i].name;
    if (!a.skipped(i)) {
      EXPECT_NEAR(back.values[i], a.values[i], 1e-9) << m.space.decisions[i].name;
    }
  }
}

DatasetSplits quadrant_splits() { return testing::quadrant_splits(256, 128, 64); }

/// A small CNN with one removable residual block.
Graph tiny_resnet() {
  GraphBuilder b;
  auto x = b.input("input", Shape{{1, 8, 8}});
  x = b.relu("relu1", b.batch_norm("bn1", b.conv("conv1", x, 8, 3, 1, 1)));
  auto y = b.relu("b.relu1", b.batch_norm("b.bn1", b.conv("b.conv1", x, 8, 3, 1, 1)));
  y = b.batch_norm("b.bn2", b.conv("b.conv2", y, 8, 3, 1, 1));
  x = b.relu("b.relu2", b.add("b.add", y, x));
  x = b.relu("relu2", b.batch_norm("bn2", b.conv("conv2", x, 16, 3, 2, 1)));
  b.output(b.linear("fc", b.flatten("flat", b.global_avg_pool("pool", x)), 4));
  return b.build();
}

fs::path temp_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("pk_search_driver_" + name + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

SearchOptions tiny_options(const std::string& method, const fs::path& out) {
  SearchOptions o;
  o.method = method;
  o.episodes = 8;
  o.samples_per_update = 4;
  o.budget.target = 0.5;
  o.evaluation.recalibration.batches = 2;
  o.evaluation.recalibration.batch_size = 64;
  o.out_dir = out.string();
  o.show_progress = false;
  return o;
}

std::vector<json> read_log(const fs::path& path, bool strip_timing) {
  std::vector<json> lines;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    json j = json::parse(line);
    if (strip_timing) j.erase("seconds");
    lines.push_back(j);
  }
  return lines;
}

class DriverRun : public ::testing::TestWithParam<std::string> {};

TEST_P(DriverRun, WritesOutputsWithinBudget) {
  const Graph g = tiny_resnet();
  const WeightStore w = WeightStore::initialize(g, 0);
  const DatasetSplits data = quadrant_splits();
  const fs::path out = temp_dir(GetParam());
  const SearchResult r = run_search(g, w, data, tiny_options(GetParam(), out));
  EXPECT_TRUE(r.finished);
  EXPECT_EQ(r.evaluated, 8);
  const auto log = read_log(out / "log.jsonl", false);
  ASSERT_EQ(log.size(), 8u);
  for (size_t i = 0; i < log.size(); ++i) {
    EXPECT_EQ(log[i].at("id").get<int>(), static_cast<int>(i));
    for (const char* k : {"apply", "recalib", "eval", "controller"}) EXPECT_TRUE(log[i].at("seconds").contains(k));
  }
  ASSERT_TRUE(r.has_best);
  const double budget = 0.5 * graph_cost(g).macs;
  EXPECT_LE(r.best.macs, budget);
  ASSERT_TRUE(fs::exists(out / "best_plan.json"));
  EXPECT_EQ(load_plan((out / "best_plan.json").string()), r.best_plan);
  const ModelFile pruned = load_model((out / "pruned.pkm").string());
  EXPECT_EQ(graph_cost(pruned.graph).macs, r.best.macs);
  EXPECT_LE(graph_cost(pruned.graph).macs, budget);
  EXPECT_TRUE(pruned.metadata.contains("search"));
  const json pareto = json::parse(read_file((out / "pareto.json").string()));
  EXPECT_GE(pareto.at("front").size(), 1u);
  fs::remove_all(out);
}

INSTANTIATE_TEST_SUITE_P(Methods, DriverRun, ::testing::Values("random", "abcp", "lfgcl", "amc"));

class DriverResume : public ::testing::TestWithParam<std::string> {};

// A method's options for the run stopped after 4 candidates: the DDPG agents learn from their
// first batch of 2 and run 12 candidates, so what they ask after the resume depends on updates
// over the restored networks, optimizers, replay buffer and generator.
SearchOptions resume_options(const std::string& method, const fs::path& out) {
  SearchOptions o = tiny_options(method, out);
  if (method == "lfgcl" || method == "amc") {
    // Big steps and little noise: a lost piece of state changes the channel counts asked for.
    o.method_options = {{"ddpg_batch", 2}, {"hidden", 16}, {"actor_lr", 0.05}, {"critic_lr", 0.05}, {"noise_sigma", 0.01}};
    o.episodes = 12;
  }
  return o;
}

TEST_P(DriverResume, EndsExactlyAsAnUninterruptedRun) {
  const Graph g = tiny_resnet();
  const WeightStore w = WeightStore::initialize(g, 0);
  const DatasetSplits data = quadrant_splits();
  const fs::path full_dir = temp_dir("full"), resumed_dir = temp_dir("resumed");
  const SearchResult full = run_search(g, w, data, resume_options(GetParam(), full_dir));

  SearchOptions first = resume_options(GetParam(), resumed_dir);
  first.stop_after_episodes = 4;
  const SearchResult stopped = run_search(g, w, data, first);
  EXPECT_FALSE(stopped.finished);
  EXPECT_EQ(stopped.evaluated, 4);
  EXPECT_FALSE(fs::exists(resumed_dir / "pruned.pkm"));
  // A killed run may have logged past its checkpoint: resume must drop that.
  { std::ofstream(resumed_dir / "log.jsonl", std::ios::app) << "{\"id\": 99}\n"; }
  SearchOptions second = resume_options(GetParam(), resumed_dir);
  second.resume = true;
  const SearchResult resumed = run_search(g, w, data, second);
  EXPECT_TRUE(resumed.finished);

  EXPECT_EQ(read_log(full_dir / "log.jsonl", true), read_log(resumed_dir / "log.jsonl", true));
  EXPECT_EQ(full.best_plan, resumed.best_plan);
  EXPECT_EQ(full.best.id, resumed.best.id);
  EXPECT_EQ(read_file((full_dir / "best_plan.json").string()), read_file((resumed_dir / "best_plan.json").string()));
  EXPECT_EQ(read_file((full_dir / "pareto.json").string()), read_file((resumed_dir / "pareto.json").string()));

  // Different settings refuse to resume.
  SearchOptions other = tiny_options(GetParam() == "random" ? "abcp" : "random", resumed_dir);
  other.resume = true;
  EXPECT_THROW(run_search(g, w, data, other), UserError);
  fs::remove_all(full_dir);
  fs::remove_all(resumed_dir);
}

INSTANTIATE_TEST_SUITE_P(Methods, DriverResume, ::testing::Values("abcp", "lfgcl", "amc"));

}  // namespace
}  // namespace pk

namespace pk {
namespace {

// algorithms.md §2: no label is read anywhere in a label-free search, so scrambling every label
// leaves the whole trajectory (every candidate's distance, reward, plan) unchanged.
TEST(Driver, LabelFreeSearchIsIdenticalWithScrambledLabels) {
  const Graph g = tiny_resnet();
  const WeightStore w = WeightStore::initialize(g, 0);
  const DatasetSplits data = quadrant_splits();
  DatasetSplits scrambled = data;
  for (Dataset* d : {&scrambled.train, &scrambled.search, &scrambled.test})
    d->labels = torch::randint(0, 4, {d->size()}, torch::kLong);
  const fs::path a = temp_dir("lf_a"), b = temp_dir("lf_b");
  SearchOptions o = tiny_options("abcp", a);
  o.reward = RewardKind::kLabelFree;
  const SearchResult ra = run_search(g, w, data, o);
  o.out_dir = b.string();
  const SearchResult rb = run_search(g, w, scrambled, o);
  const auto log_a = read_log(a / "log.jsonl", true);
  ASSERT_EQ(log_a.size(), 8u);
  EXPECT_EQ(log_a, read_log(b / "log.jsonl", true));
  EXPECT_EQ(ra.best_plan, rb.best_plan);
  double lowest = 1e9;
  for (const json& line : log_a) {
    EXPECT_FALSE(line.contains("accuracy")) << "a label-free search measures no accuracy";
    EXPECT_GT(line.at("distance").get<double>(), 0.0);
    EXPECT_DOUBLE_EQ(line.at("reward").get<double>(), -line.at("distance").get<double>());
    lowest = std::min(lowest, line.at("distance").get<double>());
  }
  EXPECT_DOUBLE_EQ(ra.best.distance, lowest);
  const json pareto = json::parse(read_file((a / "pareto.json").string()));
  EXPECT_EQ(pareto.at("y"), "distance");
  fs::remove_all(a);
  fs::remove_all(b);
}

// LFGCL (label-free by default on the command line; here set explicitly) on data without any
// label gives the search it gives on labelled data; a labelled reward is refused there.
TEST(Driver, LfgclSearchesDataWithoutLabels) {
  const Graph g = tiny_resnet();
  const WeightStore w = WeightStore::initialize(g, 0);
  const DatasetSplits data = quadrant_splits();
  DatasetSplits unlabeled = data;
  for (Dataset* d : {&unlabeled.train, &unlabeled.search, &unlabeled.test}) {
    d->labels = torch::Tensor();
    d->class_names.clear();
  }
  const fs::path a = temp_dir("lfgcl_a"), b = temp_dir("lfgcl_b");
  SearchOptions o = tiny_options("lfgcl", a);
  o.reward = find_search_strategy("lfgcl").default_reward;
  ASSERT_EQ(o.reward, RewardKind::kLabelFree);
  run_search(g, w, data, o);
  o.out_dir = b.string();
  run_search(g, w, unlabeled, o);
  EXPECT_EQ(read_log(a / "log.jsonl", true), read_log(b / "log.jsonl", true));
  o.reward = RewardKind::kAccPenalty;
  o.resume = false;
  fs::remove_all(b);
  EXPECT_THROW(run_search(g, w, unlabeled, o), UserError);
  fs::remove_all(a);
  fs::remove_all(b);
}

}  // namespace
}  // namespace pk

namespace pk {
namespace {

// A latency budget: every candidate is timed, and judged by that measurement alone.
TEST(Driver, LatencyBudgetJudgesCandidatesByMeasuredLatency) {
  const Graph g = tiny_resnet();
  const WeightStore w = WeightStore::initialize(g, 0);
  const fs::path out = temp_dir("latency");
  SearchOptions o = tiny_options("random", out);
  o.target_latency = 0.6;
  o.latency.repetitions = 5;
  const SearchResult r = run_search(g, w, quadrant_splits(), o);
  EXPECT_GT(r.original_latency_ms, 0.0);
  EXPECT_DOUBLE_EQ(r.target_latency_ms, 0.6 * r.original_latency_ms);
  const auto log = read_log(out / "log.jsonl", false);
  ASSERT_EQ(log.size(), 8u);
  for (const json& line : log) {
    const double ms = line.at("latency_ms").get<double>();
    EXPECT_GT(ms, 0.0);
    EXPECT_EQ(line.at("budget_met").get<bool>(), ms <= r.target_latency_ms) << line.dump();
  }
  // The best is the highest reward among the candidates that met the measured budget (none: no best).
  const json* best = nullptr;
  for (const json& line : log)
    if (line.at("budget_met").get<bool>() && (!best || line.at("reward") > best->at("reward"))) best = &line;
  ASSERT_EQ(r.has_best, best != nullptr);
  if (best) {
    EXPECT_EQ(r.best.id, best->at("id").get<int>());
    EXPECT_LE(r.best.latency_ms, r.target_latency_ms);
  }
  EXPECT_EQ(json::parse(read_file((out / "pareto.json").string())).at("x"), "latency_ms");
  fs::remove_all(out);
}

}  // namespace
}  // namespace pk

namespace pk {
namespace {

// The per-candidate short fine-tune runs between recalibration and scoring: with the same
// candidates (random search, same seed), a few head steps raise the search accuracy of an
// untrained network's candidates.
TEST(Driver, PerCandidateFinetuneRaisesSearchAccuracy) {
  const Graph g = tiny_resnet();
  const WeightStore w = WeightStore::initialize(g, 0);
  const fs::path plain_dir = temp_dir("ft_plain"), tuned_dir = temp_dir("ft_tuned");
  run_search(g, w, quadrant_splits(), tiny_options("random", plain_dir));
  SearchOptions o = tiny_options("random", tuned_dir);
  o.evaluation.finetune.steps = 30;
  o.evaluation.finetune.lr = 0.05;
  o.evaluation.finetune.batch_size = 64;
  run_search(g, w, quadrant_splits(), o);
  const auto plain = read_log(plain_dir / "log.jsonl", false), tuned = read_log(tuned_dir / "log.jsonl", false);
  ASSERT_EQ(plain.size(), tuned.size());
  double plain_sum = 0, tuned_sum = 0;
  for (size_t i = 0; i < plain.size(); ++i) {
    EXPECT_EQ(plain[i].at("plan_digest"), tuned[i].at("plan_digest"));
    EXPECT_GT(tuned[i].at("seconds").at("finetune").get<double>(), 0.0);
    plain_sum += plain[i].at("accuracy").get<double>();
    tuned_sum += tuned[i].at("accuracy").get<double>();
  }
  EXPECT_GT(tuned_sum / tuned.size(), plain_sum / plain.size() + 0.15);
  fs::remove_all(plain_dir);
  fs::remove_all(tuned_dir);
}

}  // namespace
}  // namespace pk

namespace pk {
namespace {

// Decision features of a group and a block, against the cost model.
TEST(SearchBuilder, FeaturesDescribeWhatPruningSaves) {
  const Graph g = resnet20_like();
  const ChannelAnalysis analysis = analyze_channels(g);
  ActionSpaceOptions opt;
  opt.max_ratio = 0.9;
  const ActionSpace space(g, analysis, opt);
  const SearchMapping m = build_search_space(g, analysis, space);
  const GraphCost cost = graph_cost(g);
  bool saw_group = false, saw_block = false;
  for (int i = 0; i < m.space.size(); ++i) {
    const Decision& d = m.space.decisions[i];
    ASSERT_EQ(d.features.size(), static_cast<size_t>(kDecisionFeatures));
    if (d.name == "layer2.1.conv1" && d.kind == DecisionKind::kRatio) {
      saw_group = true;
      // in 32, out 32, 3×3, stride 1, 16×16 output; coupled: conv1, bn1, conv2 (consumer) = 3 layers
      EXPECT_DOUBLE_EQ(d.features[0], 0.0);
      EXPECT_DOUBLE_EQ(d.features[1], 5.0 / 12);
      EXPECT_DOUBLE_EQ(d.features[2], 5.0 / 12);
      EXPECT_DOUBLE_EQ(d.features[3], 3.0 / 7);
      EXPECT_DOUBLE_EQ(d.features[4], 1.0 / 4);
      EXPECT_DOUBLE_EQ(d.features[5], 8.0 / 16);
      // Pruning this group to one channel saves its conv's and the next conv's MACs almost entirely.
      const double conv_macs = 32.0 * 32 * 9 * 16 * 16;
      EXPECT_NEAR(d.features[6], 2 * conv_macs * 31 / 32 / cost.macs, 1e-3);
      EXPECT_DOUBLE_EQ(d.features[8], 3.0 / 16);
    }
    if (d.name == "layer3.2.add") {
      saw_block = true;
      EXPECT_DOUBLE_EQ(d.features[0], 1.0);
      const double branch_macs = 2 * 64.0 * 64 * 9 * 8 * 8;
      EXPECT_NEAR(d.features[6], branch_macs / cost.macs, 1e-3);
      EXPECT_GT(d.features[7], d.features[6]);  // the last stage holds most parameters
    }
    for (double f : d.features) {
      EXPECT_GE(f, 0.0) << d.name;
      EXPECT_LE(f, 1.0) << d.name;
    }
  }
  EXPECT_TRUE(saw_group && saw_block);
}

TEST(SearchBuilder, RefusesAMaxRatioOutsideTheOpenUnitInterval) {
  const Graph g = resnet20_like();
  const ChannelAnalysis analysis = analyze_channels(g);
  for (double bad : {0.0, 1.0}) {
    ActionSpaceOptions opt;
    opt.max_ratio = bad;
    const ActionSpace space(g, analysis, opt);
    EXPECT_THROW(build_search_space(g, analysis, space), UserError) << bad;
  }
}

TEST(CostOracle, CostsPartialActions) {
  const Graph g = resnet20_like();
  const ChannelAnalysis analysis = analyze_channels(g);
  ActionSpaceOptions opt;
  opt.max_ratio = 0.9;
  const ActionSpace space(g, analysis, opt);
  const SearchMapping m = build_search_space(g, analysis, space);
  const CostOracle oracle(space, m);
  Action undecided;
  undecided.values.assign(m.space.size(), Action::kSkipped);
  EXPECT_EQ(oracle.cost(undecided).macs, graph_cost(g).macs);  // the rest keeps everything
  const int64_t least = oracle.cost(undecided, 0.9).macs;
  EXPECT_LT(least, graph_cost(g).macs / 10);
  Action half = undecided;
  for (int i = 0; i < m.space.size(); ++i)
    if (m.space.decisions[i].kind == DecisionKind::kRatio) half.values[i] = 0.5;
    else half.values[i] = 0;
  EXPECT_EQ(oracle.cost(half).macs, space.decode(to_prune_action(m, half)).cost.macs);
  // Deciding the first half of the decisions at 0.5 and leaving the rest open brackets the full cost.
  Action partial = half;
  for (int i = m.space.size() / 2; i < m.space.size(); ++i) partial.values[i] = Action::kSkipped;
  EXPECT_GE(oracle.cost(partial).macs, oracle.cost(half).macs);
  EXPECT_LE(oracle.cost(partial, 0.9).macs, oracle.cost(half).macs);
}

// A strategy that records what the driver tells it (registered once for these tests).
struct Recorded {
  std::vector<Action> asked;
  std::vector<ScoredAction> told;
};
Recorded& recorded() {
  static Recorded r;
  return r;
}

class RecordingStrategy : public SearchStrategy {
 public:
  explicit RecordingStrategy(int size) : size_(size) {}
  std::string name() const override { return "recording"; }
  std::vector<Action> ask(int n) override {
    std::vector<Action> actions(n);
    for (Action& a : actions) {
      a.values.assign(size_, 0.0);
      for (int i = 0; i < size_; ++i) a.values[i] = i % 2 == 0 ? 0.0 : 0.8;  // over budget: gets projected
      recorded().asked.push_back(a);
    }
    return actions;
  }
  void tell(const std::vector<ScoredAction>& scored) override {
    for (const auto& s : scored) recorded().told.push_back(s);
  }
  void save(std::ostream&) const override {}
  void load(std::istream&) override {}

 private:
  int size_;
};

TEST(Driver, TellsTheStrategyTheSampledAndTheEvaluatedAction) {
  if (find_search_strategy_or_null("recording") == nullptr) {
    StrategyInfo info;
    info.name = "recording";
    info.create = [](const StrategyContext& c, const json&) -> std::unique_ptr<SearchStrategy> {
      return std::make_unique<RecordingStrategy>(c.space.size());
    };
    add_search_strategy(info);
  }
  recorded() = {};
  const Graph g = tiny_resnet();
  const WeightStore w = WeightStore::initialize(g, 0);
  const fs::path out = temp_dir("recording");
  SearchOptions o = tiny_options("recording", out);
  o.episodes = 4;
  o.budget.target = 0.3;
  run_search(g, w, quadrant_splits(), o);
  ASSERT_EQ(recorded().told.size(), 4u);
  const ChannelAnalysis analysis = analyze_channels(g);
  const ActionSpace space(g, analysis, o.action_space);
  const SearchMapping m = build_search_space(g, analysis, space);
  for (size_t k = 0; k < 4; ++k) {
    const ScoredAction& s = recorded().told[k];
    EXPECT_EQ(s.sampled.values, recorded().asked[k].values);
    Budget b = o.budget;
    b.fill = true;  // the method's default projection
    const Action expected = from_decoded(m, space.decode(to_prune_action(m, s.sampled), b), s.sampled);
    ASSERT_EQ(s.evaluated.values.size(), expected.values.size());
    bool differs = false;
    for (size_t i = 0; i < expected.values.size(); ++i) {
      EXPECT_TRUE(s.evaluated.values[i] == expected.values[i] || (s.evaluated.skipped(i) && expected.skipped(i)));
      differs |= s.evaluated.values[i] != s.sampled.values[i];
    }
    EXPECT_TRUE(differs) << "the budget should have changed the action";
  }
  fs::remove_all(out);
}

TEST(Driver, ResumeRefusesAnotherModelOrDataAndACorruptCheckpoint) {
  const Graph g = tiny_resnet();
  const WeightStore w = WeightStore::initialize(g, 0);
  const DatasetSplits data = quadrant_splits();
  const fs::path out = temp_dir("refuse");
  SearchOptions first = tiny_options("abcp", out);
  first.stop_after_episodes = 4;
  run_search(g, w, data, first);
  SearchOptions resume = tiny_options("abcp", out);
  resume.resume = true;
  // Other weights (same graph): refused, naming the model.
  try {
    run_search(g, WeightStore::initialize(g, 1), data, resume);
    ADD_FAILURE() << "resumed with other weights";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("model"), std::string::npos) << e.what();
  }
  // Other data (a smaller training split): refused.
  DatasetSplits fewer = testing::quadrant_splits(200, 128, 64);
  EXPECT_THROW(run_search(g, w, fewer, resume), UserError);
  // Another controller setting: refused.
  SearchOptions other_lr = resume;
  other_lr.method_options = {{"controller_lr", 0.1}};
  EXPECT_THROW(run_search(g, w, data, other_lr), UserError);
  // A header that is valid JSON but not a checkpoint's, and one that is not JSON.
  for (const std::string header : {"{\"format\": \"prunekit-search-checkpoint\"}\n", "{\"format\": 3}\n", "{oops\n"}) {
    write_file_atomically((out / "checkpoint").string(), [&](std::ostream& f) { f << header << "state"; });
    EXPECT_THROW(run_search(g, w, data, resume), UserError) << header;
  }
  fs::remove_all(out);
}

TEST(Driver, RefusesRewardsWhoseUnitsDoNotFitTheBudget) {
  const Graph g = tiny_resnet();
  const WeightStore w = WeightStore::initialize(g, 0);
  const fs::path out = temp_dir("units");
  SearchOptions o = tiny_options("random", out);
  o.reward = RewardKind::kLossLinear;
  o.budget.metric = BudgetMetric::kParams;
  EXPECT_THROW(run_search(g, w, quadrant_splits(), o), UserError);
  o.reward = RewardKind::kAmc;
  o.target_latency = 0.5;
  EXPECT_THROW(run_search(g, w, quadrant_splits(), o), UserError);
  fs::remove_all(out);
}

TEST(Driver, ParetoFrontIsOnTheBudgetsMetric) {
  const Graph g = tiny_resnet();
  const WeightStore w = WeightStore::initialize(g, 0);
  const fs::path out = temp_dir("pareto_params");
  SearchOptions o = tiny_options("random", out);
  o.budget.metric = BudgetMetric::kParams;
  run_search(g, w, quadrant_splits(), o);
  const json pareto = json::parse(read_file((out / "pareto.json").string()));
  EXPECT_EQ(pareto.at("x"), "params");
  const auto log = read_log(out / "log.jsonl", false);
  // Every front point is undominated in (params, accuracy) over the whole log.
  for (const json& p : pareto.at("front"))
    for (const json& c : log)
      EXPECT_FALSE(c.at("params") <= p.at("params") && c.at("accuracy") > p.at("accuracy"))
          << "candidate " << c.at("id") << " dominates front point " << p.at("id");
  fs::remove_all(out);
}

}  // namespace
}  // namespace pk

namespace pk {
namespace {

// SearchOptions::finalists: the K best distinct budget-met candidates are scored again with the
// longer fine-tune, the best of that scoring is the result, and a resumed run ends alike.
TEST(Driver, FinalistsAreRescoredAndTheBestOfThemIsKept) {
  const Graph g = tiny_resnet();
  const WeightStore w = WeightStore::initialize(g, 0);
  const DatasetSplits data = quadrant_splits();
  const fs::path out = temp_dir("finalists"), resumed_dir = temp_dir("finalists_resumed");
  SearchOptions o = tiny_options("random", out);
  o.finalists.count = 3;
  o.finalists.finetune_steps = 30;
  o.evaluation.finetune.lr = 0.05;
  o.evaluation.finetune.batch_size = 64;
  const SearchResult r = run_search(g, w, data, o);
  ASSERT_TRUE(r.has_best);

  // The finalists are the best distinct plans meeting the budget, by search reward.
  std::map<std::string, double> best_reward_of_plan;
  for (const json& l : read_log(out / "log.jsonl", false))
    if (l.at("budget_met").get<bool>()) {
      double& best = best_reward_of_plan.try_emplace(l.at("plan_digest").get<std::string>(), -1e9).first->second;
      best = std::max(best, l.at("reward").get<double>());
    }
  std::vector<double> rewards;
  for (const auto& [digest, reward] : best_reward_of_plan) rewards.push_back(reward);
  std::sort(rewards.rbegin(), rewards.rend());
  const json doc = json::parse(read_file((out / "finalists.json").string()));
  const json& rows = doc.at("finalists");
  ASSERT_EQ(rows.size(), std::min<size_t>(3, rewards.size()));
  ASSERT_GE(rows.size(), 2u);
  EXPECT_EQ(r.finalists, static_cast<int>(rows.size()));
  for (size_t k = 0; k < rows.size(); ++k) EXPECT_DOUBLE_EQ(rows[k].at("search_reward").get<double>(), rewards[k]);

  // The chosen one has the highest re-scored reward, and it is what the search returns and writes.
  size_t chosen = 0;
  for (size_t k = 1; k < rows.size(); ++k)
    if (rows[k].at("reward").get<double>() > rows[chosen].at("reward").get<double>()) chosen = k;
  EXPECT_EQ(doc.at("chosen"), rows[chosen].at("id"));
  EXPECT_EQ(r.best.id, rows[chosen].at("id").get<int>());
  EXPECT_EQ(load_plan((out / "best_plan.json").string()), r.best_plan);
  const ModelFile pruned = load_model((out / "pruned.pkm").string());
  EXPECT_EQ(pruned.metadata.at("search").at("finalist").at("id"), rows[chosen].at("id"));

  // The re-scoring is the search's evaluation with finetune_steps of fine-tuning.
  SearchOptions longer = o;
  longer.evaluation.finetune.steps = 30;
  const ChannelAnalysis analysis = analyze_channels(g);
  const auto evaluator = make_search_evaluator(longer, g, w, analysis, data);
  EXPECT_DOUBLE_EQ(evaluator->evaluate(r.best_plan).accuracy, rows[chosen].at("accuracy").get<double>());

  SearchOptions first = o;
  first.out_dir = resumed_dir.string();
  first.stop_after_episodes = 4;
  run_search(g, w, data, first);
  EXPECT_FALSE(fs::exists(resumed_dir / "finalists.json"));
  SearchOptions second = o;
  second.out_dir = resumed_dir.string();
  second.resume = true;
  run_search(g, w, data, second);
  EXPECT_EQ(read_file((out / "finalists.json").string()), read_file((resumed_dir / "finalists.json").string()));
  fs::remove_all(out);
  fs::remove_all(resumed_dir);
}

}  // namespace
}  // namespace pk
