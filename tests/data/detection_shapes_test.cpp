// The generated detection set "shapes" and loading it through load_dataset (split, limits).
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <chrono>
#include <cstring>
#include <set>

#include "data/dataset.h"
#include "data/shapes_dataset.h"
#include "data/split.h"
#include "data_test_util.h"

namespace pk {
namespace {

using testing::expect_user_error;

ShapesOptions small_options(uint64_t seed = 0) {
  ShapesOptions o;
  o.image_size = 64;
  o.train_images = 24;
  o.test_images = 6;
  o.seed = seed;
  return o;
}

bool same_objects(const std::vector<ObjectBox>& a, const std::vector<ObjectBox>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].class_id != b[i].class_id || a[i].box.x1 != b[i].box.x1 || a[i].box.y1 != b[i].box.y1 ||
        a[i].box.x2 != b[i].box.x2 || a[i].box.y2 != b[i].box.y2)
      return false;
  }
  return true;
}

bool same_set(const RawImages& a, const RawImages& b) {
  if (a.pixels != b.pixels || a.objects.size() != b.objects.size()) return false;
  for (size_t i = 0; i < a.objects.size(); ++i)
    if (!same_objects(a.objects[i], b.objects[i])) return false;
  return true;
}

TEST(ShapesDataset, DeterministicBySeedDifferentAcrossSeedsAndSplits) {
  const ShapesSets a = generate_shapes(small_options(7));
  const ShapesSets b = generate_shapes(small_options(7));
  const ShapesSets c = generate_shapes(small_options(8));
  ASSERT_EQ(a.train.count, 24);
  ASSERT_EQ(a.test.count, 6);
  EXPECT_EQ(a.train.channels, 3);
  EXPECT_EQ(a.train.height, 64);
  EXPECT_EQ(a.train.width, 64);
  EXPECT_FALSE(a.train.labeled);
  ASSERT_EQ(a.train.pixels.size(), 24u * 3 * 64 * 64);
  ASSERT_EQ(a.train.objects.size(), 24u);
  ASSERT_EQ(a.test.objects.size(), 6u);
  EXPECT_TRUE(same_set(a.train, b.train));
  EXPECT_TRUE(same_set(a.test, b.test));
  EXPECT_NE(a.train.pixels, c.train.pixels);
  // Train and test come from unrelated streams: their first images differ.
  const size_t image = 3 * 64 * 64;
  EXPECT_NE(std::memcmp(a.train.pixels.data(), a.test.pixels.data(), image), 0);
  // A larger set starts with the images of a smaller one.
  ShapesOptions larger = small_options(7);
  larger.train_images = 30;
  const ShapesSets d = generate_shapes(larger);
  EXPECT_EQ(std::memcmp(a.train.pixels.data(), d.train.pixels.data(), a.train.pixels.size()), 0);
}

float luma(float r, float g, float b) { return (77 * r + 150 * g + 29 * b) / 256; }

