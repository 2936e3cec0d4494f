#include "search/abcp_controller.h"

#include <cmath>

#include "core/error.h"

namespace pk {
namespace {

constexpr double kBetaEdge = 1e-6;  // Beta samples are kept inside (0, 1) for finite log-densities

/// log B(a, b)
torch::Tensor log_beta_function(const torch::Tensor& a, const torch::Tensor& b) {
  return torch::lgamma(a) + torch::lgamma(b) - torch::lgamma(a + b);
}

}  // namespace

AbcpControllerImpl::AbcpControllerImpl(int feature_size, AbcpControllerOptions options) : options_(options) {
  lstm_ = register_module("lstm", torch::nn::LSTMCell(options.embedding + feature_size, options.hidden));
  start_ = register_parameter("start", torch::zeros({1, options.embedding}));
  bit_embedding_ = register_module("bit_embedding", torch::nn::Embedding(2, options.embedding));
  ratio_embedding_ = register_module("ratio_embedding", torch::nn::Linear(1, options.embedding));
  bit_head_ = register_module("bit_head", torch::nn::Linear(options.hidden, 2));
  ratio_head_ = register_module("ratio_head", torch::nn::Linear(options.hidden, 2));
  // Keep-biased block bits: logits c·tanh(±t) give P(keep) = p when 2c·tanh(t) = logit(p).
  const double p = options.initial_keep_probability;
  PK_CHECK(p > 0 && p < 1, "initial keep probability {} must be in (0, 1)", p);
  const double half_gap = std::log(p / (1 - p)) / (2 * options.logit_scale);
  PK_CHECK(std::abs(half_gap) < 1, "initial keep probability {} is out of reach of logit scale {}", p,
           options.logit_scale);
  torch::NoGradGuard no_grad;
  bit_head_->bias.copy_(torch::tensor({std::atanh(half_gap), -std::atanh(half_gap)}));
}

Rollout AbcpControllerImpl::sample(const SearchSpace& space, at::Generator& generator) {
  return walk(space, nullptr, &generator);
}

Rollout AbcpControllerImpl::evaluate(const SearchSpace& space, const Action& action) {
  PK_ASSERT(static_cast<int>(action.values.size()) == space.size(), "action has {} values for {} decisions",
            action.values.size(), space.size());
  return walk(space, &action, nullptr);
}

Rollout AbcpControllerImpl::walk(const SearchSpace& space, const Action* given, at::Generator* generator) {
  Rollout r;
  r.action.values.assign(space.size(), Action::kSkipped);
  r.log_prob = torch::zeros({});
  r.entropy = torch::zeros({});
  torch::Tensor h = torch::zeros({1, options_.hidden}), c = torch::zeros({1, options_.hidden});
  torch::Tensor previous = start_;
  for (int i = 0; i < space.size(); ++i) {
    const Decision& d = space.decisions[i];
    if (d.owner_block >= 0 && r.action.values[d.owner_block] == 1.0) continue;  // inside a removed block
    torch::Tensor features =
        torch::tensor(std::vector<float>(d.features.begin(), d.features.end()), torch::kFloat32).view({1, -1});
    std::tie(h, c) = lstm_->forward(torch::cat({previous, features}, 1), std::make_tuple(h, c));
    if (d.kind == DecisionKind::kBlockBit) {
      auto logits = options_.logit_scale * torch::tanh(bit_head_->forward(h)).view({2});
      auto log_p = torch::log_softmax(logits, 0);
      int64_t bit;
      if (given) {
        bit = given->values[i] == 1.0 ? 1 : 0;
      } else {
        bit = torch::multinomial(log_p.exp().detach(), 1, false, *generator).item<int64_t>();
      }
      r.action.values[i] = static_cast<double>(bit);
      r.log_prob = r.log_prob + log_p[bit];
      r.entropy = r.entropy - (log_p.exp() * log_p).sum();
      previous = bit_embedding_->forward(torch::tensor({bit}, torch::kLong));
    } else {
      auto ab = 1.0 + torch::softplus(ratio_head_->forward(h)).view({2});
      auto alpha = ab[0], beta = ab[1];
      double x;
      if (given) {
        x = given->values[i] / space.max_ratio;
      } else {
        torch::NoGradGuard no_grad;
        auto ga = at::_standard_gamma(alpha.detach().view({1}), *generator);
        auto gb = at::_standard_gamma(beta.detach().view({1}), *generator);
        x = (ga / (ga + gb)).item<double>();
      }
      x = std::min(std::max(x, kBetaEdge), 1.0 - kBetaEdge);
      r.action.values[i] = x * space.max_ratio;
      // Beta log-density; the constant Jacobian of the scaling to [0, max_ratio] is omitted.
      r.log_prob = r.log_prob + (alpha - 1) * std::log(x) + (beta - 1) * std::log1p(-x) - log_beta_function(alpha, beta);
      r.entropy = r.entropy + log_beta_function(alpha, beta) - (alpha - 1) * torch::digamma(alpha) -
                  (beta - 1) * torch::digamma(beta) + (alpha + beta - 2) * torch::digamma(alpha + beta);
      previous = ratio_embedding_->forward(torch::tensor({static_cast<float>(x)}).view({1, 1}));
    }
  }
  return r;
}

}  // namespace pk
