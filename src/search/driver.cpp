#include "search/driver.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>

#include "analysis/channel_analysis.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/timer.h"
#include "data/dataset.h"
#include "eval/latency.h"
#include "graph/cost.h"
#include "plan/plan_json.h"
#include "plan/resolve_counts.h"
#include "prune/importance.h"
#include "search/candidate_dispatch.h"
#include "search/candidate_evaluator.h"
#include "search/cost_oracle.h"
#include "search/latency_budget.h"
#include "search/search_builder.h"
#include "search/search_checkpoint.h"
#include "search/search_evaluator.h"
#include "search/search_log.h"
#include "search/strategy_registry.h"
#include "train/gradients.h"
#include "weights/model_file.h"
#include "weights/weight_store.h"

namespace pk {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

void check_options(const SearchOptions& o) {
  find_search_strategy(o.method);  // UserError listing the known methods
  PK_CHECK(o.episodes >= 1, "episodes must be ≥ 1 (got {})", o.episodes);
  PK_CHECK(o.samples_per_update >= 1, "samples per update must be ≥ 1 (got {})", o.samples_per_update);
  PK_CHECK(o.stop_after_episodes >= 0, "stop_after_episodes must be ≥ 0");
  PK_CHECK(!o.out_dir.empty(), "the search needs an output directory");
  PK_CHECK(o.target_latency > 0 || o.budget.metric != BudgetMetric::kNone || o.reward != RewardKind::kAccPenalty,
           "the acc_penalty reward needs a budget (--target-macs, --target-params or --target-latency)");
}

/// What candidates are judged against: the budget's metric, the original's and the target's cost.
struct BudgetFrame {
  CostMetric metric = CostMetric::kMacs;
  std::string cost_key = "macs";  // the log field of the metric
  double original = 0, target = 0;
  std::optional<LatencyBudget> latency;  // latency budgets: the MACs proxy, refit every update

