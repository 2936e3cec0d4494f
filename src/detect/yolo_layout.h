// YoloLayout: how to read a YOLO detector's raw outputs. A detector graph has one output per
// scale, each [A·(5 + C), H/stride, W/stride] (A anchors, C classes, channels anchor-major:
// a·(5+C) + {tx, ty, tw, th, objectness, class 0..C-1}), listed by increasing stride. The anchors
// are not in the graph: they come with the model (metadata "detection.anchors", written by
// `prunekit train --task detect`) or from fit_anchors on the training boxes.
// Decoding of one cell (i, j) and anchor (aw, ah), YOLOv5-style (bounded, no exp):
//   cx = (2σ(tx) − 0.5 + j)·stride     cy = (2σ(ty) − 0.5 + i)·stride
//   w  = (2σ(tw))²·aw                  h  = (2σ(th))²·ah           (pixels of the input)
//   score(class k) = σ(objectness)·σ(class k)
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

#include "detect/box.h"
#include "graph/graph.h"

namespace pk {

struct AnchorSize {
  float width = 0, height = 0;  // pixels of the network input
};

struct YoloScale {
  std::string output;               // graph output name
  int stride = 0;                   // input pixels per cell
  int grid_h = 0, grid_w = 0;       // cells
  std::vector<AnchorSize> anchors;  // A per scale, the same A at every scale
};

struct YoloLayout {
  int num_classes = 0;
  int input_h = 0, input_w = 0;
  std::vector<YoloScale> scales;  // by increasing stride

  int anchors_per_scale() const { return scales.empty() ? 0 : static_cast<int>(scales[0].anchors.size()); }
  int channels_per_anchor() const { return 5 + num_classes; }
};

/// The layout of `graph`'s outputs with `anchors[s]` at scale s. UserError naming the output if
/// the graph is not a YOLO detector (one [C,H,W] input; every output [A·(5+C), h, w] with the
/// same A and C; input size an integer multiple of each grid; strides increasing) or if
/// `anchors` does not give A positive sizes for every output.
YoloLayout yolo_layout(const Graph& graph, const std::vector<std::vector<AnchorSize>>& anchors);

/// The number of scales (outputs) and anchors per scale of a detector graph, from its output
/// shapes with `num_classes` classes. UserError like yolo_layout.
std::pair<int, int> yolo_output_counts(const Graph& graph, int num_classes);

/// Anchors for `scales` × `per_scale` by k-means on the (width, height) of `objects` with
/// 1 − IoU (boxes aligned at a corner) as the distance, seeded deterministically: k-means++
/// with `seed`, then Lloyd iterations to convergence (at most 100). Sorted by area and dealt out
/// small to large, so scale 0 (the finest) gets the smallest. With fewer distinct boxes than
/// anchors the missing ones are spread geometrically between the extremes. UserError if there
/// are no boxes.
std::vector<std::vector<AnchorSize>> fit_anchors(const ImageObjects& objects, int scales, int per_scale,
                                                  uint64_t seed = 0);

/// Anchors as JSON [[[w, h], ...] per scale] and back (UserError naming `what` if malformed).
nlohmann::json anchors_to_json(const std::vector<std::vector<AnchorSize>>& anchors);
std::vector<std::vector<AnchorSize>> anchors_from_json(const nlohmann::json& j, const std::string& what);

}  // namespace pk
