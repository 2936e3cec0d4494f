// The arithmetic handlers of the ONNX import (Add, Sub, Mul, Div): on two tensors, on shape
// values (folded integer arithmetic) and on a tensor and a constant (channel affine). A bias added
// to a MatMul is fused before the walk (onnx_fusions.h).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.h"
#include "io/onnx_importer.h"

namespace pk {

void OnnxImporter::arithmetic(const onnx::NodeProto& n, Arith op) {
  const std::string w = where(n);
  const OnnxValue& a = input(n, 0);
  const OnnxValue& b = input(n, 1);
  const bool a_const = !is_tensor(a);
  const bool b_const = !is_tensor(b);
  if (a_const && b_const) return shape_arithmetic(n, op);
  if (a_const || b_const) return constant_operand(n, op, /*constant_first=*/a_const);
  PK_CHECK(op == Arith::kAdd || op == Arith::kMul,
           "{}: {} of two tensors is not supported; only Add and Mul of tensors (Sub and Div by constants are)", w,
           n.op_type());
  const OnnxValue& fa = feature_any_layout(n, 0);
  const OnnxValue& fb = feature_any_layout(n, 1);
  PK_CHECK(fa.kind == fb.kind, "{}: {} of a channels-last and an [N, C, H, W] tensor is not supported", w,
           n.op_type());
  // x * sigmoid(x) and x * hardsigmoid(x) become SiLU / HardSwish later (import_rewrites.h).
  // The IR broadcasts the second operand only ([C,1,1] scaling): put the full tensor first.
  const Shape& sa = shape_of(fa);
  const Shape& sb = shape_of(fb);
  const bool swap = sa != sb && sa.rank() == 3 && sa.height() == 1 && sa.width() == 1 && sb.rank() == 3;
  const std::string first = swap ? fb.node : fa.node;
  const std::string second = swap ? fa.node : fb.node;
  define_like(n, add_node(n, op == Arith::kAdd ? OpKind::kAdd : OpKind::kMul, {first, second}, {}), fa);
}

void OnnxImporter::shape_arithmetic(const onnx::NodeProto& n, Arith op) {
  const std::string w = where(n);
  auto a = int_entries(input(n, 0));
  auto b = int_entries(input(n, 1));
  PK_CHECK(a && b, "{}: arithmetic on float constants is not supported (only on integer shape values)", w);
  PK_CHECK(a->size() == b->size() || a->size() == 1 || b->size() == 1,
           "{}: {} of shape values {} and {} does not broadcast", w, n.op_type(), dims_str(*a), dims_str(*b));
  const size_t size = std::max(a->size(), b->size());
  std::vector<int64_t> out(size);
  for (size_t k = 0; k < size; ++k) {
    const int64_t x = (*a)[a->size() == 1 ? 0 : k], y = (*b)[b->size() == 1 ? 0 : k];
    PK_CHECK(x != kBatchDim && y != kBatchDim,
             "{}: arithmetic on the dynamic batch size is not supported; export with a fixed batch or keep the "
             "batch entry of reshapes as -1 / 0",
             w);
    PK_CHECK(op != Arith::kDiv || y != 0, "{}: integer division by zero in shape arithmetic", w);
    // ONNX integer Div truncates toward zero, as C++ does (x is never INT64_MIN: that is kBatchDim).
    bool overflow = false;
    if (op == Arith::kAdd) overflow = __builtin_add_overflow(x, y, &out[k]);
    if (op == Arith::kSub) overflow = __builtin_sub_overflow(x, y, &out[k]);
    if (op == Arith::kMul) overflow = __builtin_mul_overflow(x, y, &out[k]);
    if (op == Arith::kDiv) out[k] = x / y;
    PK_CHECK(!overflow, "{}: integer overflow in shape arithmetic ({} of {} and {})", w, n.op_type(), x, y);
  }
  const OnnxValue& first = input(n, 0);
  const bool scalar = (first.kind == OnnxValue::Kind::kShape ? first.scalar : first.constant.dims.empty()) &&
                      (input(n, 1).kind == OnnxValue::Kind::kShape ? input(n, 1).scalar
                                                                   : input(n, 1).constant.dims.empty());
  define_shape(n, out, scalar);
}

void OnnxImporter::constant_operand(const onnx::NodeProto& n, Arith op, bool constant_first) {
  const std::string w = where(n);
  const OnnxValue& k = input(n, constant_first ? 0 : 1);
  PK_CHECK(k.kind == OnnxValue::Kind::kConstant && k.constant.is_float,
           "{}: {} of a tensor and an integer or shape value is not supported", w, n.op_type());
  channel_affine(n, op, constant_first);
}

void OnnxImporter::channel_affine(const onnx::NodeProto& n, Arith op, bool constant_first) {
  const std::string w = where(n);
  const int at = constant_first ? 1 : 0;
  const OnnxValue& x = input(n, at).kind == OnnxValue::Kind::kChannelsLast ? input(n, at) : feature(n, at, 4);
  const ConstTensor& k = input(n, constant_first ? 0 : 1).constant;
  const int64_t channels = shape_of(x).channels();
  // A scalar, or one value per channel on the channel axis (numpy broadcasting aligns the last
  // dims, so a [C] constant scales along W of [N,C,H,W] but along the channels when channels-last).
  const std::optional<std::vector<float>> values = per_channel(k, x);
  const bool last = x.kind == OnnxValue::Kind::kChannelsLast;
  PK_CHECK(values.has_value(),
           "{}: {} by a constant of shape {} is not supported on a{} [N,{}] tensor; only a scalar or one value per "
           "channel ({})",
           w, n.op_type(), dims_str(k.dims), last ? " channels-last" : "", fmt::join(shape_of(x).dims, ","),
           last ? "[C] or [1,1,1,C]" : "[C,1,1] or [1,C,1,1]");
  PK_CHECK(!(op == Arith::kDiv && constant_first), "{}: Div of a constant by a tensor is not supported", w);
  // y = scale·x + shift per channel, as a 1x1 depthwise conv (an op every engine and exporter has).
  ConstTensor scale, shift;
  scale.dims = {channels, 1, 1, 1};
  shift.dims = {channels};
  scale.floats.assign(static_cast<size_t>(channels), 1.0f);
  shift.floats.assign(static_cast<size_t>(channels), 0.0f);
  for (int64_t c = 0; c < channels; ++c) {
    const float v = (*values)[static_cast<size_t>(c)];
    float& sc = scale.floats[static_cast<size_t>(c)];
    float& sh = shift.floats[static_cast<size_t>(c)];
    if (op == Arith::kAdd) sh = v;
    if (op == Arith::kSub && !constant_first) sh = -v;  // x - v
    if (op == Arith::kSub && constant_first) sc = -1.0f, sh = v;  // v - x
    if (op == Arith::kMul) sc = v;
    if (op == Arith::kDiv) {
      PK_CHECK(v != 0.0f, "{}: division by a constant 0 (channel {})", w, c);
      sc = 1.0f / v;
    }
  }
  ConvAttrs c;
  c.out_channels = static_cast<int>(channels);
  c.groups = static_cast<int>(channels);
  c.bias = true;
  const std::string name = add_node(n, OpKind::kConv2d, {x.node}, c);
  add_tensor(name, "weight", scale);
  add_tensor(name, "bias", shift);
  define_like(n, name, x);
}

}  // namespace pk
