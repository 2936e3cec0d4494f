#include "model_source.h"

#include <filesystem>

#include "core/error.h"
#include "core/strings.h"
#include "io/network_file.h"
#include "models/zoo.h"
#include "weights/model_file.h"

namespace pk::cli {

LoadedModel load_model_source(const std::string& spec, const ModelOptions& zoo, uint64_t seed) {
  LoadedModel m;
  m.source = spec;
  const auto known = known_models();
  const bool is_zoo_name = std::find(known.begin(), known.end(), spec) != known.end();
  if (!is_zoo_name || std::filesystem::exists(spec)) {
    PK_CHECK(std::filesystem::exists(spec),
             "--model '{}' is neither an existing model file nor a built-in model; built-in models: {}", spec,
             join(known, ", "));
    ModelFile file = load_network(spec);  // .onnx files are imported
    m.graph = std::move(file.graph);
    m.weights = std::move(file.weights);
    m.metadata = std::move(file.metadata);
    return m;
  }
  m.graph = build_model(spec, zoo);
  m.weights = WeightStore::initialize(m.graph, seed);
  m.metadata["architecture"] = spec;
  m.from_zoo = true;
  return m;
}

}  // namespace pk::cli
