// Detection augmentation (flip, zoom, shift of pixels and boxes alike) and detection batches.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <algorithm>
#include <array>

#include "data/dataset.h"
#include "data/detection_augment.h"
#include "data/random.h"
#include "data/yolo_reader.h"
#include "data_test_util.h"

namespace pk {
namespace {

using testing::expect_user_error;

constexpr int kH = 60, kW = 80;

struct Rect {
  int x1, y1, x2, y2;  // pixel columns [x1, x2), rows [y1, y2)
  std::array<uint8_t, 3> colour;
};

// A 3×kH×kW image: a horizontal gradient background (never equal to a rectangle colour) with
// solid rectangles painted on it.
at::Tensor image_with(const std::vector<Rect>& rects) {
  at::Tensor image = at::empty({3, kH, kW}, at::kByte);
  auto a = image.accessor<uint8_t, 3>();
  for (int y = 0; y < kH; ++y)
    for (int x = 0; x < kW; ++x)
      for (int c = 0; c < 3; ++c) a[c][y][x] = static_cast<uint8_t>(60 + x / 2 + 10 * c);
  for (const Rect& r : rects)
    for (int y = r.y1; y < r.y2; ++y)
      for (int x = r.x1; x < r.x2; ++x)
        for (int c = 0; c < 3; ++c) a[c][y][x] = r.colour[static_cast<size_t>(c)];
  return image;
}

// Bounding box of the pixels of exactly `colour` in a [3, H, W] image; empty box if none.
Box colour_box(const at::Tensor& image, const std::array<uint8_t, 3>& colour, int64_t* count = nullptr) {
  auto a = image.accessor<uint8_t, 3>();
  int x1 = kW, y1 = kH, x2 = -1, y2 = -1;
  int64_t n = 0;
  for (int y = 0; y < kH; ++y)
    for (int x = 0; x < kW; ++x)
      if (a[0][y][x] == colour[0] && a[1][y][x] == colour[1] && a[2][y][x] == colour[2]) {
        x1 = std::min(x1, x), y1 = std::min(y1, y), x2 = std::max(x2, x), y2 = std::max(y2, y), ++n;
      }
  if (count) *count = n;
  if (x2 < 0) return Box{};
  return Box{static_cast<float>(x1), static_cast<float>(y1), static_cast<float>(x2 + 1), static_cast<float>(y2 + 1)};
}

void expect_box_near(const Box& a, const Box& b, float tolerance, const std::string& what) {
  EXPECT_NEAR(a.x1, b.x1, tolerance) << what;
  EXPECT_NEAR(a.y1, b.y1, tolerance) << what;
  EXPECT_NEAR(a.x2, b.x2, tolerance) << what;
  EXPECT_NEAR(a.y2, b.y2, tolerance) << what;
}

TEST(DetectionAugment, BoxesFollowTheirColourOverManySeeds) {
  const std::vector<Rect> rects = {{20, 10, 45, 30, {250, 10, 10}}, {50, 35, 76, 58, {10, 250, 10}},
                                   {0, 0, 12, 8, {10, 10, 250}}};
  const at::Tensor one = image_with(rects);
  std::vector<ObjectBox> objects;
  for (size_t k = 0; k < rects.size(); ++k)
    objects.push_back(ObjectBox{static_cast<int>(k), Box{static_cast<float>(rects[k].x1), static_cast<float>(rects[k].y1),
                                                         static_cast<float>(rects[k].x2), static_cast<float>(rects[k].y2)}});
  const int batch = 50;
  const at::Tensor images = one.unsqueeze(0).repeat({batch, 1, 1, 1});
  const ImageObjects all(static_cast<size_t>(batch), objects);
  DetectionAugmentOptions options;
  options.scale_jitter = 0.4f;
  int kept = 0, dropped = 0;
  for (uint64_t seed = 0; seed < 8; ++seed) {
    const AugmentedDetections out = augment_detections(images, all, options, seed);
    ASSERT_EQ(out.images.sizes(), images.sizes());
    ASSERT_EQ(out.objects.size(), static_cast<size_t>(batch));
    for (int b = 0; b < batch; ++b) {
      const at::Tensor image = out.images[b];
      for (size_t k = 0; k < rects.size(); ++k) {
        const std::string what = "seed " + std::to_string(seed) + " image " + std::to_string(b) + " rect " + std::to_string(k);
        const auto& found = out.objects[static_cast<size_t>(b)];
        const auto it = std::find_if(found.begin(), found.end(), [&](const ObjectBox& o) { return o.class_id == static_cast<int>(k); });
        int64_t pixels = 0;
        const Box visible = colour_box(image, rects[k].colour, &pixels);
        if (it != found.end()) {
          ++kept;
          expect_box_near(it->box, visible, 1.0f, what);
        } else {
          ++dropped;  // < 30 % of its zoomed area (at most 1.4² times its own) is left in frame
          const int w = rects[k].x2 - rects[k].x1, h = rects[k].y2 - rects[k].y1;
          EXPECT_LE(pixels, 0.3 * 1.96 * w * h + 1.4 * (w + h) + 1) << what;
        }
      }
    }
  }
  EXPECT_GT(kept, 900);
  EXPECT_GT(dropped, 0);
}

TEST(DetectionAugment, RandomTransformsCoverTheirRanges) {
  DetectionAugmentOptions options;
  int flips = 0, zoom_in = 0, zoom_out = 0;
  for (uint64_t seed = 0; seed < 2000; ++seed) {
    const ZoomFlip t = random_zoom_flip(options, kW, kH, seed);
    flips += t.flip;
    zoom_in += t.zoom > 1.15f;
    zoom_out += t.zoom < 0.85f;
    ASSERT_GE(t.zoom, 0.75f);
    ASSERT_LE(t.zoom, 1.25f);
    // Zoomed in, the image covers the frame; zoomed out, it lies inside it.
    const float free_x = kW - t.zoom * kW, free_y = kH - t.zoom * kH;
    ASSERT_GE(t.shift_x, std::min(0.0f, free_x) - 1e-4f);
    ASSERT_LE(t.shift_x, std::max(0.0f, free_x) + 1e-4f);
    ASSERT_GE(t.shift_y, std::min(0.0f, free_y) - 1e-4f);
    ASSERT_LE(t.shift_y, std::max(0.0f, free_y) + 1e-4f);
  }
  EXPECT_NEAR(flips, 1000, 120);
  EXPECT_NEAR(zoom_in, 400, 80);  // a fifth of [0.75, 1.25] each
  EXPECT_NEAR(zoom_out, 400, 80);
  options.horizontal_flip = false;
  for (uint64_t seed = 0; seed < 100; ++seed) EXPECT_FALSE(random_zoom_flip(options, kW, kH, seed).flip);
}

TEST(DetectionAugment, ExplicitTransformsOfBoxesAndPixels) {
  const std::vector<ObjectBox> objects = {{3, Box{20, 10, 45, 30}}};
  // Flip only: x → W − x.
  std::vector<ObjectBox> out = transform_objects(objects, ZoomFlip{true, 1, 0, 0}, kW, kH);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].class_id, 3);
  expect_box_near(out[0].box, Box{35, 10, 60, 30}, 1e-5f, "flip");
  // Zoom out by 2, shift (10, 4).
  out = transform_objects(objects, ZoomFlip{false, 0.5f, 10, 4}, kW, kH);
  ASSERT_EQ(out.size(), 1u);
  expect_box_near(out[0].box, Box{20, 9, 32.5f, 19}, 1e-5f, "zoom");
  // Shifted left out of frame: 12 of 25 columns visible (48 % ≥ 30 %) kept and clipped,
  // 5 of 25 (20 %) dropped, and a 1 px sliver dropped.
  out = transform_objects(objects, ZoomFlip{false, 1, -33, 0}, kW, kH);
  ASSERT_EQ(out.size(), 1u);
  expect_box_near(out[0].box, Box{0, 10, 12, 30}, 1e-5f, "clipped");
  EXPECT_TRUE(transform_objects(objects, ZoomFlip{false, 1, -40, 0}, kW, kH).empty());
  // A 2 px wide box shifted to 1.5 px visible: 75 % of it is in frame, but it is too thin.
  const std::vector<ObjectBox> thin = {{0, Box{10, 0, 12, 60}}};
  EXPECT_EQ(transform_objects(thin, ZoomFlip{false, 1, -10, 0}, kW, kH).size(), 1u);
  EXPECT_TRUE(transform_objects(thin, ZoomFlip{false, 1, -10.5f, 0}, kW, kH).empty());
  // Pixels: zoomed out, the frame outside the image is grey 114.
  const at::Tensor image = image_with({{20, 10, 45, 30, {250, 10, 10}}}).unsqueeze(0);
  const at::Tensor warped = apply_zoom_flip(image, {ZoomFlip{false, 0.5f, 10, 4}});
  EXPECT_EQ(warped[0][0][0][0].item<int>(), kLetterboxFill);
  EXPECT_EQ(warped[0][1][kH - 1][kW - 1].item<int>(), kLetterboxFill);
  expect_box_near(colour_box(warped[0], {250, 10, 10}), Box{20, 9, 32.5f, 19}, 1.0f, "zoomed pixels");
  // The identity is exact.
  EXPECT_TRUE(apply_zoom_flip(image, {ZoomFlip{}}).equal(image));
}

