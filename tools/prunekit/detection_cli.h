// The detection side of `prunekit train` and `prunekit eval` (a detection dataset, a YOLO
// detector): anchors, training with the YOLO recipe, mAP reports. Model metadata written:
//   "task": "detect", "detection": {"anchors": [[[w, h], ...] per output], "classes": [...],
//   "input_size": N}, "accuracy": {"split": "test", "map50": x, "map50_95": y}
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "data/dataset.h"
#include "detect/yolo_layout.h"
#include "models/model_options.h"
#include "train/detection_trainer.h"

namespace pk::cli {

struct DetectionTrainRequest {
  std::string model;      // zoo detector name or a model file
  std::string out;
  double width = 1.0;
  DataOptions data;
  DetectionTrainOptions train;
  int threads = 0;
  std::string teacher;    // a detector model file to distill from (train.teacher is set from it); "" = none
};

/// The layout of a detector model file: its anchors from metadata["detection"]["anchors"].
/// UserError naming `model` if it has none or they do not fit its outputs.
YoloLayout detector_layout(const Graph& graph, const nlohmann::json& metadata, const std::string& model);

/// Trains a detector on `data` (a detection set) and writes `request.out`; prints a summary.
void run_detection_training(const DetectionTrainRequest& request, const DatasetSplits& data);

/// mAP of a detector model file on `split`; `json` prints a JSON object instead of lines.
void print_detection_eval(const std::string& model, const Graph& graph, const WeightStore& weights,
                          const nlohmann::json& metadata, const Dataset& split, const DatasetSplits& data,
                          const std::string& split_name, bool json);

}  // namespace pk::cli
