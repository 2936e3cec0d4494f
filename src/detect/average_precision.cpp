#include "detect/average_precision.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace pk {
namespace {

constexpr int kCocoRecallPoints = 101;

void check_curve(const std::vector<double>& recall, const std::vector<double>& precision) {
  PK_CHECK(recall.size() == precision.size(), "AP curve has {} recall values and {} precision values; expected as many",
           recall.size(), precision.size());
  for (size_t k = 0; k < recall.size(); ++k) {
    PK_CHECK(recall[k] >= 0 && recall[k] <= 1 && precision[k] >= 0 && precision[k] <= 1,
             "AP curve point {} is (recall {}, precision {}); expected both in [0, 1]", k, recall[k], precision[k]);
    PK_CHECK(k == 0 || recall[k] >= recall[k - 1], "AP curve recall decreases at point {} ({} after {})", k,
             recall[k], recall[k - 1]);
  }
}

/// p[i] = max(p[i], p[i+1]) from the end down: the best precision at this recall or beyond.
void make_envelope(std::vector<double>& p) {
  for (size_t i = p.size(); i-- > 1;) p[i - 1] = std::max(p[i - 1], p[i]);
}

void check_inputs(const ImageDetections& detections, const ImageObjects& truth, int num_classes) {
  PK_CHECK(detections.size() == truth.size(), "detections are given for {} images but ground truth for {}",
           detections.size(), truth.size());
  PK_CHECK(num_classes >= 1, "num_classes is {}; expected at least 1", num_classes);
  const auto finite = [](const Box& b) {
    return std::isfinite(b.x1) && std::isfinite(b.y1) && std::isfinite(b.x2) && std::isfinite(b.y2);
  };
  for (size_t i = 0; i < truth.size(); ++i) {
    for (size_t j = 0; j < truth[i].size(); ++j) {
      const ObjectBox& o = truth[i][j];
      PK_CHECK(o.class_id >= 0 && o.class_id < num_classes,
               "ground truth {} of image {} has class {}; expected a class in [0, {})", j, i, o.class_id, num_classes);
      PK_CHECK(finite(o.box), "ground truth {} of image {} has a box coordinate that is not finite", j, i);
    }
    for (size_t j = 0; j < detections[i].size(); ++j) {
      const Detection& d = detections[i][j];
      PK_CHECK(d.class_id >= 0 && d.class_id < num_classes,
               "detection {} of image {} has class {}; expected a class in [0, {})", j, i, d.class_id, num_classes);
      PK_CHECK(std::isfinite(d.score), "detection {} of image {} has score {}; expected a finite score", j, i, d.score);
      PK_CHECK(finite(d.box), "detection {} of image {} has a box coordinate that is not finite", j, i);
    }
  }
}

/// One ranked detection of a class: its image and its IoU with each object of that class there.
struct RankedDetection {
  size_t image = 0;
  float score = 0;
  std::vector<float> ious;  // per object of the class in `image`, in the image's order
};

/// Cumulative recall and precision of `ranked` (by score) matched at IoU ≥ `threshold`.
void precision_recall(const std::vector<RankedDetection>& ranked, const std::vector<int>& objects_per_image,
                      int ground_truths, double threshold, std::vector<double>& recall,
                      std::vector<double>& precision) {
  std::vector<std::vector<char>> matched(objects_per_image.size());
  for (size_t i = 0; i < matched.size(); ++i) matched[i].assign(static_cast<size_t>(objects_per_image[i]), 0);
  recall.clear();
  precision.clear();
  int tp = 0;
  int fp = 0;
  for (const RankedDetection& d : ranked) {
    std::vector<char>& taken = matched[d.image];
    int best = -1;
    for (size_t g = 0; g < d.ious.size(); ++g) {
      if (taken[g] || static_cast<double>(d.ious[g]) < threshold) continue;
      if (best < 0 || d.ious[g] > d.ious[static_cast<size_t>(best)]) best = static_cast<int>(g);
    }
    if (best >= 0) {
      taken[static_cast<size_t>(best)] = 1;
      ++tp;
    } else {
      ++fp;
    }
    recall.push_back(static_cast<double>(tp) / ground_truths);
    precision.push_back(static_cast<double>(tp) / (tp + fp));
  }
}

/// ap50 and ap50_95 of class `c` (ground_truths > 0 there).
ClassAp class_ap(const ImageDetections& detections, const ImageObjects& truth, int c) {
  ClassAp result;
  result.class_id = c;
  std::vector<int> objects_per_image(truth.size(), 0);
  for (size_t i = 0; i < truth.size(); ++i)
    for (const ObjectBox& o : truth[i])
      if (o.class_id == c) ++objects_per_image[i];
  for (int n : objects_per_image) result.ground_truths += n;
  if (result.ground_truths == 0) return result;  // excluded: ap stays -1

  std::vector<RankedDetection> ranked;
  for (size_t i = 0; i < detections.size(); ++i) {
    for (const Detection& d : detections[i]) {
      if (d.class_id != c) continue;
      RankedDetection r{i, d.score, {}};
      for (const ObjectBox& o : truth[i])
        if (o.class_id == c) r.ious.push_back(box_iou(d.box, o.box));
      ranked.push_back(std::move(r));
    }
  }
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const RankedDetection& a, const RankedDetection& b) { return a.score > b.score; });

  std::vector<double> recall;
  std::vector<double> precision;
  double coco_sum = 0;
  const std::vector<double> thresholds = coco_iou_thresholds();
  for (size_t t = 0; t < thresholds.size(); ++t) {
    precision_recall(ranked, objects_per_image, result.ground_truths, thresholds[t], recall, precision);
    if (t == 0) result.ap50 = voc_all_point_ap(recall, precision);
    coco_sum += coco_101_point_ap(recall, precision);
  }
  result.ap50_95 = coco_sum / static_cast<double>(thresholds.size());
  return result;
}

}  // namespace

