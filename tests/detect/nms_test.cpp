// non_max_suppression: score threshold (inclusive), stable ranking by score, greedy per-class
// suppression against kept boxes only (IoU strictly above the threshold), the overall
// max_detections cap, and validation of options and scores.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "detect/nms.h"
#include "support/expect_error.h"

namespace pk {
namespace {

using testing::expect_user_error;

Detection det(int class_id, float score, float x1, float y1, float x2, float y2) {
  return Detection{class_id, score, Box{x1, y1, x2, y2}};
}

/// The scores of `detections`, in order.
std::vector<float> scores(const std::vector<Detection>& detections) {
  std::vector<float> out;
  for (const Detection& d : detections) out.push_back(d.score);
  return out;
}

TEST(Nms, EmptyInputGivesNothing) { EXPECT_TRUE(non_max_suppression({}, NmsOptions{}).empty()); }

TEST(Nms, DropsScoresBelowThresholdKeepsEqual) {
  NmsOptions options;
  options.score_threshold = 0.25f;
  const std::vector<Detection> kept = non_max_suppression(
      {det(0, 0.2f, 0, 0, 10, 10), det(0, 0.25f, 20, 0, 30, 10), det(0, 0.9f, 40, 0, 50, 10)}, options);
  EXPECT_EQ(scores(kept), (std::vector<float>{0.9f, 0.25f}));
}

TEST(Nms, RanksByScoreDescendingStableOnTies) {
  // Disjoint boxes: nothing is suppressed, only the order changes. The two 0.5 scores keep
  // their input order (x1 = 20 before x1 = 60).
  const std::vector<Detection> kept = non_max_suppression(
      {det(0, 0.3f, 0, 0, 10, 10), det(1, 0.5f, 20, 0, 30, 10), det(0, 0.8f, 40, 0, 50, 10),
       det(2, 0.5f, 60, 0, 70, 10)},
      NmsOptions{});
  ASSERT_EQ(kept.size(), 4u);
  EXPECT_EQ(scores(kept), (std::vector<float>{0.8f, 0.5f, 0.5f, 0.3f}));
  EXPECT_EQ(kept[1].box.x1, 20);
  EXPECT_EQ(kept[2].box.x1, 60);
}

TEST(Nms, SuppressesOverlappingBoxOfSameClass) {
  // IoU([0,10]², [1,11]×[0,10]) = 90/110 ≈ 0.82 > 0.5: the lower score goes.
  const std::vector<Detection> kept =
      non_max_suppression({det(0, 0.7f, 1, 0, 11, 10), det(0, 0.9f, 0, 0, 10, 10)}, NmsOptions{});
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].score, 0.9f);
  EXPECT_EQ(kept[0].box.x1, 0);
}

TEST(Nms, OverlappingBoxesOfDifferentClassesAreBothKept) {
  const std::vector<Detection> kept =
      non_max_suppression({det(0, 0.9f, 0, 0, 10, 10), det(1, 0.8f, 0, 0, 10, 10)}, NmsOptions{});
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].class_id, 0);
  EXPECT_EQ(kept[1].class_id, 1);
}

TEST(Nms, IouEqualToThresholdIsKept) {
  // IoU([0,10]², [0,10]×[0,5]) = 50/100 = 0.5 exactly in float.
  const std::vector<Detection> candidates{det(0, 0.9f, 0, 0, 10, 10), det(0, 0.8f, 0, 0, 10, 5)};
  NmsOptions options;
  options.iou_threshold = 0.5f;
  EXPECT_EQ(non_max_suppression(candidates, options).size(), 2u);
  options.iou_threshold = 0.49f;
  EXPECT_EQ(non_max_suppression(candidates, options).size(), 1u);
}

