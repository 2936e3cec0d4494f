#include "train/bn_recalibration.h"

#include "core/error.h"
#include "data/loader.h"

namespace pk {

void recalibrate_batch_norm(Executor& executor, const Dataset& images, const Normalization& normalization,
                            const RecalibrationOptions& o) {
  PK_CHECK(o.batches >= 1 && o.batch_size >= 1, "BN recalibration needs ≥ 1 batch of ≥ 1 image");
  PK_CHECK(images.size() > 0, "BN recalibration: dataset '{}' is empty", images.name);
  const Graph& g = executor.graph();
  bool any_bn = false;
  {
    torch::NoGradGuard no_grad;
    for (const Node& n : g.nodes())
      if (n.op == OpKind::kBatchNorm2d) {
        const_cast<torch::Tensor&>(executor.weights().get(n.name, "running_mean")).zero_();
        const_cast<torch::Tensor&>(executor.weights().get(n.name, "running_var")).fill_(1.0);
        any_bn = true;
      }
  }
  if (!any_bn) return;
  DataLoader loader(images, LoaderOptions::sampled(o.batch_size, normalization, o.seed));
  loader.start_epoch(0);
  torch::NoGradGuard no_grad;
  executor.train();
  Batch batch;
  for (int k = 0; k < o.batches; ++k) {
    if (!loader.next(batch)) {  // fewer images than requested: wrap around
      loader.start_epoch(k);
      if (!loader.next(batch)) break;
    }
    executor.set_bn_momentum_override(1.0 / (k + 1));
    executor.forward(batch.images);
  }
  executor.set_bn_momentum_override(-1);
  executor.eval();
}

}  // namespace pk
