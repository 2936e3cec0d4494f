#include "models/model_options.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace pk {

void check_model_options(const std::string& model, const ModelOptions& o) {
  PK_CHECK(o.in_channels >= 1, "model '{}': in_channels {} must be ≥ 1", model, o.in_channels);
  PK_CHECK(o.num_classes >= 1, "model '{}': num_classes {} must be ≥ 1", model, o.num_classes);
  PK_CHECK(o.input_size >= 8 && o.input_size <= 4096, "model '{}': input_size {} must be in [8, 4096]", model,
           o.input_size);
  PK_CHECK(std::isfinite(o.width) && o.width > 0 && o.width <= 64, "model '{}': width {} must be in (0, 64]",
           model, o.width);
}

int scale_channels(int channels, double width) {
  return std::max(1, static_cast<int>(std::lround(channels * width)));
}

int make_divisible(double value, int divisor) {
  int rounded = std::max(divisor, static_cast<int>(value + divisor / 2.0) / divisor * divisor);
  if (rounded < 0.9 * value) rounded += divisor;
  return rounded;
}

}  // namespace pk
