#include "report/run_folder.h"

#include <filesystem>
#include <fstream>

#include "core/directory_lock.h"
#include "core/error.h"

namespace pk {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

/// The JSON document in `path`, or null with a note if it is missing (when `required`) or malformed.
json read_json_file(const fs::path& path, bool required, std::vector<std::string>& notes) {
  if (!fs::exists(path)) {
    if (required) notes.push_back(fmt::format("{} is missing", path.filename().string()));
    return nullptr;
  }
  std::ifstream in(path);
  json doc = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    notes.push_back(fmt::format("{} is not valid JSON: left out", path.filename().string()));
    return nullptr;
  }
  return doc;
}

/// A log line the report can use: a channel-search candidate or a gconv step.
bool usable_log_line(const json& line) {
  if (!line.is_object()) return false;
  auto number = [&](const char* key) { return line.contains(key) && line[key].is_number(); };
  if (line.contains("step")) return number("step") && number("pruning_cost") && (number("macs") || number("params"));
  return number("id") && number("reward") && number("macs") && number("params") && line.contains("budget_met") &&
         line["budget_met"].is_boolean() && (number("accuracy") || number("distance"));
}

void read_log(const fs::path& path, RunFolder& run) {
  if (!fs::exists(path)) {
    run.notes.push_back("log.jsonl is missing: no candidate can be shown");
    return;
  }
  std::ifstream in(path);
  std::string text;
  int number = 0, bad = 0, first_bad = 0;
  while (std::getline(in, text)) {
    ++number;
    if (text.empty()) continue;
    json line = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (line.is_discarded() || !usable_log_line(line)) {
      if (bad++ == 0) first_bad = number;
      continue;
    }
    run.log.push_back(std::move(line));
  }
  if (bad > 0)
    run.notes.push_back(fmt::format("log.jsonl: {} line{} cut off or malformed (the first is line {}): left out", bad,
                                    bad == 1 ? " is" : "s are", first_bad));
}

std::string method_of(const RunFolder& run) {
  if (run.run.is_object() && run.run.contains("options") && run.run["options"].value("method", json()).is_string())
    return run.run["options"]["method"].get<std::string>();
  if (run.layers.is_object() || run.layers.is_array()) return "gconv";
  return "";
}

}  // namespace

RunFolder read_run_folder(const std::string& dir) {
  PK_CHECK(fs::is_directory(dir), "'{}' is not a run folder (no such directory); give the --out of a prunekit search",
           dir);
  const fs::path root(dir);
  PK_CHECK(fs::exists(root / "log.jsonl") || fs::exists(root / "checkpoint") || fs::exists(root / "pruned.pkm") ||
               fs::exists(root / "run.json"),
           "'{}' holds no search run (none of log.jsonl, checkpoint, pruned.pkm, run.json); give the --out of a "
           "prunekit search, or compare two models with --model and --pruned",
           dir);
  RunFolder run;
  run.path = dir;
  run.running_pid = directory_lock_holder(dir);
  run.has_checkpoint = fs::exists(root / "checkpoint");
  run.run = read_json_file(root / "run.json", false, run.notes);
  if (!run.run.is_object()) {
    run.notes.push_back("run.json is missing (the run predates it): the command and options that produced it are unknown");
    run.run = nullptr;
  }
  read_log(root / "log.jsonl", run);
  run.layers = read_json_file(root / "layers.json", false, run.notes);
  run.method = method_of(run);
  if (fs::exists(root / "pruned.pkm")) {
    run.pruned_model = (root / "pruned.pkm").string();
    run.pareto = read_json_file(root / "pareto.json", true, run.notes);
    run.best_plan = read_json_file(root / "best_plan.json", true, run.notes);
  } else if (!run.running_pid.empty()) {
    run.notes.push_back(fmt::format("the search is still running (pid {}): this report shows the {} log lines "
                                    "written so far; the pruned model is not there yet",
                                    run.running_pid, run.log.size()));
  } else if (run.has_checkpoint) {
    run.notes.push_back("the search stopped before its end (a checkpoint, no pruned.pkm): `prunekit search ... "
                        "--resume` continues it; this report shows the candidates so far");
  } else {
    run.notes.push_back("pruned.pkm is missing: no candidate met the budget, or the file was removed");
  }
  if (run.run.is_object() && run.run.contains("options") && run.run["options"].value("model", json()).is_string())
    run.parent_model = run.run["options"]["model"].get<std::string>();
  return run;
}

}  // namespace pk
