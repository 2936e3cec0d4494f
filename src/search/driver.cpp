#include "search/driver.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>

#include "analysis/channel_analysis.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/timer.h"
#include "eval/feature_distance.h"
#include "eval/latency.h"
#include "exec/executor.h"
#include "graph/cost.h"
#include "plan/kept_channels.h"
#include "plan/plan_json.h"
#include "prune/plan_apply.h"
#include "search/abcp_strategy.h"
#include "search/latency_budget.h"
#include "search/random_strategy.h"
#include "search/search_builder.h"
#include "train/evaluate.h"
#include "train/quick_finetune.h"
#include "weights/model_file.h"

namespace pk {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kCheckpointFormat = "prunekit-search-checkpoint";

std::string digest(const std::string& text) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a 64
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return fmt::format("{:016x}", h);
}

const char* metric_name(const SearchOptions& o) {
  if (o.target_latency > 0) return "latency";
  return o.budget.metric == BudgetMetric::kMacs ? "macs" : o.budget.metric == BudgetMetric::kParams ? "params" : "none";
}

std::unique_ptr<SearchStrategy> make_strategy(const std::string& method, const SearchSpace& space, uint64_t seed,
                                              AbcpOptions abcp) {
  if (method == "abcp") {
    abcp.seed = seed;
    return std::make_unique<AbcpStrategy>(space, abcp);
  }
  if (method == "random") {
    RandomStrategyOptions o;
    o.seed = seed;
    return std::make_unique<RandomStrategy>(space, o);
  }
  throw UserError(fmt::format("search method '{}' is unknown; use abcp or random", method));
}

/// Settings that must match for a resume to continue the same run.
json fingerprint(const SearchOptions& o, const SearchSpace& space) {
  return json{{"method", o.method},
              {"samples_per_update", o.samples_per_update},
              {"budget", o.target_latency > 0
                             ? json{{"metric", "latency"}, {"target", o.target_latency}, {"fill", o.budget.fill},
                                    {"batch", o.latency.batch}, {"threads", o.latency.threads}}
                             : json{{"metric", metric_name(o)}, {"target", o.budget.target},
                                    {"fraction", o.budget.fraction}, {"fill", o.budget.fill}}},
              {"reward", reward_name(o.reward)},
              {"lambda", o.lambda},
              {"criterion", criterion_name(o.criterion)},
              {"round_to", o.action_space.round_to},
              {"min_channels", o.action_space.min_channels},
              {"max_ratio", o.action_space.max_ratio},
              {"blocks", o.action_space.blocks},
              {"calib_batches", o.recalibration.batches},
              {"calib_batch_size", o.recalibration.batch_size},
              {"calib_seed", o.recalibration.seed},
              {"finetune", o.finetune.steps > 0 ? json{{"steps", o.finetune.steps},
                                                      {"scope", finetune_scope_name(o.finetune.scope)},
                                                      {"lr", o.finetune.lr},
                                                      {"batch_size", o.finetune.batch_size},
                                                      {"seed", o.finetune.seed}}
                                                : json(nullptr)},
              {"distance", o.reward == RewardKind::kLabelFree
                               ? json{{"temperature", o.distance.temperature}, {"beta", o.distance.beta}}
                               : json(nullptr)},
              {"seed", o.seed},
              {"abcp", o.method == "abcp" ? json{{"learning_rate", o.abcp.learning_rate},
                                                 {"baseline_decay", o.abcp.baseline_decay},
                                                 {"entropy_bonus", o.abcp.entropy_bonus},
                                                 {"hidden", o.abcp.controller.hidden}}
                                          : json(nullptr)},
              {"decisions", space.size()}};
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

/// The JSON header line of a search checkpoint (UserError if missing or corrupt).
json read_checkpoint_header(const std::string& path) {
  PK_CHECK(fs::exists(path), "--resume: no checkpoint at '{}'", path);
  const std::string bytes = read_file(path);
  const size_t nl = bytes.find('\n');
  PK_CHECK(nl != std::string::npos, "checkpoint '{}' is corrupt (no header line)", path);
  json header;
  try {
    header = json::parse(bytes.substr(0, nl));
  } catch (const json::exception& e) {
    throw UserError(fmt::format("checkpoint '{}' is corrupt: {}", path, e.what()));
  }
  PK_CHECK(header.value("format", "") == kCheckpointFormat, "'{}' is not a search checkpoint", path);
  return header;
}

/// Higher is better: the accuracy, or minus the label-free distance when no label was used.
double quality(const json& candidate) {
  return candidate.contains("accuracy") ? candidate.at("accuracy").get<double>()
                                        : -candidate.at("distance").get<double>();
}

json pareto_front(const std::vector<json>& log) {
  std::vector<const json*> sorted;
  for (const json& j : log) sorted.push_back(&j);
  // By MACs ascending, then quality descending: a candidate is on the front if its quality beats
  // every cheaper-or-equal one seen before it.
  std::stable_sort(sorted.begin(), sorted.end(), [](const json* a, const json* b) {
    const auto ma = a->at("macs").get<int64_t>(), mb = b->at("macs").get<int64_t>();
    if (ma != mb) return ma < mb;
    return quality(*a) > quality(*b);
  });
  json front = json::array();
  double best = -std::numeric_limits<double>::infinity();
  for (const json* j : sorted) {
    if (quality(*j) > best) {
      best = quality(*j);
      json point{{"id", j->at("id")}, {"macs", j->at("macs")}, {"params", j->at("params")},
                 {"reward", j->at("reward")}, {"budget_met", j->at("budget_met")}};
      for (const char* k : {"accuracy", "distance"})
        if (j->contains(k)) point[k] = j->at(k);
      front.push_back(std::move(point));
    }
  }
  return front;
}

std::string quality_text(const CandidateMetrics& m, bool label_free) {
  return label_free ? fmt::format("D={:.4f}", m.distance) : fmt::format("acc={:.2f}%", 100 * m.accuracy);
}

}  // namespace