TEST(DetectionAugment, DeterministicBySeedAndNoOpWithoutAugmentation) {
  const at::Tensor images = image_with({{20, 10, 45, 30, {250, 10, 10}}}).unsqueeze(0).repeat({6, 1, 1, 1});
  const ImageObjects objects(6, {{0, Box{20, 10, 45, 30}}});
  const DetectionAugmentOptions options;
  const AugmentedDetections a = augment_detections(images, objects, options, 3);
  const AugmentedDetections b = augment_detections(images, objects, options, 3);
  const AugmentedDetections c = augment_detections(images, objects, options, 4);
  EXPECT_TRUE(a.images.equal(b.images));
  EXPECT_FALSE(a.images.equal(c.images));
  bool all_alike = true;  // images of one batch get their own transforms
  for (int64_t i = 1; i < 6; ++i) all_alike = all_alike && a.images[i].equal(a.images[0]);
  EXPECT_FALSE(all_alike);
  for (size_t i = 0; i < 6; ++i) expect_box_near(a.objects[i][0].box, b.objects[i][0].box, 0, "same seed");
  DetectionAugmentOptions none;
  none.horizontal_flip = false;
  none.scale_jitter = 0;
  const AugmentedDetections same = augment_detections(images, objects, none, 3);
  EXPECT_TRUE(same.images.equal(images));
  for (size_t i = 0; i < 6; ++i) expect_box_near(same.objects[i][0].box, objects[i][0].box, 0, "no-op");
  none.scale_jitter = 0.95f;
  expect_user_error([&] { augment_detections(images, objects, none, 0); }, {"scale jitter", "[0, 0.9]"});
  expect_user_error([&] { augment_detections(images, ImageObjects(5), options, 0); }, {"6 images but 5"});
}

