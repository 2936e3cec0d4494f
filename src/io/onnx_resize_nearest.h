// ONNX Resize in nearest mode along one axis: the input pixel each output pixel reads, as the
// ONNX spec defines it (coordinate_transformation_mode, then nearest_mode, then clamping), and
// whether that is exactly prunekit's nearest upsampling (output pixel d reads input pixel
// floor(d / scale), torch's upsample_nearest2d), and the importer's check of a Resize node.
// Torch-free.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.h"
#include "io/onnx_proto.h"

namespace pk {

/// The coordinate_transformation_mode values of ONNX Resize (opset 11–17).
inline const std::vector<std::string>& onnx_resize_coordinate_modes() {
  static const std::vector<std::string> modes{"half_pixel",   "pytorch_half_pixel",   "align_corners",
                                              "asymmetric",   "tf_half_pixel_for_nn", "tf_crop_and_resize"};
  return modes;
}

/// The nearest_mode values of ONNX Resize.
inline const std::vector<std::string>& onnx_resize_nearest_modes() {
  static const std::vector<std::string> modes{"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};
  return modes;
}

/// One spatial axis of a nearest Resize by an integer factor.
struct ResizeAxis {
  int64_t in = 1;                      // input pixels (≥ 1); the output has scale · in
  int64_t scale = 1;                   // ≥ 1
  double roi_start = 0, roi_end = 1;   // tf_crop_and_resize only: the axis' normalized roi
};

/// The input pixel that output pixel `dst` (0 ≤ dst < scale · in) reads, or -1 if it reads
/// none (tf_crop_and_resize outside the roi: the extrapolation value). `coord` and `nearest`
/// must be values of the lists above (PK_ASSERT).
inline int64_t onnx_nearest_source(const std::string& coord, const std::string& nearest, const ResizeAxis& axis,
                                   int64_t dst) {
  const double s = static_cast<double>(axis.scale), x = static_cast<double>(dst);
  const double in = static_cast<double>(axis.in), out = s * in;
  double src = 0;  // the fractional input coordinate
  if (coord == "half_pixel") src = (x + 0.5) / s - 0.5;
  else if (coord == "pytorch_half_pixel") src = out > 1 ? (x + 0.5) / s - 0.5 : 0.0;
  else if (coord == "align_corners") src = out > 1 ? x * (in - 1) / (out - 1) : 0.0;
  else if (coord == "asymmetric") src = x / s;
  else if (coord == "tf_half_pixel_for_nn") src = (x + 0.5) / s;
  else {
    PK_ASSERT(coord == "tf_crop_and_resize", "unknown coordinate_transformation_mode {}", coord);
    const double a = axis.roi_start, b = axis.roi_end;
    src = out > 1 ? a * (in - 1) + x * (b - a) * (in - 1) / (out - 1) : 0.5 * (a + b) * (in - 1);
    if (src < 0 || src > in - 1) return -1;
  }
  const bool tie = src - std::floor(src) == 0.5;
  double r = 0;
  if (nearest == "round_prefer_floor") r = tie ? std::floor(src) : std::round(src);
  else if (nearest == "round_prefer_ceil") r = tie ? std::ceil(src) : std::round(src);
  else if (nearest == "floor") r = std::floor(src);
  else {
    PK_ASSERT(nearest == "ceil", "unknown nearest_mode {}", nearest);
    r = std::ceil(src);
  }
  return static_cast<int64_t>(std::clamp(r, 0.0, in - 1));
}

/// True if every output pixel of the axis reads input pixel floor(dst / scale).
inline bool onnx_nearest_is_floor_upsample(const std::string& coord, const std::string& nearest,
                                           const ResizeAxis& axis) {
  for (int64_t dst = 0; dst < axis.scale * axis.in; ++dst)
    if (onnx_nearest_source(coord, nearest, axis, dst) != dst / axis.scale) return false;
  return true;
}

/// The mode pairs that are exactly prunekit's nearest upsampling on both axes (tf_crop_and_resize
/// with the whole-image roi), "coord+nearest, ...".
inline std::string matching_resize_modes(ResizeAxis h, ResizeAxis w) {
  h.roi_start = w.roi_start = 0;
  h.roi_end = w.roi_end = 1;
  std::vector<std::string> pairs;
  for (const auto& c : onnx_resize_coordinate_modes())
    for (const auto& m : onnx_resize_nearest_modes())
      if (onnx_nearest_is_floor_upsample(c, m, h) && onnx_nearest_is_floor_upsample(c, m, w))
        pairs.push_back(c + "+" + m + (c == "tf_crop_and_resize" ? " (whole-image roi)" : ""));
  return fmt::format("{}", fmt::join(pairs, ", "));
}

/// UserError (naming `where`, the mode pair and the pairs that would match) unless ONNX's
/// nearest Resize with these modes reads exactly the pixels prunekit's Upsample reads on both
/// axes. `roi`: the constant roi input, or null (tf_crop_and_resize needs one).
inline void check_nearest_rule(const std::string& where, const std::string& coord, const std::string& nearest,
                               ResizeAxis h, ResizeAxis w, const ConstTensor* roi) {
  const auto& coords = onnx_resize_coordinate_modes();
  const auto& nearests = onnx_resize_nearest_modes();
  PK_CHECK(std::find(coords.begin(), coords.end(), coord) != coords.end(),
           "{}: unknown coordinate_transformation_mode '{}'; expected one of {}", where, coord,
           fmt::join(coords, ", "));
  PK_CHECK(std::find(nearests.begin(), nearests.end(), nearest) != nearests.end(),
           "{}: unknown nearest_mode '{}'; expected one of {}", where, nearest, fmt::join(nearests, ", "));
  if (coord == "tf_crop_and_resize") {
    PK_CHECK(roi && roi->numel() == 8, "{}: tf_crop_and_resize needs a constant roi input of 8 values", where);
    PK_CHECK(roi->at(0) == 0 && roi->at(1) == 0 && roi->at(4) == 1 && roi->at(5) == 1,
             "{}: a roi that crops the batch or channel axis is not supported", where);
    h.roi_start = roi->at(2);
    h.roi_end = roi->at(6);
    w.roi_start = roi->at(3);
    w.roi_end = roi->at(7);
  }
  PK_CHECK(onnx_nearest_is_floor_upsample(coord, nearest, h) && onnx_nearest_is_floor_upsample(coord, nearest, w),
           "{}: coordinate_transformation_mode={} with nearest_mode={} reads other input pixels than prunekit's "
           "nearest upsampling (output pixel d reads input pixel floor(d / {})) at scale {} on a {}x{} input; "
           "the supported pairs here are: {}",
           where, coord, nearest, h.scale, h.scale, h.in, w.in, matching_resize_modes(h, w));
}

}  // namespace pk
