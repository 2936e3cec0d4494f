// The HTML page of `prunekit report`: one self-contained file (Chart.js, script, style and data
// inlined; a Content-Security-Policy forbids every network request). Torch-free: the command
// measures and loads, this renders.
//
// Tables are rendered here, in HTML, so the numbers read without JavaScript; every numeric cell
// carries its raw value in `data-value` (the browser test compares them with the run folder).
// The charts are drawn by report_page.js from the JSON in <script id="report-data">.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "report/layer_widths.h"

namespace pk {

/// One model of the before/after table. Unknown numbers are negative.
struct ModelFacts {
  std::string role;  // "original", "searched", "final", "baseline", "pruned"
  std::string path;
  int64_t macs = -1;    // per sample
  int64_t params = -1;
  double test_top1 = -1;    // fraction, as recorded in the file (train, finetune)
  double search_top1 = -1;  // fraction on the search split: the searched model's search score
                            // (after BN recalibration, before fine-tuning), the others evaluated
  double distance = -1;  // label-free searches: feature distance to the original (search split)
  double latency_b1_ms = -1;   // median forward pass, batch 1 and batch 32, this machine
  double latency_b32_ms = -1;
  int64_t file_bytes = -1;
  int blocks_removed = -1;
};

struct ReportInput {
  std::string title;          // "abcp search of base.pkm", "base.pkm → small.pkm"
  std::string source;         // the run folder, or the two model paths
  nlohmann::json run;         // {"command", "options"} of the run, or null
  std::string method;         // "" for a model pair
  std::vector<ModelFacts> models;  // original first
  std::vector<LayerWidth> widths;  // original vs. the last model's widths, in network order
  std::vector<std::string> removed_blocks;
  std::vector<nlohmann::json> log;  // RunFolder::log
  nlohmann::json pareto;            // pareto.json or null
  int chosen_id = -1;               // the candidate the search chose (-1: none)
  std::string cost_key = "macs";    // the budget's metric: macs, params or latency_ms
  double budget_target = -1;        // in cost_key's unit, or -1
  nlohmann::json gconv_layers;      // layers.json of a gconv search, or null
  std::vector<std::string> notes;   // what is missing or damaged
  std::string threads_note;         // "2 threads" of the latency measurement
};

/// The whole HTML page.
std::string render_report_page(const ReportInput& input);

/// The before/after table and the notes as plain text, for the terminal.
std::string report_text_summary(const ReportInput& input);

/// Seconds summed over the log lines per phase (apply, recalib, finetune, eval, controller).
nlohmann::json time_breakdown(const std::vector<nlohmann::json>& log);

}  // namespace pk
