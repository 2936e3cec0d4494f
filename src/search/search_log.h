// SearchLog: the record of a search's candidates — log.jsonl (one JSON line per candidate,
// appended after every update, so the file never runs ahead of the checkpoint by more than one
// update), the best candidates meeting the budget (the finalists), and the Pareto front of quality against the
// budget's own metric (MACs, params or measured latency). No strategy or network knowledge.
#pragma once

#include <nlohmann/json.hpp>

#include <fstream>
#include <string>
#include <vector>

namespace pk {

class SearchLog {
 public:
  /// Rewrites `path` with `candidates` (a resumed run drops what a killed run logged past its
  /// checkpoint) and appends from then on. `cost_key` is the candidates' field of the budget
  /// metric ("macs", "params" or "latency_ms"); `quality_key` is "accuracy" (higher is better)
  /// or "distance" (lower is better). `finalists` (from a checkpoint) are the best lines so far,
  /// best first, each with its "plan"; at most `finalist_count` (≥ 1) are kept.
  /// UserError if `path` cannot be written.
  SearchLog(std::string path, std::vector<nlohmann::json> candidates, std::vector<nlohmann::json> finalists,
            int finalist_count, std::string cost_key, std::string quality_key);

  /// Adds a candidate line (needs "id", "reward", "budget_met", "plan_digest", the cost and
  /// quality keys); `resolved_plan` (plan JSON text) is kept if it becomes a finalist.
  /// Written by flush().
  void add(nlohmann::json line, const std::string& resolved_plan);
  /// Appends the lines added since the last flush to the file (fields in `extra` merged into each).
  void flush(const nlohmann::json& extra = nlohmann::json::object());

  const std::vector<nlohmann::json>& candidates() const { return candidates_; }
  /// The best line meeting the budget with its "plan", or null.
  const nlohmann::json& best() const { return finalists_.empty() ? null_ : finalists_.front(); }
  /// The finalist_count best lines meeting the budget, by reward (ties: the earlier first), with
  /// distinct plans, each with its "plan".
  const std::vector<nlohmann::json>& finalists() const { return finalists_; }
  /// Non-dominated candidates: no other is at most as costly and better.
  nlohmann::json pareto_front() const;
  /// pareto.json: {"x": cost key, "y": quality key, "split": "search", "front": [...]}, atomically.
  void write_pareto(const std::string& path) const;

 private:
  double quality(const nlohmann::json& line) const;  // higher is better
  void consider_finalist(const nlohmann::json& line, const std::string& resolved_plan);

  std::string path_, cost_key_, quality_key_;
  std::vector<nlohmann::json> candidates_;
  size_t flushed_ = 0;
  std::vector<nlohmann::json> finalists_;
  size_t finalist_count_ = 1;
  nlohmann::json null_;
  std::ofstream out_;
};

}  // namespace pk
