#include "train/quick_finetune_detector.h"

#include <torch/torch.h>

#include "core/error.h"
#include "data/detection_augment.h"
#include "data/random.h"
#include "train/yolo_loss.h"

namespace pk {
namespace {

/// The weight and bias of every output conv, made trainable.
std::vector<torch::Tensor> head_parameters(Executor& net) {
  std::vector<torch::Tensor> params;
  for (const auto& name : net.graph().outputs()) {
    PK_CHECK(net.graph().node(name).op == OpKind::kConv2d,
             "fine-tune scope head needs detector outputs that are Conv2d layers; '{}' is not", name);
    for (const char* t : {"weight", "bias"})
      if (net.weights().has(name, t)) {
        torch::Tensor p = net.weights().get(name, t);
        p.set_requires_grad(true);
        params.push_back(p);
      }
  }
  return params;
}

}  // namespace

void quick_finetune_detector(Executor& net, const Dataset& train, const Normalization& normalization,
                             const QuickFinetuneOptions& o, const YoloLayout& layout) {
  PK_CHECK(o.steps >= 0, "fine-tune steps must be ≥ 0, got {}", o.steps);
  if (o.steps == 0) return;
  PK_CHECK(o.lr > 0 && o.batch_size > 0, "fine-tune needs lr > 0 and batch size > 0");
  PK_CHECK(train.is_detection() && train.size() > 0, "fine-tuning a detector needs a non-empty detection set, not '{}'",
           train.name);
  std::vector<torch::Tensor> params = o.scope == FinetuneScope::kHead ? head_parameters(net) : net.parameters();
  torch::optim::SGD optimizer(params, torch::optim::SGDOptions(o.lr).momentum(0.9));
  const std::vector<int64_t> order = random_permutation(train.size(), o.seed);
  const int64_t batch = std::min<int64_t>(o.batch_size, train.size());
  net.train(o.scope == FinetuneScope::kAll);
  for (int step = 0; step < o.steps; ++step) {
    std::vector<int64_t> indices;
    for (int64_t i = 0; i < batch; ++i)
      indices.push_back(order[static_cast<size_t>((step * batch + i) % train.size())]);
    const DetectionBatch b = make_detection_batch(train, indices, std::nullopt, normalization, o.seed);
    const YoloLossParts loss = yolo_loss(net.forward_all({b.images}), b.objects, layout);
    optimizer.zero_grad();
    loss.total.backward();
    optimizer.step();
  }
  net.eval();
}

}  // namespace pk
