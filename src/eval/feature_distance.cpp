#include "eval/feature_distance.h"

#include "core/error.h"
#include "data/loader.h"

namespace pk {
namespace {

/// Runs `net` over `images` in order; calls visit(batch_begin, outputs-by-name) per batch.
template <class Visit>
void for_each_batch(Executor& net, const Dataset& images, const Normalization& normalization, int64_t batch_size,
                    const std::vector<std::string>& taps, Visit visit) {
  torch::NoGradGuard no_grad;
  net.eval();
  DataLoader loader(images, LoaderOptions::in_order(batch_size, normalization));
  loader.start_epoch(0);
  Batch batch;
  int64_t begin = 0;
  while (loader.next(batch)) {
    visit(begin, net.forward_taps(batch.images, taps));
    begin += batch.images.size(0);
  }
}

/// τ²·KL(softmax(t/τ) ‖ softmax(s/τ)) per row: float [B].
torch::Tensor kl_per_row(const torch::Tensor& student, const torch::Tensor& teacher, double tau) {
  const auto log_s = torch::log_softmax(student / tau, 1);
  const auto log_t = torch::log_softmax(teacher / tau, 1);
  return (log_t.exp() * (log_t - log_s)).sum(1) * (tau * tau);
}

}  // namespace

TeacherReference::TeacherReference(Executor& teacher, const Dataset& images, const Normalization& normalization,
                                   const FeatureDistanceOptions& options)
    : images_(images), normalization_(normalization), options_(options) {
  PK_CHECK(images.size() > 0, "label-free scoring needs images; '{}' is empty", images.name);
  PK_CHECK(options.temperature > 0, "distillation temperature must be > 0, got {}", options.temperature);
  PK_CHECK(options.beta >= 0, "feature weight β must be ≥ 0, got {}", options.beta);
  PK_CHECK(options.batch_size > 0, "batch size must be > 0, got {}", options.batch_size);
  images_.labels = torch::Tensor();
  const Graph& g = teacher.graph();
  PK_CHECK(g.outputs().size() == 1, "label-free scoring needs a single-output network, '{}' has {}", images.name,
           g.outputs().size());
  output_node_ = g.outputs()[0];
  const Node& out = g.node(output_node_);
  if (options.beta > 0 && out.op == OpKind::kLinear) feature_node_ = out.inputs.at(0);
  std::vector<std::string> taps;
  if (!feature_node_.empty()) taps.push_back(feature_node_);

  std::vector<torch::Tensor> logits, features;
  for_each_batch(teacher, images_, normalization_, options.batch_size, taps,
                 [&](int64_t, const std::map<std::string, torch::Tensor>& out_by_name) {
                   logits.push_back(out_by_name.at(output_node_).flatten(1).clone());
                   if (!feature_node_.empty()) features.push_back(out_by_name.at(feature_node_).flatten(1).clone());
                 });
  logits_ = torch::cat(logits);
  if (!feature_node_.empty()) {
    features_ = torch::cat(features);
    feature_norm2_ = features_.pow(2).sum(1).clamp_min(1e-12);
  }
}

double TeacherReference::distance(Executor& student, const std::vector<int>& kept_features) const {
  const Graph& g = student.graph();
  PK_CHECK(g.outputs().size() == 1 && g.outputs()[0] == output_node_,
           "label-free scoring: the student's output must be '{}' like the teacher's", output_node_);
  std::vector<std::string> taps;
  torch::Tensor lost_norm2;  // [N]: Σ over teacher features the student lost of f_t²
  torch::Tensor kept_index;
  if (!feature_node_.empty()) {
    taps.push_back(feature_node_);
    const int64_t features = features_.size(1);
    if (kept_features.empty()) {
      kept_index = torch::arange(features, torch::kLong);
    } else {
      kept_index = torch::tensor(std::vector<int64_t>(kept_features.begin(), kept_features.end()), torch::kLong);
      PK_CHECK(kept_index.min().item<int64_t>() >= 0 && kept_index.max().item<int64_t>() < features,
               "label-free scoring: kept feature indices must be in [0, {})", features);
    }
    auto lost = torch::ones({features}, torch::kBool);
    lost.index_put_({kept_index}, false);
    lost_norm2 = features_.index({torch::indexing::Slice(), lost}).pow(2).sum(1);
  }
  double sum = 0;
  for_each_batch(student, images_, normalization_, options_.batch_size, taps,
                 [&](int64_t begin, const std::map<std::string, torch::Tensor>& out_by_name) {
                   const auto z_s = out_by_name.at(output_node_).flatten(1);
                   const int64_t b = z_s.size(0);
                   const auto z_t = logits_.narrow(0, begin, b);
                   PK_CHECK(z_s.size(1) == z_t.size(1), "label-free scoring: the student has {} outputs, the teacher {}",
                            z_s.size(1), z_t.size(1));
                   auto d = kl_per_row(z_s, z_t, options_.temperature);
                   if (!feature_node_.empty()) {
                     const auto f_s = out_by_name.at(feature_node_).flatten(1);
                     PK_CHECK(f_s.size(1) == kept_index.size(0),
                              "label-free scoring: the student has {} features at '{}' but {} are listed as kept",
                              f_s.size(1), feature_node_, kept_index.size(0));
                     const auto f_t = features_.narrow(0, begin, b).index_select(1, kept_index);
                     const auto diff2 = (f_s - f_t).pow(2).sum(1) + lost_norm2.narrow(0, begin, b);
                     d = d + options_.beta * diff2 / feature_norm2_.narrow(0, begin, b);
                   }
                   sum += d.sum().item<double>();
                 });
  return sum / static_cast<double>(size());
}

}  // namespace pk
