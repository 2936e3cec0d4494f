// End-to-end tests of the prunekit binary as a user runs it: exit codes, messages, outputs.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "core/directory_lock.h"
#include "models/zoo.h"
#include "support/command.h"
#include "weights/model_file.h"

namespace {

namespace fs = std::filesystem;

using pk::testing::CommandResult;

/// Runs a shell command; output = what it writes to stdout.
CommandResult run_shell(const std::string& cmd) { return pk::testing::run_command(cmd); }

/// Runs `<env_prefix> prunekit <args>` (env_prefix: e.g. "env -u VAR", or "").
CommandResult prunekit_env(const std::string& env_prefix, const std::string& args) {
  return run_shell(env_prefix + " " + std::string(PK_PRUNEKIT_BIN) + " " + args + " 2>&1");
}

CommandResult prunekit(const std::string& args) { return prunekit_env("", args); }

fs::path temp_dir() {
  fs::path d = fs::temp_directory_path() / ("pk_cli_test_" + std::to_string(::getpid()));
  fs::create_directories(d);
  return d;
}

bool has_fashion_mnist() { return fs::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"); }

TEST(Cli, HelpListsSubcommandsAndExitsZero) {
  CommandResult r = prunekit("--help");
  EXPECT_EQ(r.code, 0);
  for (const char* sub : {"train", "eval", "analyze"}) EXPECT_NE(r.output.find(sub), std::string::npos) << sub;
  CommandResult t = prunekit("train --help");
  EXPECT_EQ(t.code, 0);
  EXPECT_NE(t.output.find("--epochs"), std::string::npos);
  EXPECT_NE(t.output.find("--resume"), std::string::npos);
}

// Commands that compute run with OMP_WAIT_POLICY=PASSIVE unless the user chose a policy:
// libgomp's verbose display shows the spin count it actually uses (0 = passive).
TEST(Cli, ComputeCommandsMakeOpenMpThreadsWaitPassively) {
  CommandResult unset = prunekit_env("env -u OMP_WAIT_POLICY OMP_DISPLAY_ENV=verbose",
                                     "bench resnet20 --batch 1 --threads 1 --reps 3");
  ASSERT_EQ(unset.code, 0) << unset.output;
  EXPECT_NE(unset.output.find("GOMP_SPINCOUNT = '0'"), std::string::npos) << unset.output;
  CommandResult chosen = prunekit_env("env OMP_WAIT_POLICY=ACTIVE OMP_DISPLAY_ENV=verbose",
                                      "bench resnet20 --batch 1 --threads 1 --reps 3");
  ASSERT_EQ(chosen.code, 0) << chosen.output;
  EXPECT_EQ(chosen.output.find("GOMP_SPINCOUNT = '0'"), std::string::npos) << chosen.output;
  EXPECT_NE(chosen.output.find("OMP_WAIT_POLICY = 'ACTIVE'"), std::string::npos) << chosen.output;
}

TEST(Cli, AnalyzeZooModelPrintsTotals) {
  CommandResult r = prunekit("analyze resnet20 --in-channels 3 --input-size 32");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("layer3.2.conv2"), std::string::npos);
  EXPECT_NE(r.output.find("total"), std::string::npos);
  CommandResult j = prunekit("analyze resnet20 --json");
  ASSERT_EQ(j.code, 0) << j.output;
  EXPECT_NE(j.output.find("\"macs\""), std::string::npos);
}

TEST(Cli, UnknownModelIsUsageErrorListingKnownNames) {
  CommandResult r = prunekit("analyze resnet9000");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("resnet56"), std::string::npos) << r.output;
}

TEST(Cli, UnknownDatasetIsUsageError) {
  fs::path d = temp_dir();
  CommandResult r = prunekit("train --dataset imagenet-99 --out " + (d / "m.pkm").string());
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("fashion-mnist"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(d / "m.pkm"));
}

TEST(Cli, UnwritableOutputFailsBeforeTraining) {
  CommandResult r = prunekit("train --epochs 1 --out /nonexistent-dir/m.pkm");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("/nonexistent-dir"), std::string::npos) << r.output;
}

TEST(Cli, CorruptModelFileIsUsageError) {
  fs::path d = temp_dir();
  std::ofstream(d / "bad.pkm") << "this is not a model";
  CommandResult r = prunekit("eval --model " + (d / "bad.pkm").string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("bad.pkm"), std::string::npos) << r.output;
}

