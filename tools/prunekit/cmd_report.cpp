// prunekit report: one self-contained HTML page of a search run folder (any method), or of a
// before/after pair of models (prune, apply, finetune). Loads the models, scores them on the
// search split of their data set, measures their latency at batch 1 and 32 on this machine, and
// renders src/report/report_page.h; prints the same before/after numbers on the terminal.
#include <filesystem>
#include <iostream>
#include <optional>

#include "commands.h"
#include "detection_cli.h"
#include "train/evaluate_detector.h"
#include "common.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "data/dataset.h"
#include "eval/latency.h"
#include "exec/threads.h"
#include "graph/cost.h"
#include "io/network_file.h"
#include "report/report_page.h"
#include "report/run_folder.h"
#include "train/evaluate.h"

namespace pk::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct ReportCommandOptions {
  std::string run_dir;
  std::string model;   // the original (a run folder's own record of it unless given)
  std::string pruned;  // the final model (after fine-tuning); with --model alone: the pruned one
  std::vector<std::string> compare;  // other pruned models (one-shot baselines) to set beside
  std::string out;     // default: <run_dir>/report.html, or report.html
  bool latency = true;
  bool evaluate = true;
  int64_t eval_batch_size = 256;
  int threads = 0;
  DataOptions data;
};

struct LoadedModel {
  ModelFacts facts;
  std::optional<ModelFile> file;
};

/// The model at `path` with its costs and recorded scores. A missing original (when not
/// `required`) is a note and empty columns; a model the user named must load.
LoadedModel load_model(const std::string& role, const std::string& path, bool required, std::vector<std::string>& notes) {
  LoadedModel m;
  m.facts.role = role;
  m.facts.path = path;
  if (!required && (path.empty() || !fs::exists(path))) {
    notes.push_back(path.empty() ? fmt::format("the {} model is unknown: give --model", role)
                                 : fmt::format("the {} model '{}' is not there: its columns are empty", role, path));
    return m;
  }
  m.file = load_network(path);
  const GraphCost cost = graph_cost(m.file->graph);
  m.facts.macs = cost.macs;
  m.facts.params = cost.params;
  m.facts.file_bytes = static_cast<int64_t>(fs::file_size(path));
  const json& meta = m.file->metadata;
  if (meta.contains("accuracy") && meta["accuracy"].is_object() && meta["accuracy"].value("split", "") == "test" &&
      meta["accuracy"].value("top1", json()).is_number())
    m.facts.test_top1 = meta["accuracy"]["top1"].get<double>();
  if (meta.contains("search") && meta["search"].is_object()) {
    const json& s = meta["search"];
    if (s.value("search_accuracy", json()).is_number()) m.facts.search_top1 = s["search_accuracy"].get<double>();
    if (s.value("search_distance", json()).is_number()) m.facts.distance = s["search_distance"].get<double>();
  }
  return m;
}

void measure_latency_of(LoadedModel& m, int threads) {
  Executor executor(m.file->graph, m.file->weights);
  LatencyOptions lo;
  lo.threads = threads;
  std::cerr << fmt::format("measuring the latency of {} (batch 1 and 32)\n", m.facts.path);
  lo.batch = 1;
  m.facts.latency_b1_ms = measure_latency(executor, lo).median_ms;
  lo.batch = 32;
  m.facts.latency_b32_ms = measure_latency(executor, lo).median_ms;
}