  double cost_of(const CandidateScore& s) const {
    return metric == CostMetric::kLatencyMs ? s.latency_ms
           : metric == CostMetric::kParams  ? static_cast<double>(s.params)
                                            : static_cast<double>(s.macs);
  }
  /// The ActionSpace budget for the next update (latency: from what was measured so far).
  Budget projection(const Budget& base, const std::vector<json>& log) const {
    if (!latency) return base;
    std::vector<LatencyPoint> measured;
    for (const json& j : log) measured.push_back({j.at("macs").get<int64_t>(), j.at("latency_ms").get<double>()});
    return latency->macs_budget(measured);
  }
  /// A latency candidate is judged by its measurement alone (the MACs proxy only steers).
  bool met(const DecodedAction& decoded, double cost, bool unbudgeted) const {
    if (latency) return cost <= target;
    return unbudgeted || (decoded.budget_met && cost <= target * (1 + 1e-9));
  }
};

BudgetFrame make_budget_frame(const SearchOptions& o, const Graph& graph, const WeightStore& weights,
                              const std::optional<SearchCheckpoint>& checkpoint) {
  BudgetFrame f;
  const GraphCost original = graph_cost(graph);
  if (o.target_latency > 0) {
    // The original is measured once and kept in the checkpoint, so a resumed run judges
    // candidates against the same number.
    double ms = 0;
    if (checkpoint && checkpoint->original_latency_ms) {
      ms = *checkpoint->original_latency_ms;
    } else {
      Executor net(graph, weights.clone());
      ms = measure_latency(net, o.latency).median_ms;
    }
    f.latency.emplace(o.target_latency, ms, original.macs, o.budget.fill);
    f.metric = CostMetric::kLatencyMs;
    f.cost_key = "latency_ms";
    f.original = ms;
    f.target = f.latency->target_ms();
    return f;
  }
  const bool params = o.budget.metric == BudgetMetric::kParams;
  f.metric = params ? CostMetric::kParams : CostMetric::kMacs;
  f.cost_key = params ? "params" : "macs";
  f.original = static_cast<double>(params ? original.params : original.macs);
  f.target = o.budget.metric == BudgetMetric::kNone ? f.original
             : o.budget.fraction                    ? o.budget.target * f.original
                                                    : o.budget.target;
  return f;
}

RewardOptions reward_options(const SearchOptions& o, const BudgetFrame& frame) {
  RewardOptions r;
  r.kind = o.reward;
  r.lambda = o.lambda;
  r.metric = frame.metric;
  r.target_cost = frame.target;
  r.original_cost = frame.original;
  validate(r);
  return r;
}

/// Per prunable group name: channel scores, computed once (weights never change in a search).
GroupScores importance_scores(const Graph& graph, const WeightStore& weights, const ChannelAnalysis& analysis,
                              const DatasetSplits& data, const ImportanceOptions& options, uint64_t seed) {
  std::optional<WeightStore> gradients;
  if (options.criterion == Criterion::kTaylor) {
    Executor net(graph, weights.clone());
    GradientOptions g;
    g.batches = options.taylor_batches;
    g.seed = seed;
    gradients = accumulate_gradients(net, data.train, data.normalization, g);
  }
  const auto scores = channel_importance(graph, analysis, weights, options, gradients ? &*gradients : nullptr);
  GroupScores by_name;
  for (const ChannelGroup& g : analysis.groups())
    if (g.prunable) by_name[g.name] = scores[g.id];
  return by_name;
}

json candidate_line(int id, int update, const DecodedAction& decoded, const CandidateScore& s, double reward,
                    bool met, const std::string& quality, bool with_latency) {
  json removed = json::array();
  for (const auto& b : decoded.plan.removed_blocks) removed.push_back(b);
  json line{{"id", id},
            {"update", update},
            {"plan_digest", fnv1a_digest(plan_to_json(decoded.plan))},
            {"kept", decoded.kept},
            {"removed_blocks", removed},
            {"macs", s.macs},
            {"params", s.params},
            {"reward", reward},
            {"budget_met", met},
            {"seconds", {{"apply", s.seconds.apply}, {"recalib", s.seconds.recalib},
                         {"finetune", s.seconds.finetune}, {"eval", s.seconds.eval}}}};
  if (with_latency) line["latency_ms"] = s.latency_ms;
  if (quality == "distance") {
    line["distance"] = s.distance;
  } else {
    line["accuracy"] = s.accuracy;
    line["loss"] = s.loss;
  }
  return line;
}

SearchCandidate candidate_from_json(const json& j) {
  SearchCandidate c;
  c.id = j.at("id").get<int>();
  c.accuracy = j.value("accuracy", 0.0);
  c.loss = j.value("loss", 0.0);
  c.distance = j.value("distance", 0.0);
  c.latency_ms = j.value("latency_ms", 0.0);
  c.reward = j.at("reward").get<double>();
  c.macs = j.at("macs").get<int64_t>();
  c.params = j.at("params").get<int64_t>();
  c.budget_met = j.at("budget_met").get<bool>();
  return c;
}

std::string progress_text(const CandidateScore& s, double reward, const std::string& quality, const json& best) {
  const std::string q = quality == "distance" ? fmt::format("D={:.4f}", s.distance)
                                              : fmt::format("acc={:.2f}%", 100 * s.accuracy);
  return fmt::format("R={:.4f} {} MACs={:.2f}M best={}", reward, q, s.macs / 1e6,
                     best.is_null() ? std::string("-") : fmt::format("{:.4f}", best.at("reward").get<double>()));
}

}  // namespace

namespace {

/// One search run: the state the loop carries from update to update.
class SearchRun {
 public:
  SearchRun(const Graph& graph, const WeightStore& weights, const DatasetSplits& data, const SearchOptions& options,
            CandidateDispatch& dispatch)
      : graph_(graph), weights_(weights), data_(data), o_(options), dispatch_(dispatch),
        analysis_(analyze_channels(graph)),
        space_(graph, analysis_, options.action_space), mapping_(build_search_space(graph, analysis_, space_)),
        oracle_(space_, mapping_) {
    PK_CHECK(mapping_.space.size() > 0, "the network has nothing to search: no prunable group or removable block");
  }