// A CRC-valid model whose recorded dataset has a value of the wrong type: exit 2 naming the file
// and the key (not a raw "[json.exception.type_error.302]").
TEST(Cli, WrongTypeInModelMetadataIsUsageErrorNamingTheKey) {
  fs::path d = temp_dir();
  const std::string path = (d / "bad_metadata.pkm").string();
  const pk::Graph g = pk::build_model("resnet20", pk::ModelOptions{});
  pk::save_model(path, g, pk::WeightStore::initialize(g, 0),
                 {{"dataset", {{"name", "fashion-mnist"}, {"search_size", "abc"}}}});
  CommandResult r = prunekit("eval --model " + path);
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("bad_metadata.pkm"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("dataset.search_size"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("json.exception"), std::string::npos) << r.output;
}

TEST(Cli, ChannelMismatchWithDatasetIsUsageError) {
  if (!has_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist not installed";
  fs::path d = temp_dir();
  CommandResult r = prunekit("train --model resnet20 --in-channels 3 --epochs 1 --train-limit 64 --out " + (d / "m.pkm").string());
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("channel"), std::string::npos) << r.output;
}

TEST(Cli, TrainThenEvalOnASmallSubset) {
  if (!has_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist not installed";
  fs::path d = temp_dir();
  const std::string model = (d / "tiny.pkm").string();
  CommandResult t = prunekit("train --model resnet20 --width 0.5 --epochs 2 --batch-size 64 --train-limit 1024 "
                   "--test-limit 512 --no-progress --out " + model);
  ASSERT_EQ(t.code, 0) << t.output;
  ASSERT_TRUE(fs::exists(model));
  EXPECT_FALSE(fs::exists(model + ".ckpt")) << "checkpoint should be removed after a finished run";
  CommandResult e = prunekit("eval --model " + model + " --test-limit 512 --json");
  ASSERT_EQ(e.code, 0) << e.output;
  // 2 epochs on 1024 images already beat chance (10%) by a wide margin.
  auto pos = e.output.find("\"top1\":");
  ASSERT_NE(pos, std::string::npos) << e.output;
  EXPECT_GT(std::stod(e.output.substr(pos + 7)), 0.3) << e.output;
  fs::remove_all(d);
}

// A flag given on the command line wins over the dataset settings recorded in the model file.
TEST(Cli, SearchSizeFlagOverridesTheRecordedOne) {
  if (!has_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist not installed";
  fs::path d = temp_dir();
  const std::string model = (d / "tiny.pkm").string();
  CommandResult t = prunekit("train --model resnet20 --width 0.25 --epochs 1 --train-limit 256 --test-limit 64 "
                             "--search-size 300 --no-progress --out " + model);
  ASSERT_EQ(t.code, 0) << t.output;
  CommandResult s = prunekit("search --model " + model + " --method random --episodes 1 --calib-batches 1 "
                             "--search-size 40 --train-limit 256 --out " + (d / "run").string());
  ASSERT_EQ(s.code, 0) << s.output;
  EXPECT_NE(s.output.find("(search split, 40 images)"), std::string::npos) << s.output;
  // The pruned model keeps its parent's partition (300 held out), not the smaller scoring split.
  std::ifstream pruned(d / "run" / "pruned.pkm", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(pruned)), std::istreambuf_iterator<char>());
  EXPECT_NE(bytes.find("\"search_size\":300"), std::string::npos);
  EXPECT_EQ(bytes.find("\"search_size\":40"), std::string::npos);
  CommandResult recorded = prunekit("search --model " + model + " --method random --episodes 1 --calib-batches 1 "
                                    "--train-limit 256 --out " + (d / "run2").string());
  ASSERT_EQ(recorded.code, 0) << recorded.output;
  EXPECT_NE(recorded.output.find("(search split, 300 images)"), std::string::npos) << recorded.output;
  fs::remove_all(d);
}

}  // namespace

namespace {

TEST(Cli, FinetuneWithLabelFreeDistillation) {
  if (!has_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist not installed";
  fs::path d = temp_dir();
  const std::string base = (d / "base.pkm").string(), tuned = (d / "tuned.pkm").string();
  CommandResult t = prunekit("train --model resnet20 --width 0.25 --epochs 1 --train-limit 512 --test-limit 256 "
                             "--no-progress --out " + base);
  ASSERT_EQ(t.code, 0) << t.output;
  CommandResult f = prunekit("finetune --model " + base + " --teacher " + base +
                             " --kd-alpha 1 --epochs 1 --train-limit 512 --test-limit 256 --no-progress --out " + tuned);
  ASSERT_EQ(f.code, 0) << f.output;
  EXPECT_TRUE(fs::exists(tuned));
  EXPECT_NE(f.output.find("\"teacher\""), std::string::npos) << "resolved options should name the teacher";
  CommandResult missing = prunekit("finetune --model " + (d / "nope.pkm").string() + " --out " + tuned);
  EXPECT_EQ(missing.code, 2);
  fs::remove_all(d);
}

// Every --model (and --teacher) reads .onnx files: a model exported to ONNX is searched and
// fine-tuned with itself as the teacher, as the README says.
TEST(Cli, SearchAndFinetuneReadOnnxModels) {
  if (!has_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist not installed";
  fs::path d = temp_dir() / "onnx_model";
  fs::create_directories(d);
  const std::string base = (d / "base.pkm").string(), onnx = (d / "base.onnx").string();
  CommandResult t = prunekit("train --model resnet20 --width 0.25 --epochs 1 --train-limit 256 --test-limit 64 "
                             "--no-progress --out " + base);
  ASSERT_EQ(t.code, 0) << t.output;
  CommandResult e = prunekit("export --model " + base + " --out " + onnx);
  ASSERT_EQ(e.code, 0) << e.output;
  CommandResult s = prunekit("search --method random --model " + onnx + " --search-size 16 --episodes 2 "
                             "--calib-batches 1 --calib-batch-size 16 --target-macs 0.5 --no-progress --out " +
                             (d / "run").string());
  ASSERT_EQ(s.code, 0) << s.output;
  ASSERT_TRUE(fs::exists(d / "run" / "pruned.pkm"));
  // Its metadata is true of the pruned network: the parent's test accuracy and training record
  // sit under "parent" with its digest, the search's own score at "search".
  const nlohmann::json meta = pk::load_model((d / "run" / "pruned.pkm").string()).metadata;
  EXPECT_FALSE(meta.contains("accuracy")) << meta.dump();
  EXPECT_FALSE(meta.contains("training")) << meta.dump();
  EXPECT_EQ(meta["parent"]["model"], onnx);
  EXPECT_TRUE(meta["parent"].contains("digest"));
  EXPECT_TRUE(meta["parent"]["accuracy"].contains("top1")) << "the ONNX file kept the parent's metadata";
  EXPECT_TRUE(meta["search"].contains("search_accuracy")) << meta["search"].dump();
  // The run folder is not started over silently, and never written by two processes at once.
  const std::string again = "search --method random --model " + onnx + " --search-size 16 --episodes 2 "
                            "--calib-batches 1 --calib-batch-size 16 --no-progress --out " + (d / "run").string();
  CommandResult rerun = prunekit(again);
  EXPECT_EQ(rerun.code, 2) << rerun.output;
  EXPECT_NE(rerun.output.find("holds a previous search"), std::string::npos) << rerun.output;
  {
    const pk::DirectoryLock held((d / "run").string());
    CommandResult locked = prunekit(again + " --overwrite");
    EXPECT_EQ(locked.code, 2) << locked.output;
    EXPECT_NE(locked.output.find("being written by another prunekit process (pid " + std::to_string(::getpid())),
              std::string::npos)
        << locked.output;
  }
  CommandResult overwrite = prunekit(again + " --overwrite");
  EXPECT_EQ(overwrite.code, 0) << overwrite.output;
  CommandResult f = prunekit("finetune --model " + onnx + " --teacher " + onnx +
                             " --epochs 1 --train-limit 64 --test-limit 64 --no-progress --out " + (d / "ft.pkm").string());
  ASSERT_EQ(f.code, 0) << f.output;
  EXPECT_TRUE(fs::exists(d / "ft.pkm"));
  fs::remove_all(d);
}

/// The first bytes of `path` (up to 8).
std::string file_head(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string head(8, '\0');
  in.read(head.data(), 8);
  head.resize(static_cast<size_t>(in.gcount()));
  return head;
}

// train/finetune write the format their --out names; import, whose output is a .pkm, refuses
// another extension instead of writing .pkm bytes under it.
TEST(Cli, OutputsHonourTheirExtension) {
  if (!has_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist not installed";
  fs::path d = temp_dir() / "extensions";
  fs::create_directories(d);
  const std::string onnx = (d / "m.onnx").string();
  CommandResult t = prunekit("train --model resnet20 --width 0.25 --epochs 1 --train-limit 128 --test-limit 64 "
                             "--no-progress --out " + onnx);
  ASSERT_EQ(t.code, 0) << t.output;
  EXPECT_EQ(file_head(onnx).substr(0, 1), "\x08") << "an ONNX ModelProto starts with field 1 (ir_version)";
  EXPECT_EQ(prunekit("analyze " + onnx).code, 0);
  CommandResult f = prunekit("finetune --model " + onnx + " --epochs 1 --train-limit 64 --test-limit 64 --no-progress "
                             "--out " + (d / "ft.pt").string());
  ASSERT_EQ(f.code, 0) << f.output;
  EXPECT_EQ(file_head((d / "ft.pt").string()).substr(0, 2), "PK") << "TorchScript is a zip archive";
  CommandResult i = prunekit("import " + onnx + " --out " + (d / "again.onnx").string());
  EXPECT_EQ(i.code, 2) << i.output;
  EXPECT_NE(i.output.find("prunekit export"), std::string::npos) << i.output;
  EXPECT_FALSE(fs::exists(d / "again.onnx"));
  fs::remove_all(d);
}

/// `n` 28×28 grayscale images (binary PGM) of deterministic noise in `dir`, no labels anywhere.
void write_unlabeled_images(const fs::path& dir, int n) {
  fs::create_directories(dir);
  for (int i = 0; i < n; ++i) {
    std::ofstream out(dir / ("img" + std::to_string(1000 + i) + ".pgm"), std::ios::binary);
    out << "P5\n28 28\n255\n";
    for (int p = 0; p < 28 * 28; ++p) out.put(static_cast<char>((i * 37 + p * 11 + (p / 28) * (p % 28)) % 256));
  }
}

// The label-free pipeline of the README on a directory of unlabeled images: LFGCL searches it
// (label_free by default) and `finetune --label-free` distills on it; anything that would need
// labels is refused with exit code 2.
TEST(Cli, LabelFreeSearchAndFinetuneOnAnUnlabeledImageDirectory) {
  if (!has_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist not installed";
  fs::path d = temp_dir();
  const std::string base = (d / "base.pkm").string(), tuned = (d / "tuned.pkm").string();
  write_unlabeled_images(d / "images", 64);
  const std::string data = " --dataset images --data-path " + (d / "images").string() + " --channels 1 ";
  CommandResult t = prunekit("train --model resnet20 --width 0.25 --epochs 1 --train-limit 256 --test-limit 64 "
                             "--no-progress --out " + base);
  ASSERT_EQ(t.code, 0) << t.output;
  CommandResult s = prunekit("search --method lfgcl --model " + base + data +
                             "--search-size 16 --episodes 4 --calib-batches 1 --calib-batch-size 16 --target-macs 0.5 "
                             "--no-progress --out " + (d / "lf").string());
  ASSERT_EQ(s.code, 0) << s.output;
  EXPECT_NE(s.output.find("\"reward\":\"label_free\""), std::string::npos) << s.output;
  const std::string pruned = (d / "lf" / "pruned.pkm").string();
  ASSERT_TRUE(fs::exists(pruned));
  CommandResult f = prunekit("finetune --model " + pruned + " --teacher " + base + " --label-free" + data +
                             "--search-size 0 --epochs 1 --batch-size 16 --no-progress --out " + tuned);
  ASSERT_EQ(f.code, 0) << f.output;
  EXPECT_TRUE(fs::exists(tuned));
  EXPECT_NE(f.output.find("no labeled test split"), std::string::npos) << f.output;

  CommandResult no_teacher = prunekit("finetune --model " + pruned + " --label-free" + data + "--out " + tuned + "2");
  EXPECT_EQ(no_teacher.code, 2);
  EXPECT_NE(no_teacher.output.find("--teacher"), std::string::npos) << no_teacher.output;
  CommandResult labelled = prunekit("finetune --model " + pruned + data + "--search-size 0 --out " + tuned + "2");
  EXPECT_EQ(labelled.code, 2);
  EXPECT_NE(labelled.output.find("has no labels"), std::string::npos) << labelled.output;
  CommandResult accuracy = prunekit("search --method abcp --model " + base + data + "--search-size 16 --episodes 4 "
                                    "--out " + (d / "acc").string());
  EXPECT_EQ(accuracy.code, 2);
  EXPECT_NE(accuracy.output.find("--reward label_free"), std::string::npos) << accuracy.output;
  EXPECT_FALSE(fs::exists(tuned + "2"));
  fs::remove_all(d);
}

}  // namespace

namespace {

/// `prunekit analyze <model> --json` parsed (stdout only; the resolved options go to stderr).
nlohmann::json analyze_json(const std::string& model) {
  const fs::path err = temp_dir() / "analyze.stderr";
  const CommandResult r = run_shell(std::string(PK_PRUNEKIT_BIN) + " analyze " + model + " --json 2>" + err.string());
  std::ifstream in(err);
  const std::string stderr_text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(r.code, 0) << stderr_text << r.output;
  try {
    return nlohmann::json::parse(r.output);
  } catch (const nlohmann::json::exception& e) {
    ADD_FAILURE() << "analyze " << model << " --json: " << e.what() << "\n" << stderr_text << r.output;
    return {};
  }
}

/// The first layer (name, op, inputs, output shape) where two `analyze --json` outputs differ,
/// "" if their graphs are the same.
std::string graph_difference(const nlohmann::json& a, const nlohmann::json& b) {
  const auto& la = a.at("layers");
  const auto& lb = b.at("layers");
  for (size_t i = 0; i < std::max(la.size(), lb.size()); ++i) {
    if (i >= la.size() || i >= lb.size()) return "layer count " + std::to_string(la.size()) + " vs " +
                                                  std::to_string(lb.size());
    for (const char* key : {"name", "op", "inputs", "shape"})
      if (la[i].at(key) != lb[i].at(key))
        return "layer " + std::to_string(i) + " (" + la[i].at("name").dump() + ") " + key + ": " +
               la[i].at(key).dump() + " vs " + lb[i].at(key).dump();
  }
  return "";
}

TEST(Cli, PruneMeetsBudgetAndPlanReapplies) {
  fs::path d = temp_dir();
  const std::string pruned = (d / "p.pkm").string(), plan = (d / "plan.json").string();
  const std::string again = (d / "q.pkm").string();
  CommandResult p = prunekit("prune resnet20 --method uniform --target-macs 0.5 --round-to 8 --out " + pruned +
                             " --plan-out " + plan);
  ASSERT_EQ(p.code, 0) << p.output;
  ASSERT_TRUE(fs::exists(pruned) && fs::exists(plan));
  const nlohmann::json original = analyze_json("resnet20"), a = analyze_json(pruned);
  ASSERT_FALSE(original.is_null() || a.is_null());
  const int64_t original_macs = original.at("macs").get<int64_t>();
  ASSERT_EQ(original_macs, 31021952) << "resnet20 1x28x28 has 31,021,952 MACs";
  const int64_t macs = a.at("macs").get<int64_t>();
  EXPECT_LE(macs, original_macs / 2) << "the budget is 50% of the MACs";
  EXPECT_GT(macs, original_macs / 4) << "uniform pruning to 50% should not overshoot to a quarter";
  EXPECT_LT(a.at("params").get<int64_t>(), original.at("params").get<int64_t>());
  // The written plan re-applied to the original gives the same network.
  CommandResult r = prunekit("apply --model resnet20 --plan " + plan + " --out " + again);
  ASSERT_EQ(r.code, 0) << r.output;
  const nlohmann::json b = analyze_json(again);
  ASSERT_FALSE(b.is_null());
  EXPECT_EQ(b.at("macs"), a.at("macs"));
  EXPECT_EQ(b.at("params"), a.at("params"));
  EXPECT_EQ(graph_difference(a, b), "");
  EXPECT_NE(graph_difference(original, a), "") << "the pruned graph is the original";
  fs::remove_all(d);
}

// The group-convolution pipeline of the README: search (weights only), fine-tune, export; the
// plan re-applies to the original; flags of other methods and unreachable budgets are refused.
TEST(Cli, GconvSearchFinetuneAndExport) {
  if (!has_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist not installed";
  fs::path d = temp_dir();
  const std::string base = (d / "base.pkm").string(), run = (d / "g").string();
  CommandResult t = prunekit("train --model resnet20 --width 0.5 --epochs 1 --train-limit 256 --test-limit 128 "
                             "--no-progress --out " + base);
  ASSERT_EQ(t.code, 0) << t.output;
  CommandResult s = prunekit("search --method gconv --model " + base + " --target-params 0.5 --no-progress --out " + run);
  ASSERT_EQ(s.code, 0) << s.output;
  for (const char* f : {"pruned.pkm", "best_plan.json", "log.jsonl", "pareto.json", "layers.json"})
    EXPECT_TRUE(fs::exists(fs::path(run) / f)) << f;
  const nlohmann::json original = analyze_json(base), a = analyze_json(run + "/pruned.pkm");
  ASSERT_FALSE(original.is_null() || a.is_null());
  EXPECT_LE(a.at("params").get<int64_t>(), original.at("params").get<int64_t>() / 2) << "budget: 50% of the params";
  EXPECT_GT(a.at("params").get<int64_t>(), original.at("params").get<int64_t>() / 3) << "the search stops at the budget";
  CommandResult again = prunekit("apply --model " + base + " --plan " + run + "/best_plan.json --out " + run + "/again.pkm");
  ASSERT_EQ(again.code, 0) << again.output;
  EXPECT_EQ(graph_difference(a, analyze_json(run + "/again.pkm")), "");
  CommandResult f = prunekit("finetune --model " + run + "/pruned.pkm --teacher " + base +
                             " --epochs 1 --train-limit 256 --test-limit 128 --no-progress --out " + run + "/ft.pkm");
  ASSERT_EQ(f.code, 0) << f.output;
  EXPECT_EQ(graph_difference(a, analyze_json(run + "/ft.pkm")), "") << "fine-tuning keeps the grouped graph";
  CommandResult e = prunekit("export " + run + "/ft.pkm --out " + run + "/ft.onnx");
  ASSERT_EQ(e.code, 0) << e.output;
  EXPECT_TRUE(fs::exists(run + "/ft.onnx"));

  // A finished run is not silently replaced: --overwrite recomputes it, --resume has nothing to continue.
  const std::string rerun = "search --method gconv --model " + base + " --target-params 0.5 --no-progress --out " + run;
  CommandResult refused = prunekit(rerun);
  EXPECT_EQ(refused.code, 2) << refused.output;
  EXPECT_NE(refused.output.find("holds a previous search"), std::string::npos) << refused.output;
  CommandResult resumed = prunekit(rerun + " --resume");
  EXPECT_EQ(resumed.code, 2) << resumed.output;
  EXPECT_NE(resumed.output.find("--method gconv has no --resume"), std::string::npos) << resumed.output;
  CommandResult overwritten = prunekit(rerun + " --overwrite");
  EXPECT_EQ(overwritten.code, 0) << overwritten.output;
  EXPECT_EQ(graph_difference(a, analyze_json(run + "/pruned.pkm")), "") << "the same search again";

  CommandResult episodes = prunekit("search --method gconv --model " + base + " --episodes 5 --out " + run + "2");
  EXPECT_EQ(episodes.code, 2);
  EXPECT_NE(episodes.output.find("--episodes does not apply"), std::string::npos) << episodes.output;
  CommandResult gopt = prunekit("search --method abcp --model " + base + " --gopt max_cost --out " + run + "3");
  EXPECT_EQ(gopt.code, 2);
  EXPECT_NE(gopt.output.find("--gopt is an option of --method gconv"), std::string::npos) << gopt.output;
  CommandResult tiny = prunekit("search --method gconv --model " + base + " --target-params 0.01 --out " + run + "4");
  EXPECT_EQ(tiny.code, 2);
  EXPECT_NE(tiny.output.find("out of reach"), std::string::npos) << tiny.output;
  EXPECT_FALSE(fs::exists(run + "4/pruned.pkm"));
  fs::remove_all(d);
}

TEST(Cli, BadPlanAndBudgetAreUsageErrors) {
  fs::path d = temp_dir();
  std::ofstream(d / "bad.json") << R"({"format": "prunekit-plan", "version": 1, "groups": {"nope": {"keep": 3}}})";
  CommandResult r = prunekit("apply --model resnet20 --plan " + (d / "bad.json").string() + " --out " +
                             (d / "x.pkm").string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("nope"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(d / "x.pkm"));
  CommandResult nb = prunekit("prune resnet20 --out " + (d / "y.pkm").string());
  EXPECT_EQ(nb.code, 2);
  EXPECT_NE(nb.output.find("--target-macs"), std::string::npos) << nb.output;
  // Budgets: a plain number above 1 is ambiguous, 0/-1/nan say what is wrong with the value, and
  // an unreachable one states the smallest reachable figure; none writes anything.
  const std::string out = " --out " + (d / "z.pkm").string();
  for (const auto& [value, says] : std::vector<std::pair<std::string, std::string>>{
           {"2", "ambiguous"}, {"1.5", "ambiguous"}, {"0", "positive finite"}, {"-1", "positive finite"},
           {"nan", "positive finite"}, {"1e-9", "the smallest network they allow has"}}) {
    CommandResult b = prunekit("prune resnet20 --target-macs=" + value + out);
    EXPECT_EQ(b.code, 2) << value << ": " << b.output;
    EXPECT_NE(b.output.find(says), std::string::npos) << value << ": " << b.output;
    EXPECT_FALSE(fs::exists(d / "z.pkm")) << value;
  }
  CommandResult m = prunekit("prune resnet20 --target-macs 15M" + out);
  EXPECT_EQ(m.code, 0) << m.output;
  EXPECT_NE(m.output.find("\"fraction\":false"), std::string::npos) << "15M is absolute: " << m.output;
  for (const char* latency : {"nan", "-1", "0.5ms"}) {
    CommandResult l = prunekit(std::string("search --model resnet20 --target-latency=") + latency +
                               " --out " + (d / "lat").string());
    EXPECT_EQ(l.code, 2) << latency << ": " << l.output;
    EXPECT_NE(l.output.find("--target-latency"), std::string::npos) << latency << ": " << l.output;
  }
  fs::remove_all(d);
}

// An output path that is not a regular file is refused before any work (exit 2) and left as it is.
TEST(Cli, ExportToFifoIsRefusedAndTheFifoStays) {
  fs::path d = temp_dir();
  const std::string fifo = (d / "model.onnx").string();
  ASSERT_EQ(run_shell("mkfifo " + fifo).code, 0);
  CommandResult r = prunekit("export resnet20 --out " + fifo);
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find(fifo + "': it is a FIFO, not a regular file"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::is_fifo(fifo));
  fs::remove_all(d);
}

/// A disk that fills up: the shell ignores SIGXFSZ and limits file size to `kib` KiB before it
/// starts prunekit, so every write past the limit fails with EFBIG, as on a full disk.
CommandResult prunekit_with_full_disk(int kib, const std::string& args) {
  return run_shell("bash -c \"trap '' XFSZ; ulimit -f " + std::to_string(kib) + "; exec " + std::string(PK_PRUNEKIT_BIN) +
                   " " + args + "\" 2>&1");
}

bool has_temporary_file(const fs::path& dir) {
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().find(".tmp.") != std::string::npos) return true;
  return false;
}

// Issue 12 item 9: libtorch's zip writer used to throw from its destructor (std::terminate, a frame
// trace, the temporary file left behind) when the disk filled up under a TorchScript export or a
// training checkpoint.
TEST(Cli, AFullDiskIsAClearErrorAndLeavesNoTemporaryFile) {
  if (!has_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist not installed";
  fs::path d = temp_dir() / "full";
  fs::create_directories(d);
  const std::string model = (d / "tiny.pkm").string();
  ASSERT_EQ(prunekit("train --model resnet20 --width 0.25 --epochs 1 --train-limit 128 --test-limit 64 --no-progress "
                     "--out " + model).code, 0);
  for (const std::string& args : {"export --model " + model + " --out " + (d / "m.pt").string(),
                                  "export --model " + model + " --out " + (d / "m.onnx").string(),
                                  "train --model resnet20 --width 0.25 --epochs 1 --train-limit 128 --test-limit 64 "
                                  "--no-progress --out " + (d / "t.pkm").string()}) {
    const CommandResult r = prunekit_with_full_disk(40, args);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.output;
    EXPECT_NE(r.output.find("failed: File too large"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("terminate called"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("frame #"), std::string::npos) << r.output;
    EXPECT_FALSE(has_temporary_file(d)) << args;
  }
  EXPECT_FALSE(fs::exists(d / "m.pt"));
  EXPECT_FALSE(fs::exists(d / "m.onnx"));
  fs::remove_all(d);
}

}  // namespace
