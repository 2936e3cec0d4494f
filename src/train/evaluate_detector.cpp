#include "train/evaluate_detector.h"

#include <torch/torch.h>

#include "core/error.h"
#include "data/transforms.h"
#include "train/yolo_decode.h"

namespace pk {
namespace {

/// Candidates of image b over every scale: rows (x1, y1, x2, y2, score, class).
torch::Tensor image_candidates(const std::vector<DecodedScale>& decoded, int64_t b, int num_classes) {
  std::vector<torch::Tensor> rows;
  for (const DecodedScale& d : decoded) {
    const auto raw = d.raw[b].reshape({-1, 5 + num_classes});
    const auto boxes = d.boxes[b].reshape({-1, 4});
    const auto scores = raw.select(1, 4).sigmoid().unsqueeze(1) * raw.slice(1, 5).sigmoid();  // [K, C]
    const auto k = scores.size(0);
    const auto box_rows = boxes.unsqueeze(1).expand({k, num_classes, 4}).reshape({-1, 4});
    const auto classes = torch::arange(num_classes, torch::kFloat32).repeat({k});
    rows.push_back(torch::cat({box_rows, scores.reshape({-1, 1}), classes.unsqueeze(1)}, 1));
  }
  return torch::cat(rows, 0);
}

}  // namespace

ImageDetections decode_detections(const std::vector<torch::Tensor>& outputs, const YoloLayout& layout,
                                  const DetectionEvalOptions& options) {
  PK_CHECK(options.max_candidates >= 1, "max_candidates must be ≥ 1, got {}", options.max_candidates);
  PK_CHECK(outputs.size() == layout.scales.size(), "{} detector outputs for {} scales", outputs.size(),
           layout.scales.size());
  torch::NoGradGuard no_grad;
  std::vector<DecodedScale> decoded;
  for (size_t s = 0; s < outputs.size(); ++s)
    decoded.push_back(decode_scale(outputs[s].to(torch::kFloat32), layout.scales[s], layout.num_classes));
  const int64_t batch = outputs[0].size(0);
  ImageDetections out(static_cast<size_t>(batch));
  for (int64_t b = 0; b < batch; ++b) {
    auto rows = image_candidates(decoded, b, layout.num_classes);
    rows = rows.index({rows.select(1, 4) >= options.nms.score_threshold});
    if (rows.size(0) > options.max_candidates)
      rows = rows.index_select(0, std::get<1>(rows.select(1, 4).topk(options.max_candidates)));
    rows = rows.contiguous();
    const float* r = rows.data_ptr<float>();
    std::vector<Detection> candidates;
    for (int64_t i = 0; i < rows.size(0); ++i, r += 6)
      candidates.push_back({static_cast<int>(r[5]), r[4], Box{r[0], r[1], r[2], r[3]}});
    out[static_cast<size_t>(b)] = non_max_suppression(std::move(candidates), options.nms);
  }
  return out;
}

ImageDetections detect_images(Executor& detector, const Dataset& data, const Normalization& normalization,
                              const YoloLayout& layout, const DetectionEvalOptions& options) {
  PK_CHECK(options.batch_size >= 1, "batch size must be ≥ 1, got {}", options.batch_size);
  const bool was_training = detector.training();
  detector.eval();
  torch::NoGradGuard no_grad;
  ImageDetections all;
  for (int64_t start = 0; start < data.size(); start += options.batch_size) {
    const int64_t end = std::min(data.size(), start + options.batch_size);
    const auto images = normalize_images(data.images.slice(0, start, end), normalization);
    auto batch = decode_detections(detector.forward_all({images}), layout, options);
    for (auto& d : batch) all.push_back(std::move(d));
  }
  detector.train(was_training);
  return all;
}

DetectionMetrics evaluate_detector(Executor& detector, const Dataset& data, const Normalization& normalization,
                                   const YoloLayout& layout, const DetectionEvalOptions& options) {
  PK_CHECK(data.is_detection(), "dataset '{}' has no object boxes; detection needs a detection dataset", data.name);
  return evaluate_detections(detect_images(detector, data, normalization, layout, options), data.objects,
                             layout.num_classes);
}

}  // namespace pk
