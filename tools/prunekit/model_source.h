// Where a `--model` argument comes from: a model file (.pkm, .onnx) or a built-in zoo name
// (fresh weights from the seed).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "graph/graph.h"
#include "models/model_options.h"
#include "weights/weight_store.h"

namespace pk::cli {

struct LoadedModel {
  Graph graph;
  WeightStore weights;
  nlohmann::json metadata = nlohmann::json::object();
  std::string source;  // the argument as given
  bool from_zoo = false;
};

/// `spec` is a path to an existing file or a zoo name; `zoo` and `seed` apply to zoo names only.
/// UserError listing the built-in names when `spec` is neither.
LoadedModel load_model_source(const std::string& spec, const ModelOptions& zoo, uint64_t seed);

}  // namespace pk::cli
