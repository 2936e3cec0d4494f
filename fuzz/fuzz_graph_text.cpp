// Graph text → Graph → text → Graph: a text that parses must print to a text that parses to the
// same graph. Malformed text must end in a pk::Error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "analysis/channel_analysis.h"
#include "core/error.h"
#include "graph/text_format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pk::Graph graph;
  try {
    graph = pk::graph_from_text(std::string(reinterpret_cast<const char*>(data), size), "fuzz.txt");
  } catch (const pk::Error&) {
    return 0;
  }
  const std::string printed = pk::graph_to_text(graph);
  if (!(pk::graph_from_text(printed, "printed") == graph)) std::abort();  // the round trip changed the graph
  try {
    pk::analyze_channels(graph);
  } catch (const pk::Error&) {
  }
  return 0;
}
