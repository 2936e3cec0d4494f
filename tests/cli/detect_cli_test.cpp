// The detection pipeline end to end through the binary: train a detector on the generated
// shapes set, eval its mAP, search a pruned detector, and the user errors of bad YOLO folders.
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

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
  const CommandResult s = run_prunekit("search --model " + model + " --method random --episodes 2 --target-macs 0.5 "
                                       "--calib-batches 1 --eval-finetune-steps 2 --eval-finetune-scope head --out " + run.string());
  ASSERT_EQ(s.code, 0) << s.output;
  const ModelFile pruned = load_model((run / "pruned.pkm").string());
  EXPECT_EQ(pruned.metadata["detection"]["anchors"], saved.metadata["detection"]["anchors"]);
  const CommandResult pe = run_prunekit("eval --model " + (run / "pruned.pkm").string());
  ASSERT_EQ(pe.code, 0) << pe.output;
  EXPECT_NE(pe.output.find("mAP@0.5:0.95"), std::string::npos) << pe.output;

  // finetune takes the pruned detector's dataset from its metadata and keeps its anchors.
  const std::string tuned = (d / "tuned.pkm").string();
  const CommandResult f = run_prunekit("finetune --model " + (run / "pruned.pkm").string() +
                                       " --epochs 1 --batch-size 8 --no-progress --out " + tuned);
  ASSERT_EQ(f.code, 0) << f.output;
  EXPECT_NE(f.output.find("\"lr\":0.005"), std::string::npos) << f.output;  // finetune's default
  EXPECT_EQ(load_model(tuned).metadata["detection"]["anchors"], saved.metadata["detection"]["anchors"]);
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

TEST(DetectCli, BadYoloLabelNamesFileAndLineAndWritesNothing) {
  const fs::path d = temp_dir("yolo");
  for (const char* split : {"train", "val"}) {
    fs::create_directories(d / "images" / split);
    fs::create_directories(d / "labels" / split);
    // A 1x1 24-bit BMP written by hand: 54-byte header, one pixel row padded to 4 bytes.
    const unsigned char bmp[] = {'B', 'M', 58, 0, 0, 0, 0, 0, 0, 0, 54, 0, 0, 0, 40, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1,
                                 0, 24, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0x13, 0x0b, 0, 0, 0x13, 0x0b, 0, 0, 0, 0, 0, 0, 0, 0,
                                 200, 100, 50, 0};
    for (const char* stem : {"a", "b", "c"}) {
      std::ofstream(d / "images" / split / (std::string(stem) + ".bmp"), std::ios::binary)
          .write(reinterpret_cast<const char*>(bmp), sizeof(bmp));
      std::ofstream(d / "labels" / split / (std::string(stem) + ".txt")) << "0 0.5 0.5 0.2 0.2\n";
    }
  }
  std::ofstream(d / "classes.txt") << "thing\n";
  std::ofstream(d / "labels" / "train" / "b.txt") << "0 0.5 0.5 0.2 0.2\n0 0.5 1.7 0.2 0.2\n";
  const std::string out = (d / "det.pkm").string();
  const CommandResult t = run_prunekit("train --model yolo-tiny --width 0.25 --dataset yolo --data-path " + d.string() +
                                       " --image-size 32 --search-size 1 --epochs 1 --no-progress --out " + out);
  EXPECT_EQ(t.code, 2) << t.output;
  EXPECT_NE(t.output.find("b.txt"), std::string::npos) << t.output;
  EXPECT_NE(t.output.find("line 2"), std::string::npos) << t.output;
  EXPECT_FALSE(fs::exists(out));
  fs::remove_all(d);
}

}  // namespace
}  // namespace pk
