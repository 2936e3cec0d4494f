// prunekit report as a user runs it: the page is opened in headless Chromium
// (tests/report/check_report.js, playwright-core + Debian's chromium, both from `make deps`),
// and what the browser rendered is compared with the run folder's own files.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/directory_lock.h"
#include "support/command.h"
#include "weights/model_file.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using pk::testing::CommandResult;

CommandResult prunekit(const std::string& args) { return pk::testing::run_prunekit(args); }

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::vector<json> read_log(const fs::path& p) {
  std::vector<json> lines;
  std::ifstream in(p);
  for (std::string text; std::getline(in, text);)
    if (!text.empty()) lines.push_back(json::parse(text));
  return lines;
}

/// What Chromium saw of the page (check_report.js); a screenshot goes to the build folder.
json open_in_browser(const fs::path& page, const std::string& screenshot_name) {
  const fs::path shots = fs::path(PK_BUILD_DIR) / "report_screenshots";
  fs::create_directories(shots);
  const CommandResult r = pk::testing::run_command("node " + std::string(PK_SOURCE_DIR) + "/tests/report/check_report.js " +
                                                   page.string() + " " + (shots / screenshot_name).string() + " 2>&1");
  EXPECT_EQ(r.code, 0) << "the browser check failed (is chromium installed? run `make deps`):\n" << r.output;
  const json seen = json::parse(r.output, nullptr, false);
  EXPECT_FALSE(seen.is_discarded()) << r.output;
  return seen.is_discarded() ? json::object() : seen;
}

/// Every chart drew pixels, nothing failed, nothing was fetched.
void expect_clean_page(const json& seen, int charts) {
  EXPECT_EQ(seen.value("charts", -1), charts);
  EXPECT_EQ(seen.value("chart_errors", -1), 0);
  EXPECT_EQ(seen["console_errors"], json::array());
  EXPECT_EQ(seen["requests"], json::array()) << "the page must make no network request";
  ASSERT_EQ(seen["canvases"].size(), static_cast<size_t>(charts));
  for (const json& c : seen["canvases"]) EXPECT_GT(c["painted"].get<int>(), 1000) << c.dump();
}

double cell(const json& seen, const char* key, size_t column) {
  return std::stod(seen["summary"][key].at(column).get<std::string>());
}

class ReportCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("pk_report_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    model_ = (dir_ / "tiny.pkm").string();
    const CommandResult t = prunekit("train --model resnet20 --width 0.25 --epochs 1 --train-limit 256 --test-limit 64 "
                                     "--search-size 64 --no-progress --out " + model_);
    ASSERT_EQ(t.code, 0) << t.output;
    const CommandResult s = prunekit("search --model " + model_ + " --method random --episodes 8 --calib-batches 1 "
                                     "--train-limit 256 --no-progress --out " + (dir_ / "run").string());
    ASSERT_EQ(s.code, 0) << s.output;
    ASSERT_NE(s.output.find("prunekit report " + (dir_ / "run").string()), std::string::npos) << s.output;
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  /// A copy of the finished run folder to damage.
  static fs::path copy_of_run(const std::string& name) {
    const fs::path copy = dir_ / name;
    fs::copy(dir_ / "run", copy, fs::copy_options::recursive);
    fs::remove(copy / "report.html");
    return copy;
  }

  static fs::path dir_;
  static std::string model_;
};
fs::path ReportCli::dir_;
std::string ReportCli::model_;

