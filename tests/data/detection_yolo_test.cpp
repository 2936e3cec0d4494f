// The YOLO-format folder reader: letterboxing of images and boxes, and every bad input.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <filesystem>
#include <fstream>

#include "data/dataset.h"
#include "data/yolo_reader.h"
#include "data_test_util.h"

namespace pk {
namespace {

using testing::expect_user_error;
using testing::TempDir;

void write_text(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// A w×h image of one colour (`channels` 1 or 3).
void write_solid(const std::string& path, int w, int h, int channels, std::vector<uint8_t> colour) {
  std::vector<uint8_t> hwc;
  for (int i = 0; i < w * h; ++i) hwc.insert(hwc.end(), colour.begin(), colour.begin() + channels);
  testing::write_image(path, w, h, channels, hwc);
}

// ROOT with classes cat, dog; train: a.png 200×100 red with two boxes (the second partly outside
// the image), b.bmp 50×100 grey without a label file; val: c.png 64×64 with one box.
void write_folder(const TempDir& root, const std::string& test_split = "val") {
  write_text(root.file("classes.txt"), "cat\r\ndog\n\n");
  write_solid(root.file("images/train/a.png"), 200, 100, 3, {200, 30, 40});
  write_text(root.file("labels/train/a.txt"), "0 0.5 0.5 0.5 0.5\n\n1 0.95 0.75 0.2 0.2\n");
  write_solid(root.file("images/train/b.bmp"), 50, 100, 1, {90});
  write_solid(root.file("images/" + test_split + "/c.png"), 64, 64, 3, {10, 20, 30});
  write_text(root.file("labels/" + test_split + "/c.txt"), "1 0.25 0.5 0.5 1\n");
}

DataOptions yolo_options(const std::string& root, int size = 64) {
  DataOptions o;
  o.name = "yolo";
  o.path = root;
  o.image_size = size;
  o.search_size = 0;
  return o;
}

void expect_box(const ObjectBox& o, int class_id, float x1, float y1, float x2, float y2) {
  EXPECT_EQ(o.class_id, class_id);
  EXPECT_NEAR(o.box.x1, x1, 1e-4);
  EXPECT_NEAR(o.box.y1, y1, 1e-4);
  EXPECT_NEAR(o.box.x2, x2, 1e-4);
  EXPECT_NEAR(o.box.y2, y2, 1e-4);
}

TEST(YoloReader, LetterboxGeometry) {
  const auto expect = [](int w, int h, int s, Letterbox e) {
    const Letterbox g = letterbox_geometry(w, h, s);
    EXPECT_EQ(g.content_width, e.content_width) << w << "x" << h;
    EXPECT_EQ(g.content_height, e.content_height) << w << "x" << h;
    EXPECT_EQ(g.pad_x, e.pad_x) << w << "x" << h;
    EXPECT_EQ(g.pad_y, e.pad_y) << w << "x" << h;
  };
  expect(200, 100, 64, {64, 32, 0, 16});
  expect(50, 100, 64, {32, 64, 16, 0});
  expect(64, 64, 64, {64, 64, 0, 0});
  expect(65, 21, 64, {64, 21, 0, 21});  // 21·64/65 = 20.7 → 21; (64 − 21) / 2 = 21
  expect(10, 1000, 416, {4, 416, 206, 0});
}

TEST(YoloReader, LetterboxesImagesAndBoxes) {
  TempDir root;
  write_folder(root);
  const DatasetSplits s = load_dataset(yolo_options(root.path()));
  EXPECT_TRUE(s.train.is_detection());
  EXPECT_FALSE(s.train.has_labels());
  EXPECT_EQ(s.train.class_names, (std::vector<std::string>{"cat", "dog"}));
  ASSERT_EQ(s.train.size(), 2);
  EXPECT_EQ(s.train.images.sizes(), (std::vector<int64_t>{2, 3, 64, 64}));
  EXPECT_EQ(s.normalization.mean.size(), 3u);
  ASSERT_EQ(s.train.objects.size(), 2u);
  // a.png 200×100 → content 64×32 at (0, 16).
  ASSERT_EQ(s.train.objects[0].size(), 2u);
  expect_box(s.train.objects[0][0], 0, 16, 24, 48, 40);
  // cx 0.95 w 0.2 → x in [0.85, 1.05], clipped to 1; y in [0.65, 0.85] of 32 rows, + 16.
  expect_box(s.train.objects[0][1], 1, 0.85f * 64, 16 + 0.65f * 32, 64, 16 + 0.85f * 32);
  const at::Tensor a = s.train.images[0];
  for (int y : {0, 15, 48, 63}) EXPECT_EQ(a[0][y][5].item<int>(), kLetterboxFill) << y;
  for (int y : {16, 30, 47}) {
    EXPECT_EQ(a[0][y][5].item<int>(), 200) << y;
    EXPECT_EQ(a[1][y][63].item<int>(), 30) << y;
    EXPECT_EQ(a[2][y][0].item<int>(), 40) << y;
  }
  // b.bmp 50×100 grey, no label file → no objects; content 32×64 at (16, 0), all channels grey.
  EXPECT_TRUE(s.train.objects[1].empty());
  const at::Tensor b = s.train.images[1];
  for (int c = 0; c < 3; ++c) {
    for (int x : {0, 15, 48, 63}) EXPECT_EQ(b[c][10][x].item<int>(), kLetterboxFill) << x;
    for (int x : {16, 40, 47}) EXPECT_EQ(b[c][60][x].item<int>(), 90) << x;
  }
  // val/c.png 64×64 is not resized.
  ASSERT_EQ(s.test.size(), 1);
  ASSERT_EQ(s.test.objects.size(), 1u);
  ASSERT_EQ(s.test.objects[0].size(), 1u);
  expect_box(s.test.objects[0][0], 1, 0, 0, 32, 64);
  EXPECT_EQ(s.test.images[0][2][30][30].item<int>(), 30);
}

// Images in sub-folders of a split pair with the labels at the same relative path (as in
// ultralytics' layout); equal file names in different sub-folders are different images; hidden
// folders (.cache, .ipynb_checkpoints) are skipped.
TEST(YoloReader, SubFoldersPairImagesWithLabelsAtTheSameRelativePath) {
  TempDir root;
  write_folder(root);
  write_solid(root.file("images/train/seq1/a.png"), 64, 64, 3, {1, 2, 3});
  write_text(root.file("labels/train/seq1/a.txt"), "1 0.5 0.5 0.25 0.25\n");
  write_solid(root.file("images/train/seq2/deeper/a.png"), 64, 64, 3, {4, 5, 6});
  write_text(root.file("labels/train/seq2/deeper/a.txt"), "0 0.5 0.5 0.5 0.5\n0 0.25 0.25 0.1 0.1\n");
  write_solid(root.file("images/train/.cache/junk.png"), 64, 64, 3, {7, 8, 9});
  const DatasetSplits s = load_dataset(yolo_options(root.path()));
  // In path order: a.png, b.bmp, seq1/a.png, seq2/deeper/a.png.
  ASSERT_EQ(s.train.size(), 4);
  ASSERT_EQ(s.train.objects[2].size(), 1u);
  expect_box(s.train.objects[2][0], 1, 24, 24, 40, 40);
  ASSERT_EQ(s.train.objects[3].size(), 2u);
  EXPECT_EQ(s.train.objects[3][0].class_id, 0);
  EXPECT_EQ(s.train.images[3][0][0][0].item<int>(), 4);

  write_text(root.file("labels/train/seq3/lost.txt"), "0 0.5 0.5 0.1 0.1\n");
  expect_user_error([&] { load_dataset(yolo_options(root.path())); }, {"lost.txt", "has no image", "images/train/seq3/lost"});
}

TEST(YoloReader, AcceptsTestInsteadOfValAndDefaultSize) {
  TempDir root;
  write_folder(root, "test");
  DataOptions o = yolo_options(root.path(), 0);
  const DatasetSplits s = load_dataset(o);
  EXPECT_EQ(s.height, 416);
  ASSERT_EQ(s.test.size(), 1);
  expect_box(s.test.objects[0][0], 1, 0, 0, 208, 416);
  // A 200×100 image at 416: content 416×208 at (0, 104).
  expect_box(s.train.objects[0][0], 0, 104, 104 + 52, 312, 104 + 156);
}

TEST(YoloReader, SplitAndLimitsKeepObjectsWithTheirImages) {
  TempDir root;
  write_folder(root);
  for (int i = 0; i < 6; ++i) {
    const std::string name = "n" + std::to_string(i);
    write_solid(root.file("images/train/" + name + ".png"), 32, 32, 3, {static_cast<uint8_t>(10 * i), 0, 0});
    write_text(root.file("labels/train/" + name + ".txt"), fmt::format("0 0.5 0.5 {} 0.5\n", 0.1 * (i + 1)));
  }
  DataOptions o = yolo_options(root.path());
  o.search_size = 3;
  o.seed = 11;
  const DatasetSplits s = load_dataset(o);
  ASSERT_EQ(s.train.size() + s.search.size(), 8);
  ASSERT_EQ(s.search.objects.size(), 3u);
  ASSERT_EQ(s.train.objects.size(), 5u);
  // The images n0..n5 have red 10·i and one box of width 0.1·(i + 1)·64 px; a, b are known.
  for (const Dataset* d : {&s.train, &s.search}) {
    for (int64_t k = 0; k < d->size(); ++k) {
      const int red = (d->images[k][0][32][32].item<int>() + 5) / 10 * 10;  // resizing may round by 1
      const auto& objects = d->objects[static_cast<size_t>(k)];
      if (red == 200) {
        EXPECT_EQ(objects.size(), 2u);
      } else if (red == 90) {
        EXPECT_TRUE(objects.empty());
      } else {
        ASSERT_EQ(objects.size(), 1u);
        EXPECT_NEAR(objects[0].box.width(), 0.1 * (red / 10 + 1) * 64, 1e-3) << "red " << red;
      }
    }
  }
  o.search_size = 0;
  o.train_limit = 1;
  const DatasetSplits limited = load_dataset(o);
  ASSERT_EQ(limited.train.objects.size(), 1u);
  EXPECT_EQ(limited.train.objects[0].size(), 2u);  // a.png comes first
}

// Each bad line (line 3 of a.txt, after a good line and a blank one) → UserError naming the
// file, the line and what was expected.
TEST(YoloReader, BadLabelLinesNameFileAndLine) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"0 0.5 0.5 0.5", "expected 5 fields"},
      {"0 0.5 0.5 0.5 0.5 0.5", "expected 5 fields"},
      {"x 0.5 0.5 0.5 0.5", "not an integer"},
      {"0.0 0.5 0.5 0.5 0.5", "not an integer"},
      {"2 0.5 0.5 0.5 0.5", "out of range: classes.txt has 2 classes"},
      {"-1 0.5 0.5 0.5 0.5", "out of range"},
      {"0 0.5 abc 0.5 0.5", "cy 'abc' is not a number"},
      {"0 0.5 0.5 0.5 nan", "not a number"},
      {"0 1.2 0.5 0.5 0.5", "cx = 1.2 is outside [0, 1]"},
      {"0 0.5 0.5 -0.1 0.5", "w = -0.1 is outside [0, 1]"},
      {"0 0.5 0.5 0 0.5", "w = 0 must be > 0"},
      {"1 0.5 0.5 0.5 0", "h = 0 must be > 0"},
  };
  for (const auto& [line, expected] : cases) {
    SCOPED_TRACE(line);
    TempDir root;
    write_folder(root);
    write_text(root.file("labels/train/a.txt"), "0 0.5 0.5 0.5 0.5\n\n" + line + "\n");
    expect_user_error([&] { load_dataset(yolo_options(root.path())); }, {"a.txt", "line 3", expected});
  }
  // Within the 1e-6 slack: accepted and clipped.
  const std::vector<YoloLabel> ok = parse_yolo_labels("0 1.0000005 -0.0000005 0.5 1.0000001\n", 1, "f.txt");
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_EQ(ok[0].cx, 1.0f);
  EXPECT_EQ(ok[0].cy, 0.0f);
  EXPECT_EQ(ok[0].h, 1.0f);
}

