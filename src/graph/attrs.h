// Typed attributes, one struct per op family. A Node holds exactly the alternative its OpKind
// needs (checked by the builder); ops without attributes hold std::monostate.
// Channel counts of inputs are never stored: they come from shape inference, so a pruned graph
// only changes the producers' out_channels / out_features.
#pragma once

#include <cstdint>
#include <variant>
#include <vector>

#include "graph/shape.h"

namespace pk {

/// A (height, width) pair for kernels, strides, paddings, dilations.
struct Hw {
  int h = 1;
  int w = 1;
  bool operator==(const Hw& o) const { return h == o.h && w == o.w; }
};

struct InputAttrs {
  Shape shape;  // per-sample, e.g. [1,28,28]
};

struct ConvAttrs {
  int out_channels = 0;
  Hw kernel{1, 1};
  Hw stride{1, 1};
  Hw padding{0, 0};  // symmetric zero padding
  Hw dilation{1, 1};
  int groups = 1;  // in_channels and out_channels must be divisible by groups
  bool bias = false;
};

struct BatchNormAttrs {
  double eps = 1e-5;
  double momentum = 0.1;  // torch convention: running = (1-m)·running + m·batch
};

/// LayerNorm over the channels: at every position (h, w) of [C,H,W], or of a vector [C],
/// y[c] = (x[c] − mean) / sqrt(var + eps) · weight[c] + bias[c], mean and the biased var taken
/// over the C channels of that position (torch's LayerNorm on channels-last, ConvNeXt's LayerNorm2d).
struct LayerNormAttrs {
  double eps = 1e-6;
};

struct LeakyReluAttrs {
  double slope = 0.01;
};

struct PoolAttrs {
  Hw kernel{2, 2};
  Hw stride{2, 2};
  Hw padding{0, 0};
  bool ceil_mode = false;
  bool count_include_pad = true;  // AvgPool2d only (torch default)
};

struct UpsampleAttrs {
  int scale = 2;  // nearest neighbour, same factor for H and W
};

struct LinearAttrs {
  int out_features = 0;
  bool bias = true;
};

struct ChannelPermuteAttrs {
  std::vector<int> order;  // out channel c = in channel order[c]; a permutation of [0, C)
};

/// Constant padding of a feature map [C,H,W] → [C, H+top+bottom, W+left+right], in pixels (≥ 0).
/// The value is 0 (a zero Pad) or −∞ (the implicit padding of a max pool whose pads are asymmetric).
struct PadAttrs {
  int top = 0;
  int left = 0;
  int bottom = 0;
  int right = 0;
  double value = 0.0;
};

/// The channels [start, end) of a feature map [C,H,W] → [end − start, H, W], in order
/// (torch's x[:, start:end], chunk and split); 0 ≤ start < end ≤ C.
struct ChannelSliceAttrs {
  int start = 0;
  int end = 0;
};

using Attrs = std::variant<std::monostate, InputAttrs, ConvAttrs, BatchNormAttrs, LayerNormAttrs, LeakyReluAttrs,
                           PoolAttrs, UpsampleAttrs, LinearAttrs, ChannelPermuteAttrs, PadAttrs,
                           ChannelSliceAttrs>;

}  // namespace pk
