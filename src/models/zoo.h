// The built-in model zoo: architectures by name, built as Graphs (no weights).
// Every model has one Input named "input" of shape [in_channels, input_size, input_size] and
// exactly one output, the logits [num_classes]. Per-family layouts and names: resnet.h, vgg.h,
// mobilenetv2.h, densenet.h.
#pragma once

#include <string>
#include <vector>

#include "graph/graph.h"
#include "models/model_options.h"

namespace pk {

/// Builds the model `name` (one of known_models()). UserError listing the known names if
/// `name` is unknown, or naming the field if `options` is out of range.
Graph build_model(const std::string& name, const ModelOptions& options);

/// Names accepted by build_model, in a stable order (ResNets, VGGs, MobileNetV2, DenseNet).
std::vector<std::string> known_models();

/// One line describing `name`'s architecture and its input-size-dependent choices;
/// UserError listing the known names if unknown.
std::string model_description(const std::string& name);

}  // namespace pk
