// Per-sample tensor shape (the batch dimension is dynamic and never stored):
// [C, H, W] for feature maps, [F] for vectors (after Flatten / Linear).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pk {

struct Shape {
  std::vector<int64_t> dims;

  int rank() const { return static_cast<int>(dims.size()); }
  /// Channels (dim 0) of a [C,H,W] or features of a [F] shape.
  int64_t channels() const { return dims.empty() ? 0 : dims[0]; }
  int64_t height() const { return rank() == 3 ? dims[1] : 1; }
  int64_t width() const { return rank() == 3 ? dims[2] : 1; }
  int64_t numel() const {
    int64_t n = 1;
    for (auto d : dims) n *= d;
    return n;
  }
  /// "16x28x28"
  std::string str() const;
  bool operator==(const Shape& o) const { return dims == o.dims; }
  bool operator!=(const Shape& o) const { return dims != o.dims; }
};

/// Parses "16x28x28" (as written by Shape::str); UserError naming `what` otherwise.
Shape parse_shape(const std::string& text, const std::string& what);

}  // namespace pk
