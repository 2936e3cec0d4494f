#include "data/shapes_dataset.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/system_memory.h"
#include "data/random.h"

namespace pk {

namespace {

constexpr uint64_t kTrainStream = 0x7368617065732d74ull;  // "shapes-t"
constexpr uint64_t kTestStream = 0x7368617065732d65ull;   // "shapes-e"
constexpr int kPlacementTries = 30;
constexpr int kColourTries = 2000;
constexpr int kMaxObjects = 32;
constexpr uint8_t kNoOwner = 255;
constexpr float kLumaGap = 60;             // |luma(object) − luma(background colour)| ≥ this
constexpr float kObjectColourGap = 40;     // L∞ distance between object colours of one image
constexpr float kPi = 3.14159265358979f;

using Rgb = std::array<float, 3>;

// Weights sum to 1, so |Δluma| ≤ max over channels of |Δc|.
float luma(const Rgb& c) { return (77 * c[0] + 150 * c[1] + 29 * c[2]) / 256.0f; }

Rgb random_rgb(Rng& rng) {
  return {static_cast<float>(rng.below(256)), static_cast<float>(rng.below(256)),
          static_cast<float>(rng.below(256))};
}

float max_channel_distance(const Rgb& a, const Rgb& b) {
  return std::max({std::abs(a[0] - b[0]), std::abs(a[1] - b[1]), std::abs(a[2] - b[2])});
}

enum class Texture { kGradient, kStripes, kChecker };

// Pixel colour = lerp(a, b, t(x, y)), t in [0, 1] given by the texture.
struct Background {
  Rgb a{}, b{};
  bool dark = true;
  Texture texture = Texture::kGradient;
  float dir_x = 1, dir_y = 0;  // unit direction of gradient / stripes
  float t_min = 0, t_span = 1; // gradient: projection range over the image
  float period = 16, phase = 0;
  float cell = 8, offset_x = 0, offset_y = 0;
};

// A random colour with luma in [lo, hi] (rejection sampling; grey as the unlikely fallback).
Rgb colour_in_band(Rng& rng, float lo, float hi) {
  for (int i = 0; i < kColourTries; ++i) {
    const Rgb c = random_rgb(rng);
    if (luma(c) >= lo && luma(c) <= hi) return c;
  }
  const float g = std::round((lo + hi) / 2);
  return {g, g, g};
}

Background random_background(Rng& rng, int side) {
  Background bg;
  bg.dark = rng.below(2) == 0;
  const float lo = bg.dark ? 10.0f : 155.0f, hi = bg.dark ? 100.0f : 245.0f;
  bg.a = colour_in_band(rng, lo, hi);
  bg.b = colour_in_band(rng, lo, hi);
  bg.texture = static_cast<Texture>(rng.below(3));
  const float angle = static_cast<float>(rng.uniform(0, 2 * kPi));
  bg.dir_x = std::cos(angle);
  bg.dir_y = std::sin(angle);
  const float s = static_cast<float>(side);
  const float corners[4] = {0, s * bg.dir_x, s * bg.dir_y, s * (bg.dir_x + bg.dir_y)};
  bg.t_min = *std::min_element(corners, corners + 4);
  bg.t_span = std::max(1e-3f, *std::max_element(corners, corners + 4) - bg.t_min);
  bg.period = static_cast<float>(rng.uniform(s / 12, s / 3));
  bg.phase = static_cast<float>(rng.uniform(0, 2 * kPi));
  bg.cell = std::max(2.0f, static_cast<float>(rng.uniform(s / 16, s / 4)));
  bg.offset_x = static_cast<float>(rng.uniform(0, bg.cell));
  bg.offset_y = static_cast<float>(rng.uniform(0, bg.cell));
  return bg;
}

float texture_weight(const Background& bg, int x, int y) {
  const float px = static_cast<float>(x) + 0.5f, py = static_cast<float>(y) + 0.5f;
  switch (bg.texture) {
    case Texture::kGradient:
      return (px * bg.dir_x + py * bg.dir_y - bg.t_min) / bg.t_span;
    case Texture::kStripes:
      return 0.5f + 0.5f * std::sin(2 * kPi * (px * bg.dir_x + py * bg.dir_y) / bg.period + bg.phase);
    case Texture::kChecker: {
      const int cx = static_cast<int>(std::floor((px + bg.offset_x) / bg.cell));
      const int cy = static_cast<int>(std::floor((py + bg.offset_y) / bg.cell));
      return static_cast<float>((cx + cy) & 1);
    }
  }
  return 0;
}

// (u, v) in [-1, 1]² is the object's own frame (x right, y down).
bool inside_shape(int class_id, float u, float v) {
  const float r2 = u * u + v * v;
  switch (class_id) {
    case 0: return r2 <= 1;                                        // circle
    case 1: return std::abs(u) <= 1 && std::abs(v) <= 1;           // square
    case 2: return v >= -1 && v <= 1 && std::abs(u) <= (v + 1) / 2;  // triangle, apex up
    case 3: return std::abs(u) + std::abs(v) <= 1;                 // diamond
    case 4: return (std::abs(u) <= 0.35f && std::abs(v) <= 1) || (std::abs(v) <= 0.35f && std::abs(u) <= 1);
    default: return r2 <= 1 && r2 >= 0.55f * 0.55f;                // ring
  }
}

struct Painted {
  int class_id = 0;
  Rgb colour{};
  int64_t drawn = 0, visible = 0;  // pixels painted / still on top
};

// An object colour contrasting with the background and with the other objects; false if none
// was found.
bool object_colour(Rng& rng, const Background& bg, const std::vector<Painted>& painted, Rgb& out) {
  const float la = luma(bg.a), lb = luma(bg.b);
  for (int i = 0; i < kColourTries; ++i) {
    const Rgb c = random_rgb(rng);
    const float l = luma(c);
    const bool contrast = bg.dark ? l >= std::max(la, lb) + kLumaGap : l <= std::min(la, lb) - kLumaGap;
    if (!contrast) continue;
    bool distinct = true;
    for (const Painted& p : painted) distinct = distinct && max_channel_distance(c, p.colour) >= kObjectColourGap;
    if (!distinct) continue;
    out = c;
    return true;
  }
  return false;
}

// The owner map of one image and the objects painted on it so far.
class Canvas {
 public:
  explicit Canvas(int side) : side_(side), owner_(static_cast<size_t>(side) * side, kNoOwner) {}

