// The detection pipeline end to end through the binary: train a detector on the generated
// shapes set, eval its mAP, search a pruned detector, and the user errors of bad YOLO folders.
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "graph/cost.h"
#include "support/command.h"
#include "weights/model_file.h"

namespace pk {
namespace {

namespace fs = std::filesystem;
using testing::CommandResult;
using testing::run_prunekit;

fs::path temp_dir(const std::string& tag) {
  fs::path d = fs::temp_directory_path() / ("pk_detect_cli_" + tag + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

const char* kTinyShapes = "--dataset shapes --image-size 64 --generated-images 96 --search-size 24";

TEST(DetectCli, TrainEvalSearchOnGeneratedShapes) {
  const fs::path d = temp_dir("pipeline");
  const std::string model = (d / "det.pkm").string();
  const CommandResult t = run_prunekit(std::string("train --model yolo-tiny --width 0.25 ") + kTinyShapes +
                                       " --epochs 2 --batch-size 8 --no-progress --out " + model);
  ASSERT_EQ(t.code, 0) << t.output;
  EXPECT_NE(t.output.find("mAP@0.5"), std::string::npos) << t.output;
  const ModelFile saved = load_model(model);
  EXPECT_EQ(saved.metadata["task"], "detect");
  ASSERT_EQ(saved.metadata["detection"]["anchors"].size(), 2u);  // yolo-tiny: two scales
  EXPECT_EQ(saved.metadata["detection"]["anchors"][0].size(), 3u);
  EXPECT_EQ(saved.metadata["detection"]["classes"].size(), 5u);

  // eval finds the dataset in the metadata and reports per-class AP.
  const CommandResult e = run_prunekit("eval --json --model " + model);
  ASSERT_EQ(e.code, 0) << e.output;
  const size_t json_start = e.output.find("\n{\n");  // after the resolved-options line on stderr
  ASSERT_NE(json_start, std::string::npos) << e.output;
  const auto j = nlohmann::json::parse(e.output.substr(json_start + 1));
  EXPECT_GE(j["map50"].get<double>(), 0.0);
  EXPECT_LE(j["map50"].get<double>(), 1.0);
  EXPECT_LE(j["map50_95"].get<double>(), j["map50"].get<double>());
  EXPECT_EQ(j["per_class"].size(), 5u);
  EXPECT_GT(j["ground_truths"].get<int>(), 0);

  // A search on the detector scores candidates by mAP and writes a pruned detector with anchors.
  const fs::path run = d / "search";
  // By default each candidate's output convs are fine-tuned briefly (20 steps of 16 images) first.
  const CommandResult s = run_prunekit("search --model " + model + " --method random --episodes 2 --target-macs 0.5 "
                                       "--calib-batches 1 --out " + run.string());
  ASSERT_EQ(s.code, 0) << s.output;
  const auto run_options = [](const fs::path& dir) {
    return nlohmann::json::parse(std::ifstream(dir / "run.json"))["options"];
  };
  EXPECT_EQ(run_options(run)["eval_finetune"],
            nlohmann::json({{"steps", 20}, {"scope", "head"}, {"lr", 0.01}, {"batch_size", 16}}));
  // ... and the best 5 are scored again after 200 steps; the chosen one is the result.
  EXPECT_EQ(run_options(run)["finalists"], nlohmann::json({{"count", 5}, {"finetune_steps", 200}}));
  EXPECT_TRUE(fs::exists(run / "finalists.json"));
  EXPECT_NE(s.output.find("finalist    chosen of 2 re-scored with 200"), std::string::npos) << s.output;
  const ModelFile pruned = load_model((run / "pruned.pkm").string());
  EXPECT_EQ(pruned.metadata["detection"]["anchors"], saved.metadata["detection"]["anchors"]);
  const CommandResult pe = run_prunekit("eval --model " + (run / "pruned.pkm").string());
  ASSERT_EQ(pe.code, 0) << pe.output;
  EXPECT_NE(pe.output.find("mAP@0.5:0.95"), std::string::npos) << pe.output;

  // LFGCL's label-free reward compares the detector's raw output maps with the original's.
  const CommandResult lf = run_prunekit("search --model " + model + " --method lfgcl --episodes 2 --target-macs 0.5 "
                                        "--calib-batches 1 --out " + (d / "lfgcl").string());
  ASSERT_EQ(lf.code, 0) << lf.output;
  std::ifstream log_file(d / "lfgcl" / "log.jsonl");
  std::string first;
  ASSERT_TRUE(std::getline(log_file, first));
  EXPECT_GT(nlohmann::json::parse(first)["distance"].get<double>(), 0.0) << first;
  EXPECT_EQ(run_options(d / "lfgcl")["eval_finetune"]["steps"], 0);  // label-free: no box is read
  EXPECT_EQ(run_options(d / "lfgcl")["finalists"]["count"], 0);

  // finetune takes the pruned detector's dataset from its metadata and keeps its anchors.
  const std::string tuned = (d / "tuned.pkm").string();
  const CommandResult f = run_prunekit("finetune --model " + (run / "pruned.pkm").string() +
                                       " --epochs 1 --batch-size 8 --no-progress --out " + tuned);
  ASSERT_EQ(f.code, 0) << f.output;
  EXPECT_NE(f.output.find("\"lr\":0.005"), std::string::npos) << f.output;  // finetune's default
  EXPECT_EQ(load_model(tuned).metadata["detection"]["anchors"], saved.metadata["detection"]["anchors"]);
  fs::remove_all(d);
}

// finetune --teacher on a detector distills the raw output maps (kd-alpha 0.5 by default); a teacher
// whose outputs differ and --label-free (a detector always reads its boxes) are user errors.
TEST(DetectCli, FinetuneDistillsFromADetectorTeacher) {
  const fs::path d = temp_dir("teacher");
  const std::string model = (d / "det.pkm").string();
  const std::string train = std::string("train --model yolo-tiny --width 0.25 ") + kTinyShapes +
                            " --epochs 1 --batch-size 8 --no-progress";
  ASSERT_EQ(run_prunekit(train + " --out " + model).code, 0);
  const std::string finetune = "finetune --model " + model + " --epochs 1 --batch-size 8 --no-progress --teacher ";

  const std::string tuned = (d / "tuned.pkm").string();
  const CommandResult f = run_prunekit(finetune + model + " --out " + tuned);
  ASSERT_EQ(f.code, 0) << f.output;
  const nlohmann::json teacher = load_model(tuned).metadata["training"]["teacher"];
  EXPECT_EQ(teacher["model"], model);
  EXPECT_EQ(teacher["alpha"], 0.5);
  const CommandResult alpha = run_prunekit(finetune + model + " --kd-alpha 0.2 --out " + tuned);
  ASSERT_EQ(alpha.code, 0) << alpha.output;
  EXPECT_DOUBLE_EQ(load_model(tuned).metadata["training"]["teacher"]["alpha"].get<double>(), 0.2);

  // A detector trained at 96 px has larger output maps than the 64 px student.
  const std::string large = (d / "large.pkm").string();
  std::string large_train = train;
  large_train.replace(large_train.find("--image-size 64"), 15, "--image-size 96");
  ASSERT_EQ(run_prunekit(large_train + " --out " + large).code, 0);
  const std::string refused = (d / "refused.pkm").string();
  const CommandResult mismatch = run_prunekit(finetune + large + " --out " + refused);
  EXPECT_EQ(mismatch.code, 2) << mismatch.output;
  EXPECT_NE(mismatch.output.find("--teacher '" + large + "': output"), std::string::npos) << mismatch.output;
  const CommandResult label_free = run_prunekit(finetune + model + " --label-free --out " + refused);
  EXPECT_EQ(label_free.code, 2) << label_free.output;
  EXPECT_NE(label_free.output.find("--label-free is not available for detectors"), std::string::npos)
      << label_free.output;
  EXPECT_FALSE(fs::exists(refused));
  fs::remove_all(d);
}

// Every search method runs on a detector and writes a pruned detector within the budget that keeps
// its anchors and still evaluates (ABCP, AMC: channels and blocks; gconv: grouped convolutions).
TEST(DetectCli, EveryMethodSearchesADetector) {
  const fs::path d = temp_dir("methods");
  const std::string model = (d / "det.pkm").string();
  const CommandResult t = run_prunekit(std::string("train --model yolo-tiny --width 0.25 ") + kTinyShapes +
                                       " --epochs 1 --batch-size 8 --no-progress --out " + model);
  ASSERT_EQ(t.code, 0) << t.output;
  const ModelFile original = load_model(model);
  const int64_t macs = graph_cost(original.graph).macs;
  for (const std::string method : {"abcp", "amc", "gconv"}) {
    const fs::path run = d / method;
    const std::string episodes = method == "gconv" ? "" : " --episodes 3 --eval-finetune-steps 1 --finalist-steps 1 --calib-batches 1";
    const CommandResult s = run_prunekit("search --model " + model + " --method " + method + " --target-macs 0.5" +
                                         episodes + " --out " + run.string());
    ASSERT_EQ(s.code, 0) << method << "\n" << s.output;
    const ModelFile pruned = load_model((run / "pruned.pkm").string());
    EXPECT_LE(graph_cost(pruned.graph).macs, macs / 2 + macs / 100) << method;
    EXPECT_LT(graph_cost(pruned.graph).macs, macs) << method;
    EXPECT_EQ(pruned.metadata["detection"]["anchors"], original.metadata["detection"]["anchors"]) << method;
    EXPECT_EQ(pruned.graph.outputs(), original.graph.outputs()) << method;
    const CommandResult e = run_prunekit("eval --model " + (run / "pruned.pkm").string());
    EXPECT_EQ(e.code, 0) << method << "\n" << e.output;
  }
  fs::remove_all(d);
}

TEST(DetectCli, ClassifierOnADetectionSetIsAUserError) {
  const fs::path d = temp_dir("classifier");
  const CommandResult t = run_prunekit(std::string("train --model resnet20 ") + kTinyShapes +
                                       " --epochs 1 --no-progress --out " + (d / "x.pkm").string());
  EXPECT_EQ(t.code, 2) << t.output;
  EXPECT_NE(t.output.find("classifier"), std::string::npos) << t.output;
  EXPECT_FALSE(fs::exists(d / "x.pkm"));
  fs::remove_all(d);
}

/// A 32x32 24-bit BMP (stb reads it) of a dark background with a bright square at [8, 24)².
void write_bmp(const fs::path& path) {
  const int side = 32, row = side * 3;  // 96 bytes a row: a multiple of 4, no padding
  const uint32_t pixels = row * side, size = 54 + pixels;
  std::string header(54, '\0');
  const auto put32 = [&](size_t at, uint32_t v) {
    for (int b = 0; b < 4; ++b) header[at + b] = static_cast<char>((v >> (8 * b)) & 0xff);
  };
  header[0] = 'B', header[1] = 'M';
  put32(2, size), put32(10, 54), put32(14, 40), put32(18, side), put32(22, side);
  header[26] = 1, header[28] = 24;
  put32(34, pixels);
  std::string data(pixels, '\x20');
  for (int y = 8; y < 24; ++y)
    for (int x = 8; x < 24; ++x)
      for (int c = 0; c < 3; ++c) data[static_cast<size_t>(y * row + x * 3 + c)] = '\xe0';
  std::ofstream(path, std::ios::binary) << header << data;
}

/// An ultralytics-layout folder: images/{train,val}/*.bmp with labels/{train,val}/*.txt, classes.txt.
fs::path yolo_folder(const std::string& tag, int per_split) {
  const fs::path d = temp_dir(tag);
  for (const char* split : {"train", "val"}) {
    fs::create_directories(d / "images" / split);
    fs::create_directories(d / "labels" / split);
    for (int i = 0; i < per_split; ++i) {
      write_bmp(d / "images" / split / (std::to_string(i) + ".bmp"));
      std::ofstream(d / "labels" / split / (std::to_string(i) + ".txt")) << "0 0.5 0.5 0.5 0.5\n";
    }
  }
  std::ofstream(d / "classes.txt") << "square\n";
  return d;
}

TEST(DetectCli, YoloFolderTrainsStopsResumesEvaluatesAndExports) {
  const fs::path d = yolo_folder("folder", 6);
  const std::string model = (d / "det.pkm").string();
  const std::string train = "train --model yolo-tiny --width 0.25 --dataset yolo --data-path " + d.string() +
                            " --image-size 32 --search-size 2 --batch-size 2 --epochs 2 --no-progress --out " + model;
  const CommandResult stopped = run_prunekit(train + " --stop-after 1");
  ASSERT_EQ(stopped.code, 0) << stopped.output;
  EXPECT_NE(stopped.output.find("stopped after epoch 1 of 2"), std::string::npos) << stopped.output;
  EXPECT_FALSE(fs::exists(model));
  EXPECT_TRUE(fs::exists(model + ".ckpt"));
  EXPECT_TRUE(fs::exists(model + ".ckpt.optim"));

  const CommandResult other = run_prunekit(train + " --lr 0.02 --resume");  // another schedule: refused
  EXPECT_EQ(other.code, 2) << other.output;
  EXPECT_NE(other.output.find("lr: checkpoint 0.01, now 0.02"), std::string::npos) << other.output;

  const CommandResult resumed = run_prunekit(train + " --resume");
  ASSERT_EQ(resumed.code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resuming after epoch 1 of 2"), std::string::npos) << resumed.output;
  EXPECT_TRUE(fs::exists(model));
  EXPECT_FALSE(fs::exists(model + ".ckpt"));  // a finished run leaves only its model
  EXPECT_EQ(load_model(model).metadata["training"]["history"].size(), 2u);
  EXPECT_EQ(load_model(model).metadata["detection"]["classes"], nlohmann::json({"square"}));

  const CommandResult e = run_prunekit("eval --model " + model);
  ASSERT_EQ(e.code, 0) << e.output;
  EXPECT_NE(e.output.find("square"), std::string::npos) << e.output;
  EXPECT_NE(e.output.find("(test split, 6 images)"), std::string::npos) << e.output;
  const CommandResult x = run_prunekit("export --model " + model + " --out " + (d / "det.onnx").string());
  ASSERT_EQ(x.code, 0) << x.output;
  EXPECT_TRUE(fs::exists(d / "det.onnx"));
  fs::remove_all(d);
}

TEST(DetectCli, BadYoloLabelNamesFileAndLineAndWritesNothing) {
  const fs::path d = yolo_folder("yolo", 3);
  std::ofstream(d / "labels" / "train" / "1.txt") << "0 0.5 0.5 0.2 0.2\n0 0.5 1.7 0.2 0.2\n";
  const std::string out = (d / "det.pkm").string();
  const CommandResult t = run_prunekit("train --model yolo-tiny --width 0.25 --dataset yolo --data-path " + d.string() +
                                       " --image-size 32 --search-size 1 --epochs 1 --no-progress --out " + out);
  EXPECT_EQ(t.code, 2) << t.output;
  EXPECT_NE(t.output.find("1.txt"), std::string::npos) << t.output;
  EXPECT_NE(t.output.find("line 2"), std::string::npos) << t.output;
  EXPECT_FALSE(fs::exists(out));
  fs::remove_all(d);
}

}  // namespace
}  // namespace pk
