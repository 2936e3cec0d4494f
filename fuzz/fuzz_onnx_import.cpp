// ONNX bytes → import → channel analysis → cost. Every malformed input must end in a pk::Error
// (UserError naming the node); any other exception, a crash or a sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

#include "analysis/channel_analysis.h"
#include "core/error.h"
#include "graph/cost.h"
#include "io/onnx_import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const pk::OnnxImport imported = pk::import_onnx_bytes(std::string(reinterpret_cast<const char*>(data), size), "fuzz.onnx");
    pk::analyze_channels(imported.graph);
    pk::graph_cost(imported.graph);
  } catch (const pk::Error&) {
  }
  return 0;
}