  SearchResult run() {
    Timer total;
    open_outputs();
    const int first = static_cast<int>(log_->candidates().size());
    std::optional<ProgressBar> bar;
    if (o_.show_progress) {
      bar.emplace(fmt::format("search {}", o_.method), o_.episodes, 5.0);
      bar->update(first);
    }
    int done = first;
    int update = first / o_.samples_per_update;  // updates are whole asks of samples_per_update
    while (done < o_.episodes && !(o_.stop_after_episodes > 0 && done >= o_.stop_after_episodes)) {
      const int n = std::min(o_.samples_per_update, o_.episodes - done);
      run_update(done, update, n, bar ? &*bar : nullptr);
      done += n;
      ++update;
    }
    finish(done >= o_.episodes, bar ? &*bar : nullptr);
    result_.seconds = total.seconds();
    return std::move(result_);
  }

 private:
  void open_outputs() {
    std::error_code ec;
    fs::create_directories(o_.out_dir, ec);
    PK_CHECK(!ec, "cannot create the output directory '{}': {}", o_.out_dir, ec.message());
    const fs::path dir(o_.out_dir);
    result_.log_path = (dir / "log.jsonl").string();
    result_.plan_path = (dir / "best_plan.json").string();
    result_.model_path = (dir / "pruned.pkm").string();
    result_.pareto_path = (dir / "pareto.json").string();
    result_.checkpoint_path = (dir / "checkpoint").string();
    result_.finalists_path = (dir / "finalists.json").string();
    fs::remove(result_.finalists_path, ec);  // an earlier run's; this run writes its own at the end
    check_writable_path(result_.checkpoint_path);

    std::optional<SearchCheckpoint> checkpoint;
    if (o_.resume) checkpoint = read_search_checkpoint(result_.checkpoint_path);
    const StrategyInfo& info = find_search_strategy(o_.method);
    budget_ = o_.budget;
    budget_.fill = o_.projection == BudgetProjection::kMethodDefault ? info.default_fill
                                                                    : o_.projection == BudgetProjection::kFill;
    SearchOptions effective = o_;
    effective.budget = budget_;
    frame_ = make_budget_frame(effective, graph_, weights_, checkpoint);
    reward_ = reward_options(o_, frame_);
    const json method_options = resolve_strategy_options(info, o_.method_options);
    const bool label_free = o_.reward == RewardKind::kLabelFree;
    settings_ = search_fingerprint(effective, method_options, mapping_.space.size(), model_identity(graph_, weights_),
                                   data_identity(data_, !label_free));
    if (checkpoint) check_same_settings(result_.checkpoint_path, checkpoint->settings, settings_);

    StrategyContext context;
    context.space = mapping_.space;
    context.cost = &oracle_;
    context.seed = o_.seed;
    context.planned_updates = (o_.episodes + o_.samples_per_update - 1) / o_.samples_per_update;
    context.planned_episodes = o_.episodes;
    if (!frame_.latency) context.budget = budget_;
    strategy_ = info.create(context, method_options);
    if (checkpoint) {
      std::istringstream in(checkpoint->strategy_state);
      strategy_->load(in);
    }
    scores_ = importance_scores(graph_, weights_, analysis_, data_, o_.importance, o_.seed);
    evaluator_ = make_search_evaluator(o_, graph_, weights_, analysis_, data_);
    log_.emplace(result_.log_path, checkpoint ? checkpoint->candidates : std::vector<json>{},
                 checkpoint ? checkpoint->finalists : std::vector<json>{}, o_.finalists.count, frame_.cost_key,
                 evaluator_->quality_name());
    result_.original_macs = space_.original_cost().macs;
    result_.original_params = space_.original_cost().params;
    result_.fill = budget_.fill;
    if (frame_.latency) {
      result_.original_latency_ms = frame_.original;
      result_.target_latency_ms = frame_.target;
    }
  }

