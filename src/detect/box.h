// Boxes of object detection, torch-free. Every box in prunekit is in corner form, in pixels of
// the image it belongs to (the network input once letterboxed): x grows to the right, y down,
// x1 ≤ x2 and y1 ≤ y2. Class ids are 0-based indices into the dataset's class names.
#pragma once

#include <algorithm>
#include <vector>

namespace pk {

struct Box {
  float x1 = 0, y1 = 0, x2 = 0, y2 = 0;

  float width() const { return std::max(0.0f, x2 - x1); }
  float height() const { return std::max(0.0f, y2 - y1); }
  float area() const { return width() * height(); }
};

/// A ground-truth object of an image.
struct ObjectBox {
  int class_id = 0;
  Box box;
};

/// A detector's prediction: class, confidence in [0, 1], box.
struct Detection {
  int class_id = 0;
  float score = 0;
  Box box;
};

/// The objects of every image of a set, image by image.
using ImageObjects = std::vector<std::vector<ObjectBox>>;
/// The detections of every image of a set, image by image.
using ImageDetections = std::vector<std::vector<Detection>>;

/// Intersection over union in [0, 1]; 0 when both boxes are empty.
inline float box_iou(const Box& a, const Box& b) {
  const float iw = std::min(a.x2, b.x2) - std::max(a.x1, b.x1);
  const float ih = std::min(a.y2, b.y2) - std::max(a.y1, b.y1);
  if (iw <= 0 || ih <= 0) return 0.0f;
  const float inter = iw * ih;
  const float uni = a.area() + b.area() - inter;
  return uni > 0 ? inter / uni : 0.0f;
}

}  // namespace pk
