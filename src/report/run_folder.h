// The files of a `prunekit search` run folder, read for a report. Torch-free.
//
// Reading is tolerant: a missing, truncated or malformed file becomes a note that the report
// shows ("log.jsonl line 41 is cut off: left out"), so a run still in progress, interrupted or
// damaged gives a partial report that says what is missing instead of failing.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace pk {

struct RunFolder {
  std::string path;
  /// run.json: {"command": the command line, "options": the resolved options}; null if absent.
  nlohmann::json run;
  std::string method;  // "abcp", "random", "gconv", … ("" if no file names it)
  /// log.jsonl: one object per candidate (channel searches: "id", "reward", "budget_met",
  /// "macs", "params", "accuracy" or "distance", "seconds" …) or per local-search step (gconv:
  /// "step", "macs" or "params", "pruning_cost"); lines that do not parse are left out.
  std::vector<nlohmann::json> log;
  nlohmann::json pareto;     // pareto.json or null
  nlohmann::json best_plan;  // best_plan.json or null
  nlohmann::json layers;     // layers.json (gconv: the chosen group count per conv) or null
  std::string pruned_model;  // path of pruned.pkm, "" if it is not there (yet)
  std::string parent_model;  // the searched model, from run.json ("" if unknown)
  std::string running_pid;   // pid of a search still writing the folder, "" if none
  bool has_checkpoint = false;
  std::vector<std::string> notes;  // what is missing or damaged, one sentence each
};

/// Reads the run folder `dir`. UserError if `dir` is no directory, or holds none of the files a
/// search writes (log.jsonl, checkpoint, pruned.pkm, run.json).
RunFolder read_run_folder(const std::string& dir);

}  // namespace pk
