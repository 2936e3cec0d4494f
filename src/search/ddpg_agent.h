// DdpgAgent: deep deterministic policy gradient on states and actions of fixed sizes, actions in
// [0, 1]^action_size. Used by LFGCL (one-step episodes: every transition terminal, so the critic
// regresses the reward) and AMC (one transition per decision). The agent decides nothing about
// episodes: its owner calls act/explore, observes transitions and calls update.
//
//   actor   μ(s) = sigmoid(MLP(s))        state → hidden → hidden → action (ReLU)
//   critic  Q(s, a) = MLP([s, a])         → hidden → hidden → 1 (ReLU)
//   critic loss  (Q(s, a) − y)², y = (r − m) + γ·(1 − terminal)·Q'(s', μ'(s'))   (targets ')
//   actor loss   −Q(s, μ(s));  then θ' ← τ·θ + (1 − τ)·θ' for both target networks.
// m is the moving average of rewards (DdpgOptions::reward_average_rate). Everything — networks,
// targets, both Adam states, replay buffer, the average and the random generator — is saved, so
// a restored agent continues exactly.
#pragma once

#include <torch/torch.h>

#include <random>
#include <vector>

#include "search/ddpg_options.h"

namespace pk {

struct Transition {
  std::vector<double> state;
  std::vector<double> action;  // in [0, 1]
  double reward = 0;
  std::vector<double> next_state;  // empty when terminal
  bool terminal = true;
};

class DdpgAgent {
 public:
  DdpgAgent(int state_size, int action_size, DdpgOptions options);

  int state_size() const { return state_size_; }
  int action_size() const { return action_size_; }

  /// μ(state), no noise.
  std::vector<double> act(const std::vector<double>& state);
  /// μ(state) plus normal noise of standard deviation σ per component, truncated to [0, 1].
  std::vector<double> explore(const std::vector<double>& state, double sigma);
  /// Uniform in [0, 1]^action_size (warm-up).
  std::vector<double> random_action();

  /// Stores a transition (sizes checked); the oldest one goes when the buffer is full.
  void observe(Transition t);
  /// One minibatch update of critic, actor and targets; false (nothing done) while the buffer
  /// holds fewer than `batch` transitions.
  bool update();
  int buffered() const { return static_cast<int>(buffer_.size()); }
  /// The replay buffer (not in insertion order once it has wrapped).
  const std::vector<Transition>& transitions() const { return buffer_; }
  double reward_average() const { return reward_average_; }

  /// Q(state, action) of the critic (tests and diagnostics).
  double q_value(const std::vector<double>& state, const std::vector<double>& action);

  void save(torch::serialize::OutputArchive& archive) const;
  /// UserError if the archive is not an agent of the same sizes.
  void load(torch::serialize::InputArchive& archive);

 private:
  torch::Tensor row(const std::vector<double>& v) const;
  torch::Tensor critic_input(const torch::Tensor& states, const torch::Tensor& actions) const;
  void soft_update(torch::nn::Sequential& target, const torch::nn::Sequential& source);

  int state_size_, action_size_;
  DdpgOptions options_;
  torch::nn::Sequential actor_, critic_, actor_target_, critic_target_;
  std::unique_ptr<torch::optim::Adam> actor_optimizer_, critic_optimizer_;
  std::vector<Transition> buffer_;  // ring: next_slot_ is overwritten next once full
  int next_slot_ = 0;
  double reward_average_ = 0;
  bool has_reward_average_ = false;
  std::mt19937_64 rng_;
};

}  // namespace pk
