// Normalization math and crop/flip pixels on hand-made images.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include "core/error.h"
#include "data/transforms.h"
#include "data_test_util.h"

namespace pk {
namespace {

using testing::expect_user_error;

at::Tensor longs(std::vector<int64_t> v) { return at::tensor(v, at::kLong); }

// 1×1×3×3 image with values 1..9, row-major.
at::Tensor nine() { return at::arange(1, 10, at::kByte).view({1, 1, 3, 3}); }

std::vector<int> pixels(const at::Tensor& t) {
  const at::Tensor c = t.to(at::kInt).contiguous();
  return std::vector<int>(c.data_ptr<int>(), c.data_ptr<int>() + c.numel());
}

TEST(CropFlip, ZeroPaddedCropsAtEachCorner) {
  const at::Tensor img = nine();
  EXPECT_EQ(pixels(crop_flip(img, 1, longs({1}), longs({1}), longs({0}))), pixels(img));
  EXPECT_EQ(pixels(crop_flip(img, 1, longs({0}), longs({0}), longs({0}))),
            (std::vector<int>{0, 0, 0, 0, 1, 2, 0, 4, 5}));
  EXPECT_EQ(pixels(crop_flip(img, 1, longs({2}), longs({2}), longs({0}))),
            (std::vector<int>{5, 6, 0, 8, 9, 0, 0, 0, 0}));
  EXPECT_EQ(pixels(crop_flip(img, 1, longs({0}), longs({2}), longs({0}))),
            (std::vector<int>{0, 0, 0, 2, 3, 0, 5, 6, 0}));
}

TEST(CropFlip, FlipMirrorsTheCrop) {
  const at::Tensor img = nine();
  EXPECT_EQ(pixels(crop_flip(img, 0, longs({0}), longs({0}), longs({1}))),
            (std::vector<int>{3, 2, 1, 6, 5, 4, 9, 8, 7}));
  // Crop at (0, 2) gives [[0,0,0],[2,3,0],[5,6,0]]; flipped: [[0,0,0],[0,3,2],[0,6,5]].
  EXPECT_EQ(pixels(crop_flip(img, 1, longs({0}), longs({2}), longs({1}))),
            (std::vector<int>{0, 0, 0, 0, 3, 2, 0, 6, 5}));
}

TEST(CropFlip, ParametersArePerSampleAndChannelsMoveTogether) {
  // Batch of 2 images with 2 channels: channel 1 = channel 0 + 100.
  at::Tensor img = at::cat({nine(), nine() + 100}, 1);  // [1, 2, 3, 3]
  img = at::cat({img, img}, 0);                         // [2, 2, 3, 3]
  const at::Tensor out = crop_flip(img, 1, longs({1, 2}), longs({1, 2}), longs({1, 0}));
  ASSERT_EQ(out.sizes(), img.sizes());
  EXPECT_EQ(pixels(out[0][0]), (std::vector<int>{3, 2, 1, 6, 5, 4, 9, 8, 7}));
  EXPECT_EQ(pixels(out[0][1]), (std::vector<int>{103, 102, 101, 106, 105, 104, 109, 108, 107}));
  EXPECT_EQ(pixels(out[1][0]), (std::vector<int>{5, 6, 0, 8, 9, 0, 0, 0, 0}));
  EXPECT_EQ(pixels(out[1][1]), (std::vector<int>{105, 106, 0, 108, 109, 0, 0, 0, 0}));
}

TEST(CropFlip, RejectsOutOfRangeOffsets) {
  expect_user_error([] { crop_flip(nine(), 1, longs({3}), longs({0}), longs({0})); }, {"offsets", "[0, 2]"});
}

TEST(NormalizeImages, PerChannelMath) {
  // [1, 2, 1, 3]: channel 0 = {0, 255, 51}, channel 1 = {0, 255, 51}.
  const at::Tensor img = at::tensor(std::vector<int64_t>{0, 255, 51, 0, 255, 51}, at::kLong).to(at::kByte).view({1, 2, 1, 3});
  const at::Tensor out = normalize_images(img, {{0.5f, 0.0f}, {0.25f, 2.0f}});
  EXPECT_EQ(out.scalar_type(), at::kFloat);
  ASSERT_EQ(out.sizes(), img.sizes());
  EXPECT_NEAR(out[0][0][0][0].item<float>(), -2.0f, 1e-5);
  EXPECT_NEAR(out[0][0][0][1].item<float>(), 2.0f, 1e-5);
  EXPECT_NEAR(out[0][0][0][2].item<float>(), -1.2f, 1e-5);
  EXPECT_NEAR(out[0][1][0][1].item<float>(), 0.5f, 1e-6);
  EXPECT_NEAR(out[0][1][0][2].item<float>(), 0.1f, 1e-6);
  // No constants: x / 255.
  EXPECT_NEAR(normalize_images(img, {})[0][0][0][2].item<float>(), 0.2f, 1e-6);
  expect_user_error([&] { normalize_images(img, {{0.5f}, {0.25f}}); }, {"one per channel", "(2)"});
  expect_user_error([&] { normalize_images(img, {{0.5f, 0.5f}, {0.25f, 0.0f}}); }, {"std of channel 1", "> 0"});
}

TEST(ComputeNormalization, ExactMeanAndStd) {
  // Channel 0: half 0, half 255 → mean 0.5, std 0.5. Channel 1: constant 51 → mean 0.2, std 1.
  at::Tensor img = at::zeros({4, 2, 2, 2}, at::kByte);
  img.select(1, 0).slice(0, 2, 4).fill_(255);
  img.select(1, 1).fill_(51);
  const Normalization n = compute_normalization(img);
  ASSERT_EQ(n.mean.size(), 2u);
  EXPECT_NEAR(n.mean[0], 0.5f, 1e-6);
  EXPECT_NEAR(n.std[0], 0.5f, 1e-6);
  EXPECT_NEAR(n.mean[1], 0.2f, 1e-6);
  EXPECT_EQ(n.std[1], 1.0f);
  // Normalizing by the computed constants gives mean 0, std 1 on channel 0.
  const at::Tensor x = normalize_images(img, n).select(1, 0);
  EXPECT_NEAR(x.mean().item<float>(), 0.0f, 1e-5);
  EXPECT_NEAR(x.std(/*unbiased=*/false).item<float>(), 1.0f, 1e-5);
}

}  // namespace
}  // namespace pk
