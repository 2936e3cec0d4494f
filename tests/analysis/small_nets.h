// Small graphs exercising each channel rule (docs/channel-rules.md); shared by the analysis and
// plan tests. Each is a valid Graph with one input "input" and one output.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "graph/builder.h"

namespace pk::test {

/// Conv-BN-ReLU twice, global pool, Linear.
inline Graph chain_net() {
  GraphBuilder b;
  auto x = b.input("input", Shape{{3, 8, 8}});
  x = b.relu("relu1", b.batch_norm("bn1", b.conv("conv1", x, 8, 3, 1, 1)));
  x = b.relu("relu2", b.batch_norm("bn2", b.conv("conv2", x, 6, 3, 1, 1)));
  b.output(b.linear("fc", b.flatten("flat", b.global_avg_pool("pool", x)), 10));
  return b.build();
}

/// Stem, one identity-shortcut basic block, head.
inline Graph residual_net() {
  GraphBuilder b;
  auto x = b.input("input", Shape{{3, 8, 8}});
  x = b.relu("relu0", b.batch_norm("bn0", b.conv("conv0", x, 8, 3, 1, 1)));
  auto y = b.relu("relu1", b.batch_norm("bn1", b.conv("conv1", x, 4, 3, 1, 1)));
  y = b.batch_norm("bn2", b.conv("conv2", y, 8, 3, 1, 1));
  x = b.relu("relu2", b.add("add", y, x));
  b.output(b.linear("fc", b.flatten("flat", b.global_avg_pool("pool", x)), 10));
  return b.build();
}

/// Stem, one block with a strided 1x1 projection shortcut, head.
inline Graph projection_net() {
  GraphBuilder b;
  auto x = b.input("input", Shape{{3, 8, 8}});
  x = b.relu("relu0", b.batch_norm("bn0", b.conv("conv0", x, 8, 3, 1, 1)));
  auto y = b.relu("relu1", b.batch_norm("bn1", b.conv("conv1", x, 16, 3, 2, 1)));
  y = b.batch_norm("bn2", b.conv("conv2", y, 16, 3, 1, 1));
  auto s = b.batch_norm("proj_bn", b.conv("proj", x, 16, 1, 2, 0));
  x = b.relu("relu2", b.add("add", y, s));
  b.output(b.linear("fc", b.flatten("flat", b.global_avg_pool("pool", x)), 10));
  return b.build();
}

/// Dense-style concats, including a value concatenated with itself.
inline Graph concat_net() {
  GraphBuilder b;
  auto x = b.input("input", Shape{{3, 8, 8}});
  x = b.conv("conv0", x, 6, 3, 1, 1);
  auto y = b.conv("conv1", b.relu("relu1", b.batch_norm("bn1", x)), 4, 3, 1, 1);
  auto cat = b.concat("cat1", {x, y});                        // conv0 | conv1
  auto z = b.conv("conv2", b.relu("relu2", b.batch_norm("bn2", cat)), 5, 1);
  auto cat2 = b.concat("cat2", {cat, z, z});                  // conv0 | conv1 | conv2 | conv2
  auto t = b.avg_pool("pool1", b.conv("trans", cat2, 7, 1), 2, 2);
  b.output(b.linear("fc", b.flatten("flat", b.global_avg_pool("pool", t)), 10));
  return b.build();
}

/// MobileNetV2-style inverted residual: expand 1x1, depthwise 3x3, project 1x1, identity Add.
inline Graph depthwise_net() {
  GraphBuilder b;
  auto x = b.input("input", Shape{{3, 8, 8}});
  x = b.relu6("stem_relu", b.batch_norm("stem_bn", b.conv("stem", x, 8, 3, 1, 1)));
  auto y = b.relu6("exp_relu", b.batch_norm("exp_bn", b.conv("expand", x, 24, 1)));
  y = b.relu6("dw_relu", b.batch_norm("dw_bn", b.conv("dw", y, 24, 3, 1, 1, /*groups=*/24)));
  y = b.batch_norm("proj_bn", b.conv("project", y, 8, 1));
  x = b.add("add", x, y);
  b.output(b.linear("fc", b.flatten("flat", b.global_avg_pool("pool", x)), 10));
  return b.build();
}

/// A grouped 3x3 conv (8 → 16 channels) between two ordinary convs.
inline Graph group_conv_net(int groups) {
  GraphBuilder b;
  auto x = b.input("input", Shape{{3, 8, 8}});
  x = b.relu("relu0", b.batch_norm("bn0", b.conv("conv0", x, 8, 3, 1, 1)));
  x = b.relu("relu1", b.batch_norm("bn1", b.conv("gconv", x, 16, 3, 1, 1, groups)));
  x = b.relu("relu2", b.batch_norm("bn2", b.conv("conv2", x, 12, 1)));
  b.output(b.linear("fc", b.flatten("flat", b.global_avg_pool("pool", x)), 10));
  return b.build();
}

/// A ResNeXt-style bottleneck: stem, then 1x1 conv → BN → ReLU → 3x3 conv (groups = 4) → BN →
/// ReLU → 1x1 conv → BN, + identity residual Add, ReLU, head. The grouped conv's input (16, 4
/// blocks of 4) and output (16, 4 blocks of 4) groups are prunable in multiples of 4.
inline Graph resnext_net() {
  GraphBuilder b;
  auto x = b.input("input", Shape{{3, 8, 8}});
  x = b.relu("stem_relu", b.batch_norm("stem_bn", b.conv("stem", x, 8, 3, 1, 1)));
  auto y = b.relu("relu1", b.batch_norm("bn1", b.conv("conv1", x, 16, 1)));
  y = b.relu("relu2", b.batch_norm("bn2", b.conv("conv2", y, 16, 3, 1, 1, /*groups=*/4)));
  y = b.batch_norm("bn3", b.conv("conv3", y, 8, 1));
  x = b.relu("relu3", b.add("add", y, x));
  b.output(b.linear("fc", b.flatten("flat", b.global_avg_pool("pool", x)), 10));
  return b.build();
}

/// One value read by two grouped convs with different group counts (2 and 4): its blocks
/// disagree, so the shared group is pinned; each conv's own output is blocked.
inline Graph two_groupings_net() {
  GraphBuilder b;
  auto x = b.input("input", Shape{{3, 8, 8}});
  x = b.relu("relu0", b.conv("conv0", x, 8, 3, 1, 1));
  auto y = b.relu("relu_a", b.conv("gconv_a", x, 8, 3, 1, 1, /*groups=*/2));
  auto z = b.relu("relu_b", b.conv("gconv_b", x, 8, 3, 1, 1, /*groups=*/4));
  x = b.add("add", y, z);  // ties gconv_a's 2 blocks with gconv_b's 4: pinned as well
  b.output(b.linear("fc", b.flatten("flat", b.global_avg_pool("pool", x)), 10));
  return b.build();
}

/// A grouped conv reading a Concat of two groups: its blocks would straddle them, so both are pinned.
inline Graph concat_group_conv_net() {
  GraphBuilder b;
  auto x = b.input("input", Shape{{3, 8, 8}});
  auto p = b.relu("relu_p", b.conv("conv_p", x, 4, 3, 1, 1));
  auto q = b.relu("relu_q", b.conv("conv_q", x, 4, 3, 1, 1));
  auto y = b.relu("relu_g", b.conv("gconv", b.concat("cat", {p, q}), 8, 3, 1, 1, /*groups=*/2));
  b.output(b.linear("fc", b.flatten("flat", b.global_avg_pool("pool", y)), 10));
  return b.build();
}

/// Flatten of a 5x4x4 map into a two-layer MLP head.
inline Graph flatten_net() {
  GraphBuilder b;
  auto x = b.input("input", Shape{{3, 8, 8}});
  x = b.relu("relu0", b.batch_norm("bn0", b.conv("conv0", x, 5, 3, 2, 1)));  // 5x4x4
  x = b.flatten("flat", x);                                                  // 80
  x = b.relu("fc1_relu", b.linear("fc1", x, 12));
  b.output(b.linear("fc2", x, 10));
  return b.build();
}

/// Squeeze-and-excitation scaling (Mul by a Cx1x1 gate) inside a residual block.
inline Graph se_net() {
  GraphBuilder b;
  auto x = b.input("input", Shape{{3, 8, 8}});
  x = b.relu("relu0", b.batch_norm("bn0", b.conv("conv0", x, 8, 3, 1, 1)));
  auto y = b.batch_norm("bn1", b.conv("conv1", x, 8, 3, 1, 1));
  auto s = b.global_avg_pool("se_pool", y);
  s = b.relu("se_relu", b.conv("se_reduce", s, 2, 1, 1, 0, 1, /*bias=*/true));
  s = b.sigmoid("se_gate", b.conv("se_expand", s, 8, 1, 1, 0, 1, /*bias=*/true));
  y = b.mul("se_mul", y, s);
  x = b.relu("relu2", b.add("add", y, x));
  b.output(b.linear("fc", b.flatten("flat", b.global_avg_pool("pool", x)), 10));
  return b.build();
}

/// A ChannelPermute before an Add: the two convs are tied through the permutation.
inline Graph permute_net() {
  GraphBuilder b;
  auto x = b.input("input", Shape{{3, 8, 8}});
  auto a = b.batch_norm("bn_a", b.conv("conv_a", x, 4, 3, 1, 1));
  a = b.channel_permute("perm", a, {2, 0, 3, 1});
  auto c = b.conv("conv_b", x, 4, 3, 1, 1);
  x = b.relu("relu", b.add("add", a, c));
  x = b.conv("conv_c", x, 6, 1);
  b.output(b.linear("fc", b.flatten("flat", b.global_avg_pool("pool", x)), 10));
  return b.build();
}

/// An Add whose operands do not line up: Concat(8 | 8) + a 16-channel conv.
inline Graph mismatch_net() {
  GraphBuilder b;
  auto x = b.input("input", Shape{{3, 8, 8}});
  auto p = b.conv("conv_p", x, 8, 1);
  auto q = b.conv("conv_q", x, 8, 1);
  auto r = b.conv("conv_r", x, 16, 1);
  x = b.relu("relu", b.add("add", b.concat("cat", {p, q}), r));
  x = b.conv("conv_s", x, 6, 1);
  b.output(b.linear("fc", b.flatten("flat", b.global_avg_pool("pool", x)), 10));
  return b.build();
}

/// A residual block nested inside the branch of another one (both removable).
inline Graph nested_net() {
  GraphBuilder b;
  auto x = b.input("input", Shape{{3, 8, 8}});
  x = b.relu("relu0", b.conv("conv0", x, 8, 3, 1, 1));
  auto y = b.relu("relu_a", b.conv("conv_a", x, 8, 3, 1, 1));
  y = b.add("inner_add", b.conv("conv_b", y, 8, 3, 1, 1), y);
  y = b.conv("conv_c", y, 8, 3, 1, 1);
  x = b.add("outer_add", y, x);
  b.output(b.linear("fc", b.flatten("flat", b.global_avg_pool("pool", x)), 10));
  return b.build();
}

/// Every small net with its golden-file stem.
inline std::vector<std::pair<std::string, Graph>> small_nets() {
  return {{"chain", chain_net()},          {"residual", residual_net()},   {"projection", projection_net()},
          {"concat", concat_net()},        {"depthwise", depthwise_net()}, {"group_conv_g2", group_conv_net(2)},
          {"group_conv_g4", group_conv_net(4)}, {"flatten_linear", flatten_net()}, {"se", se_net()},
          {"permute", permute_net()},      {"add_mismatch", mismatch_net()}, {"nested", nested_net()},
          {"resnext", resnext_net()},      {"two_groupings", two_groupings_net()},
          {"concat_group_conv", concat_group_conv_net()}};
}

/// input → conv "c" (8) → slices [0, 3) and [3, 8) → convs "a", "b" → concat → pool → fc.
inline Graph sliced_net() {
  GraphBuilder b;
  b.input("x", Shape{{3, 8, 8}});
  b.conv("c", "x", 8, 3, 1, 1);
  b.channel_slice("lo", "c", 0, 3);
  b.channel_slice("hi", "c", 3, 8);
  b.conv("a", "lo", 4, 1);
  b.conv("b", "hi", 4, 1);
  b.concat("cat", {"a", "b"});
  b.global_avg_pool("gap", "cat");
  b.flatten("flat", "gap");
  b.linear("fc", "flat", 10);
  b.output("fc");
  return b.build();
}

}  // namespace pk::test