TEST(YoloReader, FolderErrorsNameTheFile) {
  const auto load = [](const TempDir& root, int size = 64) {
    return [&root, size] { load_dataset(yolo_options(root.path(), size)); };
  };
  {
    TempDir root;
    write_folder(root);
    std::filesystem::remove(root.file("classes.txt"));
    expect_user_error(load(root), {"classes.txt", "one class name per line"});
  }
  {
    TempDir root;
    write_folder(root);
    write_text(root.file("classes.txt"), "cat\n\ndog\n");
    expect_user_error(load(root), {"classes.txt", "line 2", "empty class name"});
    write_text(root.file("classes.txt"), "cat\ndog\ncat\n");
    expect_user_error(load(root), {"classes.txt", "line 3", "duplicate class name 'cat'"});
  }
  {
    TempDir root;
    write_folder(root);
    write_text(root.file("labels/train/zz.txt"), "0 0.5 0.5 0.1 0.1\n");
    expect_user_error(load(root), {"zz.txt", "has no image", "images/train/zz"});
  }
  {
    TempDir root;
    write_folder(root);
    write_text(root.file("images/train/broken.png"), "not a png at all");
    expect_user_error(load(root), {"broken.png", "cannot decode"});
  }
  {
    TempDir root;
    write_folder(root);
    write_solid(root.file("images/train/a.jpg"), 8, 8, 3, {1, 2, 3});
    expect_user_error(load(root), {"a.jpg", "a.png", "same name"});
  }
  {
    TempDir root;
    write_folder(root);
    std::filesystem::remove_all(root.path() + "/images/val");
    expect_user_error(load(root), {"neither images/val nor images/test"});
  }
  {
    TempDir root;
    write_folder(root);
    std::filesystem::remove_all(root.path() + "/labels/train");
    expect_user_error(load(root), {"labels/train", "missing label folder"});
  }
  {
    TempDir root;
    write_folder(root);
    expect_user_error(load(root, 16), {"image size must be ≥ 32", "16"});
  }
  expect_user_error([] { load_dataset(yolo_options("")); }, {"needs a path"});
  expect_user_error([] { load_dataset(yolo_options("/nonexistent/yolo")); }, {"/nonexistent/yolo", "does not exist"});
}

}  // namespace
}  // namespace pk
