#include "train/yolo_decode.h"

#include <fmt/ranges.h>
#include <torch/torch.h>

#include "core/error.h"

namespace pk {

DecodedScale decode_scale(const torch::Tensor& output, const YoloScale& scale, int num_classes) {
  const int64_t anchors = static_cast<int64_t>(scale.anchors.size());
  const int64_t per_anchor = 5 + num_classes;
  PK_CHECK(output.dim() == 4 && output.size(1) == anchors * per_anchor && output.size(2) == scale.grid_h &&
               output.size(3) == scale.grid_w,
           "output '{}' has shape [{}], expected [B, {}, {}, {}]", scale.output, fmt::join(output.sizes(), ", "),
           anchors * per_anchor, scale.grid_h, scale.grid_w);
  const int64_t batch = output.size(0);
  DecodedScale d;
  d.raw = output.view({batch, anchors, per_anchor, scale.grid_h, scale.grid_w}).permute({0, 1, 3, 4, 2});
  const auto xy = d.raw.slice(-1, 0, 4).sigmoid() * 2;
  const auto opts = torch::TensorOptions().dtype(torch::kFloat32);
  const auto gx = torch::arange(scale.grid_w, opts).view({1, 1, 1, -1});
  const auto gy = torch::arange(scale.grid_h, opts).view({1, 1, -1, 1});
  std::vector<float> aw, ah;
  for (const auto& a : scale.anchors) aw.push_back(a.width), ah.push_back(a.height);
  const auto anchor_w = torch::tensor(aw).view({1, -1, 1, 1});
  const auto anchor_h = torch::tensor(ah).view({1, -1, 1, 1});
  const auto cx = (xy.select(-1, 0) - 0.5 + gx) * scale.stride;
  const auto cy = (xy.select(-1, 1) - 0.5 + gy) * scale.stride;
  const auto w = xy.select(-1, 2).pow(2) * anchor_w;
  const auto h = xy.select(-1, 3).pow(2) * anchor_h;
  d.boxes = torch::stack({cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2}, -1);
  return d;
}

}  // namespace pk
