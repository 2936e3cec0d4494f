#include "detect/yolo_layout.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <tuple>

#include "core/error.h"

namespace pk {
namespace {

const Shape& output_shape(const Graph& graph, const std::string& name) {
  const Shape& s = graph.node(name).shape;
  PK_CHECK(s.rank() == 3, "output '{}' has shape of rank {}; a YOLO output is [anchors·(5+classes), H, W]", name,
           s.rank());
  return s;
}

/// 1 − IoU of two sizes aligned at a corner.
double size_distance(const AnchorSize& a, const AnchorSize& b) {
  const double inter = std::min(a.width, b.width) * std::min(a.height, b.height);
  const double uni = double{a.width} * a.height + double{b.width} * b.height - inter;
  return uni > 0 ? 1.0 - inter / uni : 1.0;
}

size_t nearest(const std::vector<AnchorSize>& centres, const AnchorSize& s) {
  size_t best = 0;
  for (size_t k = 1; k < centres.size(); ++k)
    if (size_distance(s, centres[k]) < size_distance(s, centres[best])) best = k;
  return best;
}

/// k-means++ seeding: the first centre uniformly, each next with probability ∝ distance².
std::vector<AnchorSize> seed_centres(const std::vector<AnchorSize>& sizes, size_t k, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<AnchorSize> centres{sizes[std::uniform_int_distribution<size_t>(0, sizes.size() - 1)(rng)]};
  while (centres.size() < k) {
    std::vector<double> weight(sizes.size());
    for (size_t i = 0; i < sizes.size(); ++i) {
      const double d = size_distance(sizes[i], centres[nearest(centres, sizes[i])]);
      weight[i] = d * d;
    }
    std::discrete_distribution<size_t> pick(weight.begin(), weight.end());
    centres.push_back(sizes[pick(rng)]);
  }
  return centres;
}

/// Lloyd iterations with the mean size of each cluster as its centre.
void refine(const std::vector<AnchorSize>& sizes, std::vector<AnchorSize>& centres) {
  for (int iter = 0; iter < 100; ++iter) {
    std::vector<double> sw(centres.size()), sh(centres.size()), n(centres.size());
    for (const auto& s : sizes) {
      const size_t k = nearest(centres, s);
      sw[k] += s.width, sh[k] += s.height, n[k] += 1;
    }
    bool moved = false;
    for (size_t k = 0; k < centres.size(); ++k) {
      if (n[k] == 0) continue;
      const AnchorSize next{static_cast<float>(sw[k] / n[k]), static_cast<float>(sh[k] / n[k])};
      moved |= next.width != centres[k].width || next.height != centres[k].height;
      centres[k] = next;
    }
    if (!moved) return;
  }
}

/// `k` sizes spread geometrically between the smallest and the largest of `sizes`.
std::vector<AnchorSize> geometric_sizes(const std::vector<AnchorSize>& sizes, size_t k) {
  const auto [lo, hi] = std::minmax_element(sizes.begin(), sizes.end(), [](const auto& a, const auto& b) {
    return a.width * a.height < b.width * b.height;
  });
  std::vector<AnchorSize> out;
  for (size_t i = 0; i < k; ++i) {
    const double t = k == 1 ? 0.5 : static_cast<double>(i) / static_cast<double>(k - 1);
    out.push_back({static_cast<float>(lo->width * std::pow(hi->width / lo->width, t)),
                   static_cast<float>(lo->height * std::pow(hi->height / lo->height, t))});
  }
  return out;
}

}  // namespace

std::pair<int, int> yolo_output_counts(const Graph& graph, int num_classes) {
  PK_CHECK(num_classes >= 1, "a detector needs at least 1 class, got {}", num_classes);
  PK_CHECK(!graph.outputs().empty(), "the graph has no outputs");
  const int per_anchor = 5 + num_classes;
  const int64_t channels = output_shape(graph, graph.outputs()[0]).channels();
  for (const auto& name : graph.outputs()) {
    const int64_t c = output_shape(graph, name).channels();
    PK_CHECK(c == channels && c % per_anchor == 0,
             "output '{}' has {} channels; a YOLO detector with {} classes has anchors·{} channels at every "
             "output (the first output has {})",
             name, c, num_classes, per_anchor, channels);
  }
  return {static_cast<int>(graph.outputs().size()), static_cast<int>(channels / per_anchor)};
}

YoloLayout yolo_layout(const Graph& graph, const std::vector<std::vector<AnchorSize>>& anchors) {
  PK_CHECK(graph.input_names().size() == 1, "a detector has one image input, this graph has {}",
           graph.input_names().size());
  const Shape& input = graph.node(graph.input_names()[0]).shape;
  PK_CHECK(input.rank() == 3, "the detector input must be [C, H, W], got rank {}", input.rank());
  const int64_t out_channels = output_shape(graph, graph.outputs().at(0)).channels();
  PK_CHECK(!anchors.empty() && !anchors[0].empty(), "no anchors given for the detector's outputs");
  const int per_scale = static_cast<int>(anchors[0].size());
  PK_CHECK(out_channels % per_scale == 0 && out_channels / per_scale > 5,
           "output '{}' has {} channels, not {} anchors × (5 + classes)", graph.outputs()[0], out_channels,
           per_scale);
  YoloLayout layout;
  layout.num_classes = static_cast<int>(out_channels / per_scale) - 5;
  layout.input_h = static_cast<int>(input.height());
  layout.input_w = static_cast<int>(input.width());
  yolo_output_counts(graph, layout.num_classes);  // the same channel count everywhere
  PK_CHECK(anchors.size() == graph.outputs().size(), "{} anchor sets for {} detector outputs", anchors.size(),
           graph.outputs().size());
  for (size_t s = 0; s < anchors.size(); ++s) {
    const std::string& name = graph.outputs()[s];
    const Shape& shape = graph.node(name).shape;
    YoloScale scale{name, static_cast<int>(layout.input_w / shape.width()), static_cast<int>(shape.height()),
                    static_cast<int>(shape.width()), anchors[s]};
    PK_CHECK(static_cast<int64_t>(scale.stride) * shape.width() == layout.input_w &&
                 static_cast<int64_t>(scale.stride) * shape.height() == layout.input_h,
             "output '{}' is {}x{}, which does not divide the {}x{} input evenly", name, shape.height(),
             shape.width(), layout.input_h, layout.input_w);
    PK_CHECK(layout.scales.empty() || scale.stride > layout.scales.back().stride,
             "detector outputs must be listed by increasing stride; '{}' (stride {}) follows stride {}", name,
             scale.stride, layout.scales.empty() ? 0 : layout.scales.back().stride);
    PK_CHECK(static_cast<int>(scale.anchors.size()) == per_scale, "output '{}' has {} anchors, the first has {}",
             name, scale.anchors.size(), per_scale);
    for (const auto& a : scale.anchors)
      PK_CHECK(a.width > 0 && a.height > 0 && std::isfinite(a.width) && std::isfinite(a.height),
               "anchor {}x{} of output '{}' must be a positive size", a.width, a.height, name);
    layout.scales.push_back(std::move(scale));
  }
  return layout;
}

std::vector<std::vector<AnchorSize>> fit_anchors(const ImageObjects& objects, int scales, int per_scale,
                                                  uint64_t seed) {
  PK_CHECK(scales >= 1 && per_scale >= 1, "anchors: need ≥ 1 scale and ≥ 1 anchor per scale");
  std::vector<AnchorSize> sizes;
  for (const auto& image : objects)
    for (const auto& o : image)
      if (o.box.width() > 0 && o.box.height() > 0) sizes.push_back({o.box.width(), o.box.height()});
  PK_CHECK(!sizes.empty(), "anchors: the training set has no object boxes to fit anchors to");
  const size_t k = static_cast<size_t>(scales) * static_cast<size_t>(per_scale);
  std::vector<AnchorSize> distinct = sizes;
  std::sort(distinct.begin(), distinct.end(),
            [](const auto& a, const auto& b) { return std::tie(a.width, a.height) < std::tie(b.width, b.height); });
  distinct.erase(std::unique(distinct.begin(), distinct.end(),
                             [](const auto& a, const auto& b) { return a.width == b.width && a.height == b.height; }),
                 distinct.end());
  std::vector<AnchorSize> centres;
  if (distinct.size() < k) {
    centres = geometric_sizes(sizes, k);
  } else {
    centres = seed_centres(sizes, k, seed);
    refine(sizes, centres);
  }
  std::sort(centres.begin(), centres.end(),
            [](const auto& a, const auto& b) { return a.width * a.height < b.width * b.height; });
  std::vector<std::vector<AnchorSize>> out(static_cast<size_t>(scales));
  for (size_t i = 0; i < k; ++i) out[i / static_cast<size_t>(per_scale)].push_back(centres[i]);
  return out;
}

nlohmann::json anchors_to_json(const std::vector<std::vector<AnchorSize>>& anchors) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& scale : anchors) {
    nlohmann::json s = nlohmann::json::array();
    for (const auto& a : scale) s.push_back({a.width, a.height});
    j.push_back(s);
  }
  return j;
}

std::vector<std::vector<AnchorSize>> anchors_from_json(const nlohmann::json& j, const std::string& what) {
  const auto bad = [&] { return UserError(fmt::format("{}: anchors must be [[[width, height], ...] per scale] "
                                                      "with positive numbers, got {}", what, j.dump())); };
  if (!j.is_array() || j.empty()) throw bad();
  std::vector<std::vector<AnchorSize>> out;
  for (const auto& scale : j) {
    if (!scale.is_array() || scale.empty()) throw bad();
    out.emplace_back();
    for (const auto& a : scale) {
      if (!a.is_array() || a.size() != 2 || !a[0].is_number() || !a[1].is_number()) throw bad();
      const AnchorSize size{a[0].get<float>(), a[1].get<float>()};
      if (!(size.width > 0 && size.height > 0)) throw bad();
      out.back().push_back(size);
    }
  }
  return out;
}

}  // namespace pk
