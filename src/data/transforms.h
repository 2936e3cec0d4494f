// Image transforms on whole uint8 batches [B, C, H, W]: normalization to float and
// augmentation (random crop with zero padding, horizontal flip). Vectorized torch ops.
#pragma once

// Only the Tensor class: <torch/torch.h> costs ~15 s per including file, this ~2 s.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace torch {
using at::Tensor;  // the same type <torch/torch.h> names torch::Tensor
}

namespace pk {

/// Per-channel constants: a float image is (uint8 / 255 - mean[c]) / std[c].
/// Empty vectors mean no normalization beyond / 255.
struct Normalization {
  std::vector<float> mean, std;
};

/// Per-channel mean and (population) standard deviation of images / 255 over a whole uint8
/// [N, C, H, W] set; exact (256-bin histograms per channel). N = 0 gives mean 0, std 1.
Normalization compute_normalization(const torch::Tensor& images);

/// uint8 [B, C, H, W] → float32 [B, C, H, W], (x / 255 - mean[c]) / std[c]. UserError unless
/// mean and std are both empty or both have C entries, and every std > 0.
torch::Tensor normalize_images(const torch::Tensor& images, const Normalization& normalization);

struct AugmentOptions {
  int crop_padding = 0;          // pad each side with zeros, then crop back to H×W at a random offset
  bool horizontal_flip = false;  // mirror left-right with probability 1/2
};

/// Random crop then horizontal flip, per sample, with given parameters (all int64 [B]):
/// out[b, c, y, x] = padded[b, c, y + offset_y[b], x' + offset_x[b]], x' = flip[b] ? W-1-x : x,
/// where padded is images with `padding` zeros on each side and offsets are in [0, 2·padding].
/// Works for any dtype; output has the input's shape.
torch::Tensor crop_flip(const torch::Tensor& images, int padding, const torch::Tensor& offset_y,
                        const torch::Tensor& offset_x, const torch::Tensor& flip);

}  // namespace pk
