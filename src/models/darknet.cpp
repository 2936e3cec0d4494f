#include "models/darknet.h"

#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/error.h"
#include "graph/builder.h"

namespace pk {
namespace {

constexpr double kLeakySlope = 0.1;  // Darknet's leaky activation

struct DarknetSpec {
  const char* name;
  int stem;                   // stem channels before width scaling
  std::vector<int> channels;  // per stage, before width scaling
  std::vector<int> blocks;    // residual blocks per stage
};

/// Conv(kernel, stride, "same" padding, no bias)-BN-LeakyReLU named prefix.{conv,bn,act}.
std::string conv_bn_leaky(GraphBuilder& b, const std::string& prefix, const std::string& x, int channels,
                          int kernel, int stride = 1) {
  auto y = b.conv(prefix + ".conv", x, channels, kernel, stride, kernel / 2);
  return b.leaky_relu(prefix + ".act", b.batch_norm(prefix + ".bn", y), kLeakySlope);
}

/// Residual block prefix: x + CBL3x3(CBL1x1(x, C/2), C); shape unchanged.
std::string residual_block(GraphBuilder& b, const std::string& prefix, const std::string& x) {
  const int channels = static_cast<int>(b.shape(x).channels());
  auto y = b.conv(prefix + ".conv1", x, std::max(1, channels / 2), 1, 1, 0);
  y = b.leaky_relu(prefix + ".act1", b.batch_norm(prefix + ".bn1", y), kLeakySlope);
  y = b.conv(prefix + ".conv2", y, channels, 3, 1, 1);
  y = b.leaky_relu(prefix + ".act2", b.batch_norm(prefix + ".bn2", y), kLeakySlope);
  return b.add(prefix + ".add", x, y);
}

/// Stem and stages; returns the output of every stage (stage s has stride 2^(s+1)).
std::vector<std::string> backbone(GraphBuilder& b, const DarknetSpec& spec, const ModelOptions& o) {
  auto x = b.input("input", Shape{{o.in_channels, o.input_size, o.input_size}});
  x = conv_bn_leaky(b, "stem", x, scale_channels(spec.stem, o.width), 3);
  std::vector<std::string> stage_outputs;
  for (size_t s = 0; s < spec.channels.size(); ++s) {
    const std::string stage = fmt::format("stage{}", s + 1);
    x = conv_bn_leaky(b, stage + ".down", x, scale_channels(spec.channels[s], o.width), 3, 2);
    for (int i = 0; i < spec.blocks[s]; ++i) x = residual_block(b, fmt::format("{}.block{}", stage, i), x);
    stage_outputs.push_back(x);
  }
  return stage_outputs;
}

/// The raw prediction conv: 3 anchors × (5 + classes) channels, with bias.
std::string output_conv(GraphBuilder& b, const std::string& x, int stride, int num_classes) {
  return b.conv(fmt::format("output.stride{}", stride), x, 3 * (num_classes + 5), 1, 1, 0, 1, true);
}

/// nearest ×2 of `x`, then Concat [upsampled, skip].
std::string upsample_concat(GraphBuilder& b, const std::string& prefix, const std::string& x,
                            const std::string& skip) {
  return b.concat(prefix + ".concat", {b.upsample(prefix + ".upsample", x, 2), skip});
}

/// Map side after `halvings` stride-2 convs with padding 1 and kernel 3: ceil(size / 2) each.
int map_side(int size, int halvings) {
  for (int i = 0; i < halvings; ++i) size = (size + 1) / 2;
  return size;
}

void check_upsample_alignment(const char* model, int input_size, const std::vector<int>& joined_strides) {
  for (int stride : joined_strides) {
    int halvings = 0;
    while ((1 << halvings) < stride) ++halvings;
    const int side = map_side(input_size, halvings);
    PK_CHECK(side % 2 == 0,
             "{}: input_size {} gives a {}x{} map at stride {}, which the ×2 upsample from stride {} cannot "
             "match; use an input size whose stride-{} map is even (any multiple of 32 works)",
             model, input_size, side, side, stride, stride * 2, stride);
  }
}

}  // namespace

Graph build_yolov3(const ModelOptions& o) {
  check_model_options("yolov3", o);
  check_upsample_alignment("yolov3", o.input_size, {8, 16});
  const DarknetSpec spec{"yolov3", 32, {64, 128, 256, 512, 1024}, {1, 2, 8, 8, 4}};
  GraphBuilder b;
  const auto stages = backbone(b, spec, o);
  const auto c = [&](int channels) { return scale_channels(channels, o.width); };
  // Five alternating 1x1 / 3x3 convs (the "x5" set), then the 3x3 before the output conv.
  const auto neck = [&](const std::string& prefix, std::string x, int channels) {
    for (int i = 0; i < 5; ++i)
      x = conv_bn_leaky(b, fmt::format("{}.conv{}", prefix, i), x, i % 2 == 0 ? c(channels) : c(2 * channels),
                        i % 2 == 0 ? 1 : 3);
    return x;
  };
  const auto x32 = neck("head32", stages[4], 512);
  const auto p32 = conv_bn_leaky(b, "head32.conv5", x32, c(1024), 3);
  auto y = conv_bn_leaky(b, "head16.reduce", x32, c(256), 1);
  const auto x16 = neck("head16", upsample_concat(b, "head16", y, stages[3]), 256);
  const auto p16 = conv_bn_leaky(b, "head16.conv5", x16, c(512), 3);
  y = conv_bn_leaky(b, "head8.reduce", x16, c(128), 1);
  const auto x8 = neck("head8", upsample_concat(b, "head8", y, stages[2]), 128);
  const auto p8 = conv_bn_leaky(b, "head8.conv5", x8, c(256), 3);
  b.output(output_conv(b, p8, 8, o.num_classes));
  b.output(output_conv(b, p16, 16, o.num_classes));
  b.output(output_conv(b, p32, 32, o.num_classes));
  return b.build();
}

Graph build_yolo_tiny(const ModelOptions& o) {
  check_model_options("yolo-tiny", o);
  check_upsample_alignment("yolo-tiny", o.input_size, {16});
  const DarknetSpec spec{"yolo-tiny", 16, {32, 64, 128, 256, 512}, {1, 1, 2, 2, 1}};
  GraphBuilder b;
  const auto stages = backbone(b, spec, o);
  const auto c = [&](int channels) { return scale_channels(channels, o.width); };
  const auto x32 = conv_bn_leaky(b, "head32.conv0", stages[4], c(256), 1);
  const auto p32 = conv_bn_leaky(b, "head32.conv1", x32, c(512), 3);
  const auto y = conv_bn_leaky(b, "head16.reduce", x32, c(128), 1);
  const auto p16 = conv_bn_leaky(b, "head16.conv0", upsample_concat(b, "head16", y, stages[3]), c(256), 3);
  b.output(output_conv(b, p16, 16, o.num_classes));
  b.output(output_conv(b, p32, 32, o.num_classes));
  return b.build();
}

}  // namespace pk
