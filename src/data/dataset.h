// Labelled image sets in memory and the one entry point that loads them, split into
// train / search / test. Built-in datasets: Fashion-MNIST and MNIST (IDX, gzipped),
// CIFAR-10 (binary batches), and an image folder (ROOT/{train,test}/CLASS/IMAGE).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/transforms.h"

namespace pk {

/// A whole labelled image set in memory (CPU, contiguous).
struct Dataset {
  std::string name;                      // "fashion-mnist", ...
  torch::Tensor images;                  // uint8 [N, C, H, W]
  torch::Tensor labels;                  // int64 [N], values in [0, num_classes)
  std::vector<std::string> class_names;  // label → name

  int num_classes() const { return static_cast<int>(class_names.size()); }
  /// N (0 if images is undefined).
  int64_t size() const;
};

struct DataOptions {
  std::string name = "fashion-mnist";  // one of known_datasets()
  std::string path;                    // "" = the dataset's default (fashion-mnist:
                                       // /usr/share/datasets/fashion-mnist from the Debian package
                                       // dataset-fashion-mnist; mnist: /usr/share/datasets/mnist;
                                       // cifar10: /usr/share/datasets/cifar10, the directory
                                       // cifar-10-batches-bin or its parent). folder: required,
                                       // ROOT with train/ and test/, one subfolder per class.
  int64_t search_size = 5000;          // samples held out of the training files for the search
                                       // split (0 = none); must be < the training file count
  int64_t train_limit = 0;             // 0 = all; else keep the first N training samples (in file
                                       // order, after the search split is removed), for quick runs
  int64_t test_limit = 0;              // 0 = all; else keep the first N test samples
  uint64_t seed = 0;                   // drives the train/search partition
  int image_size = 0;                  // folder only: resize to this square size (0 = all images
                                       // must have the same size); others: 0 or their native size
  int channels = 0;                    // folder only: 1 or 3 (0 = 3); others: 0 or native
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

/// Names accepted by DataOptions::name, in display order.
std::vector<std::string> known_datasets();

}  // namespace pk
