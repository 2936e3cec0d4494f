#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "search/search_log.h"

namespace pk {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json line(int id, double reward, bool met, const std::string& digest) {
  return json{{"id", id}, {"reward", reward}, {"budget_met", met}, {"plan_digest", digest},
              {"macs", 100 - id}, {"accuracy", reward}, {"seconds", {{"eval", 0.1}}}};
}

std::vector<int> ids(const std::vector<json>& lines) {
  std::vector<int> out;
  for (const json& j : lines) out.push_back(j.at("id").get<int>());
  return out;
}

TEST(SearchLog, KeepsTheBestDistinctPlansMeetingTheBudgetAsFinalists) {
  const fs::path path = fs::temp_directory_path() / ("pk_search_log_" + std::to_string(::getpid()) + ".jsonl");
  SearchLog log(path.string(), {}, {}, 3, "macs", "accuracy");
  log.add(line(0, 0.1, true, "a"), "plan a");
  log.add(line(1, 0.5, true, "b"), "plan b");
  log.add(line(2, 0.3, true, "c"), "plan c");
  log.add(line(3, 0.9, false, "d"), "plan d");  // over budget: never a finalist
  log.add(line(4, 0.5, true, "b"), "plan b");   // the same plan again: once
  log.add(line(5, 0.4, true, "e"), "plan e");
  log.add(line(6, 0.5, true, "f"), "plan f");   // ties: the earlier first
  EXPECT_EQ(ids(log.finalists()), (std::vector<int>{1, 6, 5}));
  EXPECT_EQ(log.best().at("id").get<int>(), 1);
  EXPECT_EQ(log.best().at("plan").get<std::string>(), "plan b");
  EXPECT_FALSE(log.best().contains("seconds"));

  // Restored from a checkpoint: the same finalists, and later lines compete with them.
  SearchLog resumed(path.string(), log.candidates(), log.finalists(), 3, "macs", "accuracy");
  resumed.add(line(7, 0.45, true, "g"), "plan g");
  EXPECT_EQ(ids(resumed.finalists()), (std::vector<int>{1, 6, 7}));
  fs::remove(path);
}

TEST(SearchLog, OneFinalistIsTheBest) {
  const fs::path path = fs::temp_directory_path() / ("pk_search_log1_" + std::to_string(::getpid()) + ".jsonl");
  SearchLog log(path.string(), {}, {}, 0, "macs", "accuracy");
  EXPECT_TRUE(log.best().is_null());
  log.add(line(0, 0.2, true, "a"), "plan a");
  log.add(line(1, 0.3, true, "b"), "plan b");
  log.add(line(2, 0.1, true, "c"), "plan c");
  EXPECT_EQ(ids(log.finalists()), (std::vector<int>{1}));
  fs::remove(path);
}

}  // namespace
}  // namespace pk
