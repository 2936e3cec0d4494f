// prunekit search: search a pruning plan (ABCP, LFGCL, AMC, random or gconv) for a trained model
// under a MACs, params or latency budget; writes log.jsonl, best_plan.json, pareto.json,
// pruned.pkm and a checkpoint (for --resume) into --out. Under mpirun rank 0 searches and the
// other ranks score its candidates (src/distributed).
#include <algorithm>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <set>

#include "commands.h"
#include "common.h"
#include "core/directory_lock.h"
#include "core/error.h"
#include "data/dataset.h"
#include "exec/threads.h"
#include "importance_options.h"
#include "method_options.h"
#include "plan/budget_value.h"
#include "analysis/channel_analysis.h"
#include "core/strings.h"
#include "core/system_memory.h"
#include "distributed/candidate_worker.h"
#include "distributed/every_rank.h"
#include "distributed/mpi_dispatch.h"
#include "search/driver.h"
#include "search/search_evaluator.h"
#include "search/gconv_search.h"
#include "search/search_checkpoint.h"
#include "search/strategy_registry.h"
#include "io/network_file.h"
#include "weights/model_file.h"

namespace pk::cli {
namespace {

/// The per-candidate head fine-tune of detector searches unless given (apply_detection_defaults).
constexpr int kDetectionEvalFinetuneSteps = 20;
constexpr int64_t kDetectionEvalFinetuneBatch = 16;
/// Detector searches re-score their best few with a longer head fine-tune unless given: the
/// 20-step score ranks candidates loosely (Spearman 0.42 against the 200-step mAP at 5% MACs,
/// bench/detect_eval_fidelity.sh), so the search's top pick is partly luck.
constexpr int kDetectionFinalists = 5;

struct SearchCommandOptions {
  std::string model;
  std::string method = "abcp";
  std::string out = "runs/search";
  std::string target_macs = "0.5";  // budget_value.h forms: 0.5, 50%, 15M
  std::string target_params;
  int episodes = 300;  // the method's default_episodes unless given
  int samples_per_update = 4;
  int round_to = 1;
  int min_channels = 1;
  double max_ratio = 0.9;
  bool no_blocks = false;
  std::string projection = "auto";
  ImportanceCommandOptions importance;
  std::string reward = "acc_penalty";  // the method's default_reward unless given
  double lambda = 1.0;
  uint64_t seed = 0;
  int calib_batches = 20;
  int64_t calib_batch_size = 128;
  int64_t eval_batch_size = 256;
  FeatureDistanceOptions distance;
  std::string target_latency;  // 0.6, 60% or 3.5ms
  MethodCommandOptions method_options;
  QuickFinetuneOptions finetune;
  std::string finetune_scope = "head";
  FinalistOptions finalists;
  LatencyOptions latency;
  bool resume = false;
  bool overwrite = false;
  bool show_progress = true;
  int stop_after = 0;
  int threads = 0;  // 0: every core; under MPI the host's cores shared out among its ranks
  bool broadcast_model = false;
  double worker_timeout = 3600;
  DataOptions data;
  GconvSearchOptions gconv;
  std::string gopt = "cost_per_resource";
  std::string gconv_permutation = "heuristic";
};

/// The flags --method gconv reads; it takes no data and evaluates no candidate.
bool gconv_flag(const std::string& flag) {
  static const std::set<std::string> flags{"--model",          "--method",   "--out",
                                           "--target-macs",    "--target-params",
                                           "--min-channels-per-group", "--max-groups", "--allow-depthwise",
                                           "--gopt",           "--gconv-permutation", "--seed",
                                           "--threads",        "--no-progress", "--overwrite", "--resume"};
  return flags.count(flag) != 0;
}

void check_flags_of_method(const SearchCommandOptions& o, const CLI::App& cmd) {
  const bool gconv = o.method == "gconv";
  for (const CLI::Option* opt : cmd.get_options()) {
    if (opt->count() == 0 || opt->get_lnames().empty()) continue;
    const std::string flag = "--" + opt->get_lnames()[0];
    const bool gconv_only = flag == "--min-channels-per-group" || flag == "--max-groups" ||
                            flag == "--allow-depthwise" || flag == "--gopt" || flag == "--gconv-permutation";
    PK_CHECK(!gconv || gconv_flag(flag), "{} does not apply to --method gconv (it reads no data and scores no "
             "candidate: the group counts come from the weights alone)", flag);
    PK_CHECK(gconv || !gconv_only, "{} is an option of --method gconv, not of {}", flag, o.method);
  }
}

/// Metadata for the search's pruned model, from its parent's: only what is true of the pruned
/// model stays at the top (architecture, dataset); the parent's test accuracy and training record
/// move under "parent" with its path and weight digest (the search adds its own score and plan).
nlohmann::json pruned_model_metadata(const ModelFile& parent, const std::string& path) {
  nlohmann::json m = parent.metadata.is_object() ? parent.metadata : nlohmann::json::object();
  nlohmann::json record{{"model", path}, {"digest", model_identity(parent.graph, parent.weights)}};
  for (const char* key : {"accuracy", "training"})
    if (m.contains(key)) {
      record[key] = m[key];
      m.erase(key);
    }
  m["parent"] = record;
  return m;
}

/// A run folder holding a resumable or finished search is not silently started over.
void check_no_previous_search(const SearchCommandOptions& o) {
  if (o.resume || o.overwrite) return;
  for (const char* file : {"checkpoint", "pruned.pkm"}) {
    const std::filesystem::path path = std::filesystem::path(o.out) / file;
    PK_CHECK(!std::filesystem::exists(path),
             "'{}' holds a previous search ({} exists): --resume continues it, --overwrite starts over and replaces "
             "its files, or give another --out",
             o.out, path.string());
  }
}

/// --target-params if given, else --target-macs (default 0.5), in the forms of budget_value.h.
Budget count_budget(const SearchCommandOptions& o, const CLI::App& cmd) {
  const bool params = cmd.count("--target-params") > 0;
  const BudgetValue v = parse_budget_value(params ? "--target-params" : "--target-macs",
                                           params ? o.target_params : o.target_macs, BudgetQuantity::kCount);
  Budget b;
  b.metric = params ? BudgetMetric::kParams : BudgetMetric::kMacs;
  b.target = v.target;
  b.fraction = v.fraction;
  return b;
}

/// SearchOptions::target_latency from --target-latency: 0 without it, a fraction ≤ 1, or ms > 1.
double latency_target(const SearchCommandOptions& o, const CLI::App& cmd) {
  if (cmd.count("--target-latency") == 0) return 0;
  const BudgetValue v = parse_budget_value("--target-latency", o.target_latency, BudgetQuantity::kMilliseconds);
  // The search reads targets ≤ 1 as fractions, so an absolute one must be above 1 ms.
  PK_CHECK(v.fraction || v.target > 1.0,
           "--target-latency '{}': absolute latency targets must be above 1 ms; give a fraction of the original's "
           "latency instead (0.5 or 50%)",
           o.target_latency);
  return v.target;
}

void run_gconv(SearchCommandOptions& o, CLI::App* cmd) {
  GconvSearchOptions g = o.gconv;
  PK_CHECK(cmd->count("--target-params") + cmd->count("--target-macs") <= 1,
           "give one budget: --target-macs or --target-params");
  g.budget = count_budget(o, *cmd);
  g.rule = group_count_rule_from_name(o.gopt);
  PK_CHECK(o.gconv_permutation == "heuristic" || o.gconv_permutation == "random",
           "unknown --gconv-permutation '{}'; expected heuristic or random", o.gconv_permutation);
  g.random_permutation = o.gconv_permutation == "random";
  g.seed = o.seed;
  g.out_dir = o.out;
  g.show_progress = o.show_progress;
  const int threads = configure_threads(o.threads);
  ModelFile model = load_network(o.model);  // .pkm, or .onnx imported
  const nlohmann::json resolved{{"model", o.model},
                                    {"method", "gconv"},
                                    {"budget", {{"metric", g.budget.metric == BudgetMetric::kParams ? "params" : "macs"},
                                                {"target", g.budget.target},
                                                {"fraction", g.budget.fraction}}},
                                    {"min_channels_per_group", g.min_channels_per_group},
                                    {"max_groups", g.max_groups},
                                    {"allow_depthwise", g.allow_depthwise},
                                    {"gopt", o.gopt},
                                    {"permutation", o.gconv_permutation},
                                    {"seed", g.seed},
                                    {"out", g.out_dir},
                                    {"threads", threads}};
  print_resolved_options("search", resolved);
  g.metadata = pruned_model_metadata(model, o.model);
  const DirectoryLock lock(o.out);
  PK_CHECK(!o.resume, "--method gconv has no --resume: it keeps no checkpoint and finishes in seconds; --overwrite "
           "recomputes the run in '{}'", o.out);
  check_no_previous_search(o);
  write_run_record(o.out, resolved, false);
  const GconvSearchResult r = run_gconv_search(model.graph, model.weights, g);
  std::cout << fmt::format("regrouped   {} of {} convs with a choice; {} ChannelPermute op{} left\n", r.regrouped,
                           r.candidates, r.permutes, r.permutes == 1 ? "" : "s");
  std::cout << fmt::format("cost        {:.4f} (weight mass outside the blocks, summed over the convs)\n", r.total_cost);
  std::cout << fmt::format("MACs        {} ({:.1f}% of {})\n", human_count(r.macs),
                           100.0 * r.macs / std::max<int64_t>(1, r.original_macs), human_count(r.original_macs));
  std::cout << fmt::format("params      {} ({:.1f}% of {})\n", human_count(r.params),
                           100.0 * r.params / std::max<int64_t>(1, r.original_params), human_count(r.original_params));
  std::cout << fmt::format("time        {:.2f} s\n", r.seconds);
  std::cout << fmt::format("layers      {}\nlog         {}\npareto      {}\nplan        {}\nmodel       {}\n",
                           r.layers_path, r.log_path, r.pareto_path, r.plan_path, r.model_path);
  std::cout << fmt::format("report:     prunekit report {}\n", o.out);
}

/// The driver's options from the command line (the same on every rank; nothing is loaded).
SearchOptions search_options(SearchCommandOptions& o, const CLI::App& cmd) {
  SearchOptions s;
  s.method = o.method;
  // The method and its options are checked before anything is loaded.
  s.method_options = method_options_json(o.method_options, o.method, cmd);
  resolve_strategy_options(find_search_strategy(s.method), s.method_options);
  s.projection = budget_projection_from_name(o.projection);
  PK_CHECK(cmd.count("--target-params") + cmd.count("--target-macs") + cmd.count("--target-latency") <= 1,
           "give one budget: --target-macs, --target-params or --target-latency");
  s.target_latency = latency_target(o, cmd);
  const Budget counted = count_budget(o, cmd);
  s.budget.metric = counted.metric;
  s.budget.target = counted.target;
  s.budget.fraction = counted.fraction;
  // --episodes and --reward default to what the method is designed for.
  const StrategyInfo& info = find_search_strategy(s.method);
  if (cmd.count("--episodes") == 0) o.episodes = info.default_episodes;
  if (cmd.count("--reward") == 0) o.reward = reward_name(info.default_reward);
  s.episodes = o.episodes;
  s.samples_per_update = o.samples_per_update;
  s.latency = o.latency;
  s.reward = reward_from_name(o.reward);
  s.lambda = o.lambda;
  s.importance = importance_options(o.importance);
  s.action_space.round_to = o.round_to;
  s.action_space.min_channels = o.min_channels;
  s.action_space.max_ratio = o.max_ratio;
  s.action_space.blocks = !o.no_blocks;
  EvaluatorOptions& e = s.evaluation;
  e.recalibration.batches = o.calib_batches;
  e.recalibration.batch_size = o.calib_batch_size;
  e.recalibration.seed = o.seed;
  e.batch_size = o.eval_batch_size;
  e.distance = o.distance;
  e.distance.batch_size = o.eval_batch_size;
  e.finetune = o.finetune;
  e.finetune.scope = finetune_scope_from_name(o.finetune_scope);
  e.finetune.seed = o.seed;
  s.finalists = o.finalists;
  s.seed = o.seed;
  s.out_dir = o.out;
  s.resume = o.resume;
  s.stop_after_episodes = o.stop_after;
  s.show_progress = o.show_progress;
  return s;
}

/// What run.json and the log header record of a channel search.
nlohmann::json resolved_search_options(const SearchCommandOptions& o, const SearchOptions& s,
                                       const DataOptions& data_options, int threads, const MpiRuntime* mpi) {
  const EvaluatorOptions& e = s.evaluation;
  nlohmann::json resolved{{"model", o.model},
                          {"method", s.method},
                          {"dataset", data_options.name},
                          {"search_size", data_options.search_size},
                          {"budget", {{"metric", s.target_latency > 0 ? "latency"
                                                 : s.budget.metric == BudgetMetric::kParams ? "params"
                                                                                            : "macs"},
                                      {"target", s.target_latency > 0 ? s.target_latency : s.budget.target},
                                      {"fraction", s.budget.fraction},
                                      {"projection", o.projection}}},
                          {"method_options", resolve_strategy_options(find_search_strategy(s.method), s.method_options)},
                          {"episodes", s.episodes},
                          {"samples_per_update", s.samples_per_update},
                          {"reward", o.reward},
                          {"lambda", s.lambda},
                          {"distance", {{"temperature", e.distance.temperature}, {"beta", e.distance.beta}}},
                          {"importance", importance_json(s.importance)},
                          {"round_to", o.round_to},
                          {"max_ratio", o.max_ratio},
                          {"calib", {o.calib_batches, o.calib_batch_size}},
                          {"eval_finetune", {{"steps", e.finetune.steps},
                                             {"scope", finetune_scope_name(e.finetune.scope)},
                                             {"lr", e.finetune.lr},
                                             {"batch_size", e.finetune.batch_size}}},
                          {"finalists", {{"count", s.finalists.count}, {"finetune_steps", s.finalists.finetune_steps}}},
                          {"seed", o.seed},
                          {"out", o.out},
                          {"resume", o.resume},
                          {"threads", threads}};
  if (mpi != nullptr) resolved["mpi"] = {{"ranks", mpi->size()}, {"worker_timeout", o.worker_timeout}};
  return resolved;
}

/// The model, the data and what is resolved from them; every rank reads them itself (or gets
/// the model's bytes from rank 0 with --broadcast-model).
struct SearchInputs {
  ModelFile model;
  DataOptions data_options;
  DatasetSplits data;
};

/// A detector's candidates are scored as the ABCP reference does: after BN recalibration, a short
/// fine-tune of the output convs on the YOLO loss (without it, mAP at small budgets is ~0 for
/// every candidate and the search has nothing to learn from). Only where the user gave no
/// --eval-finetune-steps, and not for the label-free reward (it reads no box).
void apply_detection_defaults(const CLI::App& cmd, const DataOptions& data, SearchOptions& s) {
  if (!is_detection_dataset(data.name) || s.reward == RewardKind::kLabelFree) return;
  QuickFinetuneOptions& f = s.evaluation.finetune;
  if (cmd.count("--eval-finetune-steps") == 0) f.steps = kDetectionEvalFinetuneSteps;
  f.batch_size = kDetectionEvalFinetuneBatch;
  if (cmd.count("--finalists") == 0) s.finalists.count = kDetectionFinalists;
}

SearchInputs load_search_inputs(const SearchCommandOptions& o, const CLI::App& cmd, SearchOptions& s, int threads,
                                MpiRuntime* mpi) {
  SearchInputs in;
  in.model = mpi != nullptr && o.broadcast_model ? load_network_bytes(broadcast_file(*mpi, o.model), o.model)
                                                 : load_network(o.model);  // .pkm, or .onnx imported
  in.data_options = o.data;
  apply_dataset_metadata(in.model.metadata, o.model, in.data_options, cmd);
  apply_detection_defaults(cmd, in.data_options, s);
  if (mpi == nullptr || mpi->rank() == 0)
    print_resolved_options("search", resolved_search_options(o, s, in.data_options, threads, mpi));
  in.data = load_dataset(in.data_options);
  check_model_fits_dataset(in.model.graph, in.data, o.model);
  check_search_data(s, in.data);
  return in;
}

/// The pruned model's metadata: its parent's, and the partition its parent was trained with —
/// a search scored on a smaller search split (a subset) must not hand the rest of the held-out
/// images to fine-tuning.
nlohmann::json search_metadata(const SearchCommandOptions& o, const CLI::App& cmd, const SearchInputs& in) {
  nlohmann::json metadata = pruned_model_metadata(in.model, o.model);
  DataOptions recorded = in.data_options;
  const nlohmann::json& parent = in.model.metadata;
  if (cmd.count("--dataset") == 0 && parent.contains("dataset") && parent["dataset"].contains("search_size"))
    recorded.search_size = std::max(recorded.search_size, parent["dataset"]["search_size"].get<int64_t>());
  metadata["dataset"] = dataset_metadata(recorded, in.data);
  return metadata;
}

/// "finalist    chosen of 5 re-scored with 200 fine-tune steps: accuracy 71.20%, reward 0.6120".
void print_finalist(const SearchResult& r, const SearchOptions& s, const DatasetSplits& data) {
  const nlohmann::json& f = r.rescored;
  const std::string quality = f.contains("distance") ? fmt::format("distance {:.4f}", f["distance"].get<double>())
                                                     : fmt::format("accuracy {:.2f}%", 100 * f["accuracy"].get<double>());
  std::cout << fmt::format("finalist    chosen of {} re-scored with {} fine-tune steps: {}, reward {:.4f} "
                           "(search split, {} images; {})\n",
                           r.finalists, s.finalists.finetune_steps, quality, f["reward"].get<double>(),
                           data.search.size(), r.finalists_path);
}

void print_search_result(const SearchResult& r, const SearchOptions& s, const DatasetSplits& data) {
  std::cout << fmt::format("candidates  {} ({})\n", r.evaluated, r.finished ? "finished" : "stopped, --resume continues");
  std::cout << fmt::format("projection  {}\n", r.fill ? "fill (every candidate on the budget)"
                                                     : "shrink (only over-budget candidates changed)");
  if (r.has_best) {
    std::cout << fmt::format("best        #{}  reward {:.4f}\n", r.best.id, r.best.reward);
    if (!r.rescored.is_null()) print_finalist(r, s, data);
    if (s.target_latency > 0) {
      std::cout << fmt::format("latency     {:.3f} ms (target {:.3f} ms; original {:.3f} ms; batch {})\n",
                               r.best.latency_ms, r.target_latency_ms, r.original_latency_ms, s.latency.batch);
    }
    if (s.reward == RewardKind::kLabelFree) {
      std::cout << fmt::format("distance    {:.4f} to the original (search split, {} images, no labels)\n",
                               r.best.distance, data.search.size());
    } else {
      std::cout << fmt::format("accuracy    {:.2f}% (search split, {} images)\n", 100 * r.best.accuracy,
                               data.search.size());
    }
    std::cout << fmt::format("MACs        {} ({:.1f}% of {})\n", human_count(r.best.macs),
                             100.0 * r.best.macs / std::max<int64_t>(1, r.original_macs), human_count(r.original_macs));
    std::cout << fmt::format("params      {} ({:.1f}% of {})\n", human_count(r.best.params),
                             100.0 * r.best.params / std::max<int64_t>(1, r.original_params),
                             human_count(r.original_params));
  } else {
    std::cout << "best        none: no candidate met the budget\n";
  }
  std::cout << fmt::format("time        {:.1f} s\n", r.seconds);
}

/// "ranks 3: scored 14 / 13 / 13; 7.9 KB and 0.41 ms of MPI per remote candidate".
void print_dispatch_stats(const MpiDispatchStats& stats) {
  std::string per_rank;
  for (int n : stats.per_rank) per_rank += (per_rank.empty() ? "" : " / ") + std::to_string(n);
  const int remote = std::max(1, stats.scored_remotely);
  std::cout << fmt::format("ranks       {}: scored {} (rank 0 first); {} and {:.2f} ms of MPI per remote candidate\n",
                           stats.per_rank.size(), per_rank,
                           human_bytes(static_cast<double>(stats.bytes_sent + stats.bytes_received) / remote),
                           1e3 * stats.mpi_seconds / remote);
}

/// Ranks 1..K-1: score what rank 0 sends until it says stop.
void serve_search(MpiRuntime& mpi, const SearchOptions& s, const SearchInputs& in) {
  const ChannelAnalysis analysis = analyze_channels(in.model.graph);
  const std::unique_ptr<CandidateEvaluator> evaluator =
      make_search_evaluator(s, in.model.graph, in.model.weights, analysis, in.data);
  serve_candidates(mpi, *evaluator);
}

void run_channel_search(SearchCommandOptions& o, CLI::App* cmd) {
  MpiRuntime* mpi = mpi_runtime();
  SearchOptions s = search_options(o, *cmd);
  PK_CHECK(o.worker_timeout > 0, "--worker-timeout must be > 0 seconds (got {})", o.worker_timeout);
  PK_CHECK(mpi == nullptr || mpi->size() == 1 || s.target_latency == 0,
           "--target-latency cannot be searched on {} MPI ranks: each candidate's latency would be measured on "
           "whichever rank scores it, alongside the others; run latency searches in one process",
           mpi == nullptr ? 1 : mpi->size());
  const int threads = configure_threads(o.threads > 0 || mpi == nullptr ? o.threads : mpi->threads_per_rank());
  SearchInputs in;
  on_every_rank(mpi, [&] { in = load_search_inputs(o, *cmd, s, threads, mpi); });
  if (mpi != nullptr && mpi->rank() != 0) return serve_search(*mpi, s, in);
  // From here every exit (an error included) stops the workers, in ~MpiDispatch.
  std::optional<MpiDispatch> dispatch;
  if (mpi != nullptr) dispatch.emplace(*mpi, MpiDispatchOptions{o.worker_timeout});
  s.metadata = search_metadata(o, *cmd, in);
  const DirectoryLock lock(o.out);
  check_no_previous_search(o);
  write_run_record(o.out, resolved_search_options(o, s, in.data_options, threads, mpi), o.resume);
  const SearchResult r = run_search(in.model.graph, in.model.weights, in.data, s, dispatch ? &*dispatch : nullptr);
  print_search_result(r, s, in.data);
  if (dispatch) print_dispatch_stats(dispatch->stats());
  std::cout << fmt::format("log         {}\n", r.log_path);
  if (r.finished) {
    std::cout << fmt::format("pareto      {}\n", r.pareto_path);
    if (r.has_best) std::cout << fmt::format("plan        {}\nmodel       {}\n", r.plan_path, r.model_path);
  }
  std::cout << fmt::format("checkpoint  {}\n", r.checkpoint_path);
  std::cout << fmt::format("report:     prunekit report {}\n", o.out);
}

void run(SearchCommandOptions& o, CLI::App* cmd) {
  check_flags_of_method(o, *cmd);
  if (o.method == "gconv") {
    // gconv scores no candidate: under MPI rank 0 does all of it and the other ranks are done.
    const MpiRuntime* mpi = mpi_runtime();
    if (mpi == nullptr || mpi->rank() == 0) run_gconv(o, cmd);
    return;
  }
  run_channel_search(o, cmd);
}

/// "abcp: X, random: Y, ..." for a per-method default.
std::string per_method(const std::function<std::string(const StrategyInfo&)>& value) {
  std::string text;
  for (const StrategyInfo& info : search_strategies()) text += (text.empty() ? "" : ", ") + info.name + ": " + value(info);
  return text;
}

}  // namespace

Action register_search(CLI::App& app) {
  auto o = std::make_shared<SearchCommandOptions>();
  CLI::App* cmd = app.add_subcommand("search", "Search a pruning plan (ABCP, LFGCL, AMC or random) under a MACs/params/latency budget.");
  cmd->footer(
      "Examples:\n  prunekit search --method abcp --model base.pkm --target-macs 0.5 --episodes 300 --out runs/abcp\n"
      "  prunekit search --method lfgcl --model base.pkm --target-macs 0.5 --out runs/lf   # reads no label\n"
      "then: prunekit finetune --model runs/abcp/pruned.pkm --teacher base.pkm --out pruned-ft.pkm\n"
      "Candidates are scored on the search split (never test) after BN recalibration on training images.\n"
      "The dataset defaults to the one recorded in the model file; --dataset overrides it.\n"
      "On a cluster: mpirun -np K prunekit search ... — rank 0 searches, the other ranks score its candidates,\n"
      "with the same results at any K (README: Searching on a cluster).");
  cmd->add_option("--model,model", o->model, "trained model file (.pkm, or .onnx: imported)")->required();
  cmd->add_option("--method", o->method,
                  "search method: " + search_methods_help() +
                      "; gconv (group-convolution pruning: dense convs become grouped convs by weight-mass permutations "
                      "and a local search over the group counts; reads no data)")
      ->capture_default_str();
  cmd->add_option("--out", o->out, "output directory (log.jsonl, best_plan.json, pareto.json, pruned.pkm, checkpoint)")
      ->capture_default_str();
  cmd->add_option("--target-macs", o->target_macs,
                  "MACs budget: a fraction of the original (0.5), a percentage (50%) or MACs per sample (15M, 2.1G)")
      ->capture_default_str();
  cmd->add_option("--target-params", o->target_params,
                  "params budget instead of MACs: a fraction (0.5), a percentage (50%) or a count (350K, 1.2M)");
  cmd->add_option("--target-latency", o->target_latency,
                  "latency budget instead: a fraction of the original's measured latency (0.6), a percentage (60%) "
                  "or milliseconds (3.5ms); candidates are judged by their measured latency");
  cmd->add_option("--latency-batch", o->latency.batch, "batch size of the latency measurement")->capture_default_str();
  cmd->add_option("--latency-threads", o->latency.threads, "threads of the latency measurement (0 = all cores)")
      ->capture_default_str();
  cmd->add_option("--episodes", o->episodes, "candidates to evaluate (default per method: " +
                                                 per_method([](const StrategyInfo& i) { return std::to_string(i.default_episodes); }) +
                                                 ")");
  cmd->add_option("--samples-per-update", o->samples_per_update, "candidates per strategy update")->capture_default_str();
  cmd->add_option("--round-to", o->round_to, "kept channel counts are multiples of this")->capture_default_str();
  cmd->add_option("--min-channels", o->min_channels, "every pruned group keeps at least this many")->capture_default_str();
  cmd->add_option("--max-ratio", o->max_ratio, "largest prune ratio of a group, in (0, 1)")->capture_default_str();
  cmd->add_flag("--no-blocks", o->no_blocks, "do not offer residual-block removal");
  cmd->add_option("--projection", o->projection,
                  "how candidates meet the budget: fill (every candidate is moved onto it: under-budget ones are "
                  "pruned less), shrink (only over-budget ones change), auto (the method's default)")
      ->capture_default_str();
  add_importance_options(cmd, o->importance);
  cmd->add_option("--reward", o->reward,
                  "reward: acc_penalty, acc_linear, amc, loss_linear, or label_free (feature distance to the "
                  "original network; reads no label). Default per method: " +
                      per_method([](const StrategyInfo& i) { return std::string(reward_name(i.default_reward)); }));
  cmd->add_option("--lambda", o->lambda, "reward weight λ of the cost term")->capture_default_str();
  cmd->add_option("--seed", o->seed, "seed of the strategy and of the recalibration batches")->capture_default_str();
  cmd->add_option("--calib-batches", o->calib_batches, "BN recalibration batches per candidate")->capture_default_str();
  cmd->add_option("--calib-batch-size", o->calib_batch_size, "BN recalibration batch size")->capture_default_str();
  cmd->add_option("--eval-batch-size", o->eval_batch_size, "evaluation batch size")->capture_default_str();
  add_method_options(cmd, o->method_options);
  cmd->add_option("--eval-finetune-steps", o->finetune.steps,
                  fmt::format("SGD steps of fine-tuning per candidate before scoring, batches of 128 (0 = none); "
                              "on a detection set {} steps of {} images on the output convs unless given "
                              "(not with --reward label_free)",
                              kDetectionEvalFinetuneSteps, kDetectionEvalFinetuneBatch))
      ->capture_default_str();
  cmd->add_option("--eval-finetune-scope", o->finetune_scope,
                  "what those steps train: head (the final Linear only; a detector's output convs) or all")
      ->capture_default_str();
  cmd->add_option("--eval-finetune-lr", o->finetune.lr, "learning rate of those steps")->capture_default_str();
  cmd->add_option("--finalists", o->finalists.count,
                  fmt::format("at the end, score the K best candidates meeting the budget again with "
                              "--finalist-steps of fine-tuning and keep the best of them (0 or 1 = the search's "
                              "best); {} on a detection set unless given (not with --reward label_free)",
                              kDetectionFinalists))
      ->capture_default_str();
  cmd->add_option("--finalist-steps", o->finalists.finetune_steps,
                  "fine-tune steps of that second scoring (scope, lr and batch as --eval-finetune-*)")
      ->capture_default_str();
  cmd->add_option("--lf-temperature", o->distance.temperature, "label_free: temperature τ of the logit KL term")
      ->capture_default_str();
  cmd->add_option("--lf-beta", o->distance.beta,
                  "label_free: weight β of the penultimate-feature term (0 = logits only)")
      ->capture_default_str();
  cmd->add_flag("--resume", o->resume, "continue from <out>/checkpoint (same settings) with identical results");
  cmd->add_flag("--overwrite", o->overwrite,
                "start over in an --out that holds a previous search (without it, such a folder is refused)");
  cmd->add_option("--stop-after", o->stop_after, "stop after this many candidates (0 = never; for testing --resume)")
      ->capture_default_str();
  cmd->add_flag("!--no-progress", o->show_progress, "no progress line per candidate");
  cmd->add_option("--min-channels-per-group", o->gconv.min_channels_per_group,
                  "gconv: a candidate G leaves at least this many filters and input channels per group")
      ->capture_default_str();
  cmd->add_option("--max-groups", o->gconv.max_groups, "gconv: largest group count offered")->capture_default_str();
  cmd->add_flag("--allow-depthwise", o->gconv.allow_depthwise, "gconv: also offer G = filters = channels");
  cmd->add_option("--gopt", o->gopt,
                  "gconv: which move the local search takes: cost_per_resource (largest pruning-cost reduction per "
                  "added MAC/param) or max_cost (the layer with the largest pruning cost)")
      ->capture_default_str();
  cmd->add_option("--gconv-permutation", o->gconv_permutation,
                  "gconv: heuristic (sweeps + assignment) or random (seeded; the ablation baseline)")
      ->capture_default_str();
  add_threads_option(cmd, o->threads);
  cmd->add_flag("--broadcast-model", o->broadcast_model,
                "under MPI: rank 0 reads --model and sends its bytes to every rank (for ranks that cannot read "
                "the path); without it every rank reads the file itself");
  cmd->add_option("--worker-timeout", o->worker_timeout,
                  "under MPI: seconds a rank may take over one candidate before the search stops (at its last "
                  "checkpoint) and the job is aborted")
      ->capture_default_str();
  add_data_options(cmd, o->data);
  return [o, cmd] { run(*o, cmd); };
}

}  // namespace pk::cli
