// Options shared by every built-in model builder, and the channel-rounding rules they use.
#pragma once

#include <string>

namespace pk {

struct ModelOptions {
  int in_channels = 3;   // channels of the input image
  int input_size = 32;   // square input, H = W (pixels); ≥ 8
  int num_classes = 10;  // logits of the single output
  double width = 1.0;    // multiplier on every channel count (see scale_channels / make_divisible)
};

/// UserError naming `model` and the offending field if `options` is out of range:
/// in_channels ≥ 1, num_classes ≥ 1, 8 ≤ input_size ≤ 4096, 0 < width ≤ 64.
void check_model_options(const std::string& model, const ModelOptions& options);

/// round(channels · width), at least 1 (half rounds away from zero): the width rule of every zoo
/// model except MobileNetV2.
int scale_channels(int channels, double width);

/// torchvision's _make_divisible: `value` rounded to the nearest multiple of `divisor`, at least
/// `divisor`, and bumped up by one `divisor` if rounding lost more than 10% of `value`.
int make_divisible(double value, int divisor = 8);

}  // namespace pk
