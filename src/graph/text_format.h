// The line-per-node text format of a Graph (docs/formats.md):
//   # prunekit graph v1
//   input = Input() shape=1x28x28                                  # 1x28x28
//   conv1 = Conv2d(input) out=16 kernel=3x3 stride=1x1 padding=1x1 dilation=1x1 groups=1 bias=false  # 16x28x28
//   add1 = Add(relu1, input)                                       # 16x28x28
//   output fc
// Everything after '#' is a comment (the writer puts the inferred shape there). Attributes
// left out take their defaults. parse(write(g)) == g.
#pragma once

#include <string>

#include "graph/graph.h"

namespace pk {

std::string graph_to_text(const Graph& graph);
/// `source` names the origin in error messages ("model.pkm", "<string>"); errors carry the line.
Graph graph_from_text(const std::string& text, const std::string& source = "<string>");

}  // namespace pk
