// Folding of the small constant tensors torch's exporter computes inside the graph. At opset ≥ 11
// the pads of F.pad / nn.ZeroPad2d are built as ConstantOfShape → Concat → Reshape([-1, 2]) →
// Slice(step −1) → Transpose → Reshape([-1]) → Cast; on constants (and shape vectors) these ops
// give constants again, so the Pad sees fixed pads. On tensors they are refused, naming the node.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.h"
#include "io/onnx_importer.h"

namespace pk {
namespace {

constexpr int64_t kMaxFoldedEntries = int64_t{1} << 20;  // constants beyond this are not shape arithmetic

/// Row-major strides of `dims`.
std::vector<int64_t> strides_of(const std::vector<int64_t>& dims) {
  std::vector<int64_t> s(dims.size(), 1);
  for (size_t a = dims.size(); a-- > 1;) s[a - 1] = s[a] * dims[a];
  return s;
}

/// Entry `src` of `from` appended to `to` (same element type).
void append_entry(const ConstTensor& from, int64_t src, ConstTensor& to) {
  if (from.is_float)
    to.floats.push_back(from.floats.at(static_cast<size_t>(src)));
  else
    to.ints.push_back(from.ints.at(static_cast<size_t>(src)));
}

/// out[i_0, i_1, ...] = t[source(i_0, i_1, ...)], where `source` maps an output index to a flat
/// input position; `dims` is the output shape.
template <class Source>
ConstTensor gather_entries(const ConstTensor& t, std::vector<int64_t> dims, const Source& source) {
  ConstTensor out;
  out.is_float = t.is_float;
  out.dims = std::move(dims);
  std::vector<int64_t> idx(out.dims.size(), 0);
  for (int64_t k = 0, n = out.numel(); k < n; ++k) {
    append_entry(t, source(idx), out);
    for (size_t a = idx.size(); a-- > 0;) {  // the next index, last axis fastest
      if (++idx[a] < out.dims[a]) break;
      idx[a] = 0;
    }
  }
  return out;
}

/// The source positions along one axis of `size` that ONNX Slice picks (negative starts/ends
/// count from the end; both are clamped as the spec says for the sign of `step`).
std::vector<int64_t> slice_positions(int64_t size, int64_t start, int64_t end, int64_t step) {
  if (size == 0) return {};
  if (start < 0) start += size;
  if (end < 0) end += size;
  // Counted steps, not `i += step`: a step near ±2⁶³ would overflow.
  std::vector<int64_t> picks;
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, size);
    end = std::clamp<int64_t>(end, 0, size);
    const int64_t count = start < end ? (end - start - 1) / step + 1 : 0;
    for (int64_t k = 0; k < count; ++k) picks.push_back(start + k * step);
  } else {
    start = std::clamp<int64_t>(start, 0, size - 1);
    end = std::clamp<int64_t>(end, -1, size - 1);
    const int64_t stride = step == INT64_MIN ? INT64_MAX : -step;
    const int64_t count = start > end ? (start - end - 1) / stride + 1 : 0;
    for (int64_t k = 0; k < count; ++k) picks.push_back(start - k * stride);
  }
  return picks;
}

}  // namespace

std::optional<ConstTensor> OnnxImporter::folded_constant(const OnnxValue& v) const {
  if (v.kind == OnnxValue::Kind::kConstant) return v.constant;
  if (v.kind != OnnxValue::Kind::kShape) return std::nullopt;
  ConstTensor t;  // a shape vector as an integer tensor (batch entries stay kBatchDim)
  t.is_float = false;
  t.ints = v.dims;
  if (!v.scalar) t.dims = {static_cast<int64_t>(v.dims.size())};
  return t;
}

void OnnxImporter::define_folded(const onnx::NodeProto& n, const OnnxValue& from, ConstTensor t) {
  if (from.kind == OnnxValue::Kind::kShape && !t.is_float && t.dims.size() <= 1)
    return define_shape(n, std::move(t.ints), t.dims.empty());
  OnnxValue v;
  v.kind = OnnxValue::Kind::kConstant;
  v.constant = std::move(t);
  define(n, 0, std::move(v));
}