/// Scores every loaded model but the searched one (which has its search score) on the search
/// split, so that all of them sit on the search's accuracy axis. The data set is the one the
/// first model with a record names (the run's search size, unless --search-size is given); a
/// data set that cannot be loaded is a note, not an error.
void evaluate_on_search_split(std::vector<LoadedModel>& models, const ReportCommandOptions& o, const CLI::App& cmd,
                              const json& run, ReportInput& in) {
  const LoadedModel* recorded = nullptr;
  for (const LoadedModel& m : models)
    if (m.file && m.file->metadata.contains("dataset") && !recorded) recorded = &m;
  if (!recorded && cmd.count("--dataset") == 0) {
    in.notes.push_back("no model records its data set: top-1 on the search split is not shown (give --dataset)");
    return;
  }
  DataOptions data_options = o.data;
  if (recorded) apply_dataset_metadata(recorded->file->metadata, recorded->facts.path, data_options, cmd);
  if (cmd.count("--search-size") == 0 && run.is_object() && run["options"].value("search_size", json()).is_number())
    data_options.search_size = run["options"]["search_size"].get<int64_t>();
  std::optional<DatasetSplits> data;
  try {
    data = load_dataset(data_options);
  } catch (const UserError& e) {
    in.notes.push_back(fmt::format("the data set could not be loaded ({}): top-1 on the search split is not shown", e.what()));
    return;
  }
  const bool detection = data->search.is_detection();
  if (detection) in.notes.push_back("detectors: the top-1 columns show mAP@0.5 on the search split");
  for (LoadedModel& m : models) {
    if (!m.file || m.facts.role == "searched") continue;
    check_model_fits_dataset(m.file->graph, *data, m.facts.path);
    Executor executor(m.file->graph, m.file->weights);
    std::cerr << fmt::format("scoring {} on the search split ({} images)\n", m.facts.path, data->search.size());
    m.facts.search_top1 =
        detection ? evaluate_detector(executor, data->search, data->normalization,
                                      detector_layout(m.file->graph, m.file->metadata, m.facts.path))
                        .map50
                  : evaluate(executor, data->search, data->normalization, o.eval_batch_size, false).top1;
  }
}

/// What the searched model's metadata says of the search: the chosen candidate and the budget.
void read_search_record(const LoadedModel& searched, ReportInput& in) {
  if (!searched.file) return;
  const json& meta = searched.file->metadata;
  if (!meta.contains("search") || !meta["search"].is_object()) return;
  const json& s = meta["search"];
  in.chosen_id = s.value("best_id", -1);
  in.cost_key = s.value("budget_metric", std::string("macs"));
  if (s.value("target_cost", json()).is_number()) in.budget_target = s["target_cost"].get<double>();
}

/// Widths of the last pruned model against the original; blocks removed of every model.
void fill_widths(const std::vector<LoadedModel>& models, ReportInput& in) {
  const LoadedModel& original = models.front();
  if (!original.file) return;
  const LoadedModel* last = nullptr;
  for (size_t i = 1; i < models.size(); ++i) {
    if (!models[i].file) continue;
    in.models[i].blocks_removed = static_cast<int>(removed_blocks(original.file->graph, models[i].file->graph).size());
    if (models[i].facts.role != "baseline") last = &models[i];
  }
  in.models[0].blocks_removed = 0;
  if (!last) return;
  in.widths = compare_layer_widths(original.file->graph, last->file->graph);
  in.removed_blocks = removed_blocks(original.file->graph, last->file->graph);
}

/// The models of a run folder: original, searched (if the search finished), final (--pruned).
std::vector<LoadedModel> run_folder_models(const ReportCommandOptions& o, ReportInput& in) {
  RunFolder run = read_run_folder(o.run_dir);
  in.notes = run.notes;
  in.run = run.run;
  in.method = run.method;
  in.log = run.log;
  in.pareto = run.pareto;
  in.gconv_layers = run.layers;
  in.source = o.run_dir;
  const std::string original = o.model.empty() ? run.parent_model : o.model;
  in.title = fmt::format("{} search{}", run.method.empty() ? "prunekit" : run.method,
                         original.empty() ? "" : " of " + fs::path(original).filename().string());
  std::vector<LoadedModel> models;
  models.push_back(load_model("original", original, !o.model.empty(), in.notes));
  if (!run.pruned_model.empty()) {
    models.push_back(load_model("searched", run.pruned_model, true, in.notes));
    read_search_record(models.back(), in);
  }
  if (!o.pruned.empty()) models.push_back(load_model("final", o.pruned, true, in.notes));
  return models;
}

