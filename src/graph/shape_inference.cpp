// Shape rules of every op (one switch), with the validation that names the node, and the size
// limits: no output or tensor larger than kMaxElements, no size arithmetic that overflows int64.
#include <algorithm>
#include <limits>

#include "core/error.h"
#include "graph/builder.h"
#include "graph/params.h"

namespace pk {
namespace {

template <class T>
const T& expect_attrs(const Node& n) {
  const T* a = std::get_if<T>(&n.attrs);
  PK_CHECK(a != nullptr, "node '{}' ({}): wrong attribute type for this op", n.name, op_name(n.op));
  return *a;
}

void expect_no_attrs(const Node& n) {
  PK_CHECK(std::holds_alternative<std::monostate>(n.attrs), "node '{}' ({}): this op takes no attributes",
           n.name, op_name(n.op));
}

void expect_arity(const Node& n, const std::vector<const Shape*>& in, size_t count) {
  PK_CHECK(in.size() == count, "node '{}' ({}): expected {} input(s), got {}", n.name, op_name(n.op), count,
           in.size());
}

const Shape& expect_feature_map(const Node& n, const Shape& s) {
  PK_CHECK(s.rank() == 3, "node '{}' ({}): expected a CxHxW feature map input, got shape {}", n.name,
           op_name(n.op), s.str());
  return s;
}

void expect_positive(const Node& n, const Hw& v, const char* what, int minimum) {
  PK_CHECK(v.h >= minimum && v.w >= minimum, "node '{}' ({}): {} {}x{} must be ≥ {}", n.name, op_name(n.op),
           what, v.h, v.w, minimum);
}

/// Output size, or 0 if the (dilated) kernel does not fit the padded input. `in` ≤ kMaxElements
/// and int attributes keep the arithmetic far from int64 overflow.
int64_t conv_out_size(int64_t in, int k, int s, int p, int d) {
  const int64_t span = in + 2 * int64_t{p} - int64_t{d} * (k - 1) - 1;
  return span < 0 ? 0 : span / s + 1;
}

int64_t pool_out_size(int64_t in, int k, int s, int p, bool ceil_mode) {
  int64_t num = in + 2 * int64_t{p} - k;
  if (num < 0) return 0;  // the kernel does not fit
  int64_t out = (ceil_mode ? (num + s - 1) / s : num / s) + 1;
  if (ceil_mode && (out - 1) * s >= in + p) --out;  // (out − 1)·s ≤ num: no overflow  // last window must start inside the input
  return out;
}

Shape infer_pool(const Node& n, const Shape& x) {
  const auto& a = expect_attrs<PoolAttrs>(n);
  expect_positive(n, a.kernel, "kernel", 1);
  expect_positive(n, a.stride, "stride", 1);
  expect_positive(n, a.padding, "padding", 0);
  PK_CHECK(a.padding.h * 2 <= a.kernel.h && a.padding.w * 2 <= a.kernel.w,
           "node '{}' ({}): padding {}x{} must be at most half the kernel {}x{}", n.name, op_name(n.op),
           a.padding.h, a.padding.w, a.kernel.h, a.kernel.w);
  int64_t h = pool_out_size(x.height(), a.kernel.h, a.stride.h, a.padding.h, a.ceil_mode);
  int64_t w = pool_out_size(x.width(), a.kernel.w, a.stride.w, a.padding.w, a.ceil_mode);
  PK_CHECK(h >= 1 && w >= 1, "node '{}' ({}): input {} is smaller than the kernel {}x{}", n.name, op_name(n.op),
           x.str(), a.kernel.h, a.kernel.w);
  return Shape{{x.channels(), h, w}};
}

Shape infer_elementwise_binary(const Node& n, const Shape& a, const Shape& b) {
  if (a == b) return a;
  const bool channel_broadcast = a.rank() == 3 && b.rank() == 3 && b.channels() == a.channels() &&
                                 b.height() == 1 && b.width() == 1;
  PK_CHECK(channel_broadcast,
           "node '{}' ({}): input shapes {} and {} differ; expected equal shapes or a second input of "
           "shape Cx1x1 with the same C",
           n.name, op_name(n.op), a.str(), b.str());
  return a;
}

/// UserError naming the node if its output `out` or one of its tensors has more than
/// kMaxElements elements (their float32 bytes would not fit in int64).
void check_sizes(const Node& n, const Shape& out, const std::vector<const Shape*>& in) {
  PK_CHECK(checked_numel(out.dims).has_value(),
           "node '{}' ({}): output shape {} has more than 2^61 elements (its float32 size does not fit in int64)",
           n.name, op_name(n.op), out.str());
  for (const auto& spec : tensor_specs(n, out, in.empty() ? 0 : in[0]->channels()))
    PK_CHECK(checked_numel(spec.shape).has_value(),
             "node '{}' ({}): its {} tensor of shape {} has more than 2^61 elements (its float32 size does not fit "
             "in int64)",
             n.name, op_name(n.op), spec.name, Shape{spec.shape}.str());
}

Shape infer_unchecked(const Node& n, const std::vector<const Shape*>& in) {
  switch (n.op) {
    case OpKind::kInput: {
      expect_arity(n, in, 0);
      const auto& a = expect_attrs<InputAttrs>(n);
      PK_CHECK(a.shape.rank() == 3 || a.shape.rank() == 1, "input '{}': shape {} must be CxHxW or F", n.name,
               a.shape.str());
      for (auto d : a.shape.dims) PK_CHECK(d > 0, "input '{}': shape {} has a non-positive dimension", n.name, a.shape.str());
      return a.shape;
    }
    case OpKind::kConv2d: {
      expect_arity(n, in, 1);
      const Shape& x = expect_feature_map(n, *in[0]);
      const auto& a = expect_attrs<ConvAttrs>(n);
      PK_CHECK(a.out_channels >= 1, "conv '{}': out_channels {} must be ≥ 1", n.name, a.out_channels);
      PK_CHECK(a.groups >= 1, "conv '{}': groups {} must be ≥ 1", n.name, a.groups);
      PK_CHECK(x.channels() % a.groups == 0, "conv '{}': in_channels {} is not divisible by groups {}", n.name,
               x.channels(), a.groups);
      PK_CHECK(a.out_channels % a.groups == 0, "conv '{}': out_channels {} is not divisible by groups {}",
               n.name, a.out_channels, a.groups);
      expect_positive(n, a.kernel, "kernel", 1);
      expect_positive(n, a.stride, "stride", 1);
      expect_positive(n, a.dilation, "dilation", 1);
      expect_positive(n, a.padding, "padding", 0);
      int64_t h = conv_out_size(x.height(), a.kernel.h, a.stride.h, a.padding.h, a.dilation.h);
      int64_t w = conv_out_size(x.width(), a.kernel.w, a.stride.w, a.padding.w, a.dilation.w);
      PK_CHECK(h >= 1 && w >= 1, "conv '{}': input {} is too small for kernel {}x{} with padding {}x{}", n.name,
               x.str(), a.kernel.h, a.kernel.w, a.padding.h, a.padding.w);
      return Shape{{a.out_channels, h, w}};
    }
    case OpKind::kBatchNorm2d: {
      expect_arity(n, in, 1);
      const auto& a = expect_attrs<BatchNormAttrs>(n);
      PK_CHECK(a.eps > 0, "batch norm '{}': eps {} must be > 0", n.name, a.eps);
      PK_CHECK(a.momentum >= 0 && a.momentum <= 1, "batch norm '{}': momentum {} must be in [0, 1]", n.name,
               a.momentum);
      return expect_feature_map(n, *in[0]);
    }
    case OpKind::kLayerNorm: {
      expect_arity(n, in, 1);
      const auto& a = expect_attrs<LayerNormAttrs>(n);
      PK_CHECK(a.eps > 0, "layer norm '{}': eps {} must be > 0", n.name, a.eps);
      PK_CHECK(in[0]->rank() == 3 || in[0]->rank() == 1,
               "layer norm '{}': expected a CxHxW feature map or a vector F, got shape {}", n.name, in[0]->str());
      return *in[0];
    }
    case OpKind::kLeakyReLU:
      expect_arity(n, in, 1);
      expect_attrs<LeakyReluAttrs>(n);
      return *in[0];
    case OpKind::kReLU:
    case OpKind::kReLU6:
    case OpKind::kSiLU:
    case OpKind::kHardSigmoid:
    case OpKind::kHardSwish:
    case OpKind::kGELU:
    case OpKind::kSigmoid:
    case OpKind::kIdentity:
      expect_arity(n, in, 1);
      expect_no_attrs(n);
      return *in[0];
    case OpKind::kAdd:
    case OpKind::kMul:
      expect_arity(n, in, 2);
      expect_no_attrs(n);
      return infer_elementwise_binary(n, *in[0], *in[1]);
    case OpKind::kConcat: {
      expect_no_attrs(n);
      PK_CHECK(in.size() >= 2, "concat '{}': expected ≥ 2 inputs, got {}", n.name, in.size());
      int64_t channels = 0;
      for (const Shape* s : in) {
        expect_feature_map(n, *s);
        PK_CHECK(s->height() == in[0]->height() && s->width() == in[0]->width(),
                 "concat '{}': inputs {} and {} differ in height/width", n.name, in[0]->str(), s->str());
        const std::optional<int64_t> sum = checked_add(channels, s->channels());
        PK_CHECK(sum.has_value(), "concat '{}': the channel counts of its inputs add up to more than int64 holds",
                 n.name);
        channels = *sum;
      }
      return Shape{{channels, in[0]->height(), in[0]->width()}};
    }
    case OpKind::kMaxPool2d:
    case OpKind::kAvgPool2d:
      expect_arity(n, in, 1);
      return infer_pool(n, expect_feature_map(n, *in[0]));
    case OpKind::kGlobalAvgPool:
      expect_arity(n, in, 1);
      expect_no_attrs(n);
      return Shape{{expect_feature_map(n, *in[0]).channels(), 1, 1}};
    case OpKind::kPad: {
      expect_arity(n, in, 1);
      const auto& a = expect_attrs<PadAttrs>(n);
      PK_CHECK(a.top >= 0 && a.left >= 0 && a.bottom >= 0 && a.right >= 0,
               "pad '{}': pads top={} left={} bottom={} right={} must be ≥ 0", n.name, a.top, a.left, a.bottom, a.right);
      PK_CHECK(a.value == 0.0 || a.value == -std::numeric_limits<double>::infinity(),
               "pad '{}': value {} is not supported; only 0 or -inf", n.name, a.value);
      const Shape& x = expect_feature_map(n, *in[0]);
      const std::optional<int64_t> h = checked_add(x.height(), int64_t{a.top} + a.bottom);
      const std::optional<int64_t> w = checked_add(x.width(), int64_t{a.left} + a.right);
      PK_CHECK(h && w, "pad '{}': input {} padded does not fit in int64", n.name, x.str());
      return Shape{{x.channels(), *h, *w}};
    }
    case OpKind::kUpsample: {
      expect_arity(n, in, 1);
      const auto& a = expect_attrs<UpsampleAttrs>(n);
      PK_CHECK(a.scale >= 1, "upsample '{}': scale {} must be ≥ 1", n.name, a.scale);
      const Shape& x = expect_feature_map(n, *in[0]);
      const std::optional<int64_t> h = checked_mul(x.height(), a.scale), w = checked_mul(x.width(), a.scale);
      PK_CHECK(h && w, "upsample '{}': input {} scaled by {} does not fit in int64", n.name, x.str(), a.scale);
      return Shape{{x.channels(), *h, *w}};
    }
    case OpKind::kFlatten:
      expect_arity(n, in, 1);
      expect_no_attrs(n);
      return Shape{{expect_feature_map(n, *in[0]).numel()}};
    case OpKind::kSoftmax:
    case OpKind::kLogSoftmax:
      expect_arity(n, in, 1);
      expect_no_attrs(n);
      PK_CHECK(in[0]->rank() == 1, "{} '{}': expected a flat [K] input (class scores), got {}", op_name(n.op), n.name,
               in[0]->str());
      return *in[0];
    case OpKind::kLinear: {
      expect_arity(n, in, 1);
      const auto& a = expect_attrs<LinearAttrs>(n);
      PK_CHECK(in[0]->rank() == 1, "linear '{}': expected a flat [F] input, got {} (add a Flatten)", n.name,
               in[0]->str());
      PK_CHECK(a.out_features >= 1, "linear '{}': out_features {} must be ≥ 1", n.name, a.out_features);
      return Shape{{a.out_features}};
    }
    case OpKind::kChannelPermute: {
      expect_arity(n, in, 1);
      const auto& a = expect_attrs<ChannelPermuteAttrs>(n);
      const int64_t c = in[0]->channels();
      PK_CHECK(static_cast<int64_t>(a.order.size()) == c, "channel permute '{}': order has {} entries, input has {} channels",
               n.name, a.order.size(), c);
      std::vector<bool> seen(c, false);
      for (int v : a.order) {
        PK_CHECK(v >= 0 && v < c && !seen[v], "channel permute '{}': order is not a permutation of 0..{} (bad entry {})",
                 n.name, c - 1, v);
        seen[v] = true;
      }
      return *in[0];
    }
    case OpKind::kChannelSlice: {
      expect_arity(n, in, 1);
      const auto& a = expect_attrs<ChannelSliceAttrs>(n);
      const Shape& x = expect_feature_map(n, *in[0]);
      PK_CHECK(a.start >= 0 && a.start < a.end && a.end <= x.channels(),
               "channel slice '{}': channels [{}, {}) are not a non-empty range of its input's {} channels", n.name,
               a.start, a.end, x.channels());
      return Shape{{a.end - a.start, x.height(), x.width()}};
    }
    case OpKind::kCount:
      break;
  }
  PK_ASSERT(false, "infer_shape: invalid op {}", static_cast<int>(n.op));
}

}  // namespace

Shape infer_shape(const Node& n, const std::vector<const Shape*>& in) {
  Shape out = infer_unchecked(n, in);
  check_sizes(n, out, in);
  return out;
}

}  // namespace pk
