#include "eval/output_map_distance.h"

#include <fmt/ranges.h>

#include "core/error.h"
#include "data/loader.h"

namespace pk {
namespace {

/// Runs `net` over `images` in order; calls visit(batch_begin, outputs) per batch.
template <class Visit>
void for_each_batch(Executor& net, const Dataset& images, const Normalization& normalization, int64_t batch_size,
                    Visit visit) {
  torch::NoGradGuard no_grad;
  net.eval();
  DataLoader loader(images, LoaderOptions::in_order(batch_size, normalization));
  loader.start_epoch(0);
  Batch batch;
  int64_t begin = 0;
  while (loader.next(batch)) {
    visit(begin, net.forward_all({batch.images}));
    begin += batch.images.size(0);
  }
}

}  // namespace

torch::Tensor output_map_distance(const std::vector<torch::Tensor>& student, const std::vector<torch::Tensor>& teacher) {
  PK_ASSERT(student.size() == teacher.size() && !student.empty(), "{} student outputs for {} teacher outputs",
            student.size(), teacher.size());
  torch::Tensor d;
  for (size_t o = 0; o < student.size(); ++o) {
    const auto y_s = student[o].flatten(1), y_t = teacher[o].flatten(1);
    PK_ASSERT(y_s.sizes() == y_t.sizes(), "output {}: student {} vs teacher {}", o, y_s.sizes(), y_t.sizes());
    const auto term = (y_s - y_t).pow(2).sum(1) / y_t.pow(2).sum(1).clamp_min(1e-12);
    d = o == 0 ? term : d + term;
  }
  return d;
}

bool has_output_maps(const Graph& graph) {
  if (graph.outputs().size() != 1) return true;
  return graph.node(graph.outputs()[0]).shape.rank() != 1;
}

OutputMapReference::OutputMapReference(Executor& teacher, const Dataset& images, const Normalization& normalization,
                                       int64_t batch_size)
    : images_(images), normalization_(normalization), batch_size_(batch_size), outputs_(teacher.graph().outputs()) {
  PK_CHECK(images.size() > 0, "label-free scoring needs images; '{}' is empty", images.name);
  PK_CHECK(batch_size > 0, "batch size must be > 0, got {}", batch_size);
  images_.labels = torch::Tensor();
  images_.objects.clear();
  std::vector<std::vector<torch::Tensor>> parts(outputs_.size());
  for_each_batch(teacher, images_, normalization_, batch_size_,
                 [&](int64_t, const std::vector<torch::Tensor>& ys) {
                   for (size_t o = 0; o < ys.size(); ++o) parts[o].push_back(ys[o].flatten(1).clone());
                 });
  for (auto& p : parts) teacher_.push_back(torch::cat(p));
}

double OutputMapReference::distance(Executor& student) const {
  PK_CHECK(student.graph().outputs() == outputs_, "label-free scoring: the student's outputs must be the teacher's ({})",
           fmt::join(outputs_, ", "));
  double sum = 0;
  for_each_batch(student, images_, normalization_, batch_size_, [&](int64_t begin, const std::vector<torch::Tensor>& ys) {
    std::vector<torch::Tensor> ts;
    for (size_t o = 0; o < ys.size(); ++o) {
      const int64_t n = ys[o].size(0), values = ys[o].numel() / std::max<int64_t>(n, 1);
      PK_CHECK(values == teacher_[o].size(1), "label-free scoring: output '{}' has {} values per image, the teacher's {}",
               outputs_[o], values, teacher_[o].size(1));
      ts.push_back(teacher_[o].narrow(0, begin, n));
    }
    sum += output_map_distance(ys, ts).sum().item<double>();
  });
  return sum / static_cast<double>(size());
}

}  // namespace pk
