#include "train/yolo_loss.h"

#include <torch/torch.h>

#include <map>
#include <tuple>

#include "core/error.h"

namespace pk {
namespace {

/// One positive: (image, anchor, row, col) of a scale and the ground truth it learns.
struct Positive {
  int64_t image, anchor, row, col;
  ObjectBox truth;
};

double anchor_shape_iou(const AnchorSize& a, float w, float h) {
  const double inter = std::min<double>(a.width, w) * std::min<double>(a.height, h);
  return inter / (double{a.width} * a.height + double{w} * h - inter);
}

double objectness_balance(int stride) {
  switch (stride) {
    case 8: return 4.0;
    case 16: return 1.0;
    case 32: return 0.4;
    default: return 1.0;
  }
}

/// Positives of every scale (index = scale); duplicates of a (cell, anchor) keep the later truth.
std::vector<std::vector<Positive>> assign_targets(const ImageObjects& targets, const YoloLayout& layout,
                                                  double threshold) {
  std::vector<std::map<std::tuple<int64_t, int64_t, int64_t, int64_t>, ObjectBox>> cells(layout.scales.size());
  for (size_t b = 0; b < targets.size(); ++b) {
    for (const ObjectBox& o : targets[b]) {
      PK_CHECK(o.class_id >= 0 && o.class_id < layout.num_classes, "object class {} is outside [0, {})",
               o.class_id, layout.num_classes);
      const float w = o.box.width(), h = o.box.height();
      if (w <= 0 || h <= 0) continue;
      const float cx = (o.box.x1 + o.box.x2) / 2, cy = (o.box.y1 + o.box.y2) / 2;
      double best = -1;
      size_t best_s = 0, best_a = 0;
      for (size_t s = 0; s < layout.scales.size(); ++s)
        for (size_t a = 0; a < layout.scales[s].anchors.size(); ++a) {
          const double iou = anchor_shape_iou(layout.scales[s].anchors[a], w, h);
          if (iou > best) best = iou, best_s = s, best_a = a;
        }
      for (size_t s = 0; s < layout.scales.size(); ++s) {
        const YoloScale& sc = layout.scales[s];
        const int64_t row = std::clamp<int64_t>(static_cast<int64_t>(cy / sc.stride), 0, sc.grid_h - 1);
        const int64_t col = std::clamp<int64_t>(static_cast<int64_t>(cx / sc.stride), 0, sc.grid_w - 1);
        for (size_t a = 0; a < sc.anchors.size(); ++a)
          if ((s == best_s && a == best_a) || anchor_shape_iou(sc.anchors[a], w, h) >= threshold)
            cells[s][{static_cast<int64_t>(b), static_cast<int64_t>(a), row, col}] = o;
      }
    }
  }
  std::vector<std::vector<Positive>> out(layout.scales.size());
  for (size_t s = 0; s < cells.size(); ++s)
    for (const auto& [key, truth] : cells[s])
      out[s].push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), std::get<3>(key), truth});
  return out;
}

/// GIoU of corresponding rows of two [P, 4] corner boxes.
torch::Tensor generalized_iou(const torch::Tensor& p, const torch::Tensor& g) {
  constexpr double eps = 1e-7;
  const auto px1 = p.select(1, 0), py1 = p.select(1, 1), px2 = p.select(1, 2), py2 = p.select(1, 3);
  const auto gx1 = g.select(1, 0), gy1 = g.select(1, 1), gx2 = g.select(1, 2), gy2 = g.select(1, 3);
  const auto inter = (torch::min(px2, gx2) - torch::max(px1, gx1)).clamp_min(0) *
                     (torch::min(py2, gy2) - torch::max(py1, gy1)).clamp_min(0);
  const auto uni = (px2 - px1) * (py2 - py1) + (gx2 - gx1) * (gy2 - gy1) - inter + eps;
  const auto hull = (torch::max(px2, gx2) - torch::min(px1, gx1)) * (torch::max(py2, gy2) - torch::min(py1, gy1)) + eps;
  return inter / uni - (hull - uni) / hull;
}

}  // namespace

YoloLossParts yolo_loss(const std::vector<torch::Tensor>& outputs, const ImageObjects& targets,
                        const YoloLayout& layout, const YoloLossOptions& options) {
  PK_CHECK(outputs.size() == layout.scales.size(), "{} detector outputs for {} scales", outputs.size(),
           layout.scales.size());
  PK_CHECK(options.anchor_iou_threshold > 0 && options.anchor_iou_threshold <= 1,
           "anchor IoU threshold must be in (0, 1], got {}", options.anchor_iou_threshold);
  const int64_t batch = outputs[0].size(0);
  PK_CHECK(static_cast<int64_t>(targets.size()) == batch, "{} target lists for a batch of {}", targets.size(), batch);
  const auto positives = assign_targets(targets, layout, options.anchor_iou_threshold);
  torch::Tensor box_loss = torch::zeros({}), obj_loss = torch::zeros({}), cls_loss = torch::zeros({});
  YoloLossParts parts;
  for (size_t s = 0; s < outputs.size(); ++s) {
    const DecodedScale d = decode_scale(outputs[s], layout.scales[s], layout.num_classes);
    auto obj_target = torch::zeros(d.raw.sizes().slice(0, 4));
    const auto& pos = positives[s];
    if (!pos.empty()) {
      std::vector<int64_t> idx[4];
      std::vector<float> truth_boxes;
      std::vector<int64_t> classes;
      for (const Positive& p : pos) {
        idx[0].push_back(p.image), idx[1].push_back(p.anchor), idx[2].push_back(p.row), idx[3].push_back(p.col);
        truth_boxes.insert(truth_boxes.end(), {p.truth.box.x1, p.truth.box.y1, p.truth.box.x2, p.truth.box.y2});
        classes.push_back(p.truth.class_id);
      }
      const int64_t n = static_cast<int64_t>(pos.size());
      const std::vector<torch::indexing::TensorIndex> at = {torch::tensor(idx[0]), torch::tensor(idx[1]),
                                                            torch::tensor(idx[2]), torch::tensor(idx[3])};
      const auto giou = generalized_iou(d.boxes.index(at), torch::tensor(truth_boxes).view({n, 4}));
      box_loss = box_loss + (1 - giou).sum();
      obj_target.index_put_(at, giou.detach().clamp(0, 1));
      const auto class_logits = d.raw.index(at).slice(-1, 5);
      const auto one_hot = torch::one_hot(torch::tensor(classes), layout.num_classes).to(torch::kFloat32);
      cls_loss = cls_loss + torch::binary_cross_entropy_with_logits(class_logits, one_hot,
                                                                    {}, {}, at::Reduction::Sum) / layout.num_classes;
      parts.positives += n;
    }
    obj_loss = obj_loss + objectness_balance(layout.scales[s].stride) *
                              torch::binary_cross_entropy_with_logits(d.raw.select(-1, 4), obj_target);
  }
  const double denominator = std::max<int64_t>(parts.positives, 1);
  box_loss = box_loss * (options.box_weight * batch / denominator);
  cls_loss = cls_loss * (options.class_weight * batch / denominator);
  obj_loss = obj_loss * (options.objectness_weight * batch);
  parts.total = box_loss + obj_loss + cls_loss;
  parts.box = box_loss.item<double>();
  parts.objectness = obj_loss.item<double>();
  parts.classes = cls_loss.item<double>();
  return parts;
}

}  // namespace pk
