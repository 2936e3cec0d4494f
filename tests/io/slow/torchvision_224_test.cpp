// The torchvision families at their usual 224x224 input (label `slow`: VGG-11 alone is a 530 MB
// ONNX file and 7.6 GMACs): torch.onnx.export → prunekit import → executor vs PyTorch, and
// prunekit's ONNX export → ONNX Runtime vs PyTorch.
#include <gtest/gtest.h>

#include "io_test_util.h"
#include "torchvision_check.h"

namespace pk {
namespace {

class Torchvision224 : public ::testing::TestWithParam<const char*> {};

TEST_P(Torchvision224, MatchesPyTorchInExecutorAndOnnxRuntime) {
  if (auto why = iotest::python_torch_missing(); !why.empty()) GTEST_SKIP() << why;
  iotest::check_torchvision_family(GetParam(), 224);
}

INSTANTIATE_TEST_SUITE_P(Families, Torchvision224,
                         ::testing::Values("resnet18", "vgg11_bn", "mobilenet_v2", "densenet121", "resnext50_32x4d",
                                           "squeezenet1_1", "resnet50", "mobilenet_v3_small", "mobilenet_v3_large",
                                           "mnasnet1_0", "efficientnet_b0", "regnet_y_400mf", "googlenet",
                                           "alexnet", "shufflenet_v2_x1_0", "convnext_tiny", "efficientnet_v2_s",
                                           "wide_resnet50_2", "regnet_x_400mf"));

}  // namespace
}  // namespace pk