TEST_F(ReportCli, SearchReportDrawsEveryChartAndShowsTheRunFolderNumbers) {
  const fs::path run = dir_ / "run";
  const std::string uniform = (dir_ / "uniform.pkm").string();
  CommandResult p = prunekit("prune --model " + model_ + " --method uniform --target-macs 0.5 --out " + uniform);
  ASSERT_EQ(p.code, 0) << p.output;
  const CommandResult r = prunekit("report " + run.string() + " --compare " + uniform + " --threads 1");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("report      " + (run / "report.html").string()), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("latency b32"), std::string::npos) << "the terminal summary: " << r.output;
  const json seen = open_in_browser(run / "report.html", "search.png");
  expect_clean_page(seen, 4);  // widths, search curve, Pareto front, time

  // The header is the command that made the run.
  const json record = json::parse(read_text(run / "run.json"));
  EXPECT_EQ(seen["command"], record["command"]);
  EXPECT_NE(record["command"].get<std::string>().find("--episodes 8"), std::string::npos);

  // The before/after table against the pruned model's record and the chosen log line.
  const json search = pk::load_model((run / "pruned.pkm").string()).metadata["search"];
  const std::vector<json> log = read_log(run / "log.jsonl");
  ASSERT_EQ(log.size(), 8u);
  const json* chosen = nullptr;
  for (const json& line : log)
    if (line["id"] == search["best_id"]) chosen = &line;
  ASSERT_NE(chosen, nullptr);
  EXPECT_EQ(cell(seen, "macs", 0), search["original_macs"].get<double>());
  EXPECT_EQ(cell(seen, "params", 0), search["original_params"].get<double>());
  EXPECT_EQ(cell(seen, "macs", 1), (*chosen)["macs"].get<double>());
  EXPECT_EQ(cell(seen, "params", 1), (*chosen)["params"].get<double>());
  EXPECT_NEAR(cell(seen, "search_top1", 1), (*chosen)["accuracy"].get<double>(), 1e-6);
  // The original and the one-shot baseline are scored on the same split, as `prunekit eval` does.
  for (const auto& [column, path] : {std::pair<size_t, std::string>{0, model_}, {2, uniform}}) {
    const CommandResult e = pk::testing::run_command(std::string(PK_PRUNEKIT_BIN) + " eval --model " + path +
                                                     " --split search --json 2>/dev/null");
    ASSERT_EQ(e.code, 0) << e.output;
    const json scored = json::parse(e.output);
    EXPECT_NEAR(cell(seen, "search_top1", column), scored["top1"].get<double>(), 1e-6) << path;
    EXPECT_EQ(cell(seen, "macs", column), scored["macs"].get<double>()) << path;
  }
  EXPECT_NEAR(cell(seen, "test_top1", 0),
              pk::load_model(model_).metadata["accuracy"]["top1"].get<double>(), 1e-6);
  EXPECT_EQ(cell(seen, "blocks_removed", 1), static_cast<double>((*chosen)["removed_blocks"].size()));
  EXPECT_EQ(cell(seen, "file_bytes", 1), static_cast<double>(fs::file_size(run / "pruned.pkm")));
  EXPECT_GT(cell(seen, "latency_b1", 0), 0);
  EXPECT_GT(cell(seen, "latency_b32", 1), 0);

  // Time per phase: the sums of the log's seconds.
  json sums = json::object();
  for (const json& line : log)
    for (const auto& [phase, s] : line["seconds"].items()) sums[phase] = sums.value(phase, 0.0) + s.get<double>();
  ASSERT_EQ(seen["time"].size(), sums.size()) << seen["time"].dump();
  for (const auto& [phase, s] : sums.items()) EXPECT_NEAR(seen["time"][phase].get<double>(), s.get<double>(), 1e-4 + 1e-5 * s.get<double>()) << phase;

  // Widths: one row per conv/linear group, removed rows exactly the chosen candidate's blocks.
  ASSERT_FALSE(seen["widths"].empty());
  int removed = 0;
  for (const json& w : seen["widths"]) {
    EXPECT_LE(w["kept"].get<int>(), w["original"].get<int>()) << w.dump();
    removed += w["removed"].get<bool>();
  }
  EXPECT_EQ(removed > 0, !(*chosen)["removed_blocks"].empty());
  EXPECT_EQ(seen["notes"], json::array());
}

