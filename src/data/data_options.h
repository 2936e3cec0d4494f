// Which dataset to load and how to split it (data/dataset.h), torch-free so command-line
// option code can carry it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pk {

struct DataOptions {
  std::string name = "fashion-mnist";  // one of known_datasets()
  std::string path;                    // "" = the dataset's default (fashion-mnist:
                                       // /usr/share/datasets/fashion-mnist from the Debian package
                                       // dataset-fashion-mnist; mnist: /usr/share/datasets/mnist;
                                       // cifar10: /usr/share/datasets/cifar10, the directory
                                       // cifar-10-batches-bin or its parent). folder: required,
                                       // ROOT with train/ and test/, one subfolder per class.
                                       // images: required, a directory of unlabeled images.
  int64_t search_size = 5000;          // samples held out of the training files for the search
                                       // split (0 = none); must be < the training file count
  int64_t train_limit = 0;             // 0 = all; else keep the first N training samples (in file
                                       // order, after the search split is removed), for quick runs
  int64_t test_limit = 0;              // 0 = all; else keep the first N test samples
  uint64_t seed = 0;                   // drives the train/search partition
  int image_size = 0;                  // folder and images only: resize to this square size (0 = all images
                                       // must have the same size); others: 0 or their native size
  int channels = 0;                    // folder and images only: 1 or 3 (0 = 3); others: 0 or native
};

/// Names accepted by DataOptions::name, in display order.
std::vector<std::string> known_datasets();

}  // namespace pk