TEST(Nms, OnlyKeptBoxesSuppress) {
  // A [0,10], B [3,13], C [6,16] (height 10): IoU(A,B) = IoU(B,C) = 7/13 ≈ 0.54, IoU(A,C) = 0.25.
  // A suppresses B; B, suppressed, does not suppress C.
  const std::vector<Detection> kept = non_max_suppression(
      {det(0, 0.7f, 6, 0, 16, 10), det(0, 0.8f, 3, 0, 13, 10), det(0, 0.9f, 0, 0, 10, 10)}, NmsOptions{});
  EXPECT_EQ(scores(kept), (std::vector<float>{0.9f, 0.7f}));
}

TEST(Nms, IouThresholdOneSuppressesNothingZeroSuppressesAnyOverlap) {
  const std::vector<Detection> candidates{det(0, 0.9f, 0, 0, 10, 10), det(0, 0.8f, 0, 0, 10, 10),
                                          det(0, 0.7f, 9, 9, 19, 19), det(0, 0.6f, 30, 30, 40, 40)};
  NmsOptions options;
  options.iou_threshold = 1.0f;  // identical boxes have IoU 1, not > 1
  EXPECT_EQ(non_max_suppression(candidates, options).size(), 4u);
  options.iou_threshold = 0.0f;  // any overlap suppresses; disjoint boxes (IoU 0) stay
  EXPECT_EQ(scores(non_max_suppression(candidates, options)), (std::vector<float>{0.9f, 0.6f}));
}

TEST(Nms, KeepsAtMostMaxDetectionsHighestScores) {
  std::vector<Detection> candidates;
  for (int i = 0; i < 6; ++i) {  // disjoint boxes, alternating classes, scores 0.1 … 0.6
    const float x = 20.0f * static_cast<float>(i);
    candidates.push_back(det(i % 2, 0.1f * static_cast<float>(i + 1), x, 0, x + 10, 10));
  }
  NmsOptions options;
  options.max_detections = 3;
  const std::vector<Detection> kept = non_max_suppression(candidates, options);
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_FLOAT_EQ(kept[0].score, 0.6f);
  EXPECT_FLOAT_EQ(kept[1].score, 0.5f);
  EXPECT_FLOAT_EQ(kept[2].score, 0.4f);
}

TEST(Nms, MaxDetectionsCountsSurvivorsNotCandidates) {
  // The 0.8 box is suppressed by the 0.9 one, so the cap of 2 keeps 0.9 and 0.7.
  NmsOptions options;
  options.max_detections = 2;
  const std::vector<Detection> kept = non_max_suppression(
      {det(0, 0.9f, 0, 0, 10, 10), det(0, 0.8f, 0, 0, 10, 10), det(0, 0.7f, 50, 0, 60, 10),
       det(0, 0.6f, 80, 0, 90, 10)},
      options);
  EXPECT_EQ(scores(kept), (std::vector<float>{0.9f, 0.7f}));
}

TEST(Nms, RejectsInvalidOptions) {
  const std::vector<Detection> one{det(0, 0.9f, 0, 0, 10, 10)};
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (float bad : {-0.1f, 1.5f, nan}) {
    NmsOptions options;
    options.score_threshold = bad;
    expect_user_error([&] { non_max_suppression(one, options); }, {"score_threshold", "[0, 1]"});
    options = NmsOptions{};
    options.iou_threshold = bad;
    expect_user_error([&] { non_max_suppression(one, options); }, {"iou_threshold", "[0, 1]"});
  }
  NmsOptions options;
  options.max_detections = 0;
  expect_user_error([&] { non_max_suppression(one, options); }, {"max_detections", "at least 1"});
  NmsOptions edges;
  edges.score_threshold = 0.0f;
  edges.iou_threshold = 1.0f;
  edges.max_detections = 1;
  EXPECT_EQ(non_max_suppression(one, edges).size(), 1u);
}

TEST(Nms, RejectsNonFiniteScore) {
  expect_user_error(
      [] {
        non_max_suppression({det(0, 0.5f, 0, 0, 1, 1), det(3, std::nanf(""), 0, 0, 1, 1)}, NmsOptions{});
      },
      {"candidate 1", "class 3", "finite"});
}

}  // namespace
}  // namespace pk