Dataset detection_set() {
  Dataset d;
  d.name = "toy";
  d.class_names = {"a", "b"};
  d.images = at::arange(4 * 3 * kH * kW, at::kLong).remainder(251).to(at::kByte).view({4, 3, kH, kW});
  for (int i = 0; i < 4; ++i) d.objects.push_back({{i % 2, Box{1.0f * i, 2, 30, 40}}});
  return d;
}

TEST(DetectionBatch, GathersNormalizesAndAugments) {
  const Dataset d = detection_set();
  const Normalization norm{{0.5f, 0.5f, 0.5f}, {0.25f, 0.25f, 0.25f}};
  const DetectionBatch plain = make_detection_batch(d, {3, 1}, std::nullopt, norm, 0);
  EXPECT_EQ(plain.images.scalar_type(), at::kFloat);
  EXPECT_EQ(plain.images.sizes(), (std::vector<int64_t>{2, 3, kH, kW}));
  const at::Tensor index = at::tensor(std::vector<int64_t>{3, 1});
  EXPECT_TRUE(plain.images.allclose(normalize_images(d.images.index_select(0, index), norm)));
  ASSERT_EQ(plain.objects.size(), 2u);
  EXPECT_EQ(plain.objects[0][0].box.x1, 3);
  EXPECT_EQ(plain.objects[1][0].class_id, 1);
  const DetectionBatch augmented = make_detection_batch(d, {3, 1}, DetectionAugmentOptions{}, norm, 9);
  const AugmentedDetections expected =
      augment_detections(d.images.index_select(0, index), plain.objects, DetectionAugmentOptions{}, 9);
  EXPECT_TRUE(augmented.images.allclose(normalize_images(expected.images, norm)));
  ASSERT_EQ(augmented.objects.size(), 2u);
  ASSERT_EQ(augmented.objects[0].size(), expected.objects[0].size());
  expect_box_near(augmented.objects[0][0].box, expected.objects[0][0].box, 0, "batch");
}

TEST(DetectionBatch, RejectsBadIndicesAndClassificationSets) {
  const Dataset d = detection_set();
  expect_user_error([&] { make_detection_batch(d, {4}, std::nullopt, {}, 0); }, {"index 4", "[0, 4)"});
  Dataset labelled = d;
  labelled.labels = at::zeros({4}, at::kLong);
  labelled.objects.clear();
  expect_user_error([&] { make_detection_batch(labelled, {0}, std::nullopt, {}, 0); }, {"toy", "not a detection set"});
}

}  // namespace
}  // namespace pk
