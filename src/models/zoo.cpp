#include "models/zoo.h"

#include <functional>

#include "core/error.h"
#include "core/strings.h"
#include "models/darknet.h"
#include "models/densenet.h"
#include "models/mobilenetv2.h"
#include "models/resnet.h"
#include "models/vgg.h"

namespace pk {
namespace {

struct ZooEntry {
  const char* name;
  const char* description;
  std::function<Graph(const ModelOptions&)> build;
  ModelTask task = ModelTask::kClassify;
};

const std::vector<ZooEntry>& zoo() {
  static const std::vector<ZooEntry> entries = {
      {"resnet20", "CIFAR ResNet-20 (He et al. 2016): 3 stages x 3 basic blocks, 16/32/64 channels, 1x1 projection "
                   "shortcuts only at the 2 stage transitions",
       [](const ModelOptions& o) { return build_resnet_cifar(20, o); }},
      {"resnet32", "CIFAR ResNet-32: 3 stages x 5 basic blocks, 16/32/64 channels",
       [](const ModelOptions& o) { return build_resnet_cifar(32, o); }},
      {"resnet56", "CIFAR ResNet-56: 3 stages x 9 basic blocks, 16/32/64 channels",
       [](const ModelOptions& o) { return build_resnet_cifar(56, o); }},
      {"resnet110", "CIFAR ResNet-110: 3 stages x 18 basic blocks, 16/32/64 channels",
       [](const ModelOptions& o) { return build_resnet_cifar(110, o); }},
      {"resnet18", "torchvision ResNet-18, basic blocks [2,2,2,2], 64..512 channels; ImageNet stem (7x7 s2 + "
                   "maxpool) for input_size >= 64, CIFAR stem (3x3 s1, no maxpool) below",
       build_resnet18},
      {"vgg11", "VGG-11 with BatchNorm (torchvision cfg A); small inputs (< 64, final map 1x1): Flatten -> Linear "
                "classifier, else GlobalAvgPool -> Flatten -> Linear(512); pools skipped below 2x2",
       [](const ModelOptions& o) { return build_vgg(11, o); }},
      {"vgg16", "VGG-16 with BatchNorm (torchvision cfg D); GlobalAvgPool -> Flatten -> Linear(512) classifier "
                "instead of the 4096-wide head; pools skipped below 2x2",
       [](const ModelOptions& o) { return build_vgg(16, o); }},
      {"mobilenetv2", "torchvision MobileNetV2 (inverted residuals, depthwise convs, ReLU6, last conv 1280); for "
                      "input_size < 64 stride 1 in the stem and the 24-channel stage (CIFAR variant)",
       build_mobilenetv2},
      {"densenet", "small DenseNet-BC: 3x3 stem, 3 dense blocks of 4 bottleneck layers (growth 12, Concat), "
                   "transitions with compression 0.5 and avgpool 2",
       build_densenet},
      {"yolov3", "YOLOv3: Darknet-53 backbone (23 residual blocks, LeakyReLU 0.1), three-scale head at strides "
                 "8/16/32 with upsample + concat; outputs 3*(classes+5) channels per scale; input a multiple of 32",
       build_yolov3, ModelTask::kDetect},
      {"yolo-tiny", "small Darknet detector for quick runs: half-width stages with 7 residual blocks, tiny-YOLOv3 "
                    "two-scale head at strides 16/32; input a multiple of 32",
       build_yolo_tiny, ModelTask::kDetect},
  };
  return entries;
}

const ZooEntry& find_entry(const std::string& name) {
  for (const auto& e : zoo())
    if (name == e.name) return e;
  PK_CHECK(false, "unknown model '{}'; known models: {}", name, join(known_models(), ", "));
  return zoo().front();  // unreachable
}

}  // namespace

Graph build_model(const std::string& name, const ModelOptions& options) { return find_entry(name).build(options); }

std::vector<std::string> known_models() {
  std::vector<std::string> names;
  for (const auto& e : zoo()) names.push_back(e.name);
  return names;
}

std::string model_description(const std::string& name) { return find_entry(name).description; }

ModelTask model_task(const std::string& name) { return find_entry(name).task; }

}  // namespace pk
