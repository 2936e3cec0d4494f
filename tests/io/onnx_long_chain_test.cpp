// Graph walks never recurse per node: a 500,000-node chain imports and analyzes.
#include <gtest/gtest.h>

#include <string>

#include "analysis/channel_analysis.h"
#include "graph/cost.h"
#include "io/onnx_import.h"
#include "onnx_maker.h"

namespace pk {
namespace {

using namespace pk::iotest;

// A 500,000-node Relu chain: import, channel analysis and cost walk it without recursing (a
// recursive walk overflowed the call stack at 100k nodes: exit 139).
TEST(OnnxImport, HalfAMillionNodeChainImportsAndAnalyzes) {
  constexpr int kNodes = 500'000;
  OnnxMaker m({2, 4, 4});
  std::string prev = "x";
  for (int i = 0; i < kNodes; ++i) {
    const std::string out = "r" + std::to_string(i);
    m.node("Relu", "relu" + std::to_string(i), {prev}, {out});
    prev = out;
  }
  m.output(prev);
  const OnnxImport imported = import_onnx_bytes(m.bytes(), "chain.onnx");
  EXPECT_EQ(imported.graph.size(), kNodes + 1);
  const ChannelAnalysis a = analyze_channels(imported.graph);
  EXPECT_EQ(a.num_groups(), 1);  // one channel space from the input to the output
  EXPECT_EQ(graph_cost(imported.graph).macs, 0);
}

}  // namespace
}  // namespace pk
