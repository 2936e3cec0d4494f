// Networks shared by the search tests (torch-free: graphs only).
#pragma once

#include <string>

#include "graph/builder.h"

namespace pk::test {

/// CIFAR ResNet-20 layout (3 stages × 3 basic blocks, 1×1 projection on the first block of
/// stages 2 and 3): 9 Adds, 7 of them removable (identity shortcut).
inline Graph resnet20_like(int width = 16) {
  GraphBuilder b;
  auto x = b.input("input", Shape{{3, 32, 32}});
  x = b.relu("relu", b.batch_norm("bn1", b.conv("conv1", x, width, 3, 1, 1)));
  int in = width;
  for (int s = 0; s < 3; ++s) {
    const int out = width << s;
    for (int k = 0; k < 3; ++k) {
      const std::string p = "layer" + std::to_string(s + 1) + "." + std::to_string(k) + ".";
      const int stride = (s > 0 && k == 0) ? 2 : 1;
      auto y = b.relu(p + "relu1", b.batch_norm(p + "bn1", b.conv(p + "conv1", x, out, 3, stride, 1)));
      y = b.batch_norm(p + "bn2", b.conv(p + "conv2", y, out, 3, 1, 1));
      std::string sc = x;
      if (stride != 1 || in != out) sc = b.batch_norm(p + "down.bn", b.conv(p + "down.conv", x, out, 1, stride, 0));
      x = b.relu(p + "relu2", b.add(p + "add", y, sc));
      in = out;
    }
  }
  b.output(b.linear("fc", b.flatten("flat", b.global_avg_pool("pool", x)), 10));
  return b.build();
}

}  // namespace pk::test
