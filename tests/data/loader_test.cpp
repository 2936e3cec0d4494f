// DataLoader: coverage, order determinism, drop_last, augmentation, prefetch, shutdown.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <algorithm>
#include <numeric>
#include <set>

#include "core/error.h"
#include "data/loader.h"
#include "data_test_util.h"

namespace pk {
namespace {

using testing::expect_user_error;

// n samples of 1×2×2; sample i has every pixel = i % 256 and label i (an id, not a class).
Dataset numbered(int64_t n, int side = 2) {
  Dataset d;
  d.name = "numbered";
  d.labels = at::arange(n, at::kLong);
  d.images = (d.labels % 256).to(at::kByte).view({n, 1, 1, 1}).expand({n, 1, side, side}).contiguous();
  d.class_names = {"x"};
  return d;
}

// Label sequence of one epoch (all batches concatenated); also checks images match labels.
std::vector<int64_t> epoch_ids(DataLoader& loader, int epoch) {
  loader.start_epoch(epoch);
  std::vector<int64_t> ids;
  Batch b;
  while (loader.next(b)) {
    EXPECT_EQ(b.images.scalar_type(), at::kFloat);
    EXPECT_EQ(b.images.size(0), b.labels.size(0));
    const at::Tensor expected = (b.labels % 256).to(at::kFloat) / 255.0;
    EXPECT_TRUE(at::allclose(b.images.amax({1, 2, 3}), expected)) << "images do not match labels";
    for (int64_t i = 0; i < b.labels.size(0); ++i) ids.push_back(b.labels[i].item<int64_t>());
  }
  return ids;
}

TEST(DataLoader, EverySampleOncePerEpochInBatches) {
  LoaderOptions o;
  o.batch_size = 10;
  DataLoader loader(numbered(103), o);
  EXPECT_EQ(loader.batches_per_epoch(), 11);
  EXPECT_EQ(loader.samples_per_epoch(), 103);
  loader.start_epoch(0);
  Batch b;
  std::vector<int64_t> sizes;
  while (loader.next(b)) sizes.push_back(b.labels.size(0));
  EXPECT_EQ(sizes.size(), 11u);
  EXPECT_EQ(sizes.back(), 3);
  EXPECT_FALSE(loader.next(b));  // stays at the end

  std::vector<int64_t> ids = epoch_ids(loader, 1);
  std::vector<int64_t> expected(103);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_NE(ids, expected);  // shuffled
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, expected);
}

TEST(DataLoader, OrderDependsOnSeedAndEpochOnly) {
  LoaderOptions o;
  o.batch_size = 16;
  o.seed = 5;
  DataLoader a(numbered(200), o), b(numbered(200), o);
  const auto a0 = epoch_ids(a, 0), a1 = epoch_ids(a, 1);
  EXPECT_NE(a0, a1);
  EXPECT_EQ(epoch_ids(b, 1), a1);  // same seed, same epoch, regardless of history
  EXPECT_EQ(epoch_ids(b, 0), a0);
  o.seed = 6;
  DataLoader c(numbered(200), o);
  EXPECT_NE(epoch_ids(c, 0), a0);
}

TEST(DataLoader, NoShuffleKeepsDatasetOrderAndDropLast) {
  LoaderOptions o;
  o.batch_size = 10;
  o.shuffle = false;
  o.drop_last = true;
  DataLoader loader(numbered(25), o);
  EXPECT_EQ(loader.batches_per_epoch(), 2);
  EXPECT_EQ(loader.samples_per_epoch(), 20);
  std::vector<int64_t> expected(20);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(epoch_ids(loader, 3), expected);
}

TEST(DataLoader, PrefetchDoesNotChangeTheSequence) {
  LoaderOptions o;
  o.batch_size = 7;
  o.augment.crop_padding = 1;
  o.augment.horizontal_flip = true;
  Dataset d = numbered(50, 4);
  d.images = at::randint(0, 256, {50, 2, 4, 4}, at::kLong).to(at::kByte);
  o.prefetch = 0;
  DataLoader sync(d, o);
  o.prefetch = 3;
  DataLoader async(d, o);
  for (int epoch : {0, 1}) {
    sync.start_epoch(epoch);
    async.start_epoch(epoch);
    Batch x, y;
    int64_t n = 0;
    while (sync.next(x)) {
      ASSERT_TRUE(async.next(y));
      EXPECT_TRUE(at::equal(x.images, y.images));
      EXPECT_TRUE(at::equal(x.labels, y.labels));
      ++n;
    }
    EXPECT_FALSE(async.next(y));
    EXPECT_EQ(n, 8);
  }
}

TEST(DataLoader, AugmentationIsACropFlipOfTheSampleAndVariesPerEpoch) {
  const int64_t n = 40;
  Dataset d;
  d.name = "rand";
  d.labels = at::arange(n, at::kLong);
  d.images = at::randint(1, 256, {n, 1, 5, 5}, at::kLong).to(at::kByte);
  d.class_names = {"x"};
  LoaderOptions o;
  o.batch_size = 8;
  o.augment.crop_padding = 2;
  o.augment.horizontal_flip = true;
  DataLoader loader(d, o);
  auto run = [&](int epoch) {
    loader.start_epoch(epoch);
    std::vector<at::Tensor> out(n);
    Batch b;
    while (loader.next(b))
      for (int64_t i = 0; i < b.labels.size(0); ++i) out[b.labels[i].item<int64_t>()] = b.images[i].clone();
    return out;
  };
  const auto e0 = run(0), e0_again = run(0), e1 = run(1);
  int changed = 0, flipped_or_shifted = 0;
  for (int64_t s = 0; s < n; ++s) {
    ASSERT_TRUE(e0[s].defined());
    EXPECT_TRUE(at::equal(e0[s], e0_again[s]));
    changed += !at::equal(e0[s], e1[s]);
    // The output must be one of the 5×5×2 crop/flip variants of the source.
    const at::Tensor src = d.images[s].unsqueeze(0);
    bool found = false;
    for (int64_t oy = 0; oy <= 4 && !found; ++oy)
      for (int64_t ox = 0; ox <= 4 && !found; ++ox)
        for (int64_t f = 0; f <= 1 && !found; ++f) {
          const at::Tensor v = crop_flip(src, 2, at::full({1}, oy, at::kLong), at::full({1}, ox, at::kLong),
                                         at::full({1}, f, at::kLong));
          if (at::allclose(normalize_images(v, {})[0], e0[s])) {
            found = true;
            flipped_or_shifted += (oy != 2 || ox != 2 || f != 0);
          }
        }
    EXPECT_TRUE(found) << "sample " << s << " is not a crop/flip of its source";
  }
  EXPECT_GT(changed, n / 2);
  EXPECT_GT(flipped_or_shifted, n / 2);
}

TEST(DataLoader, AppliesNormalization) {
  LoaderOptions o;
  o.shuffle = false;
  o.normalization = {{0.5f}, {0.5f}};
  DataLoader loader(numbered(3), o);
  Batch b;
  ASSERT_TRUE(loader.next(b));  // starts epoch 0 implicitly
  EXPECT_NEAR(b.images[0][0][0][0].item<float>(), -1.0f, 1e-6);
  EXPECT_NEAR(b.images[2][0][1][1].item<float>(), (2.0f / 255 - 0.5f) / 0.5f, 1e-6);
}

TEST(DataLoader, DestroyOrRestartMidEpoch) {
  LoaderOptions o;
  o.batch_size = 4;
  o.prefetch = 2;
  const Dataset d = numbered(400);
  for (int i = 0; i < 20; ++i) {
    DataLoader loader(d, o);
    loader.start_epoch(i);
    Batch b;
    ASSERT_TRUE(loader.next(b));
  }  // destroyed with the worker blocked on a full queue
  DataLoader loader(d, o);
  loader.start_epoch(0);
  Batch b;
  ASSERT_TRUE(loader.next(b));
  auto ids = epoch_ids(loader, 0);  // restart: a whole epoch again
  EXPECT_EQ(ids.size(), 400u);
  EXPECT_EQ(std::set<int64_t>(ids.begin(), ids.end()).size(), 400u);
}

TEST(DataLoader, EmptyDatasetAndBadOptions) {
  LoaderOptions o;
  DataLoader empty(numbered(0), o);
  EXPECT_EQ(empty.batches_per_epoch(), 0);
  Batch b;
  EXPECT_FALSE(empty.next(b));
  o.batch_size = 0;
  expect_user_error([&] { DataLoader l(numbered(3), o); }, {"batch size", "> 0"});
  o.batch_size = 2;
  o.normalization = {{0.1f, 0.2f}, {1.0f, 1.0f}};
  expect_user_error([&] { DataLoader l(numbered(3), o); }, {"one per channel"});
  o.normalization = {};
  Dataset bad = numbered(3);
  bad.labels = bad.labels.slice(0, 0, 2);
  expect_user_error([&] { DataLoader l(bad, o); }, {"labels", "int64 [N]"});
}

}  // namespace
}  // namespace pk
