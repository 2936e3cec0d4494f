// The built-in model zoo: architectures by name, built as Graphs (no weights).
// Every model has one Input named "input" of shape [in_channels, input_size, input_size] and
// either one output, the logits [num_classes] (classifiers), or one raw YOLO prediction map per
// scale (detectors, darknet.h). Per-family layouts and names: resnet.h, vgg.h, mobilenetv2.h,
// densenet.h, darknet.h.
#pragma once

#include <string>
#include <vector>

#include "graph/graph.h"
#include "models/model_options.h"

namespace pk {

/// What a zoo model's outputs mean.
enum class ModelTask {
  kClassify,  // one output: logits [num_classes]
  kDetect,    // one output per scale: raw YOLO maps [3·(num_classes + 5), H/stride, W/stride]
};

/// Builds the model `name` (one of known_models()). UserError listing the known names if
/// `name` is unknown, or naming the field if `options` is out of range.
Graph build_model(const std::string& name, const ModelOptions& options);

/// Names accepted by build_model, in a stable order (ResNets, VGGs, MobileNetV2, DenseNet,
/// then the detectors).
std::vector<std::string> known_models();

/// One line describing `name`'s architecture and its input-size-dependent choices;
/// UserError listing the known names if unknown.
std::string model_description(const std::string& name);

/// The task of zoo model `name`; UserError listing the known names if unknown.
ModelTask model_task(const std::string& name);

}  // namespace pk
