// ONNX coverage (issue 16): models exported by torch.onnx.export (opset 13, random weights, 64x64
// input, generated at test time by make_fixtures.py) for the export patterns prunekit maps —
// hardswish / hardsigmoid, reductions as global pooling, arithmetic with constants — and the
// torchvision families that use them (ShuffleNetV2: channel splits, whose pieces of one conv's
// channels go different ways; RegNet: grouped convs whose 8-channel blocks made uniform
// land at 43% of the MACs before its top-up; ConvNeXt: LayerNorm, GELU and Linear over the
// channels between permutes to channels-last and back). Each one, as a user would run it:
//   prunekit prune --model m.onnx --method uniform --target-macs 0.5 --out small.onnx
// must succeed, land within 3% of the MACs target, and the written model must compute what the
// original computes with the pruned channels zeroed (the equivalence oracle of tests/prune), in
// the executor and in ONNX Runtime. The import itself is checked against PyTorch by
// check_torchvision_family.
#include <gtest/gtest.h>

#include <ostream>

#include "../../prune/oracle_util.h"
#include "graph/cost.h"
#include "io/onnx_model.h"
#include "io_test_util.h"
#include "plan/plan_json.h"
#include "torchvision_check.h"

namespace pk {
namespace {

using namespace pk::iotest;

CommandResult prunekit(const std::string& args) { return run_command(std::string(PK_PRUNEKIT_BIN) + " " + args); }

class OnnxFamilyPrune : public ::testing::TestWithParam<const char*> {};

TEST_P(OnnxFamilyPrune, ImportsPrunesToTheTargetAndComputesTheMaskedOriginal) {
  if (auto why = python_torch_missing(); !why.empty()) GTEST_SKIP() << why;
  const std::string model = GetParam();
  check_torchvision_family(model, 64);  // import == PyTorch; prunekit's export in ORT == PyTorch
  const Fixture f = torchvision_fixture(model, 64);
  const fs::path d = temp_dir();
  const std::string plan_path = (d / "plan.json").string(), out = (d / "small.onnx").string();
  CommandResult p = prunekit("prune --model " + f.onnx + " --method uniform --target-macs 0.5 --no-recalibrate " +
                             "--plan-out " + plan_path + " --out " + out);
  ASSERT_EQ(p.code, 0) << p.output;

  const ModelFile original = import_onnx(f.onnx);
  const ModelFile pruned = import_onnx(out);
  const double macs_ratio =
      static_cast<double>(graph_cost(pruned.graph).macs) / static_cast<double>(graph_cost(original.graph).macs);
  EXPECT_NEAR(macs_ratio, 0.5, 0.03) << model << ": MACs of the pruned model / the original";

  const ChannelAnalysis analysis = analyze_channels(original.graph);
  const PrunePlan plan = load_plan(plan_path);
  const torch::Tensor expected = test::masked_reference(original.graph, original.weights, analysis, plan, f.input);
  EXPECT_LT(test::relative_diff(run_executor(pruned.graph, pruned.weights, f.input), expected), 1e-4)
      << model << ": the pruned model in the executor vs the masked original";
  if (auto why = ort_missing(); !why.empty()) GTEST_SKIP() << why;
  EXPECT_LT(test::relative_diff(run_ort({out}, {f.input}).at(0), expected), 1e-4)
      << model << ": the pruned model in ONNX Runtime vs the masked original";
}

INSTANTIATE_TEST_SUITE_P(Families, OnnxFamilyPrune,
                         ::testing::Values("pattern_hardswish_se", "pattern_normalize_reduce", "pattern_softmax",
                                           "pattern_log_softmax", "pattern_same_padding", "pattern_channel_shuffle",
                                           "pattern_channel_split", "shufflenet_v2_x0_5", "mobilenet_v3_small",
                                           "mnasnet0_5", "regnet_y_400mf", "efficientnet_b0", "mobilenet_v2",
                                           "resnet18", "squeezenet1_1", "densenet121", "googlenet",
                                           "pattern_layer_norm", "convnext_tiny"));

struct Refused {
  const char* model;
  const char* node;  // the ONNX node the error must name
  const char* what;  // and what it says about it
};

void PrintTo(const Refused& r, std::ostream* os) { *os << r.model; }

class OnnxFamilyRefused : public ::testing::TestWithParam<Refused> {};

// Families whose patterns prunekit cannot map yet are refused at import, naming the node and the
// reason, with exit code 2 and no output file: never a wrong graph.
TEST_P(OnnxFamilyRefused, ImportFailsNamingTheNode) {
  if (auto why = python_torch_missing(); !why.empty()) GTEST_SKIP() << why;
  const Fixture f = torchvision_fixture(GetParam().model, 64);
  const fs::path out = temp_dir() / "refused.pkm";
  const CommandResult r = prunekit("import " + f.onnx + " --out " + out.string());
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find(GetParam().node), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(GetParam().what), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(out));
}

INSTANTIATE_TEST_SUITE_P(
    Families, OnnxFamilyRefused,
    ::testing::Values(Refused{"pattern_spatial_slice", "/Slice", "Slice of a tensor over axis 2 is not supported"},
                      Refused{"pattern_layer_norm_chw", "/ReduceMean", "ReduceMean over axes [1,2,3] of a rank-4 tensor"}),
    [](const auto& info) { return std::string(info.param.model); });

}  // namespace
}  // namespace pk