  void run_update(int done, int update, int n, ProgressBar* bar) {
    Timer controller;
    const std::vector<Action> actions = strategy_->ask(n);
    PK_ASSERT(static_cast<int>(actions.size()) == n, "strategy returned {} candidates for {}", actions.size(), n);
    double controller_seconds = controller.seconds();
    const Budget budget = frame_.projection(budget_, log_->candidates());
    std::vector<DecodedAction> decoded;
    std::vector<PrunePlan> resolved;
    for (const Action& action : actions) {
      decoded.push_back(space_.decode(to_prune_action(mapping_, action), budget));
      resolved.push_back(resolve_counts(decoded.back().plan, analysis_, scores_));
    }
    int arrived = 0;
    const std::vector<CandidateScore> scores =
        dispatch_.score(resolved, *evaluator_, [&](int, const CandidateScore& score) {
          if (bar) bar->update(done + ++arrived, progress_text(score, reward_of(score), evaluator_->quality_name(),
                                                               log_->best()));
        });
    PK_ASSERT(static_cast<int>(scores.size()) == n, "dispatch returned {} scores for {}", scores.size(), n);
    // Logged and told in the order asked, whichever candidate finished first.
    std::vector<ScoredAction> scored;
    for (int k = 0; k < n; ++k) scored.push_back(record(actions[k], decoded[k], resolved[k], scores[k], done + k, update));
    controller.reset();
    strategy_->tell(scored);
    controller_seconds += controller.seconds();
    log_->flush(json{{"seconds", {{"controller", controller_seconds / n}}}});
    SearchCheckpoint checkpoint{settings_, log_->candidates(), log_->finalists(), std::nullopt, ""};
    if (frame_.latency) checkpoint.original_latency_ms = frame_.original;
    std::ostringstream state;
    strategy_->save(state);
    checkpoint.strategy_state = state.str();
    write_search_checkpoint(result_.checkpoint_path, checkpoint);
  }

  double reward_of(const CandidateScore& score) const {
    return compute_reward(reward_, {score.accuracy, score.loss, score.distance, frame_.cost_of(score)});
  }

  /// Logs candidate `id` and returns what the strategy is told about it.
  ScoredAction record(const Action& action, const DecodedAction& decoded, const PrunePlan& resolved,
                      const CandidateScore& score, int id, int update) {
    const double reward = reward_of(score);
    const bool met =
        frame_.met(decoded, frame_.cost_of(score), o_.budget.metric == BudgetMetric::kNone && !frame_.latency);
    log_->add(candidate_line(id, update, decoded, score, reward, met, evaluator_->quality_name(),
                             frame_.latency.has_value()),
              plan_to_json(resolved));
    return {action, from_decoded(mapping_, decoded, action), reward};
  }

  void finish(bool finished, ProgressBar* bar) {
    result_.evaluated = static_cast<int>(log_->candidates().size());
    result_.finished = finished;
    json best = log_->best();
    result_.has_best = !best.is_null();
    if (bar) bar->finish(result_.has_best ? fmt::format("best R={:.4f} MACs={:.2f}M", best.at("reward").get<double>(),
                                                        best.at("macs").get<double>() / 1e6)
                                          : std::string("no candidate met the budget"));
    CandidateEvaluator* preparer = evaluator_.get();
    std::unique_ptr<CandidateEvaluator> rescorer;
    if (finished && log_->finalists().size() > 1) {
      rescorer = make_finalist_evaluator();
      best = rescore_finalists(*rescorer);
      preparer = rescorer.get();
    }
    if (result_.has_best) {
      result_.best = candidate_from_json(best);
      result_.best_plan = plan_from_json(best.at("plan").get<std::string>(), "checkpoint");
    }
    if (!finished) return;
    log_->write_pareto(result_.pareto_path);
    if (result_.has_best) write_best_model(*preparer);
  }

  /// The search's evaluation with the finalists' longer fine-tune; no latency measurement (a
  /// finalist keeps the cost it was judged by).
  std::unique_ptr<CandidateEvaluator> make_finalist_evaluator() const {
    SearchOptions o = o_;
    o.evaluation.finetune.steps = o_.finalists.finetune_steps;
    o.target_latency = 0;
    return make_search_evaluator(o, graph_, weights_, analysis_, data_);
  }

