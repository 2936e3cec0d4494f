// `prunekit train` / `finetune` as a user runs them: --stop-after, --resume and its refusals.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>

#include "support/command.h"

namespace {

namespace fs = std::filesystem;

using pk::testing::CommandResult;
using pk::testing::run_prunekit;

bool has_fashion_mnist() { return fs::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"); }

fs::path temp_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("pk_train_cli_test_" + name + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// A tiny run: a few seconds per epoch. One thread, so separate processes compute bit for bit alike.
const std::string kTiny = " --model resnet20 --width 0.25 --batch-size 64 --train-limit 256 --test-limit 128 "
                          "--no-progress --threads 1 ";

/// `prunekit eval --model <model> --json` (stdout only), parsed; null on failure.
nlohmann::json eval_json(const std::string& model) {
  const CommandResult r = pk::testing::run_command(std::string(PK_PRUNEKIT_BIN) + " eval --model " + model +
                                                  " --test-limit 128 --threads 1 --json 2>/dev/null");
  EXPECT_EQ(r.code, 0) << r.output;
  try {
    return nlohmann::json::parse(r.output);
  } catch (const nlohmann::json::exception& e) {
    ADD_FAILURE() << "eval " << model << ": " << e.what() << "\n" << r.output;
    return {};
  }
}

// A run stopped by --stop-after before its last epoch writes no final model: it keeps its
// checkpoint (a model file eval reads), and --resume ends exactly where an uninterrupted run does.
TEST(TrainCli, StopAfterKeepsTheCheckpointAndResumeEqualsAnUninterruptedRun) {
  if (!has_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist not installed";
  const fs::path d = temp_dir("stop");
  const std::string full = (d / "full.pkm").string(), part = (d / "part.pkm").string();
  CommandResult f = run_prunekit("train --epochs 2" + kTiny + "--out " + full);
  ASSERT_EQ(f.code, 0) << f.output;

  CommandResult s = run_prunekit("train --epochs 2 --stop-after 1" + kTiny + "--out " + part);
  ASSERT_EQ(s.code, 0) << s.output;
  EXPECT_FALSE(fs::exists(part)) << "a stopped run has no final model";
  EXPECT_TRUE(fs::exists(part + ".ckpt") && fs::exists(part + ".ckpt.optim")) << "the checkpoint must be kept";
  EXPECT_NE(s.output.find("stopped after epoch 1 of 2"), std::string::npos) << s.output;
  EXPECT_NE(s.output.find("--resume"), std::string::npos) << s.output;
  const nlohmann::json so_far = eval_json(part + ".ckpt");
  EXPECT_TRUE(so_far.contains("top1")) << "the checkpoint is a model file";

  CommandResult r = run_prunekit("train --epochs 2 --resume" + kTiny + "--out " + part);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("resuming after epoch 1 of 2"), std::string::npos) << r.output;
  ASSERT_TRUE(fs::exists(part));
  EXPECT_FALSE(fs::exists(part + ".ckpt")) << "a finished run removes its checkpoint";
  EXPECT_FALSE(fs::exists(part + ".ckpt.optim"));
  const nlohmann::json a = eval_json(full), b = eval_json(part);
  ASSERT_FALSE(a.is_null() || b.is_null());
  EXPECT_EQ(a.at("loss"), b.at("loss")) << "the resumed run differs from the uninterrupted one";
  EXPECT_EQ(a.at("top1"), b.at("top1"));
  fs::remove_all(d);
}

// --resume with other settings than the checkpoint's is refused (exit 2), listing each
// difference with both values; the checkpoint survives the refusal. Same for finetune.
TEST(TrainCli, ResumeWithOtherSettingsIsRefusedListingEachDifference) {
  if (!has_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist not installed";
  const fs::path d = temp_dir("settings");
  const std::string m = (d / "m.pkm").string();
  CommandResult s = run_prunekit("train --epochs 2 --stop-after 1" + kTiny + "--out " + m);
  ASSERT_EQ(s.code, 0) << s.output;
  ASSERT_TRUE(fs::exists(m + ".ckpt")) << s.output;

  const std::string changed = " --model resnet20 --width 0.25 --batch-size 32 --train-limit 128 --test-limit 128 "
                              "--no-progress --threads 1 --lr 0.05 --seed 3 --no-flip ";
  CommandResult r = run_prunekit("train --epochs 2 --resume" + changed + "--out " + m);
  EXPECT_EQ(r.code, 2) << r.output;
  for (const char* line : {"lr: checkpoint 0.1, now 0.05", "seed: checkpoint 0, now 3",
                           "batch_size: checkpoint 64, now 32", "horizontal_flip: checkpoint true, now false",
                           "data.train_limit: checkpoint 256, now 128"})
    EXPECT_NE(r.output.find(line), std::string::npos) << line << "\n" << r.output;
  EXPECT_EQ(r.output.find("momentum:"), std::string::npos) << "only differences are listed\n" << r.output;
  CommandResult e = run_prunekit("train --epochs 3 --resume" + kTiny + "--out " + m);
  EXPECT_EQ(e.code, 2) << e.output;
  EXPECT_NE(e.output.find("epochs: checkpoint 2, now 3"), std::string::npos) << e.output;
  EXPECT_TRUE(fs::exists(m + ".ckpt"));
  EXPECT_FALSE(fs::exists(m));

  // finetune: the teacher and the distillation settings belong to the run too.
  const std::string base = (d / "base.pkm").string(), other = (d / "other.pkm").string();
  const std::string ft = (d / "ft.pkm").string();
  for (const auto& [model, seed] : {std::pair{base, "0"}, std::pair{other, "1"}}) {
    CommandResult t = run_prunekit(std::string("train --epochs 1 --seed ") + seed + kTiny + "--out " + model);
    ASSERT_EQ(t.code, 0) << t.output;
  }
  const std::string tune = "finetune --model " + other + " --epochs 2 --train-limit 256 --test-limit 128 "
                           "--no-progress --threads 1 ";
  CommandResult t = run_prunekit(tune + "--teacher " + base + " --stop-after 1 --out " + ft);
  ASSERT_EQ(t.code, 0) << t.output;
  CommandResult kd = run_prunekit(tune + "--teacher " + other + " --kd-temperature 2 --resume --out " + ft);
  EXPECT_EQ(kd.code, 2) << kd.output;
  for (const char* line : {"distillation.temperature: checkpoint 4.0, now 2.0", "teacher.model: checkpoint"})
    EXPECT_NE(kd.output.find(line), std::string::npos) << line << "\n" << kd.output;
  CommandResult same = run_prunekit(tune + "--teacher " + base + " --resume --out " + ft);
  EXPECT_EQ(same.code, 0) << same.output;
  EXPECT_TRUE(fs::exists(ft));
  fs::remove_all(d);
}

}  // namespace

namespace {

/// Starts `prunekit <args>` in the background, waits until `file` exists, sends `signal`, and
/// returns the command's exit code ("exit=N") and output (stdout and stderr); `dir` holds the
/// script and the output.
CommandResult interrupt_when(const fs::path& dir, const std::string& args, const fs::path& file, const char* signal) {
  const fs::path script = dir / "interrupt.sh", out = dir / "interrupted.txt";
  std::ofstream(script) << PK_PRUNEKIT_BIN << " " << args << " > '" << out.string() << "' 2>&1 &\n"
                        << "pid=$!\n"
                        << "for i in $(seq 600); do [ -f '" << file.string() << "' ] && break; sleep 0.1; done\n"
                        << "kill -" << signal << " $pid\n"
                        << "wait $pid\n"
                        << "echo \"exit=$?\"\n"
                        << "cat '" << out.string() << "'\n";
  return pk::testing::run_command("sh " + script.string());
}

bool has_temp_files(const fs::path& dir) {
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.path().filename().string().find(".tmp") != std::string::npos) return true;
  return false;
}

// SIGINT during training and SIGTERM during a search: exit 130/143 with the --resume hint, no
// temporary file left, the last checkpoint intact, and --resume finishes the run.
TEST(Interrupt, TrainAndSearchStopCleanlyAndResume) {
  if (!has_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist not installed";
  const fs::path d = temp_dir("interrupt");
  const std::string model = (d / "m.pkm").string();
  const std::string train = "train" + kTiny + "--epochs 40 --out " + model;
  CommandResult t = interrupt_when(d, train, model + ".ckpt", "INT");
  EXPECT_NE(t.output.find("exit=130"), std::string::npos) << t.output;
  EXPECT_NE(t.output.find("interrupted by SIGINT"), std::string::npos) << t.output;
  EXPECT_NE(t.output.find("--resume"), std::string::npos) << t.output;
  EXPECT_TRUE(fs::exists(model + ".ckpt"));
  EXPECT_FALSE(fs::exists(model)) << "no final model from an interrupted run";
  EXPECT_FALSE(has_temp_files(d));
  CommandResult same = run_prunekit(train + " --resume --stop-after 2");
  EXPECT_EQ(same.code, 0) << same.output;

  const fs::path run = d / "run";
  const std::string search = "search --method random --model " + model + ".ckpt --search-size 16 --episodes 400 "
                             "--calib-batches 1 --calib-batch-size 16 --no-progress --threads 1 --out " + run.string();
  CommandResult s = interrupt_when(d, search, run / "checkpoint", "TERM");
  EXPECT_NE(s.output.find("exit=143"), std::string::npos) << s.output;
  EXPECT_NE(s.output.find("interrupted by SIGTERM"), std::string::npos) << s.output;
  EXPECT_TRUE(fs::exists(run / "checkpoint"));
  EXPECT_FALSE(has_temp_files(d));
  CommandResult again = run_prunekit(search + " --resume --stop-after 8");
  EXPECT_EQ(again.code, 0) << again.output;
  fs::remove_all(d);
}

}  // namespace