  /// Paints a `class_id` shape of w×h px with top-left (x0, y0) if no earlier object would keep
  /// less than kShapesMinVisible of its pixels; returns whether it did.
  bool try_paint(int class_id, const Rgb& colour, float x0, float y0, float w, float h) {
    scratch_.clear();
    int64_t stolen[kMaxObjects] = {};
    const int xa = std::max(0, static_cast<int>(std::floor(x0))), xb = std::min(side_, static_cast<int>(std::ceil(x0 + w)));
    const int ya = std::max(0, static_cast<int>(std::floor(y0))), yb = std::min(side_, static_cast<int>(std::ceil(y0 + h)));
    for (int y = ya; y < yb; ++y) {
      const float v = ((static_cast<float>(y) + 0.5f) - (y0 + h / 2)) / (h / 2);
      for (int x = xa; x < xb; ++x) {
        const float u = ((static_cast<float>(x) + 0.5f) - (x0 + w / 2)) / (w / 2);
        if (!inside_shape(class_id, u, v)) continue;
        const size_t i = static_cast<size_t>(y) * side_ + x;
        scratch_.push_back(i);
        if (owner_[i] != kNoOwner) ++stolen[owner_[i]];
      }
    }
    if (scratch_.empty()) return false;
    for (size_t k = 0; k < painted_.size(); ++k)
      if (static_cast<double>(painted_[k].visible - stolen[k]) < kShapesMinVisible * static_cast<double>(painted_[k].drawn))
        return false;
    for (size_t k = 0; k < painted_.size(); ++k) painted_[k].visible -= stolen[k];
    const uint8_t id = static_cast<uint8_t>(painted_.size());
    for (size_t i : scratch_) owner_[i] = id;
    const int64_t n = static_cast<int64_t>(scratch_.size());
    painted_.push_back(Painted{class_id, colour, n, n});
    return true;
  }

