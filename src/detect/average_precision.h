// Detection accuracy of a set of images: per-class average precision and its mean (mAP), at
// IoU 0.5 (VOC) and averaged over IoU 0.50:0.05:0.95 (COCO), torch-free.
//
// Matching (one class c, one IoU threshold t; the same rule for every metric below):
//   the detections of class c over all images are ranked by score, descending; equal scores keep
//   input order (image index, then position in the image's list). Walking down the ranking, a
//   detection is a true positive if its image has a not-yet-matched ground truth of class c with
//   box_iou ≥ t; it takes the one with the highest IoU (the first in the image's list on a tie),
//   which is then matched. Otherwise it is a false positive: a second detection of an already
//   matched object is a false positive. (COCO cocoeval's rule with every object "not crowd"; VOC's
//   devkit differs: IoU > t, and it tries only the highest-IoU object even if matched.)
//   After the k-th ranked detection: recall[k] = TP/G, precision[k] = TP/(TP + FP), where G is the
//   number of ground truths of class c in the whole set. IoU is box_iou's float; the thresholds
//   t are the doubles nearest 0.50, 0.55, …, 0.95 ((50 + 5i)/100).
//
// AP@0.5 (ap50) = voc_all_point_ap at t = 0.5 (VOC2010+ devkit, "all-point interpolation"):
//   with r = [0, recall…, 1] and p = [0, precision…, 0], make p monotone from the right
//   (p[i] = max(p[i], p[i+1]) for i from the end down), then AP = Σ (r[i+1] − r[i])·p[i+1] over
//   the steps where r changes: the area under the precision envelope.
// AP@0.5:0.95 (ap50_95) = mean over the 10 thresholds t of coco_101_point_ap at t (cocoeval):
//   with the same envelope p (over the ranked detections only), the precision at recall point
//   x = p[first k with recall[k] ≥ x], 0 if recall never reaches x; AP = mean over the 101 recall
//   points x = j/100, j = 0…100 (the doubles nearest them; pycocotools builds them with
//   np.linspace, which lands one ulp above j/100 for j = 35, 41, 47, 57, 69, 70, 82, 83, 94, 95,
//   so where recall equals such a point exactly it reads the envelope just past it and its AP
//   can be lower).
//
// Means: map50 and map50_95 are the unweighted means over the classes with at least one ground
// truth in the set. A class without ground truth is excluded from the means (as in COCO; its
// precision is undefined) and reported with ground_truths 0 and ap50 = ap50_95 = -1, even if it
// has detections. A class with ground truths and no detections has AP 0. If no class has any
// ground truth, map50 = map50_95 = 0. Detections are evaluated as given: no score threshold, no
// per-image limit (apply non_max_suppression first).
#pragma once

#include <vector>

#include "detect/box.h"

namespace pk {

struct ClassAp {
  int class_id = 0;
  int ground_truths = 0;  // objects of this class in the whole set
  double ap50 = -1;       // in [0, 1]; -1 when ground_truths == 0
  double ap50_95 = -1;    // in [0, 1]; -1 when ground_truths == 0
};

struct DetectionMetrics {
  double map50 = 0;              // mean of ap50 over classes with ground truth
  double map50_95 = 0;           // mean of ap50_95 over classes with ground truth
  std::vector<ClassAp> per_class;  // one per class id 0..num_classes-1, in order
  int images = 0;
  int ground_truths = 0;  // objects over all images and classes
  int detections = 0;     // detections over all images and classes
};

/// The IoU thresholds of ap50_95: (50 + 5i)/100 for i = 0…9.
std::vector<double> coco_iou_thresholds();

/// Metrics of `detections` (image i's list predicts image i of `truth`) against `truth`
/// (contract above). UserError if the two have different numbers of images, num_classes < 1, a
/// class id is outside [0, num_classes), or a score or box coordinate is not finite (each naming
/// the image and the item).
DetectionMetrics evaluate_detections(const ImageDetections& detections, const ImageObjects& truth, int num_classes);

/// Building blocks, exposed for tests. Inputs: the cumulative recall and precision after each
/// ranked detection of one class (same length, recall non-decreasing, all in [0, 1]; UserError
/// otherwise). Empty inputs (no detections) give 0.
double voc_all_point_ap(const std::vector<double>& recall, const std::vector<double>& precision);
double coco_101_point_ap(const std::vector<double>& recall, const std::vector<double>& precision);

}  // namespace pk
