#include "data/detection_augment.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "data/random.h"
#include "data/yolo_reader.h"

namespace pk {

namespace {

constexpr uint64_t kDetectionAugmentStream = 0x646574617567ull;  // "detaug"

// Input column (row) under the centre of each output column (row); −1 outside the input.
std::vector<int64_t> source_index(int64_t size, float zoom, float shift, bool flip) {
  std::vector<int64_t> out(static_cast<size_t>(size));
  for (int64_t o = 0; o < size; ++o) {
    const double mapped = (static_cast<double>(o) + 0.5 - shift) / zoom;
    const double x = flip ? static_cast<double>(size) - mapped : mapped;
    const double i = std::floor(x);
    out[static_cast<size_t>(o)] = i >= 0 && i < static_cast<double>(size) ? static_cast<int64_t>(i) : -1;
  }
  return out;
}

// One image [C, H, W] of `src` into `dst` (both contiguous uint8).
void warp_image(const uint8_t* src, uint8_t* dst, int64_t channels, int64_t h, int64_t w, const ZoomFlip& t) {
  const std::vector<int64_t> rows = source_index(h, t.zoom, t.shift_y, false);
  const std::vector<int64_t> cols = source_index(w, t.zoom, t.shift_x, t.flip);
  for (int64_t c = 0; c < channels; ++c) {
    const uint8_t* plane = src + c * h * w;
    for (int64_t y = 0; y < h; ++y) {
      uint8_t* out = dst + (c * h + y) * w;
      const int64_t r = rows[static_cast<size_t>(y)];
      if (r < 0) {
        std::fill(out, out + w, kLetterboxFill);
        continue;
      }
      const uint8_t* in = plane + r * w;
      for (int64_t x = 0; x < w; ++x) {
        const int64_t s = cols[static_cast<size_t>(x)];
        out[x] = s < 0 ? kLetterboxFill : in[s];
      }
    }
  }
}

void check_images(const torch::Tensor& images, size_t count, const char* what) {
  PK_CHECK(images.defined() && images.dim() == 4 && images.scalar_type() == at::kByte,
           "{}: expected uint8 images [B, C, H, W]", what);
  PK_CHECK(static_cast<size_t>(images.size(0)) == count, "{}: {} images but {} transforms / object lists", what,
           images.size(0), count);
}

}  // namespace

ZoomFlip random_zoom_flip(const DetectionAugmentOptions& options, int width, int height, uint64_t seed) {
  PK_CHECK(options.scale_jitter >= 0 && options.scale_jitter <= 0.9f,
           "detection augmentation: scale jitter must be in [0, 0.9], got {}", options.scale_jitter);
  Rng rng(seed);
  ZoomFlip t;
  t.flip = rng.below(2) == 1 && options.horizontal_flip;  // always one draw: same zoom with or without flips
  const double s = options.scale_jitter;
  t.zoom = static_cast<float>(rng.uniform(1 - s, 1 + s));
  const double free_x = width - t.zoom * width, free_y = height - t.zoom * height;  // < 0 when zoomed in
  t.shift_x = static_cast<float>(rng.uniform(std::min(0.0, free_x), std::max(0.0, free_x)));
  t.shift_y = static_cast<float>(rng.uniform(std::min(0.0, free_y), std::max(0.0, free_y)));
  return t;
}

torch::Tensor apply_zoom_flip(const torch::Tensor& images, const std::vector<ZoomFlip>& transforms) {
  check_images(images, transforms.size(), "apply_zoom_flip");
  const at::Tensor src = images.contiguous();
  at::Tensor dst = at::empty_like(src);
  const int64_t c = src.size(1), h = src.size(2), w = src.size(3);
  for (size_t b = 0; b < transforms.size(); ++b) {
    PK_ASSERT(transforms[b].zoom > 0, "zoom must be > 0, got {}", transforms[b].zoom);
    const int64_t offset = static_cast<int64_t>(b) * c * h * w;
    warp_image(src.data_ptr<uint8_t>() + offset, dst.data_ptr<uint8_t>() + offset, c, h, w, transforms[b]);
  }
  return dst;
}

std::vector<ObjectBox> transform_objects(const std::vector<ObjectBox>& objects, const ZoomFlip& t, int width,
                                         int height) {
  const float w = static_cast<float>(width), h = static_cast<float>(height);
  std::vector<ObjectBox> out;
  for (const ObjectBox& o : objects) {
    const float x1 = t.flip ? w - o.box.x2 : o.box.x1, x2 = t.flip ? w - o.box.x1 : o.box.x2;
    const Box mapped{t.zoom * x1 + t.shift_x, t.zoom * o.box.y1 + t.shift_y, t.zoom * x2 + t.shift_x,
                     t.zoom * o.box.y2 + t.shift_y};
    const Box clipped{std::clamp(mapped.x1, 0.0f, w), std::clamp(mapped.y1, 0.0f, h), std::clamp(mapped.x2, 0.0f, w),
                      std::clamp(mapped.y2, 0.0f, h)};
    if (clipped.width() < kMinAugmentedBoxSide || clipped.height() < kMinAugmentedBoxSide) continue;
    if (clipped.area() < kMinVisibleBoxFraction * mapped.area()) continue;
    out.push_back(ObjectBox{o.class_id, clipped});
  }
  return out;
}

AugmentedDetections augment_detections(const torch::Tensor& images, const ImageObjects& objects,
                                       const DetectionAugmentOptions& options, uint64_t seed) {
  check_images(images, objects.size(), "augment_detections");
  const int h = static_cast<int>(images.size(2)), w = static_cast<int>(images.size(3));
  std::vector<ZoomFlip> transforms;
  AugmentedDetections out;
  for (size_t b = 0; b < objects.size(); ++b) {
    transforms.push_back(random_zoom_flip(options, w, h, derive_seed(seed, kDetectionAugmentStream, b)));
    out.objects.push_back(transform_objects(objects[b], transforms.back(), w, h));
  }
  out.images = apply_zoom_flip(images, transforms);
  return out;
}

DetectionBatch make_detection_batch(const Dataset& data, const std::vector<int64_t>& indices,
                                    const std::optional<DetectionAugmentOptions>& augment,
                                    const Normalization& normalization, uint64_t seed) {
  PK_CHECK(data.is_detection() && static_cast<int64_t>(data.objects.size()) == data.size(),
           "detection batch: '{}' is not a detection set (expected one object list per image)", data.name);
  ImageObjects objects;
  for (int64_t i : indices) {
    PK_CHECK(i >= 0 && i < data.size(), "detection batch: index {} is outside [0, {})", i, data.size());
    objects.push_back(data.objects[static_cast<size_t>(i)]);
  }
  std::vector<int64_t> index_copy = indices;
  const at::Tensor index = at::from_blob(index_copy.data(), {static_cast<int64_t>(index_copy.size())}, at::kLong);
  at::Tensor images = data.images.index_select(0, index);
  if (augment) {
    AugmentedDetections a = augment_detections(images, objects, *augment, seed);
    images = a.images;
    objects = std::move(a.objects);
  }
  return DetectionBatch{normalize_images(images, normalization), std::move(objects)};
}

}  // namespace pk
