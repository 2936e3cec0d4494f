#include "train/evaluate.h"

#include <algorithm>
#include <optional>

#include "core/error.h"
#include "core/progress.h"
#include "core/timer.h"
#include "data/loader.h"

namespace pk {

EvalResult evaluate(Executor& executor, const Dataset& data, const Normalization& normalization, int64_t batch_size,
                    bool show_progress) {
  PK_CHECK(data.size() > 0, "cannot evaluate on an empty dataset '{}'", data.name);
  torch::NoGradGuard no_grad;
  executor.eval();
  DataLoader loader(data, LoaderOptions::in_order(batch_size, normalization));
  loader.start_epoch(0);
  PK_CHECK(data.has_labels(), "accuracy on '{}' needs labels, and this dataset has none", data.name);
  EvalResult r;
  double loss_sum = 0;
  int64_t correct1 = 0, correct5 = 0;
  Timer timer;
  std::optional<ProgressBar> bar;
  if (show_progress) bar.emplace("eval", loader.batches_per_epoch());
  int64_t step = 0;
  Batch batch;
  while (loader.next(batch)) {
    auto logits = executor.forward(batch.images);
    loss_sum += torch::nn::functional::cross_entropy(logits, batch.labels).item<double>() * batch.labels.size(0);
    const int64_t k = std::min<int64_t>(5, logits.size(1));
    auto topk = std::get<1>(logits.topk(k, 1));
    auto hits = topk.eq(batch.labels.unsqueeze(1));
    correct1 += hits.select(1, 0).sum().item<int64_t>();
    correct5 += hits.any(1).sum().item<int64_t>();
    r.samples += batch.labels.size(0);
    if (bar) bar->update(++step, fmt::format("top1={:.2f}%", 100.0 * correct1 / r.samples));
  }
  if (bar) bar->finish(fmt::format("top1={:.2f}%", 100.0 * correct1 / r.samples));
  r.top1 = static_cast<double>(correct1) / r.samples;
  r.top5 = static_cast<double>(correct5) / r.samples;
  r.loss = loss_sum / r.samples;
  r.images_per_second = r.samples / std::max(timer.seconds(), 1e-9);
  return r;
}

}  // namespace pk
