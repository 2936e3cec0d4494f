// One handler per ONNX op family (see onnx_import.h for the mapping). Each handler checks every
// attribute it does not implement and fails with the node named rather than guess.
#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.h"
#include "io/onnx_importer.h"
#include "io/onnx_resize_nearest.h"

namespace pk {
namespace {


/// Two values of a [h, w] attribute; UserError unless it has exactly 2 entries.
Hw pair_attr(const OnnxAttrs& a, const std::string& where, const std::string& name, std::vector<int64_t> fallback) {
  auto v = a.ints(name, fallback);
  PK_CHECK(v.size() == 2, "{}: attribute {} has {} values; prunekit supports 2-D ops only ([h, w])", where, name,
           v.size());
  return {static_cast<int>(v[0]), static_cast<int>(v[1])};
}

/// SAME padding of one axis of `in` pixels: the output has ⌈in / stride⌉ pixels, and the total
/// padding that needs is split evenly, the odd pixel at the end (`upper`) or at the beginning.
std::pair<int, int> same_padding(int64_t in, int kernel, int stride, int dilation, bool upper) {
  const int64_t out = (in + stride - 1) / stride;
  const int64_t total = std::max<int64_t>(0, (out - 1) * stride + (kernel - 1) * dilation + 1 - in);
  const int half = static_cast<int>(total / 2), rest = static_cast<int>(total) - half;
  return upper ? std::pair{half, rest} : std::pair{rest, half};
}

/// The padding of a Conv or pool node over an input of `in` (CxHxW): `pads` [top, left, bottom,
/// right] under auto_pad=NOTSET, none under VALID, or SAME_UPPER/SAME_LOWER's from the input size.
SpatialPads node_pads(const OnnxAttrs& a, const std::string& where, const Shape& in, Hw kernel, Hw stride,
                      Hw dilation) {
  const std::string mode = a.s("auto_pad", "NOTSET");
  if (mode == "SAME_UPPER" || mode == "SAME_LOWER") {
    PK_CHECK(!a.has("pads"), "{}: auto_pad={} and pads are both given; ONNX allows one of them", where, mode);
    const bool upper = mode == "SAME_UPPER";
    const auto [top, bottom] = same_padding(in.height(), kernel.h, stride.h, dilation.h, upper);
    const auto [left, right] = same_padding(in.width(), kernel.w, stride.w, dilation.w, upper);
    return {top, left, bottom, right};
  }
  PK_CHECK(mode == "NOTSET" || mode == "VALID",
           "{}: auto_pad={} is not an ONNX padding mode (NOTSET, VALID, SAME_UPPER, SAME_LOWER)", where, mode);
  if (mode == "VALID") return {};
  const auto p = a.ints("pads", {0, 0, 0, 0});
  PK_CHECK(p.size() == 4, "{}: attribute pads has {} values, expected 4 ([top, left, bottom, right])", where, p.size());
  PK_CHECK(p[0] >= 0 && p[1] >= 0 && p[2] >= 0 && p[3] >= 0, "{}: negative padding pads=[{}]", where,
           fmt::join(p, ","));
  return {static_cast<int>(p[0]), static_cast<int>(p[1]), static_cast<int>(p[2]), static_cast<int>(p[3])};
}

/// Rounds away float32 noise from a derived value (1 - 0.9f → 0.1).
double tidy(double v) { return std::stod(fmt::format("{:.12g}", v)); }

bool is_integer(double v) { return std::isfinite(v) && v == std::floor(v); }

}  // namespace

ConstTensor transpose2d(const ConstTensor& t) {
  ConstTensor out;
  out.dims = {t.dims[1], t.dims[0]};
  out.floats.resize(t.floats.size());
  const int64_t r = t.dims[0], c = t.dims[1];
  for (int64_t i = 0; i < r; ++i)
    for (int64_t j = 0; j < c; ++j) out.floats[j * r + i] = t.floats[i * c + j];
  return out;
}

std::string dims_str(const std::vector<int64_t>& dims) {
  std::vector<std::string> parts;
  for (auto d : dims) parts.push_back(d == kBatchDim ? "N" : std::to_string(d));
  return fmt::format("[{}]", fmt::join(parts, ","));
}

/// Broadcasts a bias constant of shape [], [1], [out] or [1, out] to [out]; nullopt otherwise.
std::optional<ConstTensor> bias_vector(const ConstTensor& c, int64_t out, float scale) {
  if (!c.is_float) return std::nullopt;
  const int64_t n = c.numel();
  const bool ok = (n == out && (c.dims.size() == 1 || (c.dims.size() == 2 && c.dims[0] == 1))) || n == 1;
  if (!ok) return std::nullopt;
  ConstTensor b;
  b.dims = {out};
  b.floats.resize(out);
  for (int64_t k = 0; k < out; ++k) b.floats[k] = scale * c.floats[n == 1 ? 0 : k];
  return b;
}

void OnnxImporter::conv(const onnx::NodeProto& n, const OnnxAttrs& a) {
  const std::string w = where(n);
  a.expect_only({"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"});
  expect_unused_outputs(n, 1);
  const OnnxValue& x = feature(n, 0, 4);
  const ConstTensor& weight = constant_input(n, 1, "weight");
  PK_CHECK(weight.is_float && weight.dims.size() == 4,
           "{}: weight must be a 4-D float tensor [out, in/group, kh, kw], got {} (1-D and 3-D convolutions are "
           "not supported)",
           w, dims_str(weight.dims));
  ConvAttrs c;
  c.groups = static_cast<int>(a.i("group", 1));
  c.out_channels = static_cast<int>(weight.dims[0]);
  c.kernel = {static_cast<int>(weight.dims[2]), static_cast<int>(weight.dims[3])};
  PK_CHECK(pair_attr(a, w, "kernel_shape", {weight.dims[2], weight.dims[3]}) == c.kernel,
           "{}: kernel_shape disagrees with the weight shape {}", w, dims_str(weight.dims));
  c.stride = pair_attr(a, w, "strides", {1, 1});
  c.dilation = pair_attr(a, w, "dilations", {1, 1});
  const SpatialPads pads = node_pads(a, w, shape_of(x), c.kernel, c.stride, c.dilation);
  c.padding = pads.symmetric_part();
  const int64_t in = shape_of(x).channels();
  PK_CHECK(c.groups >= 1 && weight.dims[1] * c.groups == in,
           "{}: weight {} with group={} does not fit an input of {} channels (expected weight dim 1 = {} / group)", w,
           dims_str(weight.dims), c.groups, in, in);
  c.bias = has_input(n, 2);
  std::optional<ConstTensor> bias;
  if (c.bias) {
    bias = bias_vector(constant_input(n, 2, "bias"), c.out_channels, 1.0f);
    PK_CHECK(bias && constant_input(n, 2, "bias").numel() == c.out_channels, "{}: bias must be a float [{}] tensor",
             w, c.out_channels);
  }
  const std::string name = add_node(n, OpKind::kConv2d, {asymmetric_remainder(n, x.node, pads, 0.0)}, c);
  add_tensor(name, "weight", weight);
  if (bias) add_tensor(name, "bias", *bias);
  define_feature(n, name);
}

void OnnxImporter::batch_norm(const onnx::NodeProto& n, const OnnxAttrs& a) {
  const std::string w = where(n);
  a.expect_only({"epsilon", "momentum", "training_mode", "spatial"});
  PK_CHECK(a.i("training_mode", 0) == 0, "{}: training_mode=1 is not supported; export the model in eval mode", w);
  PK_CHECK(a.i("spatial", 1) == 1, "{}: spatial=0 is not supported", w);
  expect_unused_outputs(n, 1);
  const OnnxValue& x = feature(n, 0);
  PK_CHECK(rank_of(x) == 4, "{}: input has rank {}; only BatchNormalization over [N,C,H,W] (BatchNorm2d) is supported",
           w, rank_of(x));
  const int64_t channels = shape_of(x).channels();
  const char* names[] = {"weight", "bias", "running_mean", "running_var"};
  const char* what[] = {"scale", "B", "input_mean", "input_var"};
  BatchNormAttrs b;
  b.eps = float_to_double(a.f("epsilon", 1e-5f));
  b.momentum = tidy(1.0 - float_to_double(a.f("momentum", 0.9f)));  // ONNX: running·m + batch·(1−m)
  std::vector<ConstTensor> ts;
  for (int k = 0; k < 4; ++k) {
    const ConstTensor& t = constant_input(n, k + 1, what[k]);
    PK_CHECK(t.is_float && t.dims.size() == 1 && t.dims[0] == channels, "{}: {} must be a float [{}] tensor, got {}",
             w, what[k], channels, dims_str(t.dims));
    ts.push_back(t);
  }
  const std::string name = add_node(n, OpKind::kBatchNorm2d, {x.node}, b);
  for (int k = 0; k < 4; ++k) add_tensor(name, names[k], ts[k]);
  define_feature(n, name);
}

void OnnxImporter::unary(const onnx::NodeProto& n, const OnnxAttrs& a, OpKind op) {
  Attrs attrs;
  if (op == OpKind::kLeakyReLU) {
    a.expect_only({"alpha"});
    attrs = LeakyReluAttrs{float_to_double(a.f("alpha", 0.01f))};
  } else if (op == OpKind::kHardSigmoid) {  // ONNX: clamp(alpha·x + beta, 0, 1); the IR has PyTorch's
    a.expect_only({"alpha", "beta"});
    const float alpha = a.f("alpha", 0.2f), beta = a.f("beta", 0.5f);
    PK_CHECK(std::abs(alpha - 1.0f / 6.0f) <= 1e-6f && beta == 0.5f,
             "{}: HardSigmoid(alpha={}, beta={}) is not supported; only PyTorch's hardsigmoid (alpha=1/6, beta=0.5)",
             where(n), alpha, beta);
  } else {
    a.expect_only({});
  }
  const OnnxValue& x = feature_any_layout(n, 0);
  define_like(n, add_node(n, op, {x.node}, attrs), x);
}

void OnnxImporter::softmax(const onnx::NodeProto& n, const OnnxAttrs& a, OpKind op) {
  a.expect_only({"axis"});
  const OnnxValue& x = feature(n, 0);
  const int r = rank_of(x);
  int64_t axis = a.i("axis", opset_ >= 13 ? -1 : 1);  // the default changed in opset 13
  if (axis < 0) axis += r;
  PK_CHECK(r == 2 && axis == 1,
           "{}: {} over axis {} of a rank-{} tensor is not supported; only over the classes of [N, K] scores (as "
           "torch.softmax(logits, 1) exports)",
           where(n), n.op_type(), a.i("axis", opset_ >= 13 ? -1 : 1), r);
  define_feature(n, add_node(n, op, {x.node}, {}));
}

void OnnxImporter::clip(const onnx::NodeProto& n, const OnnxAttrs& a) {
  const std::string w = where(n);
  a.expect_only({"min", "max"});  // attributes before opset 11, inputs since
  std::optional<double> lo, hi;
  if (a.has("min")) lo = a.f("min", 0);
  if (a.has("max")) hi = a.f("max", 0);
  auto bound = [&](int k, const char* what) -> std::optional<double> {
    if (!has_input(n, k)) return std::nullopt;
    const ConstTensor& t = constant_input(n, k, what);
    PK_CHECK(t.numel() == 1, "{}: {} must be a scalar", w, what);
    return t.at(0);
  };
  if (auto v = bound(1, "min")) lo = v;
  if (auto v = bound(2, "max")) hi = v;
  OpKind op;
  if (lo && *lo == 0.0 && hi && *hi == 6.0)
    op = OpKind::kReLU6;
  else if (lo && *lo == 0.0 && (!hi || std::isinf(*hi)))
    op = OpKind::kReLU;
  else
    PK_CHECK(false, "{}: Clip(min={}, max={}) is not supported; only Clip(0, 6) (ReLU6) and Clip(0, none) (ReLU)", w,
             lo ? fmt::format("{}", *lo) : "none", hi ? fmt::format("{}", *hi) : "none");
  define_feature(n, add_node(n, op, {feature(n, 0).node}, {}));
}

void OnnxImporter::concat(const onnx::NodeProto& n, const OnnxAttrs& a) {
  const std::string w = where(n);
  a.expect_only({"axis"});
  PK_CHECK(a.has("axis"), "{}: attribute axis is required", w);
  const int64_t axis = a.i("axis", 1);
  bool any_feature = false;
  for (int k = 0; k < n.input_size(); ++k) any_feature |= is_tensor(input(n, k));
  if (!any_feature) {  // shape arithmetic: concatenation of 1-D integer vectors
    PK_CHECK(axis == 0 || axis == -1, "{}: concat of constants along axis {} is not supported", w, axis);
    std::vector<int64_t> dims;
    for (int k = 0; k < n.input_size(); ++k) {
      auto e = int_entries(input(n, k));
      PK_CHECK(e.has_value(), "{}: concatenation of float constants is not supported", w);
      dims.insert(dims.end(), e->begin(), e->end());
    }
    define_shape(n, dims, false);
    return;
  }
  std::vector<std::string> parts;
  for (int k = 0; k < n.input_size(); ++k) parts.push_back(feature(n, k, 4).node);
  PK_CHECK(axis == 1 || axis == -3, "{}: concatenation along axis {} is not supported; only channels (axis 1)", w, axis);
  if (parts.size() == 1) {  // torch emits single-input Concats (e.g. DenseNet's first layer)
    define_feature(n, parts[0]);
    return;
  }
  define_feature(n, add_node(n, OpKind::kConcat, parts, {}));
}

void OnnxImporter::pool(const onnx::NodeProto& n, const OnnxAttrs& a, OpKind op) {
  const std::string w = where(n);
  const bool max = op == OpKind::kMaxPool2d;
  if (max)
    a.expect_only({"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"});
  else
    a.expect_only({"auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides"});
  expect_unused_outputs(n, 1);
  const OnnxValue& x = feature(n, 0, 4);
  PK_CHECK(a.has("kernel_shape"), "{}: attribute kernel_shape is required", w);
  PoolAttrs p;
  p.kernel = pair_attr(a, w, "kernel_shape", {});
  p.stride = pair_attr(a, w, "strides", {1, 1});
  p.ceil_mode = a.i("ceil_mode", 0) != 0;
  p.count_include_pad = max ? true : a.i("count_include_pad", 0) != 0;
  if (max) {
    PK_CHECK(pair_attr(a, w, "dilations", {1, 1}) == (Hw{1, 1}), "{}: dilated max pooling is not supported", w);
    PK_CHECK(a.i("storage_order", 0) == 0, "{}: storage_order=1 is not supported", w);
  }
  const SpatialPads pads = node_pads(a, w, shape_of(x), p.kernel, p.stride, Hw{1, 1});
  p.padding = pads.symmetric_part();
  if (!pads.symmetric()) {  // the rest becomes an explicit Pad: −∞ is what a max pool pads with
    PK_CHECK(!p.ceil_mode, "{}: asymmetric padding [{}, {}, {}, {}] with ceil_mode=1 is not supported", w, pads.top,
             pads.left, pads.bottom, pads.right);
    PK_CHECK(max || p.count_include_pad,
             "{}: asymmetric padding [{}, {}, {}, {}] with count_include_pad=0 is not supported (the border windows "
             "would average over a different number of pixels on each side)",
             w, pads.top, pads.left, pads.bottom, pads.right);
  }
  const double fill = max ? -std::numeric_limits<double>::infinity() : 0.0;
  define_feature(n, add_node(n, op, {asymmetric_remainder(n, x.node, pads, fill)}, p));
}

void OnnxImporter::global_avg_pool(const onnx::NodeProto& n) {
  define_feature(n, add_node(n, OpKind::kGlobalAvgPool, {feature(n, 0, 4).node}, {}));
}

void OnnxImporter::reduce(const onnx::NodeProto& n, const OnnxAttrs& a, OpKind pool) {
  const std::string w = where(n);
  a.expect_only({"axes", "keepdims", "noop_with_empty_axes"});
  const OnnxValue& x = feature(n, 0);
  std::vector<int64_t> axes = a.ints("axes", {});
  if (has_input(n, 1)) {  // opset 18: axes is an input
    auto e = int_entries(input(n, 1));
    PK_CHECK(e.has_value(), "{}: axes must be an integer constant", w);
    axes = *e;
  }
  const int r = rank_of(x);
  for (auto& axis : axes) axis = axis < 0 ? axis + r : axis;
  std::sort(axes.begin(), axes.end());
  PK_CHECK(r == 4 && axes == (std::vector<int64_t>{2, 3}),
           "{}: {} over axes [{}] of a rank-{} tensor is not supported; only over the spatial axes [2, 3] of "
           "[N, C, H, W] (global pooling, as x.mean([2, 3]) / x.amax([2, 3]) export)",
           w, n.op_type(), fmt::join(a.ints("axes", {}), ","), r);
  std::string out;
  if (pool == OpKind::kGlobalAvgPool) {
    out = add_node(n, OpKind::kGlobalAvgPool, {x.node}, {});
  } else {  // a max pool whose window is the whole feature map
    const Shape& s = shape_of(x);
    PoolAttrs p;
    p.kernel = p.stride = {static_cast<int>(s.height()), static_cast<int>(s.width())};
    out = add_node(n, OpKind::kMaxPool2d, {x.node}, p);
  }
  if (a.i("keepdims", 1) == 0) out = add_node(n, OpKind::kFlatten, {out}, {});  // [N, C, 1, 1] → [N, C]
  define_feature(n, out);
}

void OnnxImporter::flatten(const onnx::NodeProto& n, const OnnxAttrs& a) {
  a.expect_only({"axis"});
  const OnnxValue& x = feature(n, 0);
  const int r = rank_of(x);
  int64_t axis = a.i("axis", 1);
  if (axis < 0) axis += r;
  PK_CHECK(axis == 1, "{}: Flatten with axis {} is not supported; only axis 1 ([N, C·H·W])", where(n), a.i("axis", 1));
  if (r == 2) return define_feature(n, x.node);  // [N,F] is already flat
  define_feature(n, add_node(n, OpKind::kFlatten, {x.node}, {}));
}

void OnnxImporter::reshape(const onnx::NodeProto& n, const OnnxAttrs& a) {
  const std::string w = where(n);
  a.expect_only({"allowzero"});
  if (auto t = folded_constant(input(n, 0))) return reshape_constant(n, *t);
  auto target = int_entries(input(n, 1));
  PK_CHECK(target.has_value(), "{}: the target shape must be a constant or computed from Shape", w);
  if (input(n, 0).kind == OnnxValue::Kind::kShuffleView) return reshape_from_channel_groups(n, input(n, 0), *target);
  const OnnxValue& x = feature(n, 0);
  if (target->size() == 5 && rank_of(x) == 4) return reshape_to_channel_groups(n, x, *target);
  PK_CHECK(a.i("allowzero", 0) == 0, "{}: allowzero=1 is not supported", w);
  const int64_t flat = shape_of(x).numel();
  const auto& t = *target;
  bool ok = t.size() == 2;
  if (ok) {
    const int64_t channels = shape_of(x).channels();
    const int64_t t1 = t[1] == 0 ? channels : t[1];
    const bool batch_first = t[0] == kBatchDim || t[0] == 0 || (static_batch_ > 0 && t[0] == static_batch_);
    ok = (batch_first && (t1 == -1 || t1 == flat)) || (t[0] == -1 && t1 == flat);
  }
  PK_CHECK(ok,
           "{}: Reshape of [N,{}] to {} is not supported; prunekit supports Reshape only as a flatten to [N, {}] "
           "(shape [N,-1], [0,-1] or [-1,{}])",
           w, fmt::join(shape_of(x).dims, ","), dims_str(t), flat, flat);
  if (rank_of(x) == 2) return define_feature(n, x.node);
  define_feature(n, add_node(n, OpKind::kFlatten, {x.node}, {}));
}

void OnnxImporter::gemm(const onnx::NodeProto& n, const OnnxAttrs& a) {
  const std::string w = where(n);
  a.expect_only({"alpha", "beta", "transA", "transB"});
  PK_CHECK(a.i("transA", 0) == 0, "{}: transA=1 is not supported", w);
  const OnnxValue& x = feature(n, 0);
  PK_CHECK(rank_of(x) == 2, "{}: input has rank {}; Gemm needs [N, F] (add a Flatten)", w, rank_of(x));
  const ConstTensor& b = constant_input(n, 1, "weight B");
  PK_CHECK(b.is_float && b.dims.size() == 2, "{}: weight B must be a 2-D float tensor, got {}", w, dims_str(b.dims));
  ConstTensor weight = a.i("transB", 0) ? b : transpose2d(b);  // → [out, in]
  const int64_t in = shape_of(x).channels();
  PK_CHECK(weight.dims[1] == in, "{}: weight B {} (transB={}) does not fit an input of {} features", w,
           dims_str(b.dims), a.i("transB", 0), in);
  const float alpha = a.f("alpha", 1.0f);
  if (alpha != 1.0f)
    for (auto& v : weight.floats) v *= alpha;
  LinearAttrs l{static_cast<int>(weight.dims[0]), has_input(n, 2)};
  std::optional<ConstTensor> bias;
  if (l.bias) {
    bias = bias_vector(constant_input(n, 2, "bias C"), l.out_features, a.f("beta", 1.0f));
    PK_CHECK(bias.has_value(), "{}: bias C must be a float [{}] (or [1,{}], or scalar) tensor", w, l.out_features,
             l.out_features);
  }
  const std::string name = add_node(n, OpKind::kLinear, {x.node}, l);
  add_tensor(name, "weight", weight);
  if (bias) add_tensor(name, "bias", *bias);
  define_feature(n, name);
}

void OnnxImporter::resize(const onnx::NodeProto& n, const OnnxAttrs& a) {
  const std::string w = where(n);
  a.expect_only({"mode", "coordinate_transformation_mode", "nearest_mode", "cubic_coeff_a", "exclude_outside",
                 "extrapolation_value", "scales"});
  const OnnxValue& x = feature(n, 0, 4);
  const std::string mode = a.s("mode", "nearest");
  PK_CHECK(mode == "nearest", "{}: mode '{}' is not supported; only nearest", w, mode);
  const bool upsample_op = n.op_type() == "Upsample";
  const std::string coord = a.s("coordinate_transformation_mode", upsample_op ? "asymmetric" : "half_pixel");
  const std::string nearest = a.s("nearest_mode", upsample_op ? "floor" : "round_prefer_floor");
  const Shape& s = shape_of(x);
  double sh = 0, sw = 0;
  const int scales_input = upsample_op ? 1 : 2;
  if (has_input(n, scales_input) && input(n, scales_input).kind == OnnxValue::Kind::kConstant &&
      input(n, scales_input).constant.numel() > 0) {
    const ConstTensor& sc = input(n, scales_input).constant;
    PK_CHECK(sc.numel() == 4 && sc.at(0) == 1.0 && sc.at(1) == 1.0, "{}: scales must be [1, 1, s, s], got {} values", w,
             sc.numel());
    sh = sc.at(2);
    sw = sc.at(3);
  } else if (!upsample_op && has_input(n, 3)) {
    auto sizes = int_entries(input(n, 3));
    PK_CHECK(sizes && sizes->size() == 4, "{}: sizes must be a constant or Shape-derived vector of 4 values", w);
    PK_CHECK((*sizes)[1] == s.channels(), "{}: sizes {} changes the channel count", w, dims_str(*sizes));
    sh = static_cast<double>((*sizes)[2]) / static_cast<double>(s.height());
    sw = static_cast<double>((*sizes)[3]) / static_cast<double>(s.width());
  } else {
    PK_CHECK(false, "{}: the scale must be a constant scales input [1, 1, s, s] or a sizes input", w);
  }
  PK_CHECK(sh == sw && is_integer(sh) && sh >= 1,
           "{}: scale {}x{} is not supported; only nearest upsampling by the same integer factor in H and W", w, sh, sw);
  const int scale = static_cast<int>(sh);
  const bool has_roi = !upsample_op && has_input(n, 1) && input(n, 1).kind == OnnxValue::Kind::kConstant;
  check_nearest_rule(w, coord, nearest, ResizeAxis{s.height(), scale}, ResizeAxis{s.width(), scale},
                     has_roi ? &input(n, 1).constant : nullptr);
  define_feature(n, add_node(n, OpKind::kUpsample, {x.node}, UpsampleAttrs{scale}));
}

void OnnxImporter::pad(const onnx::NodeProto& n, const OnnxAttrs& a) {
  const std::string w = where(n);
  a.expect_only({"mode", "pads", "value"});
  PK_CHECK(a.s("mode", "constant") == "constant", "{}: mode '{}' is not supported; only constant zero padding", w,
           a.s("mode", "constant"));
  const OnnxValue& x = feature(n, 0, 4);
  std::vector<int64_t> p;
  if (has_input(n, 1)) {
    auto e = int_entries(input(n, 1));
    PK_CHECK(e.has_value(), "{}: pads must be a constant", w);
    p = *e;
  } else {
    p = a.ints("pads", {});
  }
  double value = a.f("value", 0.0f);
  if (has_input(n, 2)) {
    const ConstTensor& v = constant_input(n, 2, "constant_value");
    PK_CHECK(v.numel() == 1, "{}: constant_value must be a scalar", w);
    value = v.at(0);
  }
  PK_CHECK(!has_input(n, 3), "{}: the axes input is not supported", w);
  PK_CHECK(value == 0.0 || value == -std::numeric_limits<double>::infinity(),
           "{}: padding with {} is not supported; only zeros (or -inf, as prunekit's export writes for a max pool)", w,
           value);
  PK_CHECK(p.size() == 8, "{}: pads has {} values; expected 8 for a [N,C,H,W] input", w, p.size());
  PK_CHECK(p[0] == 0 && p[1] == 0 && p[4] == 0 && p[5] == 0, "{}: padding of the batch or channel dimension ({}) is not "
           "supported", w, dims_str(p));
  PK_CHECK(p[2] >= 0 && p[3] >= 0 && p[6] >= 0 && p[7] >= 0,
           "{}: negative pads {} (cropping) are not supported", w, dims_str(p));
  if (std::all_of(p.begin(), p.end(), [](int64_t v) { return v == 0; })) return define_feature(n, x.node);
  PadAttrs attrs{static_cast<int>(p[2]), static_cast<int>(p[3]), static_cast<int>(p[6]), static_cast<int>(p[7]), value};
  define_feature(n, add_node(n, OpKind::kPad, {x.node}, attrs));  // zeros fold into a following Conv later
}

std::string OnnxImporter::asymmetric_remainder(const onnx::NodeProto& n, const std::string& x,
                                               const SpatialPads& pads, double value) {
  if (pads.symmetric()) return x;
  const Hw both = pads.symmetric_part();
  const PadAttrs rest{pads.top - both.h, pads.left - both.w, pads.bottom - both.h, pads.right - both.w, value};
  return add_node(n, OpKind::kPad, {x}, rest, ".pad");
}

void OnnxImporter::gather(const onnx::NodeProto& n, const OnnxAttrs& a) {
  const std::string w = where(n);
  a.expect_only({"axis"});
  int64_t axis = a.i("axis", 0);
  const OnnxValue& data = input(n, 0);
  PK_CHECK(input(n, 1).kind == OnnxValue::Kind::kConstant && !input(n, 1).constant.is_float,
           "{}: indices must be an integer constant", w);
  const ConstTensor& idx = input(n, 1).constant;
  if (is_tensor(data)) {  // a channel permutation
    const OnnxValue& x = feature(n, 0);
    if (axis < 0) axis += rank_of(x);
    const int64_t c = shape_of(x).channels();
    PK_CHECK(axis == 1 && idx.dims.size() == 1,
             "{}: Gather on a tensor is supported only along channels (axis 1) with 1-D indices", w);
    std::vector<int> order;
    for (auto v : idx.ints) order.push_back(static_cast<int>(v < 0 ? v + c : v));
    std::vector<int> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    bool perm = static_cast<int64_t>(order.size()) == c;
    for (int64_t k = 0; perm && k < c; ++k) perm = sorted[k] == k;
    PK_CHECK(perm, "{}: indices select {} of {} channels; only a permutation of all channels is supported", w,
             order.size(), c);
    define_feature(n, add_node(n, OpKind::kChannelPermute, {x.node}, ChannelPermuteAttrs{order}));
    return;
  }
  auto entries = int_entries(data);
  PK_CHECK(entries.has_value() && axis == 0, "{}: Gather on constants is supported only on 1-D integer shape vectors", w);
  std::vector<int64_t> out;
  const int64_t size = static_cast<int64_t>(entries->size());
  for (auto k : idx.ints) {
    const int64_t i = k < 0 ? k + size : k;
    PK_CHECK(i >= 0 && i < size, "{}: index {} is out of range for {} values", w, k, size);
    out.push_back((*entries)[i]);
  }
  define_shape(n, out, idx.dims.empty());
}

void OnnxImporter::identity(const onnx::NodeProto& n) {
  const OnnxValue& x = input(n, 0);
  if (x.kind == OnnxValue::Kind::kFeature)
    return define_feature(n, add_node(n, OpKind::kIdentity, {x.node}, {}));
  define(n, 0, x);
}

void OnnxImporter::dropout(const onnx::NodeProto& n) {
  expect_unused_outputs(n, 1);
  if (has_input(n, 2)) {
    const ConstTensor& t = constant_input(n, 2, "training_mode");
    PK_CHECK(t.numel() == 1 && t.at(0) == 0.0, "{}: training_mode=true is not supported", where(n));
  }
  define(n, 0, input(n, 0));  // inference: the identity
}

void OnnxImporter::constant(const onnx::NodeProto& n, const OnnxAttrs& a) {
  const std::string w = where(n);
  OnnxValue v;
  v.kind = OnnxValue::Kind::kConstant;
  if (a.has("value")) {
    v.constant = a.tensor("value");
  } else if (a.has("value_float")) {
    v.constant.floats = {a.f("value_float", 0)};
  } else if (a.has("value_floats")) {
    PK_CHECK(false, "{}: value_floats is not supported", w);
  } else if (a.has("value_int")) {
    v.constant.is_float = false;
    v.constant.ints = {a.i("value_int", 0)};
  } else if (a.has("value_ints")) {
    v.constant.is_float = false;
    v.constant.ints = a.ints("value_ints", {});
    v.constant.dims = {static_cast<int64_t>(v.constant.ints.size())};
  } else {
    PK_CHECK(false, "{}: only tensor, float and int constants are supported", w);
  }
  define(n, 0, std::move(v));
}

void OnnxImporter::shape_op(const onnx::NodeProto& n, const OnnxAttrs& a) {
  a.expect_only({"start", "end"});
  const OnnxValue& x = input(n, 0);
  std::vector<int64_t> dims;
  PK_CHECK(x.kind != OnnxValue::Kind::kShuffleView, "{}: Shape of a channel shuffle's [N, g, C/g, H, W] view is not "
           "supported", where(n));
  if (x.kind == OnnxValue::Kind::kFeature) {
    dims.push_back(kBatchDim);
    for (auto d : shape_of(x).dims) dims.push_back(d);
  } else if (x.kind == OnnxValue::Kind::kConstant) {
    dims = x.constant.dims;
  } else {
    dims = {static_cast<int64_t>(x.dims.size())};
  }
  const int64_t r = static_cast<int64_t>(dims.size());
  int64_t start = a.i("start", 0), end = a.i("end", r);
  if (start < 0) start += r;
  if (end < 0) end += r;
  start = std::clamp<int64_t>(start, 0, r);
  end = std::clamp<int64_t>(end, start, r);
  define_shape(n, std::vector<int64_t>(dims.begin() + start, dims.begin() + end), false);
}

void OnnxImporter::unsqueeze(const onnx::NodeProto& n, const OnnxAttrs& a, bool squeeze) {
  const std::string w = where(n);
  a.expect_only({"axes"});
  const OnnxValue& x = input(n, 0);
  auto e = int_entries(x);
  PK_CHECK(e.has_value() && !is_tensor(x),
           "{}: {} is supported only on shape values (as torch emits around Reshape), not on tensors", w, n.op_type());
  std::vector<int64_t> axes = a.ints("axes", {});
  if (has_input(n, 1)) {  // opset 13: axes is an input
    const auto given = int_entries(input(n, 1));
    PK_CHECK(given.has_value(), "{}: axes must be an integer constant", w);
    axes = *given;
  }
  const bool is_scalar = x.kind == OnnxValue::Kind::kShape ? x.scalar : x.constant.dims.empty();
  if (squeeze) {
    PK_CHECK(!is_scalar && e->size() == 1 && (axes.empty() || axes == std::vector<int64_t>{0}),
             "{}: only squeezing a 1-element vector to a scalar is supported", w);
    return define_shape(n, *e, true);
  }
  PK_CHECK(is_scalar && axes == std::vector<int64_t>{0}, "{}: only unsqueezing a scalar along axis 0 is supported", w);
  define_shape(n, *e, false);
}

}  // namespace pk
