// The torch-free readers: IDX (.gz), CIFAR-10 binary batches, image folders.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "data/cifar10_reader.h"
#include "data/idx_reader.h"
#include "data/image_folder_reader.h"
#include "data_test_util.h"

namespace pk {
namespace {

using testing::expect_user_error;
using testing::TempDir;

// ---- IDX -----------------------------------------------------------------------------------

TEST(IdxReader, ReadsGzippedImagesAndLabels) {
  TempDir dir;
  testing::write_mnist_set(dir.path(), 3, 2, 4, 5, 10);
  const RawImages raw = read_idx_images(dir.path() + "/train-images-idx3-ubyte.gz",
                                        dir.path() + "/train-labels-idx1-ubyte.gz", 10);
  ASSERT_EQ(raw.count, 3);
  EXPECT_EQ(raw.channels, 1);
  EXPECT_EQ(raw.height, 4);
  EXPECT_EQ(raw.width, 5);
  ASSERT_EQ(raw.pixels.size(), 3u * 4 * 5);
  for (int i = 0; i < 3; ++i)
    for (int y = 0; y < 4; ++y)
      for (int x = 0; x < 5; ++x) EXPECT_EQ(raw.pixels[(i * 4 + y) * 5 + x], testing::mnist_pixel(i, y, x, 5));
  EXPECT_EQ(raw.labels, (std::vector<int64_t>{0, 1, 2}));
}

TEST(IdxReader, ReadsUncompressedFilesToo) {
  TempDir dir;
  testing::write_bytes(dir.file("img"), testing::idx_bytes({2, 1, 2}, {1, 2, 3, 4}), false);
  testing::write_bytes(dir.file("lab"), testing::idx_bytes({2}, {5, 6}), false);
  const RawImages raw = read_idx_images(dir.file("img"), dir.file("lab"), 10);
  EXPECT_EQ(raw.pixels, (std::vector<uint8_t>{1, 2, 3, 4}));
  EXPECT_EQ(raw.labels, (std::vector<int64_t>{5, 6}));
}

TEST(IdxReader, WrongMagicNamesFileAndExpectedMagic) {
  TempDir dir;
  const std::string path = dir.file("labels.gz");
  // A rank-1 (labels) file where images (rank 3) are expected.
  testing::write_bytes(path, testing::idx_bytes({2}, {0, 1}), true);
  expect_user_error([&] { parse_idx(read_gzip_file(path), 3, path); },
                    {path, "wrong IDX magic", "0x00000801", "0x00000803"});
  testing::write_bytes(path, testing::idx_bytes({2}, {0, 1}, 0x12345678), true);
  expect_user_error([&] { parse_idx(read_gzip_file(path), 1, path); }, {"wrong IDX magic", "0x12345678"});
}

TEST(IdxReader, TruncatedGzipIsReported) {
  TempDir dir;
  const std::string path = dir.file("t.gz");
  std::vector<uint8_t> data(5000);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 31 % 251);
  testing::write_bytes(path, testing::idx_bytes({50, 10, 10}, data), true);
  const auto size = std::filesystem::file_size(path);
  std::filesystem::resize_file(path, size / 2);
  expect_user_error([&] { read_gzip_file(path); }, {path, "gzip", "truncated"});
}

TEST(IdxReader, FileShorterThanHeaderSays) {
  TempDir dir;
  const std::string path = dir.file("short.gz");
  testing::write_bytes(path, testing::idx_bytes({3, 2, 2}, std::vector<uint8_t>(8)), true);
  expect_user_error([&] { parse_idx(read_gzip_file(path), 3, path); },
                    {path, "shorter than its header says", "12"});
  testing::write_bytes(path, {0, 0, 8}, true);
  expect_user_error([&] { parse_idx(read_gzip_file(path), 3, path); }, {path, "shorter"});
}

// A small gzip file that decompresses to 64 MB past a header declaring 4 bytes: rejected after
// reading one byte more than the header declares, not after inflating everything.
TEST(IdxReader, GzipBombIsRejectedAtTheDeclaredSize) {
  TempDir dir;
  const std::string path = dir.file("bomb.gz");
  std::vector<uint8_t> bytes = testing::idx_bytes({4}, {1, 2, 3, 4});
  bytes.resize(bytes.size() + (size_t{64} << 20), 0);
  testing::write_bytes(path, bytes, true);
  bytes = {};
  EXPECT_LT(std::filesystem::file_size(path), size_t{2} << 20) << "the fixture compresses well";
  expect_user_error([&] { read_idx_file(path, 1); },
                    {path, "more than the 12 bytes its IDX header declares", "reading stopped at 13 bytes"});
  testing::write_bytes(path, testing::idx_bytes({4}, {1, 2, 3, 4}), true);
  EXPECT_EQ(read_idx_file(path, 1).data, (std::vector<uint8_t>{1, 2, 3, 4}));
}

TEST(IdxReader, ImageLabelCountMismatch) {
  TempDir dir;
  testing::write_bytes(dir.file("i.gz"), testing::idx_bytes({3, 1, 1}, {1, 2, 3}), true);
  testing::write_bytes(dir.file("l.gz"), testing::idx_bytes({2}, {0, 1}), true);
  expect_user_error([&] { read_idx_images(dir.file("i.gz"), dir.file("l.gz"), 10); },
                    {"count mismatch", "3 images", "2 labels", dir.file("l.gz")});
}

TEST(IdxReader, LabelOutOfRange) {
  TempDir dir;
  testing::write_bytes(dir.file("i.gz"), testing::idx_bytes({2, 1, 1}, {1, 2}), true);
  testing::write_bytes(dir.file("l.gz"), testing::idx_bytes({2}, {3, 12}), true);
  expect_user_error([&] { read_idx_images(dir.file("i.gz"), dir.file("l.gz"), 10); },
                    {dir.file("l.gz"), "label 12", "sample 1", "out of range"});
}

TEST(IdxReader, MissingFile) {
  expect_user_error([] { read_gzip_file("/nonexistent/pk/x.gz"); }, {"/nonexistent/pk/x.gz", "no such file"});
}

// ---- CIFAR-10 ------------------------------------------------------------------------------

TEST(Cifar10Reader, ReadsRecordsAcrossFiles) {
  TempDir dir;
  testing::write_cifar_file(dir.file("a.bin"), {3, 9});
  testing::write_cifar_file(dir.file("b.bin"), {0});
  const RawImages raw = read_cifar10_files({dir.file("a.bin"), dir.file("b.bin")});
  ASSERT_EQ(raw.count, 3);
  EXPECT_EQ(raw.channels, 3);
  EXPECT_EQ(raw.height, 32);
  EXPECT_EQ(raw.width, 32);
  EXPECT_EQ(raw.labels, (std::vector<int64_t>{3, 9, 0}));
  auto at = [&](int64_t n, int c, int y, int x) { return raw.pixels[((n * 3 + c) * 32 + y) * 32 + x]; };
  EXPECT_EQ(at(0, 0, 0, 0), testing::cifar_pixel(0, 0, 0, 0));
  EXPECT_EQ(at(1, 2, 31, 5), testing::cifar_pixel(1, 2, 31, 5));
  // The second file's first record restarts its own numbering at 0.
  EXPECT_EQ(at(2, 1, 7, 30), testing::cifar_pixel(0, 1, 7, 30));
}

TEST(Cifar10Reader, AcceptsBatchesDirOrItsParent) {
  TempDir dir;
  EXPECT_EQ(cifar10_batches_dir(dir.path()), dir.path());
  std::filesystem::create_directories(dir.path() + "/cifar-10-batches-bin");
  EXPECT_EQ(cifar10_batches_dir(dir.path()), dir.path() + "/cifar-10-batches-bin");
  const auto files = cifar10_files("/d", true);
  ASSERT_EQ(files.size(), 5u);
  EXPECT_EQ(files[4], "/d/data_batch_5.bin");
  EXPECT_EQ(cifar10_files("/d", false), (std::vector<std::string>{"/d/test_batch.bin"}));
}

TEST(Cifar10Reader, ClassNamesFromMetaOrDefaults) {
  TempDir dir;
  EXPECT_EQ(cifar10_class_names(dir.path())[9], "truck");
  {
    std::ofstream meta(dir.file("batches.meta.txt"));
    meta << "a\nb\nc\nd\ne\nf\ng\nh\ni\nj  \n\n";
  }
  const auto names = cifar10_class_names(dir.path());
  ASSERT_EQ(names.size(), 10u);
  EXPECT_EQ(names[0], "a");
  EXPECT_EQ(names[9], "j");
  {
    std::ofstream meta(dir.file("batches.meta.txt"));
    meta << "a\nb\n";
  }
  expect_user_error([&] { cifar10_class_names(dir.path()); }, {"batches.meta.txt", "2 class names", "10"});
}

TEST(Cifar10Reader, TruncatedFileBadLabelMissingFile) {
  TempDir dir;
  testing::write_cifar_file(dir.file("t.bin"), {1, 2});
  std::filesystem::resize_file(dir.file("t.bin"), 2 * 3073 - 5);
  expect_user_error([&] { read_cifar10_files({dir.file("t.bin")}); },
                    {dir.file("t.bin"), "truncated", "3073-byte records"});
  testing::write_cifar_file(dir.file("l.bin"), {1, 10});
  expect_user_error([&] { read_cifar10_files({dir.file("l.bin")}); }, {dir.file("l.bin"), "label 10", "record 1"});
  expect_user_error([&] { read_cifar10_files({dir.path() + "/data_batch_1.bin"}); },
                    {"data_batch_1.bin", "missing"});
}

// ---- image folder --------------------------------------------------------------------------

TEST(ImageFolderReader, ReadsPngAndBmpWithSortedClasses) {
  TempDir dir;
  // class "b": one 3×2 RGB png; class "a": one bmp. Sorted classes make "a" label 0.
  std::vector<uint8_t> rgb;
  for (int i = 0; i < 3 * 2 * 3; ++i) rgb.push_back(static_cast<uint8_t>(i * 10));
  testing::write_image(dir.file("train/b/x.png"), 3, 2, 3, rgb);
  testing::write_image(dir.file("train/a/y.bmp"), 3, 2, 3, std::vector<uint8_t>(18, 77));
  { std::ofstream(dir.file("train/a/notes.txt")) << "ignored"; }
  const auto classes = image_folder_classes(dir.path() + "/train");
  EXPECT_EQ(classes, (std::vector<std::string>{"a", "b"}));
  const RawImages raw = read_image_folder(dir.path() + "/train", classes, {3, 0}, true);
  ASSERT_EQ(raw.count, 2);
  EXPECT_EQ(raw.labels, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(raw.height, 2);
  EXPECT_EQ(raw.width, 3);
  EXPECT_EQ(raw.pixels[0], 77);
  // Image 1 (png) in CHW: channel c, pixel (y, x) came from HWC index (y*3 + x)*3 + c.
  const size_t base = 18;
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 2; ++y)
      for (int x = 0; x < 3; ++x)
        EXPECT_EQ(raw.pixels[base + (c * 2 + y) * 3 + x], rgb[(y * 3 + x) * 3 + c]) << c << y << x;
}

TEST(ImageFolderReader, GrayscaleAndResize) {
  TempDir dir;
  testing::write_image(dir.file("train/c/1.png"), 8, 8, 1, std::vector<uint8_t>(64, 200));
  testing::write_image(dir.file("train/c/2.png"), 6, 4, 3, std::vector<uint8_t>(72, 100));
  const RawImages raw = read_image_folder(dir.path() + "/train", {"c"}, {1, 4}, true);
  ASSERT_EQ(raw.count, 2);
  EXPECT_EQ(raw.channels, 1);
  EXPECT_EQ(raw.height, 4);
  EXPECT_EQ(raw.width, 4);
  ASSERT_EQ(raw.pixels.size(), 32u);
  EXPECT_EQ(raw.pixels[0], 200);   // constant images stay constant when resized
  EXPECT_EQ(raw.pixels[31], 100);  // gray RGB → luminance of (100,100,100) = 100
}

TEST(ImageFolderReader, SizeMismatchNamesBothFiles) {
  TempDir dir;
  testing::write_image(dir.file("train/c/1.png"), 4, 4, 1, std::vector<uint8_t>(16));
  testing::write_image(dir.file("train/c/2.png"), 5, 4, 1, std::vector<uint8_t>(20));
  expect_user_error([&] { read_image_folder(dir.path() + "/train", {"c"}, {1, 0}, true); },
                    {"2.png", "1.png", "5x4", "4x4", "same size"});
}

// Issue 12 item 18: `--image-size 16384` grew past 4 GB before std::bad_alloc.
TEST(ImageFolderReader, RefusesBeforeDecodingWhatWouldNotFitInMemory) {
  TempDir dir;
  for (int i = 0; i < 3; ++i)
    testing::write_image(dir.file("train/c/" + std::to_string(i) + ".png"), 4, 4, 3, std::vector<uint8_t>(48, 9));
  ImageFolderOptions o{3, 0};
  o.memory_limit = 2 * 3 * 48;  // exactly the peak of 3 decoded 3x4x4 images
  EXPECT_EQ(read_image_folder(dir.path() + "/train", {"c"}, o, true).count, 3);
  o.memory_limit -= 1;
  expect_user_error([&] { read_image_folder(dir.path() + "/train", {"c"}, o, true); },
                    {"3 images of 3x4x4", "288 bytes", "smaller --image-size"});
  // The real limit (this machine's available memory): 200 images at 16384 px need ~322 GB; the
  // refusal comes before a single image is decoded.
  for (int i = 0; i < 200; ++i)
    testing::write_image(dir.file("flat/" + std::to_string(i) + ".png"), 1, 1, 3, {1, 2, 3});
  expect_user_error([&] { read_unlabeled_images(dir.path() + "/flat", {3, 16384}); },
                    {"200 images of 3x16384x16384", "150.0 GiB decoded", "available"});
}

TEST(ImageFolderReader, UndecodableImageIsNamed) {
  TempDir dir;
  testing::write_image(dir.file("train/c/1.png"), 4, 4, 1, std::vector<uint8_t>(16));
  { std::ofstream(dir.file("train/c/broken.png")) << "this is not a png"; }
  expect_user_error([&] { read_image_folder(dir.path() + "/train", {"c"}, {3, 0}, true); },
                    {"cannot decode image", "broken.png"});
}

TEST(ImageFolderReader, EmptyFoldersAndUnknownClasses) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() + "/train");
  expect_user_error([&] { image_folder_classes(dir.path() + "/train"); }, {"empty", "subfolder per class"});
  expect_user_error([&] { image_folder_classes(dir.path() + "/nope"); }, {"does not exist"});
  std::filesystem::create_directories(dir.path() + "/train/a");
  testing::write_image(dir.file("train/b/1.png"), 2, 2, 1, std::vector<uint8_t>(4));
  expect_user_error([&] { read_image_folder(dir.path() + "/train", {"a", "b"}, {3, 0}, true); },
                    {"train/a", "no images"});
  expect_user_error([&] { read_image_folder(dir.path() + "/train", {"b"}, {3, 0}, true); },
                    {"class folder 'a'", "does not have"});
}

}  // namespace
}  // namespace pk
