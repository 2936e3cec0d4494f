// Options of BN recalibration (train/bn_recalibration.h), torch-free so option structs can carry them.
#pragma once

#include <cstdint>

namespace pk {

struct RecalibrationOptions {
  int batches = 20;
  int64_t batch_size = 128;
  uint64_t seed = 0;  // which images (a shuffled order); fixed seed → same batches for every candidate
};

}  // namespace pk