// The pixels within kShapesNoise of an object's colour are exactly its visible pixels (the
// generator's contrast guarantee), so their bounding box must be the object's box; every other
// pixel is background, whose luma is ≥ 60 − noise − rounding away from every object colour's.
TEST(ShapesDataset, BoxesAreInsideNonDegenerateAndTightAroundTheShapeColour) {
  ShapesOptions o = small_options(3);
  o.classes = 6;
  o.max_objects = 6;
  const int s = o.image_size;
  const RawImages train = generate_shapes(o).train;
  int64_t objects = 0;
  for (int64_t i = 0; i < o.train_images; ++i) {
    const ShapesImage image = generate_shapes_image(o, true, i);
    ASSERT_EQ(std::memcmp(image.pixels.data(), train.pixels.data() + i * 3 * s * s, image.pixels.size()), 0) << i;
    ASSERT_TRUE(same_objects(image.objects, train.objects[static_cast<size_t>(i)])) << i;
    ASSERT_EQ(image.colours.size(), image.objects.size());
    std::vector<char> object_pixel(static_cast<size_t>(s) * s, 0);
    for (size_t k = 0; k < image.objects.size(); ++k, ++objects) {
      const ObjectBox& ob = image.objects[k];
      EXPECT_GE(ob.class_id, 0);
      EXPECT_LT(ob.class_id, 6);
      EXPECT_GE(ob.box.x1, 0);
      EXPECT_GE(ob.box.y1, 0);
      EXPECT_LE(ob.box.x2, s);
      EXPECT_LE(ob.box.y2, s);
      EXPECT_GE(ob.box.width(), 2);
      EXPECT_GE(ob.box.height(), 2);
      int x1 = s, y1 = s, x2 = -1, y2 = -1;
      for (int y = 0; y < s; ++y)
        for (int x = 0; x < s; ++x) {
          bool match = true;
          for (int c = 0; c < 3; ++c)
            match = match && std::abs(image.pixels[(c * s + y) * s + x] - image.colours[k][c]) <= kShapesNoise;
          if (match) x1 = std::min(x1, x), y1 = std::min(y1, y), x2 = std::max(x2, x), y2 = std::max(y2, y);
          object_pixel[static_cast<size_t>(y) * s + x] |= match;
        }
      EXPECT_EQ(x1, ob.box.x1) << "image " << i << " object " << k;
      EXPECT_EQ(y1, ob.box.y1) << "image " << i << " object " << k;
      EXPECT_EQ(x2 + 1, ob.box.x2) << "image " << i << " object " << k;
      EXPECT_EQ(y2 + 1, ob.box.y2) << "image " << i << " object " << k;
    }
    float closest = 255;  // smallest luma distance between a background pixel and an object colour
    for (int y = 0; y < s; ++y)
      for (int x = 0; x < s; ++x) {
        if (object_pixel[static_cast<size_t>(y) * s + x]) continue;
        const auto p = [&](int c) { return static_cast<float>(image.pixels[(c * s + y) * s + x]); };
        for (const auto& colour : image.colours)
          closest = std::min(closest, std::abs(luma(p(0), p(1), p(2)) - luma(colour[0], colour[1], colour[2])));
      }
    EXPECT_GE(closest, 60 - kShapesNoise - 0.5f) << "image " << i;
  }
  EXPECT_GT(objects, o.train_images);
}

TEST(ShapesDataset, CountsSizesClassesAndOcclusion) {
  ShapesOptions o;
  o.train_images = 400;
  o.test_images = 0;
  const RawImages train = generate_shapes(o).train;
  std::set<int> classes;
  int overlapping = 0;
  for (const auto& objects : train.objects) {
    EXPECT_GE(objects.size(), 1u);
    EXPECT_LE(objects.size(), 4u);
    for (size_t k = 0; k < objects.size(); ++k) {
      classes.insert(objects[k].class_id);
      const float longer = std::max(objects[k].box.width(), objects[k].box.height());
      EXPECT_LE(longer, o.max_size * 96 + 1);
      for (size_t j = 0; j < k; ++j) overlapping += box_iou(objects[j].box, objects[k].box) > 0;
    }
  }
  EXPECT_EQ(classes, (std::set<int>{0, 1, 2, 3, 4}));
  EXPECT_GT(overlapping, 0);
  EXPECT_EQ(shape_classes(5), (std::vector<std::string>{"circle", "square", "triangle", "diamond", "cross"}));
  EXPECT_EQ(shape_class_names().back(), "ring");
}

// The default set (4000 images of 96 px) must take well under 10 s: an eighth of it here
// must take well under 10 / 8 s.
TEST(ShapesDataset, GeneratesQuickly) {
  ShapesOptions o;
  o.train_images = 500;
  o.test_images = 0;
  const auto start = std::chrono::steady_clock::now();
  const ShapesSets sets = generate_shapes(o);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(sets.train.count, 500);
  EXPECT_LT(seconds, 0.6) << "500 shapes images took " << seconds << " s";
}

TEST(ShapesDataset, BadOptionsAreUserErrors) {
  const auto with = [](auto change) {
    ShapesOptions o = small_options();
    change(o);
    return [o] { generate_shapes(o); };
  };
  expect_user_error(with([](ShapesOptions& o) { o.image_size = 16; }), {"image size", "16"});
  expect_user_error(with([](ShapesOptions& o) { o.classes = 7; }), {"classes", "[1, 6]"});
  expect_user_error(with([](ShapesOptions& o) { o.min_objects = 5; }), {"objects per image"});
  expect_user_error(with([](ShapesOptions& o) { o.max_size = 1.5f; }), {"object sizes"});
  expect_user_error(with([](ShapesOptions& o) { o.min_size = 0.01f; }), {"≥ 4 px"});
  expect_user_error(with([](ShapesOptions& o) { o.train_images = 0; }), {"training images"});
}

