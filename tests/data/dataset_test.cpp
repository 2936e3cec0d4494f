// load_dataset: formats end to end, error messages, the train/search/test split.
#include <gtest/gtest.h>

#include <algorithm>

#include <ATen/ATen.h>

#include <filesystem>
#include <set>

#include "core/error.h"
#include "data/dataset.h"
#include "data/split.h"
#include "data_test_util.h"

namespace pk {
namespace {

using testing::expect_user_error;
using testing::TempDir;

DataOptions mnist_options(const std::string& path, int64_t search_size = 0) {
  DataOptions o;
  o.name = "mnist";
  o.path = path;
  o.search_size = search_size;
  return o;
}

TEST(LoadDataset, MnistValuesLabelsAndConstants) {
  TempDir dir;
  testing::write_mnist_set(dir.path(), 12, 5, 4, 5, 10);
  const DatasetSplits s = load_dataset(mnist_options(dir.path()));
  EXPECT_EQ(s.channels, 1);
  EXPECT_EQ(s.height, 4);
  EXPECT_EQ(s.width, 5);
  ASSERT_EQ(s.train.size(), 12);
  EXPECT_EQ(s.search.size(), 0);
  ASSERT_EQ(s.test.size(), 5);
  EXPECT_EQ(s.train.images.sizes(), (std::vector<int64_t>{12, 1, 4, 5}));
  EXPECT_EQ(s.train.images.scalar_type(), at::kByte);
  EXPECT_EQ(s.train.labels.scalar_type(), at::kLong);
  EXPECT_EQ(s.train.images[7][0][3][2].item<int>(), testing::mnist_pixel(7, 3, 2, 5));
  EXPECT_EQ(s.test.images[4][0][1][4].item<int>(), testing::mnist_pixel(4, 1, 4, 5));
  EXPECT_EQ(s.train.labels[11].item<int64_t>(), 1);
  EXPECT_EQ(s.train.num_classes(), 10);
  EXPECT_EQ(s.train.name, "mnist");
  ASSERT_EQ(s.normalization.mean.size(), 1u);
  EXPECT_FLOAT_EQ(s.normalization.mean[0], 0.1307f);
  EXPECT_FLOAT_EQ(s.normalization.std[0], 0.3081f);
}

TEST(LoadDataset, FashionClassNamesAndLimits) {
  TempDir dir;
  testing::write_mnist_set(dir.path(), 20, 8);
  DataOptions o = mnist_options(dir.path(), 4);
  o.name = "fashion-mnist";
  o.train_limit = 10;
  o.test_limit = 3;
  const DatasetSplits s = load_dataset(o);
  EXPECT_EQ(s.train.size(), 10);
  EXPECT_EQ(s.search.size(), 4);
  EXPECT_EQ(s.test.size(), 3);
  EXPECT_EQ(s.train.class_names.front(), "T-shirt/top");
  EXPECT_EQ(s.train.class_names.back(), "Ankle boot");
  EXPECT_FLOAT_EQ(s.normalization.mean[0], 0.2860f);
  // The test limit keeps the first samples in file order.
  EXPECT_EQ(s.test.labels[2].item<int64_t>(), 2);
  // Limits larger than the set keep everything.
  o.train_limit = 1000;
  EXPECT_EQ(load_dataset(o).train.size(), 16);
}

TEST(LoadDataset, SplitIsDeterministicDisjointAndSeeded) {
  TempDir dir;
  testing::write_mnist_set(dir.path(), 50, 2, 2, 2, 10);
  // Make every training sample identifiable by its pixels: sample i has pixel(0,0,0) = i*7 % 256.
  auto ids = [](const Dataset& d) {
    std::vector<int> out;
    for (int64_t i = 0; i < d.size(); ++i) out.push_back(d.images[i][0][0][0].item<int>());
    return out;
  };
  DataOptions o = mnist_options(dir.path(), 15);
  o.seed = 3;
  const DatasetSplits a = load_dataset(o), b = load_dataset(o);
  o.seed = 4;
  const DatasetSplits c = load_dataset(o);
  EXPECT_EQ(a.search.size(), 15);
  EXPECT_EQ(a.train.size(), 35);
  EXPECT_EQ(ids(a.search), ids(b.search));
  EXPECT_EQ(ids(a.train), ids(b.train));
  EXPECT_NE(ids(a.search), ids(c.search));
  std::set<int> all;
  for (int id : ids(a.search)) all.insert(id);
  for (int id : ids(a.train)) EXPECT_TRUE(all.insert(id).second) << "sample in both train and search";
  EXPECT_EQ(all.size(), 50u);
  // Labels travel with their images.
  for (int64_t i = 0; i < a.search.size(); ++i) {
    // pixel = sample * 7 mod 256, and 183 = 7⁻¹ mod 256.
    const int sample = a.search.images[i][0][0][0].item<int>() * 183 % 256;
    EXPECT_EQ(a.search.labels[i].item<int64_t>(), sample % 10);
  }
}

TEST(SplitIndices, SizesOrderAndSeed) {
  const SplitIndices s = split_indices(1000, 100, 7);
  EXPECT_EQ(s.search.size(), 100u);
  EXPECT_EQ(s.train.size(), 900u);
  EXPECT_TRUE(std::is_sorted(s.search.begin(), s.search.end()));
  EXPECT_TRUE(std::is_sorted(s.train.begin(), s.train.end()));
  EXPECT_EQ(split_indices(1000, 100, 7).search, s.search);
  EXPECT_NE(split_indices(1000, 100, 8).search, s.search);
  // Roughly uniform: the search subset is not clustered at the start.
  EXPECT_GT(s.search.back(), 800);
  EXPECT_LT(s.search.front(), 200);
  EXPECT_TRUE(split_indices(10, 0, 1).search.empty());
}

// A search run may score on a smaller split than the one held out when the model was trained
// (--search-size 1000 on a model trained with 5000): it must never reach training images.
TEST(SplitIndices, SmallerSearchSplitIsASubsetOfALargerOne) {
  const SplitIndices large = split_indices(6000, 500, 3), small = split_indices(6000, 100, 3);
  EXPECT_TRUE(std::includes(large.search.begin(), large.search.end(), small.search.begin(), small.search.end()));
}

TEST(LoadDataset, SearchSizeMustLeaveTrainingSamples) {
  TempDir dir;
  testing::write_mnist_set(dir.path(), 10, 2);
  expect_user_error([&] { load_dataset(mnist_options(dir.path(), 10)); },
                    {"search split size 10", "10 training samples"});
  expect_user_error([&] { load_dataset(mnist_options(dir.path(), -1)); }, {"search split size", "≥ 0"});
}

TEST(LoadDataset, UnknownNameListsKnownOnes) {
  DataOptions o;
  o.name = "imagenet";
  expect_user_error([&] { load_dataset(o); }, {"unknown dataset 'imagenet'", "fashion-mnist", "mnist", "cifar10", "folder"});
  EXPECT_EQ(known_datasets(), (std::vector<std::string>{"fashion-mnist", "mnist", "cifar10", "folder", "images", "yolo", "shapes"}));
}

TEST(LoadDataset, MissingFilesSayWhatIsExpected) {
  TempDir dir;
  DataOptions o = mnist_options(dir.path());
  o.name = "fashion-mnist";
  expect_user_error([&] { load_dataset(o); },
                    {"train-images-idx3-ubyte.gz", dir.path(), "dataset-fashion-mnist", "--data-path"});
  o.name = "cifar10";
  o.path = dir.path() + "/absent";
  expect_user_error([&] { load_dataset(o); }, {"cifar10", "absent", "does not exist", "--data-path"});
  o.path = dir.path();
  expect_user_error([&] { load_dataset(o); }, {"data_batch_1.bin", "missing"});
  o.name = "folder";
  o.path = "";
  expect_user_error([&] { load_dataset(o); }, {"folder", "needs a path"});
}

TEST(LoadDataset, GeometryOptionsOnlyForFolder) {
  TempDir dir;
  testing::write_mnist_set(dir.path(), 4, 2, 28, 28);
  DataOptions o = mnist_options(dir.path());
  o.channels = 3;
  expect_user_error([&] { load_dataset(o); }, {"channels=3", "folder"});
  o.channels = 1;
  o.image_size = 28;
  EXPECT_EQ(load_dataset(o).train.size(), 4);
}

TEST(LoadDataset, Cifar10FromParentDirectory) {
  TempDir dir;
  const std::string batches = dir.path() + "/cifar-10-batches-bin";
  for (int i = 1; i <= 5; ++i)
    testing::write_cifar_file(batches + "/data_batch_" + std::to_string(i) + ".bin", {static_cast<uint8_t>(i)});
  testing::write_cifar_file(batches + "/test_batch.bin", {7, 8});
  DataOptions o;
  o.name = "cifar10";
  o.path = dir.path();
  o.search_size = 1;
  const DatasetSplits s = load_dataset(o);
  EXPECT_EQ(s.train.size(), 4);
  EXPECT_EQ(s.search.size(), 1);
  EXPECT_EQ(s.test.size(), 2);
  EXPECT_EQ(s.channels, 3);
  EXPECT_EQ(s.height, 32);
  EXPECT_EQ(s.test.labels[1].item<int64_t>(), 8);
  EXPECT_EQ(s.test.images[1][2][3][4].item<int>(), testing::cifar_pixel(1, 2, 3, 4));
  EXPECT_EQ(s.train.class_names[0], "airplane");
  ASSERT_EQ(s.normalization.mean.size(), 3u);
  EXPECT_FLOAT_EQ(s.normalization.std[2], 0.2616f);
}

TEST(LoadDataset, FolderComputesNormalizationOnTrain) {
  TempDir dir;
  // Two classes, 2×2 gray images: train pixels {0, 255} in equal numbers → mean 0.5, std 0.5.
  testing::write_image(dir.file("train/cat/1.png"), 2, 2, 1, {0, 0, 0, 0});
  testing::write_image(dir.file("train/dog/1.png"), 2, 2, 1, {255, 255, 255, 255});
  testing::write_image(dir.file("test/dog/9.png"), 2, 2, 1, {10, 20, 30, 40});
  DataOptions o;
  o.name = "folder";
  o.path = dir.path();
  o.search_size = 0;
  o.channels = 1;
  const DatasetSplits s = load_dataset(o);
  EXPECT_EQ(s.train.class_names, (std::vector<std::string>{"cat", "dog"}));
  EXPECT_EQ(s.test.labels[0].item<int64_t>(), 1);
  EXPECT_EQ(s.test.images[0][0][1][0].item<int>(), 30);
  EXPECT_NEAR(s.normalization.mean[0], 0.5f, 1e-6);
  EXPECT_NEAR(s.normalization.std[0], 0.5f, 1e-6);
  // Default channels: 3 (gray replicated).
  o.channels = 0;
  EXPECT_EQ(load_dataset(o).test.images.size(1), 3);
  // A test class missing in train is an error.
  testing::write_image(dir.file("test/bird/1.png"), 2, 2, 1, {1, 2, 3, 4});
  expect_user_error([&] { load_dataset(o); }, {"bird", "training folder does not have"});
}

TEST(LoadDataset, UnlabeledImageDirectoryHasNoLabelsAndNoTestSplit) {
  TempDir dir;
  for (int i = 0; i < 6; ++i)
    testing::write_image(dir.file("img" + std::to_string(i) + ".png"), 2, 2, 1,
                         std::vector<uint8_t>(4, static_cast<uint8_t>(40 * i)));
  DataOptions o;
  o.name = "images";
  o.path = dir.path();
  o.search_size = 2;
  o.channels = 1;
  const DatasetSplits s = load_dataset(o);
  EXPECT_EQ(s.train.size(), 4);
  EXPECT_EQ(s.search.size(), 2);
  EXPECT_EQ(s.test.size(), 0);
  EXPECT_FALSE(s.train.has_labels());
  EXPECT_FALSE(s.search.has_labels());
  EXPECT_EQ(s.train.num_classes(), 0);
  EXPECT_EQ(s.train.images.size(1), 1);
  // Every image is there once, across train and search.
  std::vector<int> seen;
  for (const Dataset* d : {&s.train, &s.search})
    for (int64_t i = 0; i < d->size(); ++i) seen.push_back(d->images[i][0][0][0].item<int>());
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<int>{0, 40, 80, 120, 160, 200}));
  // A folder per class is the 'folder' dataset, and a directory without images is an error.
  testing::write_image(dir.file("cats/1.png"), 2, 2, 1, {1, 2, 3, 4});
  expect_user_error([&] { load_dataset(o); }, {"subfolder 'cats'", "'folder' dataset"});
  TempDir empty;
  o.path = empty.path();
  expect_user_error([&] { load_dataset(o); }, {"has no images"});
  o.path.clear();
  expect_user_error([&] { load_dataset(o); }, {"'images' needs a path"});
}

// The real data from the Debian package dataset-fashion-mnist, when installed.
TEST(LoadDataset, RealFashionMnistIfInstalled) {
  if (!std::filesystem::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  DataOptions o;
  o.search_size = 5000;
  const DatasetSplits s = load_dataset(o);
  EXPECT_EQ(s.train.size() + s.search.size(), 60000);
  EXPECT_EQ(s.search.size(), 5000);
  EXPECT_EQ(s.test.size(), 10000);
  EXPECT_EQ(s.height, 28);
  EXPECT_EQ(s.width, 28);
  EXPECT_EQ(s.train.labels.min().item<int64_t>(), 0);
  EXPECT_EQ(s.train.labels.max().item<int64_t>(), 9);
  EXPECT_EQ(s.test.labels.bincount().min().item<int64_t>(), 1000);  // balanced test set
}

}  // namespace
}  // namespace pk
