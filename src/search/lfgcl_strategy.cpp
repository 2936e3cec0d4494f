#include "search/lfgcl_strategy.h"

#include "core/error.h"
#include "search/strategy_registry.h"

namespace pk {

std::vector<double> architecture_state(const SearchSpace& space, uint64_t seed) {
  torch::NoGradGuard no_grad;
  torch::manual_seed(seed ^ 0x9e3779b97f4a7c15ULL);
  torch::nn::Sequential encoder(torch::nn::Linear(space.feature_size(), 64), torch::nn::ReLU(),
                                torch::nn::Linear(64, 32), torch::nn::ReLU());
  torch::Tensor features = torch::zeros({space.size(), space.feature_size()}, torch::kFloat64);
  auto f = features.accessor<double, 2>();
  for (int i = 0; i < space.size(); ++i)
    for (int j = 0; j < space.feature_size(); ++j) f[i][j] = space.decisions[i].features[j];
  const torch::Tensor encoded = encoder->forward(features.to(torch::kFloat32));  // [L, 32]
  const torch::Tensor pooled = torch::cat({encoded.mean(0), std::get<0>(encoded.max(0))}).to(torch::kFloat64);
  return std::vector<double>(pooled.data_ptr<double>(), pooled.data_ptr<double>() + pooled.numel());
}

LfgclStrategy::LfgclStrategy(SearchSpace space, LfgclOptions options)
    : DdpgStrategy(space, 64, space.size(), options.ddpg, options.exploration), options_(options),
      state_(architecture_state(space_, options.ddpg.seed)) {
  PK_CHECK(space_.feature_size() > 0, "LFGCL needs decision features");
  PK_CHECK(options_.updates_per_candidate >= 0, "--updates-per-candidate {} must be ≥ 0",
           options_.updates_per_candidate);
}

Action LfgclStrategy::to_action(const std::vector<double>& u) const {
  Action a;
  a.values.resize(space_.size());
  for (int i = 0; i < space_.size(); ++i) {
    const Decision& d = space_.decisions[i];
    a.values[i] = d.owner_block >= 0 && a.values[d.owner_block] == 1.0 ? Action::kSkipped
                                                                      : decision_value(d, u[i], space_.max_ratio);
  }
  return a;
}

std::vector<Action> LfgclStrategy::ask(int n) {
  asked_.clear();
  std::vector<Action> actions;
  for (int k = 0; k < n; ++k) {
    asked_.push_back(agent_action(state_, told_ + k));
    actions.push_back(to_action(asked_.back()));
  }
  return actions;
}

void LfgclStrategy::tell(const std::vector<ScoredAction>& scored) {
  PK_ASSERT(scored.size() == asked_.size(), "told {} candidates, asked {}", scored.size(), asked_.size());
  for (size_t k = 0; k < scored.size(); ++k) {
    std::vector<double> stored(space_.size());
    for (int i = 0; i < space_.size(); ++i)
      stored[i] = agent_value(space_.decisions[i], scored[k].evaluated.values[i], asked_[k][i], space_.max_ratio);
    agent().observe({state_, stored, scored[k].reward, {}, true});
  }
  told_ += static_cast<int>(scored.size());
  learn(static_cast<int>(scored.size()), options_.updates_per_candidate);
  asked_.clear();
}

Action LfgclStrategy::greedy_action() { return to_action(agent().act(state_)); }

StrategyInfo lfgcl_strategy_info() {
  StrategyInfo info;
  info.name = "lfgcl";
  info.summary = "a DDPG agent sets every group's ratio at once from the architecture; label-free reward by default";
  info.default_fill = true;
  info.default_reward = RewardKind::kLabelFree;
  info.default_episodes = 400;
  info.options = ddpg_strategy_options();
  info.options.push_back({"updates_per_candidate", "DDPG minibatch updates after each candidate past the warm-up", 32});
  info.create = [](const StrategyContext& context, const nlohmann::json& o) -> std::unique_ptr<SearchStrategy> {
    LfgclOptions l;
    l.ddpg = ddpg_options_from(o, context.seed);
    l.exploration = exploration_options_from(o, context.planned_episodes);
    l.updates_per_candidate = o.at("updates_per_candidate").get<int>();
    return std::make_unique<LfgclStrategy>(context.space, l);
  };
  return info;
}

}  // namespace pk
