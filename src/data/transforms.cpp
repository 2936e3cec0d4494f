#include "data/transforms.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "core/error.h"

namespace pk {

Normalization compute_normalization(const torch::Tensor& images) {
  PK_CHECK(images.defined() && images.dim() == 4 && images.scalar_type() == at::kByte,
           "compute_normalization: expected uint8 images [N, C, H, W]");
  const at::Tensor x = images.contiguous();
  const int64_t n = x.size(0), channels = x.size(1), plane = x.size(2) * x.size(3);
  std::vector<std::array<int64_t, 256>> histogram(static_cast<size_t>(channels));
  for (auto& h : histogram) h.fill(0);
  const uint8_t* p = x.data_ptr<uint8_t>();
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t c = 0; c < channels; ++c) {
      auto& h = histogram[static_cast<size_t>(c)];
      for (int64_t k = 0; k < plane; ++k) ++h[*p++];
    }
  }
  Normalization out;
  for (const auto& h : histogram) {
    double count = 0, sum = 0, sum_sq = 0;
    for (int v = 0; v < 256; ++v) {
      const double value = v / 255.0;
      count += static_cast<double>(h[v]);
      sum += static_cast<double>(h[v]) * value;
      sum_sq += static_cast<double>(h[v]) * value * value;
    }
    const double mean = count > 0 ? sum / count : 0.0;
    const double var = count > 0 ? std::max(0.0, sum_sq / count - mean * mean) : 1.0;
    out.mean.push_back(static_cast<float>(mean));
    // A constant channel has std 0; 1 keeps the normalization finite (it only shifts).
    out.std.push_back(var > 0 ? static_cast<float>(std::sqrt(var)) : 1.0f);
  }
  return out;
}

torch::Tensor normalize_images(const torch::Tensor& images, const Normalization& normalization) {
  PK_CHECK(images.defined() && images.dim() == 4 && images.scalar_type() == at::kByte,
           "normalize_images: expected uint8 images [B, C, H, W]");
  const int64_t channels = images.size(1);
  at::Tensor out = images.to(at::kFloat);
  if (normalization.mean.empty() && normalization.std.empty()) return out.mul_(1.0 / 255.0);
  PK_CHECK(static_cast<int64_t>(normalization.mean.size()) == channels &&
               static_cast<int64_t>(normalization.std.size()) == channels,
           "normalization has {} means and {} stds, expected one per channel ({})",
           normalization.mean.size(), normalization.std.size(), channels);
  std::vector<float> scale(static_cast<size_t>(channels)), shift(static_cast<size_t>(channels));
  for (size_t c = 0; c < scale.size(); ++c) {
    const float s = normalization.std[c];
    PK_CHECK(s > 0 && std::isfinite(s), "normalization std of channel {} must be > 0, got {}", c, s);
    scale[c] = static_cast<float>(1.0 / (255.0 * s));
    shift[c] = -normalization.mean[c] / s;
  }
  const auto opts = at::TensorOptions().dtype(at::kFloat);
  const at::Tensor scale_t = at::from_blob(scale.data(), {1, channels, 1, 1}, opts);
  const at::Tensor shift_t = at::from_blob(shift.data(), {1, channels, 1, 1}, opts);
  return out.mul_(scale_t).add_(shift_t);
}

torch::Tensor crop_flip(const torch::Tensor& images, int padding, const torch::Tensor& offset_y,
                        const torch::Tensor& offset_x, const torch::Tensor& flip) {
  PK_CHECK(images.defined() && images.dim() == 4, "crop_flip: expected images [B, C, H, W]");
  PK_CHECK(padding >= 0, "crop padding must be ≥ 0, got {}", padding);
  const int64_t b = images.size(0), c = images.size(1), h = images.size(2), w = images.size(3);
  for (const at::Tensor* t : {&offset_y, &offset_x, &flip}) {
    PK_CHECK(t->defined() && t->dim() == 1 && t->size(0) == b, "crop_flip: expected parameters of shape [{}]", b);
  }
  if (b == 0) return images.clone();
  const int64_t max_offset = 2 * int64_t{padding};
  PK_CHECK(offset_y.min().item<int64_t>() >= 0 && offset_y.max().item<int64_t>() <= max_offset &&
               offset_x.min().item<int64_t>() >= 0 && offset_x.max().item<int64_t>() <= max_offset,
           "crop_flip: offsets must be in [0, {}]", max_offset);
  const int64_t padded_w = w + max_offset, padded_h = h + max_offset;
  const at::Tensor padded =
      padding > 0 ? at::constant_pad_nd(images, {padding, padding, padding, padding}, 0) : images;

  const auto long_opts = at::TensorOptions().dtype(at::kLong);
  const at::Tensor ys = at::arange(h, long_opts).view({1, h});
  const at::Tensor xs = at::arange(w, long_opts).view({1, w});
  const at::Tensor rows = offset_y.to(at::kLong).view({b, 1}) + ys;                       // [B, H]
  const at::Tensor cols =
      at::where(flip.to(at::kBool).view({b, 1}), (w - 1) - xs, xs) + offset_x.to(at::kLong).view({b, 1});  // [B, W]
  const at::Tensor index =
      (rows.view({b, h, 1}) * padded_w + cols.view({b, 1, w})).view({b, 1, h * w}).expand({b, c, h * w});
  return padded.reshape({b, c, padded_h * padded_w}).gather(2, index).view({b, c, h, w});
}

}  // namespace pk
