// The generated detection set "shapes": coloured geometric shapes on textured, noisy
// backgrounds, a pure function of the options (seed included), torch-free.
//
// Each image (S×S, RGB):
//  - background: two colours A, B blended by a texture — a linear gradient, soft sine stripes or
//    a checkerboard, at a random angle / period / cell size — plus uniform per-pixel noise in
//    [−kShapesNoise, kShapesNoise] on every channel (over objects too);
//  - min_objects..max_objects objects, each a solid colour, class uniform over the first
//    `classes` of shape_class_names(); its larger side is uniform in [min_size, max_size]·S, the
//    smaller one that divided by an aspect in [1, 1.5] (random orientation), placed uniformly so
//    that it lies entirely inside the image. Objects are painted in order, later ones over
//    earlier ones. A placement is accepted only if every earlier object keeps ≥ 50 %
//    (kShapesMinVisible) of its pixels visible; after 30 rejected placements the object is
//    left out. So every painted object is ground truth, none is hidden to less than half.
//  - learnable contrast: per image the background is either dark (luma of A and B in [10, 100])
//    or light (in [155, 245]), and every object colour's luma is ≥ 60 away from both A and B, on
//    the other side; object colours of one image differ by ≥ 40 on some channel. With the
//    noise bound this makes "within kShapesNoise of the object's colour on every channel" true
//    of exactly that object's visible pixels.
//  - box: the tight box of the object's visible pixels, pixel (x, y) covering [x, x+1)×[y, y+1):
//    x1 = leftmost visible column, x2 = rightmost + 1 (likewise y).
// Image i of the train (test) set depends only on (seed, train/test, i): a larger set starts
// with the images of a smaller one, and the train and test sets use unrelated seeds.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "data/raw_images.h"

namespace pk {

constexpr int kShapesNoise = 10;              // max |noise| per channel, in uint8 levels
constexpr double kShapesMinVisible = 0.5;     // fraction of an object's pixels that stay visible

/// The shape classes in class-id order: circle (an ellipse), square (a rectangle), triangle
/// (isosceles, apex up), diamond, cross (a plus sign), ring (an elliptic annulus, inner
/// radius 0.55 of the outer). A set with `classes` = k uses the first k.
const std::vector<std::string>& shape_class_names();

struct ShapesOptions {
  int image_size = 96;                       // S, pixels (square images), in [32, 4096]
  int64_t train_images = 4000;               // ≥ 1
  int64_t test_images = 500;                 // ≥ 0
  int classes = 5;                           // 1..6
  int min_objects = 1, max_objects = 4;      // 0 ≤ min ≤ max ≤ 32 objects tried per image
  float min_size = 0.12f, max_size = 0.45f;  // larger object side as a fraction of S, in (0, 1];
                                             // min_size·S must be ≥ 4 px
  uint64_t seed = 0;
};

/// The class names of a set with `classes` classes (the first of shape_class_names()).
std::vector<std::string> shape_classes(int classes);

/// UserError naming the option and the accepted range for anything out of range.
void check_shapes_options(const ShapesOptions& options);

struct ShapesSets {
  RawImages train, test;  // 3 × S × S, unlabeled (labeled = false), objects one entry per image
};

/// Both sets. UserError for bad options or if they would not fit in memory.
ShapesSets generate_shapes(const ShapesOptions& options);

/// One generated image with what was painted, for tests and visualisation.
struct ShapesImage {
  std::vector<uint8_t> pixels;                  // [3, S, S] planar
  std::vector<ObjectBox> objects;               // painting order
  std::vector<std::array<uint8_t, 3>> colours;  // RGB of objects[k] before noise
};

/// Image `index` of the train (or test) set of `options` (the one generate_shapes makes).
ShapesImage generate_shapes_image(const ShapesOptions& options, bool train, int64_t index);

}  // namespace pk
