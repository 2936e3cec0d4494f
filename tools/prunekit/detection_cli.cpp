#include "detection_cli.h"

#include <fmt/ranges.h>

#include <iostream>
#include <memory>

#include "common.h"
#include "core/error.h"
#include "exec/executor.h"
#include "graph/cost.h"
#include "io/network_file.h"
#include "model_source.h"
#include "models/zoo.h"
#include "search/search_checkpoint.h"
#include "train/train_checkpoint.h"
#include "train/evaluate_detector.h"

namespace pk::cli {
namespace {

nlohmann::json metrics_json(const DetectionMetrics& m, const std::vector<std::string>& classes) {
  nlohmann::json per_class = nlohmann::json::array();
  for (const ClassAp& c : m.per_class)
    per_class.push_back({{"class", classes.at(static_cast<size_t>(c.class_id))},
                         {"ground_truths", c.ground_truths},
                         {"ap50", c.ap50},
                         {"ap50_95", c.ap50_95}});
  return {{"map50", m.map50}, {"map50_95", m.map50_95}, {"images", m.images}, {"ground_truths", m.ground_truths},
          {"detections", m.detections}, {"per_class", per_class}};
}

void print_metrics(const DetectionMetrics& m, const std::vector<std::string>& classes) {
  std::cout << fmt::format("mAP@0.5      {:.2f}%\nmAP@0.5:0.95 {:.2f}%\n", 100 * m.map50, 100 * m.map50_95);
  for (const ClassAp& c : m.per_class) {
    if (c.ground_truths == 0) continue;
    std::cout << fmt::format("  {:<14} AP@0.5 {:6.2f}%  AP@0.5:0.95 {:6.2f}%  ({} objects)\n",
                             classes.at(static_cast<size_t>(c.class_id)), 100 * c.ap50, 100 * c.ap50_95,
                             c.ground_truths);
  }
}

/// Writes the trained detector with its history and test mAP in the metadata.
void save_final_detector(const std::string& out, const Executor& executor, const DetectionTrainResult& result,
                         nlohmann::json metadata) {
  nlohmann::json history = nlohmann::json::array();
  for (const auto& e : result.history) history.push_back(to_json(e));
  metadata["training"]["history"] = history;
  metadata["training"]["seconds"] = result.seconds;
  metadata["accuracy"] = {{"split", "test"}, {"map50", result.test.map50}, {"map50_95", result.test.map50_95}};
  save_network(out, executor.graph(), executor.weights(), metadata);  // .pkm, .onnx or .pt by extension
}

/// The detector at `path` to distill `student` (from `student_name`) from: its outputs must be the
/// student's, name for name and shape for shape (pruning keeps a detector's outputs; another
/// input size shows as other output shapes).
std::unique_ptr<Executor> load_teacher(const std::string& path, const Graph& student, const std::string& student_name) {
  ModelFile t = load_network(path);  // .pkm, or .onnx imported
  const std::vector<std::string>& outputs = student.outputs();
  PK_CHECK(t.graph.outputs() == outputs, "--teacher '{}' has outputs ({}) but '{}' has ({}): distillation compares "
           "the raw output maps one by one", path, fmt::join(t.graph.outputs(), ", "), student_name,
           fmt::join(outputs, ", "));
  for (const std::string& o : outputs)
    PK_CHECK(t.graph.node(o).shape == student.node(o).shape, "--teacher '{}': output '{}' is {} but '{}''s is {}", path,
             o, t.graph.node(o).shape.str(), student_name, student.node(o).shape.str());
  return std::make_unique<Executor>(std::move(t.graph), std::move(t.weights));
}

}  // namespace

YoloLayout detector_layout(const Graph& graph, const nlohmann::json& metadata, const std::string& model) {
  const bool has = metadata.contains("detection") && metadata["detection"].is_object() &&
                   metadata["detection"].contains("anchors");
  PK_CHECK(has, "'{}' has no detection anchors in its metadata (metadata.detection.anchors); detectors trained "
           "by prunekit train on a detection dataset carry them", model);
  return yolo_layout(graph, anchors_from_json(metadata["detection"]["anchors"], model));
}

void run_detection_training(const DetectionTrainRequest& r, const DatasetSplits& data) {
  PK_CHECK(data.height == data.width, "dataset '{}' has {}x{} images; detectors take square inputs (--image-size)",
           r.data.name, data.height, data.width);
  ModelOptions zoo;
  zoo.in_channels = data.channels;
  zoo.input_size = data.height;
  zoo.num_classes = data.train.num_classes();
  zoo.width = r.width;
  LoadedModel model = load_model_source(r.model, zoo, r.train.seed);
  PK_CHECK(!model.from_zoo || model_task(r.model) == ModelTask::kDetect,
           "'{}' is a classifier; dataset '{}' is a detection set: use a detector (yolov3, yolo-tiny)", r.model,
           r.data.name);
  check_model_fits_dataset(model.graph, data, r.model);
  const auto [scales, per_scale] = yolo_output_counts(model.graph, data.train.num_classes());
  const bool has_anchors = model.metadata.contains("detection");
  const auto anchors = has_anchors ? anchors_from_json(model.metadata["detection"]["anchors"], r.model)
                                   : fit_anchors(data.train.objects, scales, per_scale, r.train.seed);
  const YoloLayout layout = yolo_layout(model.graph, anchors);

  nlohmann::json metadata = model.metadata;
  metadata["architecture"] = model.from_zoo ? r.model : metadata.value("architecture", r.model);
  metadata["task"] = "detect";
  metadata["detection"] = {{"anchors", anchors_to_json(anchors)},
                           {"classes", data.train.class_names},
                           {"input_size", data.height}};
  metadata["dataset"] = dataset_metadata(r.data, data);
  metadata["training"] = {{"options", to_json(r.train)}};

  Executor executor(model.graph, model.weights);
  DetectionTrainOptions train = r.train;
  if (train.settings.contains("model")) train.settings["model"]["digest"] = model_identity(model.graph, model.weights);
  const std::unique_ptr<Executor> teacher = r.teacher.empty() ? nullptr : load_teacher(r.teacher, model.graph, r.model);
  if (teacher) {
    train.teacher = teacher.get();
    const nlohmann::json record{{"model", r.teacher}, {"digest", model_identity(teacher->graph(), teacher->weights())}};
    train.settings["teacher"] = record;
    metadata["training"]["teacher"] = {{"model", r.teacher}, {"alpha", train.kd_alpha}, {"scale", train.kd_scale}};
  }
  const GraphCost cost = graph_cost(executor.graph());
  std::cerr << fmt::format("training detector '{}' ({} MACs, {} params, {} scales × {} anchors) on {} images of "
                           "'{}', testing on {}\n",
                           r.model, human_count(cost.macs), human_count(cost.params), scales, per_scale,
                           data.train.size(), r.data.name, data.test.size());
  const DetectionTrainResult result = train_detector(executor, data, layout, train, metadata);
  const int done = result.history.empty() ? 0 : result.history.back().epoch;
  if (result.complete) {
    save_final_detector(r.out, executor, result, metadata);
    if (!train.checkpoint_path.empty()) remove_train_checkpoint(train.checkpoint_path);
    std::cout << fmt::format("model        {}\n", r.out);
  } else {
    std::cout << fmt::format("stopped after epoch {} of {} (--stop-after): '{}' is not written\ncheckpoint   {} (rerun "
                             "the same command with --resume to continue)\n",
                             done, train.epochs, r.out, train.checkpoint_path);
  }
  print_metrics(result.test, data.train.class_names);
  std::cout << fmt::format("MACs         {} ({})\nparams       {} ({})\nepochs       {} of {} in {:.1f} s\n", cost.macs,
                           human_count(cost.macs), cost.params, human_count(cost.params), done, train.epochs,
                           result.seconds);
}

void print_detection_eval(const std::string& model, const Graph& graph, const WeightStore& weights,
                          const nlohmann::json& metadata, const Dataset& split, const DatasetSplits& data,
                          const std::string& split_name, bool json) {
  const YoloLayout layout = detector_layout(graph, metadata, model);
  PK_CHECK(layout.num_classes == split.num_classes(), "'{}' detects {} classes but dataset '{}' has {}", model,
           layout.num_classes, split.name, split.num_classes());
  Executor executor(graph, weights);
  const DetectionMetrics m = evaluate_detector(executor, split, data.normalization, layout);
  const GraphCost cost = graph_cost(graph);
  if (json) {
    nlohmann::json j = metrics_json(m, split.class_names);
    j["model"] = model, j["dataset"] = split.name, j["split"] = split_name;
    j["macs"] = cost.macs, j["params"] = cost.params;
    std::cout << j.dump(2) << "\n";
    return;
  }
  std::cout << fmt::format("model        {}\ndataset      {} ({} split, {} images)\n", model, split.name, split_name,
                           split.size());
  print_metrics(m, split.class_names);
  std::cout << fmt::format("MACs         {} ({})\nparams       {} ({})\n", cost.macs, human_count(cost.macs),
                           cost.params, human_count(cost.params));
}

}  // namespace pk::cli
