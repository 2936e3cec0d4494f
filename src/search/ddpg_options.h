// Settings of the DDPG agent shared by LFGCL and AMC (algorithms.md §2). Torch-free, so the
// strategy registry and option structs can carry them.
#pragma once

#include <cstdint>

namespace pk {

struct DdpgOptions {
  int hidden = 300;            // units of both hidden layers of the actor and of the critic
  double actor_lr = 1e-4;      // Adam
  double critic_lr = 1e-3;     // Adam
  double tau = 0.01;           // soft target update: θ' ← τ·θ + (1 − τ)·θ' after every update
  double discount = 1.0;       // γ of the critic target r + γ·Q'(s', μ'(s')) of a non-terminal transition
  int batch = 64;              // transitions per update (no update until the buffer holds this many)
  int buffer = 4000;           // replay capacity in transitions (oldest dropped first)
  int updates_per_transition = 1;  // minibatch updates per observed transition
  /// Rewards enter the critic minus their moving average m, updated once per update from the
  /// batch: m ← m + rate·(mean batch reward − m). Makes Q's scale independent of the reward's.
  double reward_average_rate = 0.5;
  uint64_t seed = 0;
};

/// The exploration schedule: `warmup` episodes of uniform random actions, then the actor's action
/// plus truncated-normal noise of σ = sigma·decay^(episode − warmup) (actions live in [0, 1]).
struct ExplorationOptions {
  int warmup = 100;
  double sigma = 0.5;
  double decay = 0.99;  // the papers: 0.95 (measured: too fast for 300 episodes, ddpg_test.cpp)

  /// σ of `episode` (0-based); 0 before the end of the warm-up is never asked for.
  double sigma_at(int episode) const;
};

}  // namespace pk
