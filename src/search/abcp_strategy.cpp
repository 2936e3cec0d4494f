#include "search/abcp_strategy.h"

#include "core/error.h"

namespace pk {

AbcpStrategy::AbcpStrategy(SearchSpace space, AbcpOptions options)
    : space_(std::move(space)), options_(options), controller_(nullptr),
      generator_(at::make_generator<at::CPUGeneratorImpl>(options.seed)) {
  validate(space_);
  PK_CHECK(space_.size() > 0, "ABCP needs at least one decision (no prunable group or removable block)");
  PK_CHECK(options_.learning_rate > 0, "controller learning rate {} must be > 0", options_.learning_rate);
  PK_CHECK(options_.baseline_decay >= 0 && options_.baseline_decay < 1, "baseline decay {} must be in [0, 1)",
           options_.baseline_decay);
  {
    // The controller's initial weights come from the strategy's own seed, not the global RNG.
    torch::manual_seed(options.seed);
    controller_ = AbcpController(space_.feature_size(), options_.controller);
  }
  optimizer_ = std::make_unique<torch::optim::Adam>(
      controller_->parameters(), torch::optim::AdamOptions(options_.learning_rate).betas({0.0, 0.999}));
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
  torch::Tensor loss = torch::zeros({});
  const double b = *baseline_;
  for (const auto& s : scored) {
    Rollout r = controller_->evaluate(space_, s.action);
    loss = loss - (s.reward - b) * r.log_prob - options_.entropy_bonus * r.entropy;
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
  } catch (const c10::Error&) {
    throw UserError("ABCP strategy state is corrupt");
  }
  controller_->load(archive);
  torch::serialize::InputArchive optim;
  archive.read("optimizer", optim);
  optimizer_->load(optim);
  torch::Tensor b, state;
  archive.read("baseline", b);
  baseline_ = b[1].item<double>() > 0 ? std::optional<double>(b[0].item<double>()) : std::nullopt;
  archive.read("generator", state);
  generator_.set_state(state);
}

}  // namespace pk