std::vector<double> coco_iou_thresholds() {
  std::vector<double> thresholds;
  for (int i = 0; i < 10; ++i) thresholds.push_back((50 + 5 * i) / 100.0);
  return thresholds;
}

double voc_all_point_ap(const std::vector<double>& recall, const std::vector<double>& precision) {
  check_curve(recall, precision);
  std::vector<double> r{0.0};
  r.insert(r.end(), recall.begin(), recall.end());
  r.push_back(1.0);
  std::vector<double> p{0.0};
  p.insert(p.end(), precision.begin(), precision.end());
  p.push_back(0.0);
  make_envelope(p);
  double ap = 0;
  for (size_t i = 0; i + 1 < r.size(); ++i)
    if (r[i + 1] != r[i]) ap += (r[i + 1] - r[i]) * p[i + 1];
  return ap;
}

double coco_101_point_ap(const std::vector<double>& recall, const std::vector<double>& precision) {
  check_curve(recall, precision);
  std::vector<double> p = precision;
  make_envelope(p);
  double sum = 0;
  size_t k = 0;  // first ranked detection with recall ≥ the current recall point
  for (int j = 0; j < kCocoRecallPoints; ++j) {
    const double point = j / 100.0;
    while (k < recall.size() && recall[k] < point) ++k;
    if (k == recall.size()) break;  // recall never reaches this point nor any later one: 0
    sum += p[k];
  }
  return sum / kCocoRecallPoints;
}

DetectionMetrics evaluate_detections(const ImageDetections& detections, const ImageObjects& truth, int num_classes) {
  check_inputs(detections, truth, num_classes);
  DetectionMetrics metrics;
  metrics.images = static_cast<int>(truth.size());
  for (size_t i = 0; i < truth.size(); ++i) {
    metrics.ground_truths += static_cast<int>(truth[i].size());
    metrics.detections += static_cast<int>(detections[i].size());
  }
  int classes_with_truth = 0;
  for (int c = 0; c < num_classes; ++c) {
    metrics.per_class.push_back(class_ap(detections, truth, c));
    const ClassAp& ap = metrics.per_class.back();
    if (ap.ground_truths == 0) continue;
    ++classes_with_truth;
    metrics.map50 += ap.ap50;
    metrics.map50_95 += ap.ap50_95;
  }
  if (classes_with_truth > 0) {
    metrics.map50 /= classes_with_truth;
    metrics.map50_95 /= classes_with_truth;
  }
  return metrics;
}

}  // namespace pk