std::vector<std::string> known_search_methods() { return {"abcp", "random"}; }

SearchResult run_search(const Graph& graph, const WeightStore& weights, const DatasetSplits& data,
                        const SearchOptions& o) {
  Timer total;
  PK_CHECK(o.method == "abcp" || o.method == "random", "search method '{}' is unknown; use abcp or random", o.method);
  PK_CHECK(o.episodes >= 1, "episodes must be ≥ 1 (got {})", o.episodes);
  PK_CHECK(o.samples_per_update >= 1, "samples per update must be ≥ 1 (got {})", o.samples_per_update);
  PK_CHECK(o.stop_after_episodes >= 0, "stop_after_episodes must be ≥ 0");
  PK_CHECK(!o.out_dir.empty(), "the search needs an output directory");
  PK_CHECK(data.search.size() > 0, "the search split is empty: candidates are scored on it (set --search-size > 0)");
  PK_CHECK(data.train.size() > 0, "the training split is empty: BN recalibration needs training images");
  PK_CHECK(o.budget.metric != BudgetMetric::kNone || o.reward != RewardKind::kAccPenalty,
           "the acc_penalty reward needs a budget (--target-macs or --target-params)");

  std::error_code ec;
  fs::create_directories(o.out_dir, ec);
  PK_CHECK(!ec, "cannot create the output directory '{}': {}", o.out_dir, ec.message());
  SearchResult result;
  const fs::path dir(o.out_dir);
  result.log_path = (dir / "log.jsonl").string();
  result.plan_path = (dir / "best_plan.json").string();
  result.model_path = (dir / "pruned.pkm").string();
  result.pareto_path = (dir / "pareto.json").string();
  result.checkpoint_path = (dir / "checkpoint").string();
  check_writable_path(result.checkpoint_path);

  const ChannelAnalysis analysis = analyze_channels(graph);
  const ActionSpace space(graph, analysis, o.action_space);
  const SearchMapping mapping = build_search_space(graph, analysis, space);
  PK_CHECK(mapping.space.size() > 0, "the network has nothing to search: no prunable group or removable block");
  const GraphCost original = graph_cost(graph);
  result.original_macs = original.macs;
  result.original_params = original.params;
  // Latency budget: the original's latency is measured once (kept in the checkpoint, so a resumed
  // run judges candidates against the same number) and the MACs proxy is refit every update.
  std::optional<json> checkpoint_header;
  if (o.resume) checkpoint_header = read_checkpoint_header(result.checkpoint_path);
  std::optional<LatencyBudget> latency_budget;
  if (o.target_latency > 0) {
    double original_ms = 0;
    if (checkpoint_header && checkpoint_header->contains("original_latency_ms")) {
      original_ms = checkpoint_header->at("original_latency_ms").get<double>();
    } else {
      Executor original_net(graph, weights.clone());
      original_ms = measure_latency(original_net, o.latency).median_ms;
    }
    latency_budget.emplace(o.target_latency, original_ms, original.macs, o.budget.fill);
    result.original_latency_ms = original_ms;
    result.target_latency_ms = latency_budget->target_ms();
  }
  const double original_metric = latency_budget                               ? latency_budget->original_ms()
                                 : o.budget.metric == BudgetMetric::kParams ? static_cast<double>(original.params)
                                                                             : static_cast<double>(original.macs);
  const double target_cost = latency_budget                            ? latency_budget->target_ms()
                             : o.budget.metric == BudgetMetric::kNone ? original_metric
                             : o.budget.fraction                      ? o.budget.target * original_metric
                                                                      : o.budget.target;
  RewardOptions reward_options;
  reward_options.kind = o.reward;
  reward_options.lambda = o.lambda;
  reward_options.target_cost = target_cost;
  reward_options.original_cost = original_metric;
  validate(reward_options);

  // Label-free reward: candidates are compared with the original network's outputs on the
  // search images; no label is read anywhere (algorithms.md §2).
  const bool label_free = o.reward == RewardKind::kLabelFree;
  std::optional<TeacherReference> teacher;
  std::unique_ptr<Executor> teacher_net;  // label-free fine-tune of candidates distills from it
  int classifier = -1;  // index of the final Linear whose input columns are the features
  if (label_free) {
    teacher_net = std::make_unique<Executor>(graph, weights.clone());
    teacher.emplace(*teacher_net, data.search, data.normalization, o.distance);
    if (!teacher->feature_node().empty()) classifier = graph.index_of(graph.outputs().at(0));
  }

  std::unique_ptr<SearchStrategy> strategy = make_strategy(o.method, mapping.space, o.seed, o.abcp);
  const json fp = fingerprint(o, mapping.space);

  std::vector<json> log;
  json best = nullptr;  // {candidate fields..., "plan": resolved plan JSON text}
  if (checkpoint_header) {
    const json& header = *checkpoint_header;
    PK_CHECK(header.at("settings") == fp,
             "checkpoint '{}' was written with different settings:\n  checkpoint: {}\n  now:        {}",
             result.checkpoint_path, header.at("settings").dump(), fp.dump());
    for (const json& j : header.at("candidates")) log.push_back(j);
    best = header.at("best");
    const std::string bytes = read_file(result.checkpoint_path);
    std::istringstream in(bytes.substr(bytes.find('\n') + 1));
    strategy->load(in);
  }
  // The log is rewritten from the checkpoint (a killed run may have logged past it).
  write_file_atomically(result.log_path, [&](std::ostream& out) {
    for (const json& j : log) out << j.dump() << "\n";
  });
  std::ofstream log_out(result.log_path, std::ios::app);
  PK_CHECK(log_out.good(), "cannot append to '{}'", result.log_path);

  const int first = static_cast<int>(log.size());
  std::optional<ProgressBar> bar;
  if (o.show_progress) {
    bar.emplace(fmt::format("search {}", o.method), o.episodes, 5.0);
    bar->update(first);
  }
  int done = first;
  int update = first / o.samples_per_update;  // updates are whole asks of samples_per_update
  while (done < o.episodes) {
    if (o.stop_after_episodes > 0 && done >= o.stop_after_episodes) break;
    const int n = std::min(o.samples_per_update, o.episodes - done);
    Timer controller_timer;
    std::vector<Action> actions = strategy->ask(n);
    Budget budget = o.budget;
    if (latency_budget) {
      std::vector<LatencyPoint> measured;
      for (const json& j : log) measured.push_back({j.at("macs").get<int64_t>(), j.at("latency_ms").get<double>()});
      budget = latency_budget->macs_budget(measured);
    }
    double controller_seconds = controller_timer.seconds();
    PK_ASSERT(static_cast<int>(actions.size()) == n, "strategy returned {} candidates for {}", actions.size(), n);
    std::vector<ScoredAction> scored;
    std::vector<json> lines;
    for (const Action& action : actions) {
      const DecodedAction decoded = space.decode(to_prune_action(mapping, action), budget);
      Timer t;
      const PrunePlan resolved = resolve_plan(graph, weights, analysis, decoded.plan, o.criterion);
      PrunedNetwork net = plan_apply(graph, weights, analysis, resolved);
      const GraphCost cost = graph_cost(net.graph);
      const double apply_s = t.seconds();
      t.reset();
      Executor executor(std::move(net.graph), std::move(net.weights));
      recalibrate_batch_norm(executor, data.train, data.normalization, o.recalibration);
      const double recalib_s = t.seconds();
      t.reset();
      quick_finetune(executor, data.train, data.normalization, o.finetune, teacher_net.get());
      const double finetune_s = t.seconds();
      t.reset();
      CandidateMetrics metrics;
      if (label_free) {
        std::vector<int> kept_features;
        if (classifier >= 0) kept_features = kept_channels(graph, analysis, resolved).nodes.at(classifier).in.at(0);
        metrics.distance = teacher->distance(executor, kept_features);
      } else {
        const EvalResult ev = evaluate(executor, data.search, data.normalization, o.eval_batch_size);
        metrics.accuracy = ev.top1;
        metrics.loss = ev.loss;
      }
      const double eval_s = t.seconds();
      double latency_ms = 0;
      if (latency_budget) latency_ms = measure_latency(executor, o.latency).median_ms;

      metrics.cost = latency_budget                              ? latency_ms
                     : o.budget.metric == BudgetMetric::kParams ? static_cast<double>(cost.params)
                                                                 : static_cast<double>(cost.macs);
      const double reward = compute_reward(reward_options, metrics);
      // A latency candidate is judged by its measurement alone (the MACs proxy only steers).
      const bool met = latency_budget ? latency_ms <= target_cost
                       : o.budget.metric == BudgetMetric::kNone ||
                             (decoded.budget_met && metrics.cost <= target_cost * (1 + 1e-9));
      scored.push_back({from_decoded(mapping, decoded), reward});

      json removed = json::array();
      for (const auto& b : decoded.plan.removed_blocks) removed.push_back(b);
      const int id = done + static_cast<int>(lines.size());
      json line{{"id", id},
                {"update", update},
                {"plan_digest", digest(plan_to_json(decoded.plan))},
                {"kept", decoded.kept},
                {"removed_blocks", removed},
                {"macs", cost.macs},
                {"params", cost.params},
                {"reward", reward},
                {"budget_met", met},
                {"seconds", {{"apply", apply_s}, {"recalib", recalib_s}, {"finetune", finetune_s}, {"eval", eval_s}}}};
      if (latency_budget) line["latency_ms"] = latency_ms;
      if (label_free) {
        line["distance"] = metrics.distance;
      } else {
        line["accuracy"] = metrics.accuracy;
        line["loss"] = metrics.loss;
      }
      lines.push_back(std::move(line));
      if (met && (best.is_null() || reward > best.at("reward").get<double>())) {
        best = lines.back();
        best.erase("seconds");
        best["plan"] = plan_to_json(resolved);
      }
      if (bar) {
        bar->update(id + 1, fmt::format("R={:.4f} {} MACs={:.2f}M best={}", reward, quality_text(metrics, label_free),
                                        cost.macs / 1e6,
                                        best.is_null() ? std::string("-")
                                                       : fmt::format("{:.4f}", best.at("reward").get<double>())));
      }
    }
    controller_timer.reset();
    strategy->tell(scored);
    controller_seconds += controller_timer.seconds();
    for (json& line : lines) {
      line["seconds"]["controller"] = controller_seconds / n;
      log_out << line.dump() << "\n";
      log.push_back(std::move(line));
    }
    log_out.flush();
    done += n;
    ++update;
    // Checkpoint: header line (settings, candidates, best), then the strategy's binary state.
    json header{{"format", kCheckpointFormat}, {"settings", fp}, {"candidates", log}, {"best", best}};
    if (latency_budget) header["original_latency_ms"] = latency_budget->original_ms();
    std::ostringstream state;
    strategy->save(state);
    write_file_atomically(result.checkpoint_path, [&](std::ostream& out) {
      out << header.dump() << "\n" << state.str();
    });
  }
  log_out.close();
  result.evaluated = static_cast<int>(log.size());
  result.finished = done >= o.episodes;
  result.has_best = !best.is_null();
  if (result.has_best) {
    result.best = candidate_from_json(best);
    result.best_plan = plan_from_json(best.at("plan").get<std::string>(), "checkpoint");
  }
  if (bar) {
    bar->finish(result.has_best ? fmt::format("best R={:.4f} {} MACs={:.2f}M", result.best.reward,
                                              quality_text({result.best.accuracy, result.best.loss,
                                                            result.best.distance, 0}, label_free),
                                              result.best.macs / 1e6)
                                : std::string("no candidate met the budget"));
  }
  if (!result.finished) {
    result.seconds = total.seconds();
    return result;
  }

  write_file_atomically(result.pareto_path, [&](std::ostream& out) {
    out << json{{"x", "macs"}, {"y", label_free ? "distance" : "accuracy"}, {"split", "search"},
                {"front", pareto_front(log)}}.dump(2)
        << "\n";
  });
  if (result.has_best) {
    save_plan(result.plan_path, result.best_plan);
    PrunedNetwork net = plan_apply(graph, weights, analysis, result.best_plan);
    Executor executor(std::move(net.graph), std::move(net.weights));
    recalibrate_batch_norm(executor, data.train, data.normalization, o.recalibration);
    quick_finetune(executor, data.train, data.normalization, o.finetune, teacher_net.get());
    json metadata = o.metadata.is_object() ? o.metadata : json::object();
    metadata["search"] = json{{"method", o.method},
                              {"episodes", o.episodes},
                              {"settings", fp},
                              {"best_id", result.best.id},
                              {"reward", result.best.reward},
                              {label_free ? "search_distance" : "search_accuracy",
                               label_free ? result.best.distance : result.best.accuracy},
                              {"macs", result.best.macs},
                              {"params", result.best.params},
                              {"original_macs", original.macs},
                              {"original_params", original.params},
                              {"budget_metric", metric_name(o)},
                              {"target_cost", target_cost},
                              {"plan", json::parse(plan_to_json(result.best_plan))}};
    save_model(result.model_path, executor.graph(), executor.weights(), metadata);
  }
  result.seconds = total.seconds();
  return result;
}

}  // namespace pk
