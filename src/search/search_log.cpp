#include "search/search_log.h"

#include <algorithm>
#include <limits>

#include "core/atomic_file.h"
#include "core/error.h"

namespace pk {

using nlohmann::json;

SearchLog::SearchLog(std::string path, std::vector<json> candidates, std::vector<json> finalists,
                     int finalist_count, std::string cost_key, std::string quality_key)
    : path_(std::move(path)), cost_key_(std::move(cost_key)), quality_key_(std::move(quality_key)),
      candidates_(std::move(candidates)), flushed_(candidates_.size()), finalists_(std::move(finalists)),
      finalist_count_(static_cast<size_t>(std::max(1, finalist_count))) {
  if (finalists_.size() > finalist_count_) finalists_.resize(finalist_count_);
  write_file_atomically(path_, [&](std::ostream& out) {
    for (const json& j : candidates_) out << j.dump() << "\n";
  });
  out_.open(path_, std::ios::app);
  PK_CHECK(out_.good(), "cannot append to '{}'", path_);
}

void SearchLog::add(json line, const std::string& resolved_plan) {
  if (line.at("budget_met").get<bool>()) consider_finalist(line, resolved_plan);
  candidates_.push_back(std::move(line));
}

void SearchLog::consider_finalist(const json& line, const std::string& resolved_plan) {
  // A plan is a finalist once, with its best score (a measured latency can differ between visits).
  const double reward = line.at("reward").get<double>();
  const auto same_plan = std::find_if(finalists_.begin(), finalists_.end(), [&](const json& f) {
    return f.at("plan_digest") == line.at("plan_digest");
  });
  if (same_plan != finalists_.end()) {
    if (same_plan->at("reward").get<double>() >= reward) return;
    finalists_.erase(same_plan);
  }
  const auto at = std::find_if(finalists_.begin(), finalists_.end(),
                               [&](const json& f) { return f.at("reward").get<double>() < reward; });
  if (at == finalists_.end() && finalists_.size() >= finalist_count_) return;
  json finalist = line;
  finalist.erase("seconds");
  finalist["plan"] = resolved_plan;
  finalists_.insert(at, std::move(finalist));
  if (finalists_.size() > finalist_count_) finalists_.pop_back();
}

void SearchLog::flush(const json& extra) {
  for (; flushed_ < candidates_.size(); ++flushed_) {
    json& line = candidates_[flushed_];
    line.merge_patch(extra);
    out_ << line.dump() << "\n";
  }
  out_.flush();
  PK_CHECK(out_.good(), "cannot write to '{}'", path_);
}

double SearchLog::quality(const json& line) const {
  const double q = line.at(quality_key_).get<double>();
  return quality_key_ == "distance" ? -q : q;
}

json SearchLog::pareto_front() const {
  std::vector<const json*> sorted;
  for (const json& j : candidates_) sorted.push_back(&j);
  // By cost ascending, then quality descending: a candidate is on the front if its quality beats
  // every cheaper-or-equal one before it.
  std::stable_sort(sorted.begin(), sorted.end(), [&](const json* a, const json* b) {
    const double ca = a->at(cost_key_).get<double>(), cb = b->at(cost_key_).get<double>();
    if (ca != cb) return ca < cb;
    return quality(*a) > quality(*b);
  });
  json front = json::array();
  double best = -std::numeric_limits<double>::infinity();
  for (const json* j : sorted) {
    if (quality(*j) <= best) continue;
    best = quality(*j);
    json point{{"id", j->at("id")}, {"reward", j->at("reward")}, {"budget_met", j->at("budget_met")},
               {quality_key_, j->at(quality_key_)}};
    for (const char* k : {"macs", "params", "latency_ms"})
      if (j->contains(k)) point[k] = j->at(k);
    front.push_back(std::move(point));
  }
  return front;
}

void SearchLog::write_pareto(const std::string& path) const {
  const json doc{{"x", cost_key_}, {"y", quality_key_}, {"split", "search"}, {"front", pareto_front()}};
  write_file_atomically(path, [&](std::ostream& out) { out << doc.dump(2) << "\n"; });
}

}  // namespace pk
