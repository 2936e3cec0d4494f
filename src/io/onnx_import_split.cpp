// Channel splits as torch exports them: `x[:, a:b]` and `chunk` as Slice over axis 1 (the ends
// often computed by shape arithmetic), `split` as Split over axis 1. Each part becomes a
// ChannelSlice of the feature (a whole-range slice is the feature itself); slices over the
// batch or the spatial axes, and strided ones, are refused.
#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.h"
#include "io/onnx_importer.h"

namespace pk {
namespace {

/// The [start, end) a Slice with `start`, `end` (ONNX semantics: negative counts from the end,
/// clamped to the axis) takes of `size` channels.
std::pair<int64_t, int64_t> clamp_range(int64_t size, int64_t start, int64_t end) {
  if (start < 0) start = start < -size ? 0 : start + size;
  if (end < 0) end = end < -size ? 0 : end + size;
  return {std::clamp<int64_t>(start, 0, size), std::clamp<int64_t>(end, 0, size)};
}

}  // namespace

std::string OnnxImporter::channel_part(const onnx::NodeProto& n, const OnnxValue& x, int64_t start, int64_t end,
                                       const std::string& suffix) {
  const int64_t c = shape_of(x).channels();
  PK_CHECK(start < end, "{}: takes channels [{}, {}) of {}: an empty part", where(n), start, end, c);
  if (start == 0 && end == c) return x.node;
  return add_node(n, OpKind::kChannelSlice, {x.node},
                  ChannelSliceAttrs{static_cast<int>(start), static_cast<int>(end)}, suffix);
}

void OnnxImporter::slice_channels(const onnx::NodeProto& n) {
  const std::string w = where(n);
  const OnnxValue& x = feature(n, 0);
  PK_CHECK(rank_of(x) == 4, "{}: Slice of a [N, F] tensor is not supported; only of the channels of [N, C, H, W]", w);
  const auto entries = [&](int k, const char* what) -> std::vector<int64_t> {
    if (!has_input(n, k)) return {};
    const auto v = int_entries(input(n, k));
    PK_CHECK(v.has_value(), "{}: {} of a Slice of a tensor must be integer constants (or shape arithmetic on them)",
             w, what);
    return *v;
  };
  const std::vector<int64_t> starts = entries(1, "starts"), ends = entries(2, "ends");
  std::vector<int64_t> axes = entries(3, "axes"), steps = entries(4, "steps");
  if (!has_input(n, 3))
    for (size_t k = 0; k < starts.size(); ++k) axes.push_back(static_cast<int64_t>(k));
  if (!has_input(n, 4)) steps.assign(starts.size(), 1);
  PK_CHECK(starts.size() == 1 && ends.size() == 1 && axes.size() == 1 && steps.size() == 1,
           "{}: a Slice of a tensor must slice exactly one axis, the channels (starts [{}], axes [{}])", w,
           fmt::join(starts, ","), fmt::join(axes, ","));
  PK_CHECK(axes[0] == 1 || axes[0] == -3,
           "{}: Slice of a tensor over axis {} is not supported; only over the channels (axis 1), as torch's "
           "x[:, a:b], chunk and split write it", w, axes[0]);
  PK_CHECK(steps[0] == 1, "{}: Slice of the channels with step {} is not supported; only step 1", w, steps[0]);
  for (const int64_t v : {starts[0], ends[0]})
    PK_CHECK(v != kBatchDim, "{}: the channel range of a Slice depends on the batch size", w);
  const auto [start, end] = clamp_range(shape_of(x).channels(), starts[0], ends[0]);
  define_feature(n, channel_part(n, x, start, end, ""));
}

void OnnxImporter::split(const onnx::NodeProto& n, const OnnxAttrs& a) {
  const std::string w = where(n);
  a.expect_only({"axis", "split", "num_outputs"});
  const OnnxValue& x = feature(n, 0);
  const int64_t axis = a.i("axis", 0);
  PK_CHECK(rank_of(x) == 4 && (axis == 1 || axis == -3),
           "{}: Split over axis {} of a rank-{} tensor is not supported; only over the channels (axis 1) of "
           "[N, C, H, W]", w, axis, rank_of(x));
  const int64_t c = shape_of(x).channels();
  const int64_t parts = n.output_size();
  std::vector<int64_t> sizes;
  if (has_input(n, 1)) {
    const auto v = int_entries(input(n, 1));
    PK_CHECK(v.has_value(), "{}: the split sizes must be an integer constant", w);
    sizes = *v;
  } else if (a.has("split")) {
    sizes = a.ints("split", {});
  } else {  // equal parts; opset 18's num_outputs makes the last one smaller if C does not divide
    const int64_t each = (c + parts - 1) / parts;
    for (int64_t k = 0; k < parts; ++k) sizes.push_back(std::min(each, c - k * each));
  }
  PK_CHECK(static_cast<int64_t>(sizes.size()) == parts, "{}: {} split sizes for {} outputs", w, sizes.size(), parts);
  int64_t start = 0;
  for (int64_t k = 0; k < parts; ++k) {
    PK_CHECK(sizes[k] >= 1 && sizes[k] <= c - start, "{}: split sizes [{}] do not cut {} channels into non-empty parts",
             w, fmt::join(sizes, ","), c);
    OnnxValue part;
    part.node = channel_part(n, x, start, start + sizes[k], fmt::format(".{}", k));
    define(n, static_cast<int>(k), std::move(part));
    start += sizes[k];
  }
  PK_CHECK(start == c, "{}: split sizes [{}] add up to {}, the input has {} channels", w, fmt::join(sizes, ","), start,
           c);
}

}  // namespace pk
