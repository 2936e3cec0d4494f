// The handlers of the ONNX import that read the channels-last layout torch uses around
// nn.LayerNorm and nn.Linear on feature maps (ConvNeXt): the Transpose round trip into
// channels-last and back, LayerNorm over the channels, and MatMul (a Linear on [N, F], a 1x1 conv
// on a channels-last value).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.h"
#include "io/onnx_fusions.h"
#include "io/onnx_importer.h"

namespace pk {

void OnnxImporter::transpose_layout(const onnx::NodeProto& n, const OnnxAttrs& a) {
  const OnnxValue& x = input(n, 0);
  const std::vector<int64_t> perm = a.ints("perm", {});
  const bool to_last = x.kind == OnnxValue::Kind::kFeature && rank_of(x) == 4 && perm == std::vector<int64_t>{0, 2, 3, 1};
  const bool back = x.kind == OnnxValue::Kind::kChannelsLast && perm == std::vector<int64_t>{0, 3, 1, 2};
  PK_CHECK(to_last || back,
           "{}: Transpose of a {} tensor with perm [{}] is not supported; prunekit keeps [N, C, H, W] and folds only "
           "the channels-last round trip (perm=[0,2,3,1], then perm=[0,3,1,2] back)",
           where(n), x.kind == OnnxValue::Kind::kChannelsLast ? "channels-last" : "rank-" + std::to_string(rank_of(x)),
           fmt::join(perm, ","));
  OnnxValue v;
  v.kind = to_last ? OnnxValue::Kind::kChannelsLast : OnnxValue::Kind::kFeature;
  v.node = x.node;
  define(n, 0, std::move(v));
}

void OnnxImporter::layer_norm(const onnx::NodeProto& n, const OnnxAttrs& a) {
  const std::string w = where(n);
  const bool fused = n.domain() == kFusedDomain;
  if (!fused) {
    a.expect_only({"axis", "epsilon", "stash_type"});
    expect_unused_outputs(n, 1);
  }
  const OnnxValue& x = feature_any_layout(n, 0);
  const int r = rank_of(x);
  int64_t axis = a.i("axis", -1);
  if (axis < 0) axis += r;
  // The one axis normalised: a fused LayerNorm normalises its axis only; LayerNormalization every
  // axis from `axis` on, which is the channels only when they are the last axis.
  const bool channels_last = x.kind == OnnxValue::Kind::kChannelsLast || r == 2;
  const bool over_channels = channels_last ? axis == r - 1 : fused && axis == 1;
  PK_CHECK(over_channels,
           "{}: LayerNorm over axis {} {}of a rank-{} {} tensor is not supported; prunekit normalises over the "
           "channels only (torch's nn.LayerNorm after permute(0, 2, 3, 1), ConvNeXt's LayerNorm2d, or over the "
           "features of [N, F])",
           w, a.i("axis", -1), fused ? "" : "and the axes after it ", r, channels_last ? "channels-last" : "[N, C, H, W]");
  const float eps = a.f("epsilon", 1e-5f);
  PK_CHECK(eps > 0, "{}: epsilon {} must be > 0", w, eps);
  const int64_t channels = shape_of(x).channels();
  const auto param = [&](int k, const char* what, float fallback) {
    if (!has_input(n, k)) return std::vector<float>(static_cast<size_t>(channels), fallback);
    auto v = per_channel(constant_input(n, k, what), x);
    PK_CHECK(v.has_value(), "{}: the {} must hold one float per channel ({}), got shape {}", w, what, channels,
             dims_str(constant_input(n, k, what).dims));
    return *v;
  };
  ConstTensor scale, bias;
  scale.dims = bias.dims = {channels};
  scale.floats = param(1, "scale", 1.0f);
  bias.floats = param(2, "bias", 0.0f);
  const std::string name = add_node(n, OpKind::kLayerNorm, {x.node}, LayerNormAttrs{float_to_double(eps)});
  add_tensor(name, "weight", scale);
  add_tensor(name, "bias", bias);
  define_like(n, name, x);
}

void OnnxImporter::matmul(const onnx::NodeProto& n) {
  const std::string w = where(n);
  const OnnxValue& x = feature_any_layout(n, 0);
  const bool channels_last = x.kind == OnnxValue::Kind::kChannelsLast;
  PK_CHECK(channels_last || rank_of(x) == 2,
           "{}: input has rank {}; MatMul is supported only as [N, F] × constant [F, out], or over the channels of a "
           "channels-last [N, H, W, C] tensor",
           w, rank_of(x));
  const ConstTensor& b = constant_input(n, 1, "weight B");
  const int64_t in = shape_of(x).channels();
  PK_CHECK(b.is_float && b.dims.size() == 2 && b.dims[0] == in, "{}: weight B must be a float [{}, out] tensor, got {}",
           w, in, dims_str(b.dims));
  const int out = static_cast<int>(b.dims[1]);
  std::optional<ConstTensor> bias;
  if (has_input(n, 2)) {  // the fused MatMulAdd
    bias = bias_vector(constant_input(n, 2, "bias"), out, 1.0f);
    PK_CHECK(bias.has_value(), "{}: the bias added to the MatMul must be a float [{}] (or [1,{}], or scalar) tensor", w,
             out, out);
  }
  ConstTensor weight = transpose2d(b);  // [out, in]
  std::string name;
  if (channels_last) {  // x·W over the last axis of [N, H, W, C] is a 1x1 conv of [N, C, H, W]
    ConvAttrs c;
    c.out_channels = out;
    c.bias = bias.has_value();
    weight.dims = {out, in, 1, 1};
    name = add_node(n, OpKind::kConv2d, {x.node}, c);
  } else {
    name = add_node(n, OpKind::kLinear, {x.node}, LinearAttrs{out, bias.has_value()});
  }
  add_tensor(name, "weight", weight);
  if (bias) add_tensor(name, "bias", *bias);
  define_like(n, name, x);
}

}  // namespace pk