TEST_F(ReportCli, IncompleteRunFoldersGiveAPartialReportOrAClearError) {
  // A log line cut off mid-write is left out and named.
  const fs::path cut = copy_of_run("cut");
  std::string text = read_text(cut / "log.jsonl");
  text.resize(text.size() - 40);
  std::ofstream(cut / "log.jsonl", std::ios::trunc) << text;
  CommandResult r = prunekit("report " + cut.string() + " --no-latency");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("log.jsonl: 1 line is cut off or malformed (the first is line 8)"), std::string::npos) << r.output;

  // A search still running (its lock held, no pruned model yet) gives the candidates so far.
  const fs::path running = copy_of_run("running");
  for (const char* f : {"pruned.pkm", "pareto.json", "best_plan.json"}) fs::remove(running / f);
  {
    const pk::DirectoryLock lock(running.string());
    r = prunekit("report " + running.string() + " --no-latency");
  }
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("the search is still running (pid " + std::to_string(::getpid()) + ")"), std::string::npos)
      << r.output;
  const json seen = open_in_browser(running / "report.html", "running.png");
  expect_clean_page(seen, 3);  // no pruned model: no widths; the curve, the candidates and the time
  EXPECT_EQ(seen["notes"].size(), 1u) << seen["notes"].dump();

  // No log at all: a report of what is there, saying the log is missing.
  const fs::path no_log = copy_of_run("no-log");
  fs::remove(no_log / "log.jsonl");
  r = prunekit("report " + no_log.string() + " --no-latency");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("log.jsonl is missing"), std::string::npos) << r.output;

  // Not a run folder, no folder, a wrong output name: exit 2, nothing written.
  fs::create_directories(dir_ / "empty");
  r = prunekit("report " + (dir_ / "empty").string());
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("holds no search run"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir_ / "empty" / "report.html"));
  r = prunekit("report " + (dir_ / "nowhere").string());
  EXPECT_EQ(r.code, 2) << r.output;
  r = prunekit("report " + (dir_ / "run").string() + " --out " + (dir_ / "r.txt").string());
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_FALSE(fs::exists(dir_ / "r.txt"));
  r = prunekit("report --model " + model_);
  EXPECT_EQ(r.code, 2) << r.output;
}

TEST_F(ReportCli, ModelPairAndGconvReports) {
  const fs::path pair = dir_ / "pair.html";
  CommandResult r = prunekit("report --model " + model_ + " --pruned " + (dir_ / "run" / "pruned.pkm").string() +
                             " --out " + pair.string() + " --no-latency");
  ASSERT_EQ(r.code, 0) << r.output;
  json seen = open_in_browser(pair, "pair.png");
  expect_clean_page(seen, 1);  // the widths; no search
  EXPECT_GT(cell(seen, "search_top1", 1), 0);  // a one-shot prune gets its score on the search split
  EXPECT_EQ(cell(seen, "macs", 0), pk::load_model((dir_ / "run" / "pruned.pkm").string()).metadata["search"]["original_macs"].get<double>());

  const fs::path gconv = dir_ / "gconv";
  r = prunekit("search --model " + model_ + " --method gconv --target-params 0.5 --no-progress --out " + gconv.string());
  ASSERT_EQ(r.code, 0) << r.output;
  r = prunekit("report " + gconv.string() + " --no-latency");
  ASSERT_EQ(r.code, 0) << r.output;
  seen = open_in_browser(gconv / "report.html", "gconv.png");
  expect_clean_page(seen, 3);  // widths, local-search trajectory, group counts
  // The widths table shows every conv the search regrouped, with its layers.json group count.
  const json layers = json::parse(read_text(gconv / "layers.json"));
  const std::string page = read_text(gconv / "report.html");
  int regrouped = 0;
  for (const json& l : layers)
    if (l["chosen"].get<int>() > 1) {
      ++regrouped;
      EXPECT_NE(page.find("<td>1 → " + std::to_string(l["chosen"].get<int>())), std::string::npos) << l["conv"];
    }
  EXPECT_GT(regrouped, 0);
}

}  // namespace
