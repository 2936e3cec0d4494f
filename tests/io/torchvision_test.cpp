// Models exported by torch.onnx.export from torchvision (random weights, fixed seed, generated at
// test time by make_fixtures.py with Debian's python3-torch/torchvision) import into prunekit,
// run in its executor with PyTorch's output, and, exported again by prunekit, run in ONNX
// Runtime with PyTorch's output. Small inputs here (the `unit` label); tests/io/slow/ runs the
// usual 224x224 inputs, including the full VGG-11.
#include <gtest/gtest.h>

#include <ostream>

#include "core/atomic_file.h"
#include "graph/text_format.h"
#include "io/onnx_model.h"
#include "io_test_util.h"
#include "torchvision_check.h"

namespace pk {
namespace {

using namespace pk::iotest;

struct Family {
  const char* model;
  int size;
};

void PrintTo(const Family& f, std::ostream* os) { *os << f.model << " at " << f.size << "x" << f.size; }

class TorchvisionImport : public ::testing::TestWithParam<Family> {};

TEST_P(TorchvisionImport, MatchesPyTorchInExecutorAndOnnxRuntime) {
  if (auto why = python_torch_missing(); !why.empty()) GTEST_SKIP() << why;
  check_torchvision_family(GetParam().model, GetParam().size);
}

INSTANTIATE_TEST_SUITE_P(Families, TorchvisionImport,
                         ::testing::Values(Family{"resnet18", 64}, Family{"mobilenet_v2", 64},
                                           Family{"squeezenet1_1", 64}, Family{"densenet121", 64},
                                           Family{"resnext50_32x4d", 64}, Family{"vgg11_bn_head512", 32}),
                         [](const auto& info) { return std::string(info.param.model) + "_" + std::to_string(info.param.size); });

// The imported SqueezeNet as a golden graph: torch scope names become state_dict prefixes
// ("features.3.squeeze"), ceil-mode max pools and channel concats map one to one.
TEST(TorchvisionImport, SqueezeNetGraphGolden) {
  if (auto why = python_torch_missing(); !why.empty()) GTEST_SKIP() << why;
  const Fixture f = torchvision_fixture("squeezenet1_1", 64);
  const std::string text = graph_to_text(import_onnx(f.onnx).graph);
  const std::string path = std::string(PK_GOLDEN_DIR) + "/io/squeezenet1_1_64.txt";
  const char* update = std::getenv("PK_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    write_file_atomically(path, [&](std::ostream& out) { out << text; });
    GTEST_SKIP() << "rewrote " << path;
  }
  ASSERT_TRUE(fs::exists(path)) << path << " is missing; create it with PK_UPDATE_GOLDEN=1";
  EXPECT_EQ(text, read_file(path)) << "rerun with PK_UPDATE_GOLDEN=1 if the change is intended";
}

}  // namespace
}  // namespace pk
