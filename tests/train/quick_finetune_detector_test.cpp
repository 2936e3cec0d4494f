// The detector candidate's short fine-tune: scope head trains the output convs only and lowers
// the YOLO loss on the batches it saw.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "core/error.h"
#include "models/darknet.h"
#include "train/quick_finetune_detector.h"
#include "train/yolo_loss.h"
#include "weights/weight_store.h"

namespace pk {
namespace {

Dataset boxes_dataset(int64_t n) {
  Dataset d;
  d.name = "boxes";
  d.class_names = {"a", "b"};
  d.images = torch::full({n, 3, 64, 64}, 40, torch::kByte);
  for (int64_t i = 0; i < n; ++i) {
    const int x = static_cast<int>(4 + 5 * i);
    d.images.index_put_({i, torch::indexing::Slice(), torch::indexing::Slice(10, 40),
                         torch::indexing::Slice(x, x + 20)},
                        200);
    d.objects.push_back({{static_cast<int>(i % 2), Box{static_cast<float>(x), 10, static_cast<float>(x + 20), 40}}});
  }
  return d;
}

double loss_on(Executor& net, const Dataset& d, const YoloLayout& layout) {
  torch::NoGradGuard ng;
  net.eval();
  const auto x = d.images.to(torch::kFloat32) / 255;
  return yolo_loss(net.forward_all({x}), d.objects, layout).total.item<double>();
}

TEST(QuickFinetuneDetector, HeadScopeTrainsOnlyTheOutputsAndLowersTheLoss) {
  ModelOptions o;
  o.input_size = 64;
  o.num_classes = 2;
  o.width = 0.125;
  const Graph g = build_yolo_tiny(o);
  Executor net(g, WeightStore::initialize(g, 3));
  const YoloLayout layout = yolo_layout(g, {{{20, 30}, {10, 10}, {30, 20}}, {{40, 40}, {20, 30}, {30, 20}}});
  const Dataset data = boxes_dataset(8);
  const WeightStore before = net.weights().clone();
  const double loss_before = loss_on(net, data, layout);
  QuickFinetuneOptions ft;
  ft.steps = 30;
  ft.batch_size = 8;
  ft.lr = 0.01;
  quick_finetune_detector(net, data, Normalization{}, ft, layout);
  EXPECT_LT(loss_on(net, data, layout), 0.8 * loss_before);
  for (const auto& [node, tensors] : before.all()) {
    const bool output = node.rfind("output.", 0) == 0;
    for (const auto& [name, t] : tensors)
      EXPECT_EQ(torch::equal(t, net.weights().get(node, name)), !output) << node << "." << name;
  }
  Dataset unboxed = data;
  unboxed.class_names.clear();
  unboxed.objects.clear();
  EXPECT_THROW(quick_finetune_detector(net, unboxed, Normalization{}, ft, layout), UserError);
}

}  // namespace
}  // namespace pk
