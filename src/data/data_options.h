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
                                       // yolo: required, ROOT with classes.txt, images/ and
                                       // labels/ (data/yolo_reader.h). shapes: generated, no path.
  int64_t search_size = 5000;          // samples held out of the training files for the search
                                       // split (0 = none); must be < the training file count
  int64_t train_limit = 0;             // 0 = all; else keep the first N training samples (in file
                                       // order, after the search split is removed), for quick runs
  int64_t test_limit = 0;              // 0 = all; else keep the first N test samples
  uint64_t seed = 0;                   // drives the train/search partition
  int image_size = 0;                  // folder and images only: resize to this square size (0 = all images
                                       // must have the same size); yolo: letterbox to this square
                                       // size, ≥ 32 (0 = 416); shapes: image side, ≥ 32 (0 = 96);
                                       // others: 0 or their native size
  int channels = 0;                    // folder and images only: 1 or 3 (0 = 3); others: 0 or native
                                       // (3 for yolo and shapes)
  int64_t generated_images = 0;        // shapes only: training images to generate (0 = 4000); the
                                       // test set has an eighth as many (at least 1). The shapes
                                       // themselves use a fixed seed, so the set is the same in
                                       // every run; `seed` only drives the split.
};

/// Names accepted by DataOptions::name, in display order.
std::vector<std::string> known_datasets();

}  // namespace pk
