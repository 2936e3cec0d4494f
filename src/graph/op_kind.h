// The closed set of operations of the graph IR. Every per-op table in prunekit (shape rule,
// cost, parameters, executor, channel rule, slicing rule, ONNX mapping) is a `switch` over
// OpKind without a default, so the compiler flags a missing case when an op is added.
#pragma once

#include <string>

namespace pk {

enum class OpKind {
  kInput,           // graph input; per-sample shape in InputAttrs
  kConv2d,          // ConvAttrs; weight [out, in/groups, kh, kw], optional bias [out]
  kBatchNorm2d,     // BatchNormAttrs; weight, bias, running_mean, running_var [C]
  kLayerNorm,       // LayerNormAttrs; weight, bias [C]; normalises over the channels of each position
  kReLU,
  kReLU6,
  kLeakyReLU,       // LeakyReluAttrs
  kSiLU,            // x * sigmoid(x)
  kSigmoid,
  kHardSigmoid,     // PyTorch's hardsigmoid: clamp(x / 6 + 1/2, 0, 1)
  kHardSwish,       // x * hardsigmoid(x)
  kGELU,            // x * Φ(x), Φ the standard normal CDF (the erf form, torch's nn.GELU())
  kSoftmax,         // over the K entries of a vector [K] (class scores); its input is never pruned
  kLogSoftmax,      // log of kSoftmax, computed stably; its input is never pruned
  kAdd,             // elementwise; the second input may be [C,1,1] (broadcast)
  kMul,             // elementwise; the second input may be [C,1,1] (SE-style scaling)
  kConcat,          // along channels (dim 1)
  kMaxPool2d,       // PoolAttrs
  kAvgPool2d,       // PoolAttrs
  kGlobalAvgPool,   // [C,H,W] → [C,1,1]
  kPad,             // PadAttrs; constant spatial padding, asymmetric allowed
  kUpsample,        // UpsampleAttrs; nearest neighbour
  kFlatten,         // [C,H,W] → [C·H·W], channel-major
  kLinear,          // LinearAttrs; weight [out, in], optional bias [out]
  kChannelPermute,  // ChannelPermuteAttrs; out[:, c] = in[:, order[c]]
  kChannelSlice,    // ChannelSliceAttrs; out = in[:, start:end] (one part of a chunk/split)
  kIdentity,
  kCount
};

/// Canonical name as used in the text format and messages, e.g. "Conv2d".
const char* op_name(OpKind op);
/// Inverse of op_name; UserError listing the known names if `name` is unknown.
OpKind op_from_name(const std::string& name);

}  // namespace pk
