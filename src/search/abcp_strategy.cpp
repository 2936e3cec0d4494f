#include "search/abcp_strategy.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "search/strategy_registry.h"

namespace pk {

double AbcpOptions::effective_learning_rate() const {
  if (learning_rate > 0) return learning_rate;
  return std::min(0.01, lr_budget / std::max(1, planned_updates));
}

AbcpStrategy::AbcpStrategy(SearchSpace space, AbcpOptions options)
    : space_(std::move(space)), options_(options), controller_(nullptr),
      generator_(at::make_generator<at::CPUGeneratorImpl>(options.seed)) {
  validate(space_);
  PK_CHECK(space_.size() > 0, "ABCP needs at least one decision (no prunable group or removable block)");
  PK_CHECK(!space_.has_kind(DecisionKind::kCategory),
           "ABCP decides block bits and prune ratios; this search space has categorical decisions");
  PK_CHECK(options_.learning_rate >= 0, "controller learning rate {} must be ≥ 0 (0 = automatic)",
           options_.learning_rate);
  PK_CHECK(options_.lr_budget > 0, "controller learning-rate budget {} must be > 0", options_.lr_budget);
  PK_CHECK(options_.baseline_decay >= 0 && options_.baseline_decay < 1, "baseline decay {} must be in [0, 1)",
           options_.baseline_decay);
  PK_CHECK(options_.entropy_bonus >= 0, "entropy bonus {} must be ≥ 0", options_.entropy_bonus);
  PK_CHECK(options_.controller.hidden >= 1, "controller hidden size {} must be ≥ 1", options_.controller.hidden);
  {
    // The controller's initial weights come from the strategy's own seed, not the global RNG.
    torch::manual_seed(options.seed);
    controller_ = AbcpController(space_.feature_size(), options_.controller);
  }
  optimizer_ = std::make_unique<torch::optim::Adam>(
      controller_->parameters(),
      torch::optim::AdamOptions(options_.effective_learning_rate()).betas({0.0, 0.999}));
}

std::vector<Action> AbcpStrategy::ask(int n) {
  torch::NoGradGuard no_grad;
  std::vector<Action> actions;
  for (int i = 0; i < n; ++i) actions.push_back(controller_->sample(space_, generator_).action);
  return actions;
}

void AbcpStrategy::tell(const std::vector<ScoredAction>& scored) {
  if (scored.empty()) return;
  if (!baseline_) {
    double mean = 0;
    for (const auto& s : scored) mean += s.reward;
    baseline_ = mean / scored.size();
  }
  std::vector<double> advantages;
  for (const auto& s : scored) advantages.push_back(s.reward - *baseline_);
  if (options_.standardize_advantages) {
    double square = 0;
    for (double a : advantages) square += a * a;
    const double rms = std::sqrt(square / advantages.size());
    for (double& a : advantages) a = rms > 1e-12 ? a / rms : 0.0;
  }
  torch::Tensor loss = torch::zeros({});
  for (size_t i = 0; i < scored.size(); ++i) {
    Rollout r = controller_->evaluate(space_, scored[i].sampled);
    loss = loss - advantages[i] * r.log_prob - options_.entropy_bonus * r.entropy;
  }
  loss = loss / static_cast<double>(scored.size());
  optimizer_->zero_grad();
  loss.backward();
  optimizer_->step();
  for (const auto& s : scored) baseline_ = options_.baseline_decay * *baseline_ + (1 - options_.baseline_decay) * s.reward;
}

double AbcpStrategy::log_prob(const Action& action) {
  torch::NoGradGuard no_grad;
  return controller_->evaluate(space_, action).log_prob.item<double>();
}

void AbcpStrategy::save(std::ostream& out) const {
  torch::serialize::OutputArchive archive;
  controller_->save(archive);
  torch::serialize::OutputArchive optim;
  optimizer_->save(optim);
  archive.write("optimizer", optim);
  archive.write("baseline", torch::tensor({baseline_.value_or(0.0), baseline_ ? 1.0 : 0.0}, torch::kFloat64));
  archive.write("generator", generator_.get_state());
  archive.save_to(out);
}

void AbcpStrategy::load(std::istream& in) {
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(in);
    controller_->load(archive);
    torch::serialize::InputArchive optim;
    archive.read("optimizer", optim);
    optimizer_->load(optim);
    torch::Tensor b, state;
    archive.read("baseline", b);
    baseline_ = b[1].item<double>() > 0 ? std::optional<double>(b[0].item<double>()) : std::nullopt;
    archive.read("generator", state);
    generator_.set_state(state);
  } catch (const c10::Error&) {
    throw UserError("ABCP strategy state is corrupt or from another search space");
  }
}

StrategyInfo abcp_strategy_info() {
  StrategyInfo info;
  info.name = "abcp";
  info.summary = "an LSTM controller trained with REINFORCE samples block removals and prune ratios";
  info.default_fill = true;
  info.options = {
      {"controller_lr", "Adam learning rate of the LSTM controller (0 = automatic: min(0.01, 0.15 / updates))", 0.0},
      {"baseline_decay", "decay of the reward baseline (exponential moving average)", 0.95},
      {"entropy_bonus", "weight of the entropy bonus", 1e-4},
      {"controller_hidden", "hidden units of the LSTM controller", 64},
      {"keep_probability", "initial probability of keeping each residual block", 0.8},
      {"standardize_advantages", "divide each update's advantages by their root mean square", true},
  };
  info.create = [](const StrategyContext& context, const nlohmann::json& o) -> std::unique_ptr<SearchStrategy> {
    AbcpOptions a;
    a.learning_rate = o.at("controller_lr").get<double>();
    a.baseline_decay = o.at("baseline_decay").get<double>();
    a.entropy_bonus = o.at("entropy_bonus").get<double>();
    a.controller.hidden = o.at("controller_hidden").get<int>();
    a.controller.initial_keep_probability = o.at("keep_probability").get<double>();
    a.standardize_advantages = o.at("standardize_advantages").get<bool>();
    a.planned_updates = context.planned_updates;
    a.seed = context.seed;
    return std::make_unique<AbcpStrategy>(context.space, a);
  };
  return info;
}

}  // namespace pk