  /// Scores every finalist again with `rescorer`, writes finalists.json and returns the line of
  /// the one with the highest re-scored reward (ties: the better search reward).
  json rescore_finalists(CandidateEvaluator& rescorer) {
    const std::vector<json>& finalists = log_->finalists();
    std::optional<ProgressBar> bar;
    if (o_.show_progress) bar.emplace("finalists", static_cast<int64_t>(finalists.size()), 5.0);
    json rows = json::array();
    size_t chosen = 0;
    double chosen_reward = 0;
    for (size_t k = 0; k < finalists.size(); ++k) {
      const json& line = finalists[k];
      const PrunePlan plan = plan_from_json(line.at("plan").get<std::string>(), "checkpoint");
      const CandidateScore score = rescorer.evaluate(plan);
      const double cost = line.at(frame_.cost_key).get<double>();
      const double reward = compute_reward(reward_, {score.accuracy, score.loss, score.distance, cost});
      if (k == 0 || reward > chosen_reward) {
        chosen = k;
        chosen_reward = reward;
      }
      json row{{"id", line.at("id")}, {"search_reward", line.at("reward")}, {"reward", reward},
               {frame_.cost_key, line.at(frame_.cost_key)}};
      if (evaluator_->quality_name() == "distance") {
        row["distance"] = score.distance;
      } else {
        row["accuracy"] = score.accuracy;
        row["loss"] = score.loss;
      }
      rows.push_back(std::move(row));
      if (bar) bar->update(static_cast<int64_t>(k + 1), fmt::format("#{} R={:.4f}", line.at("id").get<int>(), reward));
    }
    if (bar) bar->finish(fmt::format("#{} chosen", finalists[chosen].at("id").get<int>()));
    const json doc{{"finetune_steps", o_.finalists.finetune_steps}, {"chosen", finalists[chosen].at("id")},
                   {"finalists", rows}};
    write_file_atomically(result_.finalists_path, [&](std::ostream& out) { out << doc.dump(2) << "\n"; });
    result_.finalists = static_cast<int>(finalists.size());
    result_.rescored = rows[chosen];
    return finalists[chosen];
  }

  void write_best_model(CandidateEvaluator& preparer) {
    save_plan(result_.plan_path, result_.best_plan);
    std::unique_ptr<Executor> net = preparer.prepare(result_.best_plan);
    json metadata = o_.metadata.is_object() ? o_.metadata : json::object();
    const std::string quality = evaluator_->quality_name();
    metadata["search"] = json{{"method", o_.method},
                              {"episodes", o_.episodes},
                              {"settings", settings_},
                              {"best_id", result_.best.id},
                              {"reward", result_.best.reward},
                              {"search_" + quality, quality == "distance" ? result_.best.distance : result_.best.accuracy},
                              {"macs", result_.best.macs},
                              {"params", result_.best.params},
                              {"original_macs", result_.original_macs},
                              {"original_params", result_.original_params},
                              {"budget_metric", frame_.cost_key},
                              {"target_cost", frame_.target},
                              {"plan", json::parse(plan_to_json(result_.best_plan))}};
    if (!result_.rescored.is_null()) metadata["search"]["finalist"] = result_.rescored;
    save_model(result_.model_path, net->graph(), net->weights(), metadata);
  }

  const Graph& graph_;
  const WeightStore& weights_;
  const DatasetSplits& data_;
  const SearchOptions& o_;
  CandidateDispatch& dispatch_;
  const ChannelAnalysis analysis_;
  const ActionSpace space_;
  const SearchMapping mapping_;
  const CostOracle oracle_;
  Budget budget_;
  BudgetFrame frame_;
  RewardOptions reward_;
  json settings_;
  GroupScores scores_;
  std::unique_ptr<SearchStrategy> strategy_;
  std::unique_ptr<CandidateEvaluator> evaluator_;
  std::optional<SearchLog> log_;
  SearchResult result_;
};

}  // namespace

SearchResult run_search(const Graph& graph, const WeightStore& weights, const DatasetSplits& data,
                        const SearchOptions& options, CandidateDispatch* dispatch) {
  check_options(options);
  PK_CHECK(data.search.size() > 0, "the search split is empty: candidates are scored on it (set --search-size > 0)");
  PK_CHECK(data.train.size() > 0, "the training split is empty: BN recalibration needs training images");
  ScoreInOrder in_order;
  return SearchRun(graph, weights, data, options, dispatch ? *dispatch : in_order).run();
}

}  // namespace pk