void OnnxImporter::constant_of_shape(const onnx::NodeProto& n, const OnnxAttrs& a) {
  const std::string w = where(n);
  a.expect_only({"value"});
  const auto dims = int_entries(input(n, 0));
  PK_CHECK(dims.has_value(), "{}: the shape must be a constant or shape value", w);
  ConstTensor t;
  t.dims = *dims;
  int64_t count = 1;
  for (const int64_t d : t.dims) {
    PK_CHECK(d >= 0 && d != kBatchDim, "{}: shape {} must be known and non-negative (a constant as large as the "
             "batch is not supported)", w, dims_str(t.dims));
    PK_CHECK(d <= kMaxFoldedEntries / std::max<int64_t>(count, 1), "{}: a constant of shape {} is too large to fold",
             w, dims_str(t.dims));
    count *= d;
  }
  ConstTensor fill;  // ONNX default: one float 0
  fill.floats = {0.0f};
  if (a.has("value")) fill = a.tensor("value");
  PK_CHECK(fill.numel() == 1, "{}: value must hold one element", w);
  t.is_float = fill.is_float;
  if (t.is_float)
    t.floats.assign(static_cast<size_t>(count), fill.floats[0]);
  else
    t.ints.assign(static_cast<size_t>(count), fill.ints[0]);
  define_folded(n, OnnxValue{}, std::move(t));
}

void OnnxImporter::reshape_constant(const onnx::NodeProto& n, const ConstTensor& t) {
  const std::string w = where(n);
  const auto target = int_entries(input(n, 1));
  PK_CHECK(target.has_value(), "{}: the target shape must be a constant", w);
  std::vector<int64_t> dims = *target;
  int64_t known = 1, infer_at = -1;
  for (size_t a = 0; a < dims.size(); ++a) {
    if (dims[a] == 0 && a < t.dims.size()) dims[a] = t.dims[a];  // allowzero=0: copy the input's dimension
    if (dims[a] == -1) {
      PK_CHECK(infer_at < 0, "{}: target shape {} has more than one -1", w, dims_str(*target));
      infer_at = static_cast<int64_t>(a);
    } else {
      PK_CHECK(dims[a] >= 0, "{}: target shape {} is not valid for a constant", w, dims_str(*target));
      PK_CHECK(dims[a] == 0 || known <= std::max<int64_t>(t.numel(), 1) / dims[a],
               "{}: a constant of shape {} cannot be reshaped to {}", w, dims_str(t.dims), dims_str(*target));
      known *= dims[a];
    }
  }
  if (infer_at >= 0 && known > 0) dims[static_cast<size_t>(infer_at)] = t.numel() / known;
  ConstTensor out = t;
  out.dims = dims;
  PK_CHECK(out.numel() == t.numel(), "{}: a constant of shape {} cannot be reshaped to {}", w, dims_str(t.dims),
           dims_str(*target));
  define_folded(n, input(n, 0), std::move(out));
}

void OnnxImporter::transpose(const onnx::NodeProto& n, const OnnxAttrs& a) {
  const std::string w = where(n);
  a.expect_only({"perm"});
  if (input(n, 0).kind == OnnxValue::Kind::kShuffleView)
    return transpose_channel_groups(n, input(n, 0), a.ints("perm", {4, 3, 2, 1, 0}));
  if (is_tensor(input(n, 0))) return transpose_layout(n, a);
  const auto t = folded_constant(input(n, 0));
  PK_ASSERT(t.has_value(), "Transpose of a value that is neither a tensor nor a constant");
  const int64_t rank = static_cast<int64_t>(t->dims.size());
  std::vector<int64_t> perm(static_cast<size_t>(rank));
  for (int64_t k = 0; k < rank; ++k) perm[static_cast<size_t>(k)] = rank - 1 - k;  // ONNX default: reversed axes
  if (a.has("perm")) perm = a.ints("perm", {});
  std::vector<int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  bool valid = static_cast<int64_t>(perm.size()) == rank;
  for (int64_t k = 0; valid && k < rank; ++k) valid = sorted[static_cast<size_t>(k)] == k;
  PK_CHECK(valid, "{}: perm [{}] is not a permutation of the {} axes", w, fmt::join(perm, ","), rank);
  std::vector<int64_t> dims;
  for (const int64_t p : perm) dims.push_back(t->dims[static_cast<size_t>(p)]);
  const std::vector<int64_t> in_strides = strides_of(t->dims);
  define_folded(n, input(n, 0), gather_entries(*t, dims, [&](const std::vector<int64_t>& idx) {
                  int64_t src = 0;
                  for (size_t k = 0; k < idx.size(); ++k) src += idx[k] * in_strides[static_cast<size_t>(perm[k])];
                  return src;
                }));
}