ReportInput build_input(const ReportCommandOptions& o, const CLI::App& cmd, int threads) {
  ReportInput in;
  std::vector<LoadedModel> models;
  if (!o.run_dir.empty()) {
    models = run_folder_models(o, in);
  } else {
    PK_CHECK(!o.model.empty() && !o.pruned.empty(),
             "give a run folder (prunekit report runs/abcp) or two models (--model base.pkm --pruned small.pkm)");
    in.source = o.model + " → " + o.pruned;
    in.title = fs::path(o.model).filename().string() + " → " + fs::path(o.pruned).filename().string();
    models.push_back(load_model("original", o.model, true, in.notes));
    models.push_back(load_model("pruned", o.pruned, true, in.notes));
  }
  for (const std::string& path : o.compare) models.push_back(load_model("baseline", path, true, in.notes));
  const bool label_free = models.size() > 1 && models[1].facts.distance >= 0;
  if (o.evaluate && !label_free) evaluate_on_search_split(models, o, cmd, in.run, in);
  if (o.latency)
    for (LoadedModel& m : models)
      if (m.file) measure_latency_of(m, threads);
  for (const LoadedModel& m : models) in.models.push_back(m.facts);
  fill_widths(models, in);
  if (o.latency) in.threads_note = fmt::format("median forward pass over {} thread(s), BN folded, on the machine that wrote this report", threads);
  return in;
}

void run(ReportCommandOptions& o, const CLI::App& cmd) {
  if (o.out.empty()) o.out = o.run_dir.empty() ? "report.html" : (fs::path(o.run_dir) / "report.html").string();
  PK_CHECK(fs::path(o.out).extension() == ".html", "--out '{}': a report is an .html file", o.out);
  check_writable_path(o.out);
  const int threads = configure_threads(o.threads);
  print_resolved_options("report", {{"run", o.run_dir}, {"model", o.model}, {"pruned", o.pruned},
                                    {"compare", o.compare}, {"out", o.out}, {"latency", o.latency},
                                    {"evaluate", o.evaluate}, {"threads", threads}});
  const ReportInput in = build_input(o, cmd, threads);
  const std::string page = render_report_page(in);
  write_file_atomically(o.out, [&](std::ostream& f) { f << page; });
  std::cout << report_text_summary(in);
  std::cout << fmt::format("report      {}\n", o.out);
}

}  // namespace

Action register_report(CLI::App& app) {
  auto o = std::make_shared<ReportCommandOptions>();
  CLI::App* cmd = app.add_subcommand("report", "Write one self-contained HTML page (charts, tables) of a search run "
                                               "or of a before/after pair of models.");
  cmd->footer(
      "Examples:\n  prunekit report runs/abcp                      # writes runs/abcp/report.html\n"
      "  prunekit report runs/abcp --pruned final.pkm --compare uniform.pkm --out abcp.html\n"
      "  prunekit report --model base.pkm --pruned small.pkm --out r.html   # any before/after pair\n"
      "Every model but the searched one is scored on the search split of its data set (the split the search's "
      "candidates were scored on), and timed at batch 1 and 32 here. The page opens offline: Chart.js, the data "
      "and the style are inside it. A run still in progress or incomplete gives a partial report that lists what "
      "is missing.");
  cmd->add_option("run", o->run_dir, "run folder of prunekit search (its --out)");
  cmd->add_option("--model,--baseline", o->model,
                  "the original model (default for a run folder: the model the search read, from run.json)");
  cmd->add_option("--pruned", o->pruned,
                  "the final model: with a run folder, the fine-tuned one; with --model, the pruned one");
  cmd->add_option("--compare", o->compare,
                  "other pruned models to set beside (e.g. prunekit prune's one-shot baselines at the same budget); "
                  "repeatable")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--out", o->out, "the HTML file to write (default: <run>/report.html, or report.html)");
  cmd->add_flag("!--no-latency", o->latency, "do not measure latency (batch 1 and 32)");
  cmd->add_flag("!--no-eval", o->evaluate, "do not score the models on the search split");
  cmd->add_option("--eval-batch-size", o->eval_batch_size, "evaluation batch size")->capture_default_str();
  add_threads_option(cmd, o->threads);
  add_data_options(cmd, o->data);
  return [o, cmd] { run(*o, *cmd); };
}

}  // namespace pk::cli
