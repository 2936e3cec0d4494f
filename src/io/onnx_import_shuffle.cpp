// Channel shuffle as torch exports it (ShuffleNet's `x.view(N, g, C/g, H, W).transpose(1, 2)
// .reshape(N, C, H, W)`): the first Reshape makes a kShuffleView of the feature, the Transpose
// swaps its group axes, and the Reshape back becomes one ChannelPermute. Any other reader of the
// view is refused (OnnxImporter::feature), so no 5-D tensor ever reaches the IR.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.h"
#include "io/onnx_importer.h"

namespace pk {
namespace {

/// Whether `entry` of a Reshape target stands for the batch (symbolic, 0 = copy, or -1).
bool batch_entry(int64_t entry) { return entry == kBatchDim || entry == 0 || entry == -1; }

}  // namespace

void OnnxImporter::reshape_to_channel_groups(const onnx::NodeProto& n, const OnnxValue& x,
                                             const std::vector<int64_t>& target) {
  const Shape& s = shape_of(x);
  const int64_t c = s.channels();
  // g · (C/g) = C by division: a product of two arbitrary entries could overflow.
  const bool ok = batch_entry(target[0]) && target[1] >= 1 && c % target[1] == 0 && target[2] == c / target[1] &&
                  target[3] == s.height() && target[4] == s.width();
  PK_CHECK(ok,
           "{}: Reshape of [N,{}] to {} is not supported; a 5-D Reshape is supported only as the start of a channel "
           "shuffle, [N, g, C/g, H, W] with g·(C/g) = {}",
           where(n), fmt::join(s.dims, ","), dims_str(target), c);
  OnnxValue v;
  v.kind = OnnxValue::Kind::kShuffleView;
  v.node = x.node;
  v.shuffle_groups = static_cast<int>(target[1]);
  define(n, 0, std::move(v));
}

void OnnxImporter::transpose_channel_groups(const onnx::NodeProto& n, const OnnxValue& v,
                                            const std::vector<int64_t>& perm) {
  PK_CHECK(perm == (std::vector<int64_t>{0, 2, 1, 3, 4}),
           "{}: Transpose perm=[{}] of a channel shuffle's [N, g, C/g, H, W] view is not supported; only [0,2,1,3,4]",
           where(n), fmt::join(perm, ","));
  OnnxValue out = v;
  out.shuffle_swapped = !v.shuffle_swapped;
  define(n, 0, std::move(out));
}

void OnnxImporter::reshape_from_channel_groups(const onnx::NodeProto& n, const OnnxValue& v,
                                               const std::vector<int64_t>& target) {
  const Shape& s = ir_node(v.node).shape;
  const int64_t c = s.channels();
  const bool ok = target.size() == 4 && batch_entry(target[0]) && (target[1] == c || target[1] == -1) &&
                  target[2] == s.height() && target[3] == s.width();
  PK_CHECK(ok, "{}: Reshape of a channel shuffle's view to {} is not supported; only back to [N, {}, {}, {}]",
           where(n), dims_str(target), c, s.height(), s.width());
  if (!v.shuffle_swapped) return define_feature(n, v.node);  // viewed and reshaped back: the identity
  // View [g, C/g] transposed to [C/g, g]: output channel j·g + i is input channel i·(C/g) + j.
  const int g = v.shuffle_groups, per = static_cast<int>(c) / g;
  std::vector<int> order(static_cast<size_t>(c));
  for (int j = 0; j < per; ++j)
    for (int i = 0; i < g; ++i) order[static_cast<size_t>(j * g + i)] = i * per + j;
  define_feature(n, add_node(n, OpKind::kChannelPermute, {v.node}, ChannelPermuteAttrs{std::move(order)}));
}

}  // namespace pk
