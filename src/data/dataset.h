// Image sets in memory and the one entry point that loads them, split into train / search /
// test. Built-in datasets: Fashion-MNIST and MNIST (IDX, gzipped), CIFAR-10 (binary batches), an
// image folder (ROOT/{train,test}/CLASS/IMAGE), and an unlabeled image directory ("images":
// DIR/IMAGE, no labels, no test split — for label-free search and fine-tuning). Detection sets:
// a YOLO-format folder ("yolo", data/yolo_reader.h) and the generated "shapes"
// (data/shapes_dataset.h); they have objects instead of labels.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/data_options.h"
#include "data/transforms.h"
#include "detect/box.h"

namespace pk {

/// A whole image set in memory (CPU, contiguous). Three kinds:
///  - classification: labels defined, class_names, objects empty;
///  - unlabeled: no labels, no class names, objects empty;
///  - detection: no labels, class_names, objects with one entry per image (also when N = 0).
struct Dataset {
  std::string name;                      // "fashion-mnist", ...
  torch::Tensor images;                  // uint8 [N, C, H, W]
  torch::Tensor labels;                  // int64 [N], values in [0, num_classes); undefined: unlabeled
  std::vector<std::string> class_names;  // label / class id → name (empty when unlabeled)
  ImageObjects objects;                  // detection: [N], ground-truth boxes in pixels of the
                                         // stored (already letterboxed) images; else empty

  bool has_labels() const { return labels.defined(); }
  /// Class names without a labels tensor: the objects are the ground truth.
  bool is_detection() const { return !has_labels() && !class_names.empty(); }

  int num_classes() const { return static_cast<int>(class_names.size()); }
  /// N (0 if images is undefined).
  int64_t size() const;
};

struct DatasetSplits {
  Dataset train;   // training files minus search, in file order (then train_limit)
  Dataset search;  // a seeded random subset of the training files, disjoint from train, in file
                   // order; same seed and file count → same subset
  Dataset test;    // the test files (then test_limit)
  Normalization normalization;  // the dataset's standard constants; folder, images, yolo,
                                // shapes: computed on train
  int channels = 0, height = 0, width = 0;
};

/// Loads, validates and splits a dataset. UserError with the file and what was expected for
/// anything wrong with the options or the files (missing, corrupt, truncated, inconsistent).
DatasetSplits load_dataset(const DataOptions& options);

}  // namespace pk
