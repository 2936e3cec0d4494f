#include "eval/latency.h"

#include <algorithm>

#include "core/error.h"
#include "core/timer.h"
#include "exec/threads.h"
#include "weights/fold_batchnorm.h"

namespace pk {

namespace {

LatencyResult measure_as_is(Executor& executor, const LatencyOptions& o) {
  PK_CHECK(o.batch >= 1, "latency batch {} must be ≥ 1", o.batch);
  PK_CHECK(o.repetitions >= 1, "latency repetitions {} must be ≥ 1", o.repetitions);
  const auto inputs = executor.graph().input_names();
  PK_CHECK(inputs.size() == 1, "latency needs a single-input graph, this one has {} inputs", inputs.size());
  const int previous_threads = torch::get_num_threads();
  LatencyResult r;
  r.batch = o.batch;
  r.threads = configure_threads(o.threads);
  try {
    torch::NoGradGuard no_grad;
    executor.eval();
    std::vector<int64_t> shape{o.batch};
    for (auto d : executor.graph().node(inputs[0]).shape.dims) shape.push_back(d);
    auto gen = at::make_generator<at::CPUGeneratorImpl>(o.seed);
    const torch::Tensor x = torch::randn(shape, gen);
    for (int i = 0; i < o.warmup; ++i) executor.forward(x);
    std::vector<double> ms;
    Timer total;
    for (int i = 0; i < o.repetitions; ++i) {
      Timer t;
      executor.forward(x);
      ms.push_back(t.seconds() * 1e3);
      if (ms.size() >= 3 && total.seconds() > o.max_seconds) break;
    }
    std::sort(ms.begin(), ms.end());
    auto pct = [&](double q) { return ms[std::min(ms.size() - 1, static_cast<size_t>(q * (ms.size() - 1) + 0.5))]; };
    r.runs = static_cast<int>(ms.size());
    r.median_ms = pct(0.5);
    r.p10_ms = pct(0.1);
    r.p90_ms = pct(0.9);
    r.images_per_second = o.batch / (r.median_ms / 1e3);
  } catch (...) {
    torch::set_num_threads(previous_threads);
    throw;
  }
  torch::set_num_threads(previous_threads);
  return r;
}

}  // namespace

LatencyResult measure_latency(Executor& executor, const LatencyOptions& o) {
  executor.eval();
  if (!o.fold_batchnorm) return measure_as_is(executor, o);
  FoldedNetwork folded = fold_batchnorm(executor.graph(), executor.weights());
  Executor inference(std::move(folded.graph), std::move(folded.weights));
  return measure_as_is(inference, o);
}

}  // namespace pk
