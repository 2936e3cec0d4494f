// RawImages: an image set as plain bytes, labelled or not, the torch-free output of every reader
// (IDX, CIFAR-10, image folder, unlabeled image directory, YOLO folder, generated shapes).
// load_dataset() turns it into a Dataset of tensors.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "detect/box.h"

namespace pk {

struct RawImages {
  int64_t count = 0;
  int channels = 0, height = 0, width = 0;
  std::vector<uint8_t> pixels;  // [count, channels, height, width], row-major (planar, not HWC)
  bool labeled = true;          // false: an unlabeled set, `labels` is empty
  std::vector<int64_t> labels;  // [count] if labeled, each in [0, number of classes)
  ImageObjects objects;         // detection sets (labeled false): [count], boxes in pixels of
                                // these (stored) images; empty otherwise

  int64_t image_bytes() const { return int64_t{channels} * height * width; }
};

}  // namespace pk
