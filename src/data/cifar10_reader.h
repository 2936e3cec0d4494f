// Reader for the CIFAR-10 binary version (https://www.cs.toronto.edu/~kriz/cifar.html):
// files of 3073-byte records, one label byte then 32×32 red, green, blue planes.
#pragma once

#include <string>
#include <vector>

#include "data/raw_images.h"

namespace pk {

constexpr int kCifarSide = 32;
constexpr int kCifarRecordBytes = 1 + 3 * kCifarSide * kCifarSide;  // 3073

/// The directory holding the batch files: `path/cifar-10-batches-bin` if that exists,
/// otherwise `path` itself.
std::string cifar10_batches_dir(const std::string& path);

/// Reads and concatenates record files into 3×32×32 images. UserError naming the file if it
/// is missing, empty, not a whole number of records, or has a label ≥ 10.
RawImages read_cifar10_files(const std::vector<std::string>& files);

/// The training files (data_batch_1.bin … data_batch_5.bin) or the test file (test_batch.bin)
/// of `batches_dir`.
std::vector<std::string> cifar10_files(const std::string& batches_dir, bool train);

/// Class names from batches.meta.txt in `batches_dir` (one per non-empty line, exactly 10),
/// or the standard names if the file is absent.
std::vector<std::string> cifar10_class_names(const std::string& batches_dir);

}  // namespace pk