void OnnxImporter::slice(const onnx::NodeProto& n) {
  const std::string w = where(n);
  if (is_tensor(input(n, 0))) return slice_channels(n);
  const auto t = folded_constant(input(n, 0));
  PK_ASSERT(t.has_value(), "{}: Slice of a value that is neither a tensor nor a constant", w);
  const auto vector_of = [&](int k, const char* what) -> std::optional<std::vector<int64_t>> {
    if (!has_input(n, k)) return std::nullopt;
    auto v = int_entries(input(n, k));
    PK_CHECK(v.has_value(), "{}: {} must be an integer constant", w, what);
    return v;
  };
  const std::vector<int64_t> starts = vector_of(1, "starts").value_or(std::vector<int64_t>{});
  const std::vector<int64_t> ends = vector_of(2, "ends").value_or(std::vector<int64_t>{});
  PK_CHECK(starts.size() == ends.size() && !starts.empty(), "{}: starts and ends must have the same length (≥ 1)",
           w);
  const int64_t rank = static_cast<int64_t>(t->dims.size());
  PK_CHECK(rank >= 1, "{}: Slice of a scalar", w);
  std::vector<int64_t> axes(starts.size()), steps(starts.size(), 1);
  for (size_t k = 0; k < axes.size(); ++k) axes[k] = static_cast<int64_t>(k);
  if (auto v = vector_of(3, "axes")) axes = *v;
  if (auto v = vector_of(4, "steps")) steps = *v;
  PK_CHECK(axes.size() == starts.size() && steps.size() == starts.size(),
           "{}: axes and steps must have as many entries as starts", w);
  std::vector<std::vector<int64_t>> picks;
  for (const int64_t d : t->dims) {  // every axis whole unless sliced
    picks.emplace_back(static_cast<size_t>(d));
    for (int64_t i = 0; i < d; ++i) picks.back()[static_cast<size_t>(i)] = i;
  }
  for (size_t k = 0; k < axes.size(); ++k) {
    const int64_t axis = axes[k] < 0 ? axes[k] + rank : axes[k];
    PK_CHECK(axis >= 0 && axis < rank, "{}: axis {} is out of range for rank {}", w, axes[k], rank);
    PK_CHECK(steps[k] != 0, "{}: step 0", w);
    picks[static_cast<size_t>(axis)] = slice_positions(t->dims[static_cast<size_t>(axis)], starts[k], ends[k], steps[k]);
  }
  std::vector<int64_t> dims;
  for (const auto& p : picks) dims.push_back(static_cast<int64_t>(p.size()));
  const std::vector<int64_t> in_strides = strides_of(t->dims);
  define_folded(n, input(n, 0), gather_entries(*t, dims, [&](const std::vector<int64_t>& idx) {
                  int64_t src = 0;
                  for (size_t a = 0; a < idx.size(); ++a) src += picks[a][static_cast<size_t>(idx[a])] * in_strides[a];
                  return src;
                }));
}

void OnnxImporter::cast(const onnx::NodeProto& n, const OnnxAttrs& a) {
  a.expect_only({"to", "saturate"});
  const OnnxValue& x = input(n, 0);
  PK_CHECK(!is_tensor(x), "{}: Cast of a tensor is not supported", where(n));
  if (x.kind == OnnxValue::Kind::kShape) return define(n, 0, x);  // shape arithmetic stays integer
  const int64_t to = a.i("to", onnx::TensorProto::FLOAT);
  const bool to_float = to == onnx::TensorProto::FLOAT || to == onnx::TensorProto::DOUBLE ||
                        to == onnx::TensorProto::FLOAT16;
  ConstTensor t = x.constant;
  if (to_float && !t.is_float) {
    for (const int64_t v : t.ints) t.floats.push_back(static_cast<float>(v));
    t.ints.clear();
    t.is_float = true;
  } else if (!to_float && t.is_float) {
    for (const float v : t.floats) {
      PK_CHECK(std::isfinite(v) && std::fabs(v) < 9.2e18f, "{}: cannot cast {} to an integer", where(n), v);
      t.ints.push_back(static_cast<int64_t>(v));  // ONNX: truncation toward zero
    }
    t.floats.clear();
    t.is_float = false;
  }
  define_folded(n, x, std::move(t));
}

}  // namespace pk
