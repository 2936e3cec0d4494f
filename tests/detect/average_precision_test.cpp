// evaluate_detections and its AP building blocks, against hand-computed cases (each states its
// arithmetic) and against map_fixture.json, whose numbers come from the independent NumPy
// implementation make_map_fixture.py (VOC devkit voc_ap, pycocotools COCOeval logic).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "detect/average_precision.h"
#include "support/expect_error.h"

namespace pk {
namespace {

using testing::expect_user_error;

constexpr double kExact = 1e-12;

Box box(float x1, float y1, float x2, float y2) { return Box{x1, y1, x2, y2}; }
ObjectBox obj(int class_id, Box b) { return ObjectBox{class_id, b}; }
Detection det(int class_id, float score, Box b) { return Detection{class_id, score, b}; }

const Box kA = box(0, 0, 10, 10);
const Box kB = box(20, 0, 30, 10);
const Box kC = box(40, 0, 50, 10);

TEST(ApCurves, EmptyCurveIsZero) {
  EXPECT_EQ(voc_all_point_ap({}, {}), 0.0);
  EXPECT_EQ(coco_101_point_ap({}, {}), 0.0);
}

TEST(ApCurves, EnvelopeUsesBestPrecisionAtHigherRecall) {
  // 3 objects, ranking TP FP FP TP TP: recall 1/3 1/3 1/3 2/3 1, precision 1 .5 1/3 .5 .6.
  // Envelope: 1 .6 .6 .6 .6. VOC: 1/3·1 + 1/3·.6 + 1/3·.6 = 11/15 (without the envelope: .7).
  // COCO: recall points 0..0.33 (34) read 1, 0.34..1 (67) read .6: (34 + 40.2)/101.
  const std::vector<double> r{1.0 / 3, 1.0 / 3, 1.0 / 3, 2.0 / 3, 1.0};
  const std::vector<double> p{1.0, 0.5, 1.0 / 3, 0.5, 0.6};
  EXPECT_NEAR(voc_all_point_ap(r, p), 11.0 / 15, kExact);
  EXPECT_NEAR(coco_101_point_ap(r, p), 74.2 / 101, kExact);
}

TEST(ApCurves, AllPointNotElevenPoint) {
  // Recall .5 .5 1, precision 1 .5 2/3: all-point .5·1 + .5·2/3 = 5/6 (11-point: 28/33).
  EXPECT_NEAR(voc_all_point_ap({0.5, 0.5, 1.0}, {1.0, 0.5, 2.0 / 3}), 5.0 / 6, kExact);
}

TEST(ApCurves, CocoRecallPointReachedExactlyCounts) {
  // Recall 7/20 = 0.35 reaches the points 0..0.35: 36 of 101 (pycocotools' linspace point 0.35
  // is one ulp higher and would give 35/101; the contract is j/100).
  EXPECT_NEAR(coco_101_point_ap({7.0 / 20}, {1.0}), 36.0 / 101, kExact);
  // Recall below the first positive point: only the point 0.
  EXPECT_NEAR(coco_101_point_ap({0.005}, {1.0}), 1.0 / 101, kExact);
}

TEST(ApCurves, RejectsMalformedCurves) {
  expect_user_error([] { voc_all_point_ap({0.5}, {}); }, {"1 recall", "0 precision"});
  expect_user_error([] { coco_101_point_ap({0.5, 0.4}, {1.0, 1.0}); }, {"decreases", "point 1"});
  expect_user_error([] { voc_all_point_ap({1.5}, {1.0}); }, {"[0, 1]"});
  expect_user_error([] { coco_101_point_ap({0.5}, {-0.1}); }, {"[0, 1]"});
}

TEST(EvaluateDetections, PerfectDetectionsScoreOne) {
  const ImageObjects truth{{obj(0, kA), obj(1, kB)}, {obj(0, kC)}};
  const ImageDetections dets{{det(1, 0.8f, kB), det(0, 0.9f, kA)}, {det(0, 0.7f, kC)}};
  const DetectionMetrics m = evaluate_detections(dets, truth, 2);
  EXPECT_DOUBLE_EQ(m.map50, 1.0);
  EXPECT_DOUBLE_EQ(m.map50_95, 1.0);
  ASSERT_EQ(m.per_class.size(), 2u);
  EXPECT_EQ(m.per_class[0].class_id, 0);
  EXPECT_EQ(m.per_class[0].ground_truths, 2);
  EXPECT_EQ(m.per_class[1].ground_truths, 1);
  EXPECT_EQ(m.images, 2);
  EXPECT_EQ(m.ground_truths, 3);
  EXPECT_EQ(m.detections, 3);
}

TEST(EvaluateDetections, ShiftedBoxCountsUpToIouTwoThirds) {
  // Object 1 found exactly (0.9); object 2 found shifted 2 px: IoU 8/12 = 2/3 (0.8).
  // t = .50 .55 .60 .65: both TP, AP 1. t = .70 … .95 (6): TP then FP, recall .5 .5, precision
  // 1 .5: COCO points 0..0.5 (51) read 1 → 51/101. ap50_95 = (4 + 6·51/101)/10 = 71/101.
  const ImageObjects truth{{obj(0, kA), obj(0, kB)}};
  const ImageDetections dets{{det(0, 0.9f, kA), det(0, 0.8f, box(22, 0, 32, 10))}};
  const DetectionMetrics m = evaluate_detections(dets, truth, 1);
  EXPECT_NEAR(m.per_class[0].ap50, 1.0, kExact);
  EXPECT_NEAR(m.per_class[0].ap50_95, 71.0 / 101, kExact);
  EXPECT_NEAR(m.map50_95, 71.0 / 101, kExact);
}

TEST(EvaluateDetections, IouEqualToThresholdMatches) {
  // IoU([0,10]², [0,10]×[0,5]) = 0.5 exactly: a match at t = 0.5 only → ap50 1, ap50_95 1/10.
  const DetectionMetrics m = evaluate_detections({{det(0, 0.9f, box(0, 0, 10, 5))}}, {{obj(0, kA)}}, 1);
  EXPECT_NEAR(m.map50, 1.0, kExact);
  EXPECT_NEAR(m.map50_95, 0.1, kExact);
}

TEST(EvaluateDetections, DuplicateDetectionIsFalsePositive) {
  // Ranking: A (TP), A again (FP, A is matched), B (TP). Recall .5 .5 1, precision 1 .5 2/3.
  // VOC: .5·1 + .5·2/3 = 5/6. COCO at every t (exact boxes): (51·1 + 50·2/3)/101 = 253/303.
  const ImageObjects truth{{obj(0, kA), obj(0, kB)}};
  const ImageDetections dets{{det(0, 0.9f, kA), det(0, 0.8f, kA), det(0, 0.7f, kB)}};
  const DetectionMetrics m = evaluate_detections(dets, truth, 1);
  EXPECT_NEAR(m.map50, 5.0 / 6, kExact);
  EXPECT_NEAR(m.map50_95, 253.0 / 303, kExact);
}

TEST(EvaluateDetections, MatchesHighestIouNotFirstObject) {
  // Objects A [0,10], B [3,13]; d1 [2,12] (0.9): IoU A 2/3, B 9/11; d2 = A (0.8): IoU B 7/13.
  // Best-IoU matching: d1→B, d2→A, both TP for t ≤ .80 (7 thresholds). For t ≥ .85 d1 is FP,
  // d2 TP: recall 0 .5, precision 0 .5 → COCO 51·.5/101. ap50_95 = (7 + 3·25.5/101)/10.
  // (Taking the first object ≥ t would leave d2 unmatched at t = .55 … .65.)
  const ImageObjects truth{{obj(0, kA), obj(0, box(3, 0, 13, 10))}};
  const ImageDetections dets{{det(0, 0.9f, box(2, 0, 12, 10)), det(0, 0.8f, kA)}};
  const DetectionMetrics m = evaluate_detections(dets, truth, 1);
  EXPECT_NEAR(m.map50, 1.0, kExact);
  EXPECT_NEAR(m.map50_95, (7 + 3 * 25.5 / 101) / 10, kExact);
}

TEST(EvaluateDetections, DetectionOnlyMatchesObjectsOfItsImage) {
  // The detection of image 1 sits where image 0's object is: a false positive.
  const ImageObjects truth{{obj(0, kA)}, {}};
  const ImageDetections dets{{}, {det(0, 0.9f, kA)}};
  EXPECT_EQ(evaluate_detections(dets, truth, 1).map50, 0.0);
}

TEST(EvaluateDetections, ScoreOrderMatters) {
  // Two objects, two TPs and one FP box. FP ranked first: recall 0 .5 1, precision 0 .5 2/3,
  // envelope 2/3 everywhere → VOC 2/3, COCO 2/3. FP ranked last: 1 and 1.
  const ImageObjects truth{{obj(0, kA), obj(0, kB)}};
  const DetectionMetrics fp_first =
      evaluate_detections({{det(0, 0.8f, kA), det(0, 0.7f, kB), det(0, 0.9f, kC)}}, truth, 1);
  EXPECT_NEAR(fp_first.map50, 2.0 / 3, kExact);
  EXPECT_NEAR(fp_first.map50_95, 2.0 / 3, kExact);
  const DetectionMetrics fp_last =
      evaluate_detections({{det(0, 0.8f, kA), det(0, 0.7f, kB), det(0, 0.6f, kC)}}, truth, 1);
  EXPECT_NEAR(fp_last.map50, 1.0, kExact);
  EXPECT_NEAR(fp_last.map50_95, 1.0, kExact);
}

TEST(EvaluateDetections, EqualScoresKeepInputOrder) {
  // One object; an FP and the TP with the same score. FP listed first: recall 0 1, precision
  // 0 .5 → VOC .5. TP listed first (here: in an earlier image): recall 1 1, precision 1 .5 → 1.
  const ImageObjects one_image{{obj(0, kA)}};
  EXPECT_NEAR(evaluate_detections({{det(0, 0.5f, kC), det(0, 0.5f, kA)}}, one_image, 1).map50, 0.5, kExact);
  EXPECT_NEAR(evaluate_detections({{det(0, 0.5f, kA), det(0, 0.5f, kC)}}, one_image, 1).map50, 1.0, kExact);
  const ImageObjects two_images{{obj(0, kA)}, {}};
  EXPECT_NEAR(evaluate_detections({{det(0, 0.5f, kA)}, {det(0, 0.5f, kC)}}, two_images, 1).map50, 1.0, kExact);
  EXPECT_NEAR(evaluate_detections({{}, {det(0, 0.5f, kC)}}, two_images, 1).map50, 0.0, kExact);
}

TEST(EvaluateDetections, ClassWithoutGroundTruthIsExcluded) {
  // Class 0 perfect (1), class 1 has only a false positive and no object (excluded, -1),
  // class 2 has an object and no detection (0). Means over classes 0 and 2: 0.5.
  const ImageObjects truth{{obj(0, kA), obj(2, kB)}};
  const ImageDetections dets{{det(0, 0.9f, kA), det(1, 0.8f, kC)}};
  const DetectionMetrics m = evaluate_detections(dets, truth, 3);
  ASSERT_EQ(m.per_class.size(), 3u);
  EXPECT_EQ(m.per_class[1].class_id, 1);
  EXPECT_EQ(m.per_class[1].ground_truths, 0);
  EXPECT_EQ(m.per_class[1].ap50, -1.0);
  EXPECT_EQ(m.per_class[1].ap50_95, -1.0);
  EXPECT_EQ(m.per_class[2].ground_truths, 1);
  EXPECT_EQ(m.per_class[2].ap50, 0.0);
  EXPECT_EQ(m.per_class[2].ap50_95, 0.0);
  EXPECT_DOUBLE_EQ(m.map50, 0.5);
  EXPECT_DOUBLE_EQ(m.map50_95, 0.5);
}

TEST(EvaluateDetections, EmptySetsAndImages) {
  const DetectionMetrics none = evaluate_detections({}, {}, 2);
  EXPECT_EQ(none.map50, 0.0);
  EXPECT_EQ(none.map50_95, 0.0);
  EXPECT_EQ(none.images, 0);
  ASSERT_EQ(none.per_class.size(), 2u);
  EXPECT_EQ(none.per_class[0].ap50, -1.0);
  // No object anywhere, only false positives: still 0, every class excluded.
  const DetectionMetrics only_fp = evaluate_detections({{det(0, 0.9f, kA)}, {}}, {{}, {}}, 1);
  EXPECT_EQ(only_fp.map50, 0.0);
  EXPECT_EQ(only_fp.per_class[0].ap50, -1.0);
  EXPECT_EQ(only_fp.detections, 1);
  // Empty images next to a perfect one change nothing.
  const DetectionMetrics padded =
      evaluate_detections({{}, {det(0, 0.9f, kA)}, {}}, {{}, {obj(0, kA)}, {}}, 1);
  EXPECT_DOUBLE_EQ(padded.map50, 1.0);
  EXPECT_DOUBLE_EQ(padded.map50_95, 1.0);
  EXPECT_EQ(padded.images, 3);
}

TEST(EvaluateDetections, RejectsBadInput) {
  const ImageObjects truth{{obj(0, kA)}};
  expect_user_error([&] { evaluate_detections({}, truth, 1); }, {"0 images", "1"});
  expect_user_error([&] { evaluate_detections({{}}, truth, 0); }, {"num_classes"});
  expect_user_error([&] { evaluate_detections({{}}, {{obj(0, kA), obj(2, kB)}}, 2); },
                    {"ground truth 1", "image 0", "class 2"});
  expect_user_error([&] { evaluate_detections({{det(-1, 0.5f, kA)}}, truth, 1); },
                    {"detection 0", "image 0", "class -1"});
  expect_user_error([&] { evaluate_detections({{det(0, std::nanf(""), kA)}}, truth, 1); }, {"score", "finite"});
  const float inf = std::numeric_limits<float>::infinity();
  expect_user_error([&] { evaluate_detections({{det(0, 0.5f, box(0, 0, inf, 1))}}, truth, 1); }, {"finite"});
}

TEST(EvaluateDetections, AgreesWithIndependentFixture) {
  const std::string path = std::string(PK_DETECT_FIXTURE_DIR) + "/map_fixture.json";
  std::ifstream in(path);
  ASSERT_TRUE(in) << "cannot open " << path;
  const nlohmann::json fixture = nlohmann::json::parse(in);
  ImageObjects truth;
  ImageDetections dets;
  for (const nlohmann::json& image : fixture.at("images")) {
    truth.emplace_back();
    for (const nlohmann::json& t : image.at("truth"))
      truth.back().push_back(obj(t[0].get<int>(), box(t[1].get<float>(), t[2].get<float>(), t[3].get<float>(),
                                                      t[4].get<float>())));
    dets.emplace_back();
    for (const nlohmann::json& d : image.at("detections"))
      dets.back().push_back(det(d[0].get<int>(), d[1].get<float>(),
                                box(d[2].get<float>(), d[3].get<float>(), d[4].get<float>(), d[5].get<float>())));
  }
  const nlohmann::json& expected = fixture.at("expected");
  const DetectionMetrics m = evaluate_detections(dets, truth, fixture.at("num_classes").get<int>());
  EXPECT_EQ(m.images, expected.at("images").get<int>());
  EXPECT_EQ(m.ground_truths, expected.at("ground_truths").get<int>());
  EXPECT_EQ(m.detections, expected.at("detections").get<int>());
  ASSERT_EQ(m.per_class.size(), expected.at("per_class").size());
  for (size_t c = 0; c < m.per_class.size(); ++c) {
    const nlohmann::json& e = expected.at("per_class")[c];
    SCOPED_TRACE("class " + std::to_string(c));
    EXPECT_EQ(m.per_class[c].class_id, e.at("class_id").get<int>());
    EXPECT_EQ(m.per_class[c].ground_truths, e.at("ground_truths").get<int>());
    EXPECT_NEAR(m.per_class[c].ap50, e.at("ap50").get<double>(), 1e-9);
    EXPECT_NEAR(m.per_class[c].ap50_95, e.at("ap50_95").get<double>(), 1e-9);
  }
  EXPECT_NEAR(m.map50, expected.at("map50").get<double>(), 1e-9);
  EXPECT_NEAR(m.map50_95, expected.at("map50_95").get<double>(), 1e-9);
  // The fixture is not trivial: every class with objects lies strictly between 0 and 1.
  EXPECT_GT(m.map50_95, 0.1);
  EXPECT_LT(m.map50, 0.99);
}

}  // namespace
}  // namespace pk