  /// Tight boxes of the visible pixels, painting order.
  std::vector<ObjectBox> boxes() const {
    std::vector<ObjectBox> out(painted_.size());
    std::vector<int> x1(out.size(), side_), y1(out.size(), side_), x2(out.size(), -1), y2(out.size(), -1);
    for (int y = 0; y < side_; ++y)
      for (int x = 0; x < side_; ++x) {
        const uint8_t o = owner_[static_cast<size_t>(y) * side_ + x];
        if (o == kNoOwner) continue;
        x1[o] = std::min(x1[o], x), x2[o] = std::max(x2[o], x), y1[o] = std::min(y1[o], y), y2[o] = std::max(y2[o], y);
      }
    for (size_t k = 0; k < out.size(); ++k) {
      out[k].class_id = painted_[k].class_id;
      out[k].box = Box{static_cast<float>(x1[k]), static_cast<float>(y1[k]), static_cast<float>(x2[k] + 1),
                       static_cast<float>(y2[k] + 1)};
    }
    return out;
  }

  const std::vector<Painted>& painted() const { return painted_; }
  uint8_t owner(int x, int y) const { return owner_[static_cast<size_t>(y) * side_ + x]; }

 private:
  int side_;
  std::vector<uint8_t> owner_;  // [side, side], index into painted_ or kNoOwner
  std::vector<Painted> painted_;
  std::vector<size_t> scratch_;
};

// Draws one object (class, colour, then up to kPlacementTries geometries) onto `canvas`.
void paint_object(const ShapesOptions& o, const Background& bg, Rng& rng, Canvas& canvas) {
  const int class_id = static_cast<int>(rng.below(static_cast<uint64_t>(o.classes)));
  Rgb colour{};
  if (!object_colour(rng, bg, canvas.painted(), colour)) return;
  const float s = static_cast<float>(o.image_size);
  for (int t = 0; t < kPlacementTries; ++t) {
    const float longer = std::min(s, static_cast<float>(rng.uniform(o.min_size, o.max_size)) * s);
    const float shorter = longer / static_cast<float>(rng.uniform(1.0, 1.5));
    const bool wide = rng.below(2) == 0;
    const float w = wide ? longer : shorter, h = wide ? shorter : longer;
    const float x0 = static_cast<float>(rng.uniform(0, s - w)), y0 = static_cast<float>(rng.uniform(0, s - h));
    if (canvas.try_paint(class_id, colour, x0, y0, w, h)) return;
  }
}

// Background + objects + noise into planar [3, S, S].
std::vector<uint8_t> render(const Canvas& canvas, const Background& bg, int side, Rng& rng) {
  const size_t plane = static_cast<size_t>(side) * side;
  std::vector<uint8_t> out(3 * plane);
  uint64_t bits = 0;
  int bytes_left = 0;
  for (int y = 0; y < side; ++y)
    for (int x = 0; x < side; ++x) {
      const uint8_t o = canvas.owner(x, y);
      Rgb c;
      if (o == kNoOwner) {
        const float t = texture_weight(bg, x, y);
        for (int k = 0; k < 3; ++k) c[k] = std::round(bg.a[k] + (bg.b[k] - bg.a[k]) * t);
      } else {
        c = canvas.painted()[o].colour;
      }
      for (int k = 0; k < 3; ++k) {
        if (bytes_left == 0) bits = rng.next(), bytes_left = 8;
        const int noise = static_cast<int>(((bits & 0xff) * (2 * kShapesNoise + 1)) >> 8) - kShapesNoise;
        bits >>= 8, --bytes_left;
        const int value = std::clamp(static_cast<int>(c[k]) + noise, 0, 255);
        out[k * plane + static_cast<size_t>(y) * side + x] = static_cast<uint8_t>(value);
      }
    }
  return out;
}

ShapesImage make_image(const ShapesOptions& o, uint64_t image_seed) {
  Rng rng(image_seed);
  const Background bg = random_background(rng, o.image_size);
  Canvas canvas(o.image_size);
  const int count = o.min_objects + static_cast<int>(rng.below(static_cast<uint64_t>(o.max_objects - o.min_objects + 1)));
  for (int i = 0; i < count; ++i) paint_object(o, bg, rng, canvas);
  ShapesImage out;
  out.pixels = render(canvas, bg, o.image_size, rng);
  out.objects = canvas.boxes();
  for (const Painted& p : canvas.painted())
    out.colours.push_back({static_cast<uint8_t>(p.colour[0]), static_cast<uint8_t>(p.colour[1]),
                           static_cast<uint8_t>(p.colour[2])});
  return out;
}

RawImages make_set(const ShapesOptions& o, bool train, int64_t count) {
  RawImages out;
  out.count = count;
  out.channels = 3;
  out.height = out.width = o.image_size;
  out.labeled = false;
  out.pixels.reserve(static_cast<size_t>(count * out.image_bytes()));
  out.objects.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    ShapesImage image = generate_shapes_image(o, train, i);
    out.pixels.insert(out.pixels.end(), image.pixels.begin(), image.pixels.end());
    out.objects.push_back(std::move(image.objects));
  }
  return out;
}

}  // namespace

