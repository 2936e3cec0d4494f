// Options of the label-free feature distance (eval/feature_distance.h), torch-free.
#pragma once

#include <cstdint>

namespace pk {

struct FeatureDistanceOptions {
  double temperature = 4.0;  // τ
  double beta = 1.0;         // weight of the feature term (0 = logits only)
  int64_t batch_size = 256;
};

}  // namespace pk