DataOptions shapes_data(int64_t images, int64_t search) {
  DataOptions d;
  d.name = "shapes";
  d.generated_images = images;
  d.search_size = search;
  d.image_size = 64;
  d.seed = 5;
  return d;
}

bool same_image(const at::Tensor& image, const ShapesImage& expected) {
  return std::memcmp(image.contiguous().data_ptr<uint8_t>(), expected.pixels.data(), expected.pixels.size()) == 0;
}

TEST(ShapesDataset, LoadDatasetSplitKeepsObjectsWithTheirImages) {
  const DatasetSplits s = load_dataset(shapes_data(80, 10));
  ASSERT_EQ(s.train.size(), 70);
  ASSERT_EQ(s.search.size(), 10);
  ASSERT_EQ(s.test.size(), 10);  // an eighth of the training images
  EXPECT_EQ(s.channels, 3);
  EXPECT_EQ(s.height, 64);
  EXPECT_TRUE(s.train.is_detection());
  EXPECT_TRUE(s.search.is_detection());
  EXPECT_FALSE(s.train.has_labels());
  EXPECT_EQ(s.train.class_names, shape_classes(5));
  EXPECT_EQ(s.normalization.mean.size(), 3u);
  ASSERT_EQ(s.train.objects.size(), 70u);
  ASSERT_EQ(s.search.objects.size(), 10u);
  ASSERT_EQ(s.test.objects.size(), 10u);
  ShapesOptions o;  // what load_dataset generates: default seed, 64 px
  o.image_size = 64;
  const SplitIndices split = split_indices(80, 10, 5);
  for (size_t i = 0; i < split.train.size(); ++i) {
    const ShapesImage expected = generate_shapes_image(o, true, split.train[i]);
    EXPECT_TRUE(same_image(s.train.images[static_cast<int64_t>(i)], expected)) << i;
    EXPECT_TRUE(same_objects(s.train.objects[i], expected.objects)) << i;
  }
  for (size_t i = 0; i < split.search.size(); ++i) {
    const ShapesImage expected = generate_shapes_image(o, true, split.search[i]);
    EXPECT_TRUE(same_image(s.search.images[static_cast<int64_t>(i)], expected)) << i;
    EXPECT_TRUE(same_objects(s.search.objects[i], expected.objects)) << i;
  }
  EXPECT_TRUE(same_objects(s.test.objects[9], generate_shapes_image(o, false, 9).objects));
}

TEST(ShapesDataset, LimitsKeepObjectsAlignedAndEmptySplitsStayDetection) {
  DataOptions d = shapes_data(40, 0);
  d.train_limit = 7;
  d.test_limit = 2;
  const DatasetSplits s = load_dataset(d);
  ASSERT_EQ(s.train.size(), 7);
  ASSERT_EQ(s.train.objects.size(), 7u);
  ASSERT_EQ(s.test.size(), 2);
  ASSERT_EQ(s.test.objects.size(), 2u);
  EXPECT_EQ(s.search.size(), 0);
  EXPECT_TRUE(s.search.is_detection());
  ShapesOptions o;
  o.image_size = 64;
  EXPECT_TRUE(same_objects(s.train.objects[6], generate_shapes_image(o, true, 6).objects));
  EXPECT_TRUE(same_objects(s.test.objects[1], generate_shapes_image(o, false, 1).objects));
}

TEST(ShapesDataset, LoadDatasetOptionErrors) {
  DataOptions d = shapes_data(40, 0);
  d.path = "/tmp/x";
  expect_user_error([&] { load_dataset(d); }, {"shapes", "no path"});
  d = shapes_data(40, 0);
  d.channels = 1;
  expect_user_error([&] { load_dataset(d); }, {"3 channels"});
  d = shapes_data(40, 40);
  expect_user_error([&] { load_dataset(d); }, {"search split size 40", "40 training samples"});
  d = shapes_data(40, 0);
  d.name = "mnist";
  expect_user_error([&] { load_dataset(d); }, {"generated images", "'shapes'"});
}

}  // namespace
}  // namespace pk
