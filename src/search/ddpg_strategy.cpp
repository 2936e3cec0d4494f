#include "search/ddpg_strategy.h"

#include <algorithm>
#include <cmath>
#include <istream>
#include <ostream>

#include <fmt/format.h>

#include "core/error.h"
#include "search/strategy_registry.h"

namespace pk {

double decision_value(const Decision& d, double u, double max_ratio) {
  u = std::clamp(u, 0.0, 1.0);
  switch (d.kind) {
    case DecisionKind::kBlockBit:
      return u < 0.5 ? 1.0 : 0.0;
    case DecisionKind::kCategory: {
      const int n = static_cast<int>(d.choices.size());
      return std::min(n - 1, static_cast<int>(u * n));
    }
    case DecisionKind::kRatio:
      break;
  }
  return max_ratio * (1 - u);
}

double agent_value(const Decision& d, double evaluated, double sampled_u, double max_ratio) {
  if (std::isnan(evaluated)) return sampled_u;
  switch (d.kind) {
    case DecisionKind::kBlockBit:
      if (decision_value(d, sampled_u, max_ratio) == evaluated) return sampled_u;
      return evaluated == 1.0 ? 0.0 : 1.0;
    case DecisionKind::kCategory:
      return sampled_u;
    case DecisionKind::kRatio:
      break;
  }
  return std::clamp(1 - evaluated / max_ratio, 0.0, 1.0);
}

DdpgStrategy::DdpgStrategy(SearchSpace space, int state_size, int action_size, DdpgOptions ddpg,
                           ExplorationOptions exploration)
    : space_(std::move(space)), exploration_(exploration) {
  validate(space_);
  PK_CHECK(space_.size() > 0, "the search space has no decision (no prunable group or removable block)");
  PK_CHECK(exploration_.warmup >= 0, "warm-up episodes {} must be ≥ 0", exploration_.warmup);
  PK_CHECK(exploration_.sigma > 0, "exploration noise σ = {} must be > 0", exploration_.sigma);
  PK_CHECK(exploration_.decay > 0 && exploration_.decay <= 1, "exploration decay {} must be in (0, 1]",
           exploration_.decay);
  agent_ = std::make_unique<DdpgAgent>(state_size, action_size, ddpg);
}

std::vector<double> DdpgStrategy::agent_action(const std::vector<double>& state, int episode) {
  if (episode < exploration_.warmup) return agent_->random_action();
  return agent_->explore(state, exploration_.sigma_at(episode));
}

void DdpgStrategy::learn(int steps, int updates_per_step) {
  if (told_ <= exploration_.warmup) return;
  for (int i = 0; i < steps * updates_per_step; ++i) agent_->update();
}

void DdpgStrategy::save(std::ostream& out) const {
  torch::serialize::OutputArchive archive;
  agent_->save(archive);
  archive.write("episodes_told", torch::tensor({static_cast<int64_t>(told_)}, torch::kInt64));
  archive.save_to(out);
}

void DdpgStrategy::load(std::istream& in) {
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(in);
    torch::Tensor told;
    archive.read("episodes_told", told);
    told_ = static_cast<int>(told.item<int64_t>());
  } catch (const c10::Error&) {
    throw UserError(fmt::format("{} strategy state is corrupt or from another search space", name()));
  }
  agent_->load(archive);
}

std::vector<StrategyOption> ddpg_strategy_options() {
  return {
      {"hidden", "units of each of the two hidden layers of the DDPG actor and critic", 300},
      {"actor_lr", "Adam learning rate of the DDPG actor", 1e-4},
      {"critic_lr", "Adam learning rate of the DDPG critic", 1e-3},
      {"tau", "soft update rate of the DDPG target networks", 0.01},
      {"ddpg_batch", "transitions per DDPG update", 64},
      {"replay_buffer", "DDPG replay capacity in transitions", 4000},
      {"warmup_fraction", "share of the episodes with uniform random actions before the agent acts", 0.25},
      {"noise_sigma", "initial σ of the truncated-normal exploration noise (actions in [0, 1])", 0.5},
      {"noise_decay", "σ is multiplied by this after every episode past the warm-up", 0.99},
      {"reward_average_rate", "rate of the moving average subtracted from the rewards", 0.5},
  };
}

DdpgOptions ddpg_options_from(const nlohmann::json& o, uint64_t seed) {
  DdpgOptions d;
  d.hidden = o.at("hidden").get<int>();
  d.actor_lr = o.at("actor_lr").get<double>();
  d.critic_lr = o.at("critic_lr").get<double>();
  d.tau = o.at("tau").get<double>();
  d.batch = o.at("ddpg_batch").get<int>();
  d.buffer = o.at("replay_buffer").get<int>();
  d.reward_average_rate = o.at("reward_average_rate").get<double>();
  d.seed = seed;
  return d;
}

ExplorationOptions exploration_options_from(const nlohmann::json& o, int planned_episodes) {
  const double fraction = o.at("warmup_fraction").get<double>();
  PK_CHECK(fraction >= 0 && fraction < 1, "--warmup-fraction {} must be in [0, 1)", fraction);
  ExplorationOptions e;
  e.warmup = static_cast<int>(std::lround(fraction * planned_episodes));
  e.sigma = o.at("noise_sigma").get<double>();
  e.decay = o.at("noise_decay").get<double>();
  return e;
}

}  // namespace pk
