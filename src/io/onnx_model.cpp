#include "io/onnx_model.h"

#include "core/atomic_file.h"
#include "core/error.h"
#include "io/onnx_import.h"

namespace pk {

ModelFile import_onnx_model(const std::string& bytes, const std::string& source) {
  OnnxImport imported = import_onnx_bytes(bytes, source);
  ModelFile m;
  m.graph = std::move(imported.graph);
  for (auto& t : imported.tensors) {
    torch::Tensor v = torch::from_blob(t.values.data(), t.shape, torch::kFloat32).clone();
    m.weights.set(t.node, t.tensor, v);
    std::vector<float>().swap(t.values);  // keep peak memory near one copy of the weights
  }
  m.weights.validate(m.graph, source);
  m.metadata = std::move(imported.metadata);
  return m;
}

ModelFile import_onnx(const std::string& path) { return import_onnx_model(read_file(path), path); }

}  // namespace pk
