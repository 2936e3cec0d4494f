#include "detect/nms.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/error.h"

namespace pk {

void validate_nms_options(const NmsOptions& options) {
  PK_CHECK(options.score_threshold >= 0.0f && options.score_threshold <= 1.0f,
           "NMS score_threshold is {}; expected a value in [0, 1]", options.score_threshold);
  PK_CHECK(options.iou_threshold >= 0.0f && options.iou_threshold <= 1.0f,
           "NMS iou_threshold is {}; expected a value in [0, 1]", options.iou_threshold);
  PK_CHECK(options.max_detections >= 1, "NMS max_detections is {}; expected at least 1", options.max_detections);
}

std::vector<Detection> non_max_suppression(std::vector<Detection> candidates, const NmsOptions& options) {
  validate_nms_options(options);
  for (size_t i = 0; i < candidates.size(); ++i)
    PK_CHECK(std::isfinite(candidates[i].score), "NMS candidate {} (class {}) has score {}; expected a finite score",
             i, candidates[i].class_id, candidates[i].score);

  candidates.erase(std::remove_if(candidates.begin(), candidates.end(),
                                  [&](const Detection& d) { return d.score < options.score_threshold; }),
                   candidates.end());
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Detection& a, const Detection& b) { return a.score > b.score; });

  std::vector<Detection> kept;
  std::map<int, std::vector<Box>> kept_boxes;  // class id → boxes kept so far, by rank
  const size_t limit = static_cast<size_t>(options.max_detections);
  for (const Detection& candidate : candidates) {
    if (kept.size() == limit) break;
    std::vector<Box>& same_class = kept_boxes[candidate.class_id];
    const bool suppressed = std::any_of(same_class.begin(), same_class.end(), [&](const Box& k) {
      return box_iou(k, candidate.box) > options.iou_threshold;
    });
    if (suppressed) continue;
    same_class.push_back(candidate.box);
    kept.push_back(candidate);
  }
  return kept;
}

}  // namespace pk
