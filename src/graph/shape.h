// Per-sample tensor shape (the batch dimension is dynamic and never stored):
// [C, H, W] for feature maps, [F] for vectors (after Flatten / Linear).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pk {

/// The most elements a value or tensor may hold, 2^61 − 1: its float32 bytes fit in int64.
/// infer_shape refuses larger outputs and tensors (UserError naming the node).
inline constexpr int64_t kMaxElements = INT64_MAX / 4;

/// a·b and a + b, or std::nullopt when the result does not fit in int64.
std::optional<int64_t> checked_mul(int64_t a, int64_t b);
std::optional<int64_t> checked_add(int64_t a, int64_t b);
/// The product of `dims` if it is at most kMaxElements, else std::nullopt.
std::optional<int64_t> checked_numel(const std::vector<int64_t>& dims);

struct Shape {
  std::vector<int64_t> dims;

  int rank() const { return static_cast<int>(dims.size()); }
  /// Channels (dim 0) of a [C,H,W] or features of a [F] shape.
  int64_t channels() const { return dims.empty() ? 0 : dims[0]; }
  int64_t height() const { return rank() == 3 ? dims[1] : 1; }
  int64_t width() const { return rank() == 3 ? dims[2] : 1; }
  /// Number of elements. The shapes of a graph's nodes are at most kMaxElements (infer_shape
  /// checks); a larger one here is a bug (InternalError): use checked_numel(dims) on others.
  int64_t numel() const;
  /// "16x28x28"
  std::string str() const;
  bool operator==(const Shape& o) const { return dims == o.dims; }
  bool operator!=(const Shape& o) const { return dims != o.dims; }
};

/// Parses "16x28x28" (as written by Shape::str); UserError naming `what` otherwise.
Shape parse_shape(const std::string& text, const std::string& what);

}  // namespace pk
