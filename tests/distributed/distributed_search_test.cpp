// `mpirun -np K prunekit search` on localhost (issue 18): the same log, best plan and pruned
// model at any K, a lost worker stops the job at its last checkpoint and --resume at another K
// finishes identically, and a rank that cannot read its inputs fails the job naming itself.
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "support/command.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using pk::testing::CommandResult;
using pk::testing::run_command;

const std::string kBin = PK_PRUNEKIT_BIN;

bool has_fashion_mnist() { return fs::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"); }

/// Open MPI refuses to start as root without these two variables (CI runs as root).
void allow_mpirun_as_root() {
  ::setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
  ::setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
}

/// `mpirun -np <ranks> prunekit <args>`, stdout and stderr captured; --oversubscribe allows 3
/// ranks on 2 cores.
CommandResult mpirun(int ranks, const std::string& args) {
  allow_mpirun_as_root();
  return run_command("mpirun --oversubscribe -np " + std::to_string(ranks) + " " + kBin + " " + args + " 2>&1");
}

class DistributedSearch : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!has_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist not installed";
    dir_ = fs::temp_directory_path() / ("pk_distributed_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    model_ = (dir_ / "tiny.pkm").string();
    // One thread everywhere, so every process computes bit for bit alike.
    const CommandResult t = pk::testing::run_prunekit(
        "train --model resnet20 --width 0.25 --batch-size 64 --train-limit 256 --test-limit 128 --epochs 1 "
        "--no-progress --threads 1 --out " + model_);
    ASSERT_EQ(t.code, 0) << t.output;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string search_args(const std::string& method, int episodes, const std::string& out) const {
    return "search --method " + method + " --model " + model_ + " --search-size 64 --episodes " +
           std::to_string(episodes) + " --calib-batches 1 --calib-batch-size 16 --no-progress --threads 1 --out " +
           (dir_ / out).string();
  }
  std::string file(const std::string& run, const std::string& name) const {
    std::ifstream in(dir_ / run / name, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  /// log.jsonl without wall times, one JSON value per line.
  std::string log_without_timings(const std::string& run) const {
    std::istringstream lines(file(run, "log.jsonl"));
    std::string line, out;
    while (std::getline(lines, line)) {
      json j = json::parse(line);
      j.erase("seconds");
      out += j.dump() + "\n";
    }
    return out;
  }

  /// Starts `mpirun -np 2 prunekit <args>` (whose --out is dir_/run), sends `signal` to rank 1
  /// once the first update's checkpoint exists, and returns what the job printed and
  /// "exit=<code>" of mpirun.
  CommandResult signal_worker_when_checkpointed(const std::string& args, const std::string& run,
                                                const std::string& signal) const {
    const std::string out = (dir_ / (run + ".txt")).string();
    const std::string checkpoint = (dir_ / run / "checkpoint").string();
    std::ofstream(dir_ / (run + ".sh"))
        << "(mpirun -np 2 " << kBin << " " << args << " > " << out << " 2>&1; echo \"exit=$?\" >> " << out
        << ") &\n"
        << "for i in $(seq 1 300); do [ -f " << checkpoint << " ] && break; sleep 0.05; done\n"
        // Only this job's rank 1: ctest runs other tests' jobs alongside (their --out differs).
        << "for pid in $(pgrep -f -- '--out " << (dir_ / run).string() << "( |$)'); do\n"
        << "  if tr '\\0' '\\n' < /proc/$pid/environ 2>/dev/null | grep -qx OMPI_COMM_WORLD_RANK=1; then kill -"
        << signal << " $pid; fi\n"
        << "done\nwait\ncat " << out << "\n";
    allow_mpirun_as_root();
    return run_command("bash " + (dir_ / (run + ".sh")).string());
  }

  fs::path dir_;
  std::string model_;
};

TEST_F(DistributedSearch, AnyNumberOfRanksGivesTheSameLogPlanAndModelAsOneProcess) {
  for (const std::string method : {"abcp", "random"}) {
    SCOPED_TRACE(method);
    const CommandResult plain = pk::testing::run_prunekit(search_args(method, 8, method + "-plain"));
    ASSERT_EQ(plain.code, 0) << plain.output;
    const std::string log = log_without_timings(method + "-plain");
    ASSERT_EQ(std::count(log.begin(), log.end(), '\n'), 8) << log;
    for (int ranks : {1, 2, 3}) {
      SCOPED_TRACE(ranks);
      const std::string run = method + "-np" + std::to_string(ranks);
      const CommandResult r = mpirun(ranks, search_args(method, 8, run));
      ASSERT_EQ(r.code, 0) << r.output;
      EXPECT_NE(r.output.find("ranks       " + std::to_string(ranks) + ": scored"), std::string::npos) << r.output;
      EXPECT_EQ(log_without_timings(run), log);
      EXPECT_EQ(file(run, "best_plan.json"), file(method + "-plain", "best_plan.json"));
      EXPECT_EQ(file(run, "pruned.pkm"), file(method + "-plain", "pruned.pkm"));
      // Only rank 0 prints: one summary, one options line.
      EXPECT_EQ(r.output.find("candidates  8"), r.output.rfind("candidates  8")) << r.output;
    }
  }
}

// The worker is killed with SIGKILL once the first update's checkpoint exists.
TEST_F(DistributedSearch, AKilledWorkerStopsTheJobAndResumeOnOtherRanksFinishesIdentically) {
  const CommandResult plain = pk::testing::run_prunekit(search_args("random", 160, "plain"));
  ASSERT_EQ(plain.code, 0) << plain.output;
  const std::string args = search_args("random", 160, "killed");
  const CommandResult killed = signal_worker_when_checkpointed(args, "killed", "KILL");
  EXPECT_EQ(killed.output.find("exit=0"), std::string::npos) << "the job must fail: " << killed.output;
  EXPECT_NE(killed.output.find("rank 1"), std::string::npos) << killed.output;
  EXPECT_FALSE(fs::exists(dir_ / "killed" / "pruned.pkm")) << killed.output;
  ASSERT_TRUE(fs::exists(dir_ / "killed" / "checkpoint"));

  const CommandResult resumed = mpirun(3, args + " --resume");
  ASSERT_EQ(resumed.code, 0) << resumed.output;
  EXPECT_EQ(log_without_timings("killed"), log_without_timings("plain"));
  EXPECT_EQ(file("killed", "best_plan.json"), file("plain", "best_plan.json"));
  EXPECT_EQ(file("killed", "pruned.pkm"), file("plain", "pruned.pkm"));
}

// A worker stopped with SIGSTOP (hung) past --worker-timeout: rank 0 names it and aborts the job.
TEST_F(DistributedSearch, AHungWorkerIsReportedAfterTheTimeoutAndTheJobEnds) {
  const CommandResult hung =
      signal_worker_when_checkpointed(search_args("random", 400, "hung") + " --worker-timeout 2", "hung", "STOP");
  EXPECT_NE(hung.output.find("rank 1 on host"), std::string::npos) << hung.output;
  EXPECT_NE(hung.output.find("--worker-timeout 2"), std::string::npos) << hung.output;
  EXPECT_NE(hung.output.find("--resume"), std::string::npos) << hung.output;
  EXPECT_EQ(hung.output.find("exit=0"), std::string::npos) << hung.output;
  EXPECT_TRUE(fs::exists(dir_ / "hung" / "checkpoint"));
  // "[p]" keeps pgrep from matching the shell that runs it.
  EXPECT_EQ(run_command("pgrep -f '[p]runekit search --method random.*" + (dir_ / "hung").string() + "'").code, 1)
      << "no rank may outlive the job";
}

// MPMD launch: rank 1 is given a model path it cannot read.
TEST_F(DistributedSearch, ARankThatCannotReadTheModelFailsTheJobNamingRankAndHost) {
  const std::string good = search_args("random", 4, "bad");
  std::string bad = good;
  bad.replace(bad.find(model_), model_.size(), (dir_ / "missing.pkm").string());
  allow_mpirun_as_root();
  const CommandResult r = run_command("mpirun -np 1 " + kBin + " " + good + " : -np 1 " + kBin + " " + bad + " 2>&1");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("rank 1 on host"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("missing.pkm"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir_ / "bad" / "log.jsonl")) << "nothing may start";

  // With --broadcast-model rank 1 receives rank 0's bytes and never opens its path.
  const CommandResult b = run_command("mpirun -np 1 " + kBin + " " + good + " --broadcast-model : -np 1 " + kBin +
                                      " " + bad + " --broadcast-model 2>&1");
  EXPECT_EQ(b.code, 0) << b.output;
  EXPECT_NE(b.output.find("scored"), std::string::npos) << b.output;
}

// Without --threads each rank takes its host's cores divided by the ranks on the host
// (--bind-to none: mpirun would otherwise bind each of 2 ranks to one core).
TEST_F(DistributedSearch, EachRankDefaultsToItsShareOfTheHostsCores) {
  std::string args = search_args("random", 4, "threads");
  args.erase(args.find(" --threads 1"), std::string(" --threads 1").size());
  allow_mpirun_as_root();
  const CommandResult r = run_command("mpirun --oversubscribe --bind-to none -np 2 " + kBin + " " + args + " 2>&1");
  ASSERT_EQ(r.code, 0) << r.output;
  const json run = json::parse(file("threads", "run.json"));
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  EXPECT_EQ(run["options"]["threads"].get<int>(), std::max(1, cores / 2)) << run.dump();
  EXPECT_EQ(run["options"]["mpi"]["ranks"].get<int>(), 2) << run.dump();
}

TEST_F(DistributedSearch, OtherCommandsRefuseSeveralRanks) {
  const CommandResult r = mpirun(2, "eval --model " + model_ + " --test-limit 16 --threads 1");
  EXPECT_EQ(r.code, 2) << r.output;
  const std::string message = "only `search` spreads its work over ranks";
  ASSERT_NE(r.output.find(message), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find(message), r.output.rfind(message)) << "reported once, by rank 0: " << r.output;
  const CommandResult one = mpirun(1, "eval --model " + model_ + " --test-limit 16 --threads 1");
  EXPECT_EQ(one.code, 0) << one.output;
}

}  // namespace
