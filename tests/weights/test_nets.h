// Small graphs built directly with GraphBuilder for the weights tests (independent of the zoo).
#pragma once

#include "graph/builder.h"

namespace pk::testing {

/// Covers every attribute family the text format writes: conv with bias and groups, BN with
/// non-default eps/momentum, LeakyReLU slope, both pools, concat, channel permute, upsample,
/// flatten → linear.
inline Graph small_net() {
  GraphBuilder b;
  auto x = b.input("input", Shape{{3, 8, 8}});
  auto c1 = b.relu("relu1", b.batch_norm("bn1", b.conv("conv1", x, 4, 3, 1, 1, 1, /*bias=*/true), 1e-3, 0.03));
  auto c2 = b.batch_norm("bn2", b.conv("conv2", c1, 4, 3, 1, 1, /*groups=*/2));
  auto s = b.leaky_relu("lrelu", b.add("add", c2, c1), 0.2);
  auto pa = b.avg_pool("apool", s, 3, 2, 1, false, /*count_include_pad=*/false);
  auto pm = b.max_pool("mpool", s, 2, 2);
  auto cat = b.channel_permute("perm", b.concat("cat", {pa, pm}), {7, 6, 5, 4, 3, 2, 1, 0});
  auto up = b.upsample("up", b.conv("conv3", cat, 8, 1), 2);
  b.output(b.linear("fc", b.flatten("flat", b.global_avg_pool("gap", up)), 5));
  return b.build();
}

}  // namespace pk::testing
