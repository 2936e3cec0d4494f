// Augmentation and batching of detection sets: a random horizontal flip and zoom/shift per
// image, applied to the pixels and to the boxes with exactly the same mapping.
//
// Coordinates are continuous pixels, pixel (x, y) covering [x, x+1)×[y, y+1) (detect/box.h).
// A transform maps an input point (x, y) of a W×H image to the output point
//   x' = zoom · (flip ? W − x : x) + shift_x,    y' = zoom · y + shift_y.
// Output pixels take the input pixel under their centre (nearest neighbour, so colours are
// kept exactly); those whose centre maps outside the input are grey kLetterboxFill (114).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "data/dataset.h"

namespace pk {

struct DetectionAugmentOptions {
  bool horizontal_flip = true;  // mirror left-right with probability 1/2
  float scale_jitter = 0.25f;   // s in [0, 0.9]: zoom uniform in [1 − s, 1 + s]; 0 = no zoom, no shift
};

/// One image's geometric transform (see the file comment).
struct ZoomFlip {
  bool flip = false;
  float zoom = 1, shift_x = 0, shift_y = 0;  // zoom > 0; shifts in output pixels
};

/// Boxes whose clipped area is below this fraction of their transformed area are dropped, as
/// are those whose clipped width or height is below kMinAugmentedBoxSide pixels.
constexpr float kMinVisibleBoxFraction = 0.3f;
constexpr float kMinAugmentedBoxSide = 2.0f;

/// A random transform for a width × height image, a pure function of (options, size, seed):
/// flip with probability 1/2 if enabled; zoom uniform in [1 − s, 1 + s]; each shift uniform
/// between 0 and side − zoom·side, so a zoomed-in image covers the whole frame and a zoomed-out
/// one lies entirely inside it. UserError for a scale jitter outside [0, 0.9].
ZoomFlip random_zoom_flip(const DetectionAugmentOptions& options, int width, int height, uint64_t seed);

/// `t` applied to every image of uint8 [B, C, H, W] (a new tensor of the same shape).
torch::Tensor apply_zoom_flip(const torch::Tensor& images, const std::vector<ZoomFlip>& transforms);

/// Boxes mapped by `t`, clipped to the width × height image, those too little visible dropped
/// (kMinVisibleBoxFraction, kMinAugmentedBoxSide); order kept.
std::vector<ObjectBox> transform_objects(const std::vector<ObjectBox>& objects, const ZoomFlip& t, int width,
                                         int height);

struct AugmentedDetections {
  torch::Tensor images;  // uint8 [B, C, H, W]
  ImageObjects objects;  // [B]
};

/// Image b gets random_zoom_flip(options, W, H, derive_seed(seed, "detaug", b)): deterministic
/// given the seed. UserError unless images is uint8 [B, C, H, W] and objects has B entries.
AugmentedDetections augment_detections(const torch::Tensor& images, const ImageObjects& objects,
                                       const DetectionAugmentOptions& options, uint64_t seed);

struct DetectionBatch {
  torch::Tensor images;  // float32 [B, C, H, W], normalized
  ImageObjects objects;  // [B], pixels of these images
};

/// The images `indices` of the detection set `data` (in that order), augmented if `augment` is
/// given (augment_detections with `seed`), then normalized. UserError unless data is a
/// detection set with one object list per image and every index is in [0, N).
DetectionBatch make_detection_batch(const Dataset& data, const std::vector<int64_t>& indices,
                                    const std::optional<DetectionAugmentOptions>& augment,
                                    const Normalization& normalization, uint64_t seed);

}  // namespace pk