const std::vector<std::string>& shape_class_names() {
  static const std::vector<std::string> kNames = {"circle", "square", "triangle", "diamond", "cross", "ring"};
  return kNames;
}

std::vector<std::string> shape_classes(int classes) {
  const auto& all = shape_class_names();
  const size_t n = static_cast<size_t>(std::clamp(classes, 0, static_cast<int>(all.size())));
  return std::vector<std::string>(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n));
}

void check_shapes_options(const ShapesOptions& o) {
  PK_CHECK(o.image_size >= 32 && o.image_size <= 4096, "shapes: image size must be in [32, 4096] px, got {}", o.image_size);
  PK_CHECK(o.train_images >= 1, "shapes: the number of training images must be ≥ 1, got {}", o.train_images);
  PK_CHECK(o.test_images >= 0, "shapes: the number of test images must be ≥ 0, got {}", o.test_images);
  PK_CHECK(o.classes >= 1 && o.classes <= static_cast<int>(shape_class_names().size()),
           "shapes: classes must be in [1, {}], got {}", shape_class_names().size(), o.classes);
  PK_CHECK(o.min_objects >= 0 && o.min_objects <= o.max_objects && o.max_objects <= kMaxObjects,
           "shapes: objects per image must satisfy 0 ≤ min ({}) ≤ max ({}) ≤ {}", o.min_objects, o.max_objects, kMaxObjects);
  PK_CHECK(o.min_size > 0 && o.min_size <= o.max_size && o.max_size <= 1,
           "shapes: object sizes must satisfy 0 < min ({}) ≤ max ({}) ≤ 1 (fractions of the image side)", o.min_size,
           o.max_size);
  PK_CHECK(o.min_size * static_cast<float>(o.image_size) >= 4,
           "shapes: the smallest object ({} of {} px) must be ≥ 4 px", o.min_size, o.image_size);
}

ShapesImage generate_shapes_image(const ShapesOptions& options, bool train, int64_t index) {
  check_shapes_options(options);
  return make_image(options, derive_seed(options.seed, train ? kTrainStream : kTestStream, static_cast<uint64_t>(index)));
}

ShapesSets generate_shapes(const ShapesOptions& options) {
  check_shapes_options(options);
  const double bytes = 3.0 * options.image_size * options.image_size *
                       static_cast<double>(options.train_images + options.test_images);
  const uint64_t limit = available_memory_bytes();
  PK_CHECK(limit == 0 || 2 * bytes <= static_cast<double>(limit),
           "shapes: {} + {} images of {} px are {} and need about {} while the data set is built, more than the {} "
           "available; generate fewer or smaller images", options.train_images, options.test_images, options.image_size,
           human_bytes(bytes), human_bytes(2 * bytes), human_bytes(static_cast<double>(limit)));
  return ShapesSets{make_set(options, true, options.train_images), make_set(options, false, options.test_images)};
}

}  // namespace pk
