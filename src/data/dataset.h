// Image sets in memory and the one entry point that loads them, split into train / search /
// test. Built-in datasets: Fashion-MNIST and MNIST (IDX, gzipped), CIFAR-10 (binary batches), an
// image folder (ROOT/{train,test}/CLASS/IMAGE), and an unlabeled image directory ("images":
// DIR/IMAGE, no labels, no test split — for label-free search and fine-tuning).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/data_options.h"
#include "data/transforms.h"

namespace pk {

/// A whole image set in memory (CPU, contiguous); labels are undefined for an unlabeled set.
struct Dataset {
  std::string name;                      // "fashion-mnist", ...
  torch::Tensor images;                  // uint8 [N, C, H, W]
  torch::Tensor labels;                  // int64 [N], values in [0, num_classes); undefined: unlabeled
  std::vector<std::string> class_names;  // label → name (empty when unlabeled)

  bool has_labels() const { return labels.defined(); }

  int num_classes() const { return static_cast<int>(class_names.size()); }
  /// N (0 if images is undefined).
  int64_t size() const;
};

struct DatasetSplits {
  Dataset train;   // training files minus search, in file order (then train_limit)
  Dataset search;  // a seeded random subset of the training files, disjoint from train, in file
                   // order; same seed and file count → same subset
  Dataset test;    // the test files (then test_limit)
  Normalization normalization;  // the dataset's standard constants; folder: computed on train
  int channels = 0, height = 0, width = 0;
};

/// Loads, validates and splits a dataset. UserError with the file and what was expected for
/// anything wrong with the options or the files (missing, corrupt, truncated, inconsistent).
DatasetSplits load_dataset(const DataOptions& options);

}  // namespace pk
