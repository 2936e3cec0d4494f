// `prunekit import` / `prunekit export` and `--model x.onnx` as a user runs them: exit codes,
// messages, written files that their consumers read.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <fstream>

#include "core/atomic_file.h"
#include "io/onnx_model.h"
#include "io_test_util.h"
#include "onnx_maker.h"
#include "weights/model_file.h"

namespace pk {
namespace {

using namespace pk::iotest;

CommandResult prunekit(const std::string& args) { return run_command(std::string(PK_PRUNEKIT_BIN) + " " + args); }

bool contains(const std::string& s, const std::string& needle) { return s.find(needle) != std::string::npos; }

TEST(IoCli, ExportImportAnalyzeRoundTrip) {
  const fs::path d = temp_dir();
  const std::string onnx = (d / "r20.onnx").string(), pkm = (d / "r20.pkm").string();
  CommandResult e = prunekit("export --model resnet20 --in-channels 3 --input-size 32 --out " + onnx);
  ASSERT_EQ(e.code, 0) << e.output;
  EXPECT_TRUE(contains(e.output, "re-imported: same graph")) << e.output;
  CommandResult i = prunekit("import " + onnx + " --out " + pkm);
  ASSERT_EQ(i.code, 0) << i.output;
  EXPECT_TRUE(contains(i.output, "from prunekit")) << i.output;
  EXPECT_TRUE(load_model(pkm).graph == import_onnx(onnx).graph);
  // --model accepts the .onnx directly, and reports the same MACs as the .pkm.
  CommandResult a = prunekit("analyze --json " + onnx);
  CommandResult b = prunekit("analyze --json " + pkm);
  ASSERT_EQ(a.code, 0) << a.output;
  ASSERT_EQ(b.code, 0) << b.output;
  const auto ja = json_document(a.output);
  const auto jb = json_document(b.output);
  EXPECT_EQ(ja["macs"], jb["macs"]);
  EXPECT_GT(ja["macs"].get<int64_t>(), 40'000'000);  // ResNet-20 at 32x32: ~41M MACs
}

TEST(IoCli, ExportTorchScriptByExtensionOrFormat) {
  const fs::path d = temp_dir();
  CommandResult t = prunekit("export --model mobilenetv2 --out " + (d / "m.pt").string());
  ASSERT_EQ(t.code, 0) << t.output;
  EXPECT_TRUE(contains(t.output, "torchscript")) << t.output;
  EXPECT_TRUE(contains(t.output, "torch::jit::load")) << t.output;
  CommandResult f = prunekit("export --model vgg11 --format torchscript --out " + (d / "v.bin").string());
  ASSERT_EQ(f.code, 0) << f.output;
  EXPECT_TRUE(fs::exists(d / "v.bin"));
}

TEST(IoCli, ClearErrors) {
  const fs::path d = temp_dir();
  CommandResult unknown = prunekit("export --model resnet20 --out " + (d / "m.xyz").string());
  EXPECT_EQ(unknown.code, 2);
  EXPECT_TRUE(contains(unknown.output, "--format")) << unknown.output;
  EXPECT_FALSE(fs::exists(d / "m.xyz"));

  CommandResult fmt = prunekit("export --model resnet20 --format caffe --out " + (d / "m.onnx").string());
  EXPECT_EQ(fmt.code, 2);
  EXPECT_TRUE(contains(fmt.output, "torchscript")) << fmt.output;

  const fs::path bad = d / "bad.onnx";
  std::ofstream(bad) << "not a model";
  CommandResult i = prunekit("import " + bad.string() + " --out " + (d / "x.pkm").string());
  EXPECT_EQ(i.code, 2);
  EXPECT_TRUE(contains(i.output, "bad.onnx")) << i.output;
  EXPECT_FALSE(fs::exists(d / "x.pkm"));
  CommandResult a = prunekit("analyze " + bad.string());
  EXPECT_EQ(a.code, 2);
  EXPECT_TRUE(contains(a.output, "ONNX")) << a.output;

  CommandResult missing = prunekit("import " + (d / "nope.onnx").string() + " --out " + (d / "x.pkm").string());
  EXPECT_EQ(missing.code, 2);
  EXPECT_TRUE(contains(missing.output, "does not exist")) << missing.output;
}

// A Resize whose modes read other pixels than prunekit's upsampling is a usage error of
// `prunekit import` (exit 2, the node and the mode pair named, no output); torch's
// half_pixel + round_prefer_floor default imports.
TEST(IoCli, ImportRejectsResizeModesThatReadOtherPixels) {
  const fs::path d = temp_dir();
  for (const std::string nearest : {"floor", "round_prefer_floor"}) {
    OnnxMaker m({2, 4, 4});
    m.init("scales", {4}, {1.0f, 1.0f, 2.0f, 2.0f});
    m.node("Resize", "up", {"x", "", "scales"}, {"y"}, [&](auto* n) {
      string_attr(n, "mode", "nearest");
      string_attr(n, "coordinate_transformation_mode", "half_pixel");
      string_attr(n, "nearest_mode", nearest);
    });
    m.output("y");
    const fs::path onnx = d / ("resize_" + nearest + ".onnx"), pkm = d / ("resize_" + nearest + ".pkm");
    std::ofstream(onnx, std::ios::binary) << m.bytes();
    CommandResult r = prunekit("import " + onnx.string() + " --out " + pkm.string());
    if (nearest == "floor") {
      EXPECT_EQ(r.code, 2) << r.output;
      EXPECT_TRUE(contains(r.output, "node 'up' (Resize): coordinate_transformation_mode=half_pixel with "
                                     "nearest_mode=floor reads other input pixels"))
          << r.output;
      EXPECT_TRUE(contains(r.output, "the supported pairs here are: half_pixel+round_prefer_floor")) << r.output;
      EXPECT_FALSE(fs::exists(pkm));
    } else {
      EXPECT_EQ(r.code, 0) << r.output;
      EXPECT_TRUE(fs::exists(pkm));
    }
  }
}

TEST(IoCli, TorchvisionResNet18FromPyTorchImportsAndReexportsForOnnxRuntime) {
  if (auto why = python_torch_missing(); !why.empty()) GTEST_SKIP() << why;
  const Fixture f = torchvision_fixture("resnet18", 64);
  const fs::path d = temp_dir();
  CommandResult a = prunekit("analyze " + f.onnx);
  ASSERT_EQ(a.code, 0) << a.output;
  EXPECT_TRUE(contains(a.output, "layer4.1.conv2")) << a.output;
  const std::string out = (d / "r18.onnx").string();
  CommandResult e = prunekit("export --model " + f.onnx + " --out " + out);
  ASSERT_EQ(e.code, 0) << e.output;
  if (auto why = ort_missing(); !why.empty()) GTEST_SKIP() << why;
  const torch::Tensor y = run_ort({out}, {f.input}).at(0);
  EXPECT_LE(max_abs_diff(y, f.output), 1e-4 * std::max(1.0, f.output.abs().max().item<double>()));
}

// Pruned networks are still valid ONNX: `prunekit prune` (uniform, half the MACs) on zoo models
// with residual adds, depthwise convs and concats, and on a PyTorch ResNet-18 given as .onnx;
// the pruned model exported to ONNX passes the checker and runs in ONNX Runtime with prunekit's
// output.
TEST(IoCli, PrunedModelsExportToOnnxThatOnnxRuntimeRuns) {
  if (auto why = python_onnx_missing(); !why.empty()) GTEST_SKIP() << why;
  if (auto why = ort_missing(); !why.empty()) GTEST_SKIP() << why;
  const fs::path d = temp_dir();
  // yolo-tiny: a detector; its first output (stride 16) runs through the upsample + concat join.
  std::vector<std::string> sources{"resnet20", "mobilenetv2", "densenet", "yolo-tiny"};
  if (python_torch_missing().empty()) sources.push_back(torchvision_fixture("resnet18", 64).onnx);
  std::vector<std::string> files;
  std::vector<torch::Tensor> inputs, expected;
  for (size_t k = 0; k < sources.size(); ++k) {
    const std::string pkm = (d / fmt::format("p{}.pkm", k)).string(), onnx = (d / fmt::format("p{}.onnx", k)).string();
    CommandResult p = prunekit("prune --model " + sources[k] + " --method uniform --target-macs 0.5 --out " + pkm);
    ASSERT_EQ(p.code, 0) << p.output;
    CommandResult e = prunekit("export --model " + pkm + " --out " + onnx);
    ASSERT_EQ(e.code, 0) << e.output;
    ModelFile m = load_model(pkm);
    std::vector<int64_t> shape{2};
    const auto& dims = m.graph.node(m.graph.input_names().at(0)).shape.dims;
    shape.insert(shape.end(), dims.begin(), dims.end());
    torch::manual_seed(static_cast<int64_t>(k));
    inputs.push_back(torch::randn(shape));
    expected.push_back(run_executor(m.graph, m.weights, inputs.back()));
    files.push_back(onnx);
  }
  CommandResult check = onnx_check(files);
  EXPECT_EQ(check.code, 0) << check.output;
  const std::vector<torch::Tensor> outs = run_ort(files, inputs);
  for (size_t k = 0; k < files.size(); ++k) {
    const double scale = std::max(1.0, expected[k].abs().max().item<double>());
    EXPECT_LE(max_abs_diff(outs[k], expected[k]), 1e-4 * scale) << sources[k] << " pruned";
  }
}

}  // namespace
}  // namespace pk
