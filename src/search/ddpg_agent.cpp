#include "search/ddpg_agent.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/error.h"

namespace pk {
namespace {

torch::nn::Sequential mlp(int in, int hidden, int out) {
  return torch::nn::Sequential(torch::nn::Linear(in, hidden), torch::nn::ReLU(), torch::nn::Linear(hidden, hidden),
                               torch::nn::ReLU(), torch::nn::Linear(hidden, out));
}

void copy_parameters(torch::nn::Sequential& to, const torch::nn::Sequential& from) {
  torch::NoGradGuard no_grad;
  auto dst = to->parameters();
  auto src = from->parameters();
  for (size_t i = 0; i < dst.size(); ++i) dst[i].copy_(src[i]);
}

// [v.size(), width] float64; rows shorter than `width` are zero-padded.
torch::Tensor rows64(const std::vector<std::vector<double>>& v, int width) {
  torch::Tensor t = torch::zeros({static_cast<int64_t>(v.size()), width}, torch::kFloat64);
  auto a = t.accessor<double, 2>();
  for (size_t i = 0; i < v.size(); ++i)
    for (size_t j = 0; j < v[i].size(); ++j) a[i][j] = v[i][j];
  return t;
}

/// The networks run in float32.
torch::Tensor rows(const std::vector<std::vector<double>>& v, int width) { return rows64(v, width).to(torch::kFloat32); }

std::vector<double> to_vector(const torch::Tensor& t) {
  torch::Tensor c = t.to(torch::kFloat64).contiguous().view({-1});
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

torch::Tensor bytes_tensor(const std::string& s) {
  torch::Tensor t = torch::empty({static_cast<int64_t>(s.size())}, torch::kUInt8);
  std::copy(s.begin(), s.end(), t.data_ptr<uint8_t>());
  return t;
}

}  // namespace

double ExplorationOptions::sigma_at(int episode) const { return sigma * std::pow(decay, std::max(0, episode - warmup)); }

DdpgAgent::DdpgAgent(int state_size, int action_size, DdpgOptions options)
    : state_size_(state_size), action_size_(action_size), options_(options), rng_(options.seed) {
  PK_CHECK(state_size >= 1 && action_size >= 1, "DDPG needs a state and an action (sizes {} and {})", state_size,
           action_size);
  PK_CHECK(options_.hidden >= 1, "DDPG hidden size {} must be ≥ 1", options_.hidden);
  PK_CHECK(options_.actor_lr > 0 && options_.critic_lr > 0, "DDPG learning rates ({}, {}) must be > 0",
           options_.actor_lr, options_.critic_lr);
  PK_CHECK(options_.tau > 0 && options_.tau <= 1, "DDPG target update rate τ = {} must be in (0, 1]", options_.tau);
  PK_CHECK(options_.discount >= 0 && options_.discount <= 1, "DDPG discount {} must be in [0, 1]", options_.discount);
  PK_CHECK(options_.batch >= 1, "DDPG batch {} must be ≥ 1", options_.batch);
  PK_CHECK(options_.buffer >= options_.batch, "DDPG replay buffer {} must hold at least one batch ({})",
           options_.buffer, options_.batch);
  PK_CHECK(options_.updates_per_transition >= 0, "DDPG updates per transition {} must be ≥ 0",
           options_.updates_per_transition);
  PK_CHECK(options_.reward_average_rate > 0 && options_.reward_average_rate <= 1,
           "DDPG reward average rate {} must be in (0, 1]", options_.reward_average_rate);
  // Initial weights come from the agent's seed, not from whatever the global generator holds.
  torch::manual_seed(options_.seed);
  actor_ = mlp(state_size, options_.hidden, action_size);
  critic_ = mlp(state_size + action_size, options_.hidden, 1);
  actor_target_ = mlp(state_size, options_.hidden, action_size);
  critic_target_ = mlp(state_size + action_size, options_.hidden, 1);
  copy_parameters(actor_target_, actor_);
  copy_parameters(critic_target_, critic_);
  actor_optimizer_ = std::make_unique<torch::optim::Adam>(actor_->parameters(), torch::optim::AdamOptions(options_.actor_lr));
  critic_optimizer_ =
      std::make_unique<torch::optim::Adam>(critic_->parameters(), torch::optim::AdamOptions(options_.critic_lr));
}

torch::Tensor DdpgAgent::row(const std::vector<double>& v) const { return rows({v}, static_cast<int>(v.size())); }

torch::Tensor DdpgAgent::critic_input(const torch::Tensor& states, const torch::Tensor& actions) const {
  return torch::cat({states, actions}, 1);
}

std::vector<double> DdpgAgent::act(const std::vector<double>& state) {
  PK_ASSERT(static_cast<int>(state.size()) == state_size_, "DDPG state has {} values, expected {}", state.size(),
            state_size_);
  torch::NoGradGuard no_grad;
  return to_vector(torch::sigmoid(actor_->forward(row(state))));
}

std::vector<double> DdpgAgent::explore(const std::vector<double>& state, double sigma) {
  std::vector<double> a = act(state);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (double& x : a) {
    // Truncated normal by rejection; after 100 misses (μ far outside the range relative to σ)
    // the nearest bound is the limit of the distribution.
    double y = std::clamp(x, 0.0, 1.0);
    for (int tries = 0; tries < 100; ++tries) {
      const double candidate = x + sigma * normal(rng_);
      if (candidate >= 0 && candidate <= 1) {
        y = candidate;
        break;
      }
    }
    x = y;
  }
  return a;
}

std::vector<double> DdpgAgent::random_action() {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<double> a(action_size_);
  for (double& x : a) x = unit(rng_);
  return a;
}

void DdpgAgent::observe(Transition t) {
  PK_ASSERT(static_cast<int>(t.state.size()) == state_size_ && static_cast<int>(t.action.size()) == action_size_,
            "DDPG transition of sizes {}/{}, expected {}/{}", t.state.size(), t.action.size(), state_size_,
            action_size_);
  PK_ASSERT(t.terminal || static_cast<int>(t.next_state.size()) == state_size_, "non-terminal transition needs s'");
  if (t.terminal) t.next_state.assign(state_size_, 0.0);
  if (static_cast<int>(buffer_.size()) < options_.buffer) {
    buffer_.push_back(std::move(t));
  } else {
    buffer_[next_slot_] = std::move(t);
    next_slot_ = (next_slot_ + 1) % options_.buffer;
  }
}

bool DdpgAgent::update() {
  if (static_cast<int>(buffer_.size()) < options_.batch) return false;
  std::uniform_int_distribution<size_t> pick(0, buffer_.size() - 1);
  std::vector<std::vector<double>> s, a, s2;
  std::vector<double> r, live;
  for (int i = 0; i < options_.batch; ++i) {
    const Transition& t = buffer_[pick(rng_)];
    s.push_back(t.state);
    a.push_back(t.action);
    s2.push_back(t.next_state);
    r.push_back(t.reward);
    live.push_back(t.terminal ? 0.0 : 1.0);
  }
  double mean = 0;
  for (double x : r) mean += x / r.size();
  if (!has_reward_average_) reward_average_ = mean;
  has_reward_average_ = true;
  reward_average_ += options_.reward_average_rate * (mean - reward_average_);

  const torch::Tensor states = rows(s, state_size_), actions = rows(a, action_size_);
  const torch::Tensor rewards = torch::tensor(r, torch::kFloat64).to(torch::kFloat32).view({-1, 1}) - reward_average_;
  const torch::Tensor alive = torch::tensor(live, torch::kFloat64).to(torch::kFloat32).view({-1, 1});
  torch::Tensor target;
  {
    torch::NoGradGuard no_grad;
    const torch::Tensor next = rows(s2, state_size_);
    const torch::Tensor next_q = critic_target_->forward(critic_input(next, torch::sigmoid(actor_target_->forward(next))));
    target = rewards + options_.discount * alive * next_q;
  }
  const torch::Tensor critic_loss = torch::mse_loss(critic_->forward(critic_input(states, actions)), target);
  critic_optimizer_->zero_grad();
  critic_loss.backward();
  critic_optimizer_->step();

  const torch::Tensor actor_loss = -critic_->forward(critic_input(states, torch::sigmoid(actor_->forward(states)))).mean();
  actor_optimizer_->zero_grad();
  actor_loss.backward();
  actor_optimizer_->step();  // the critic's gradients from this pass are cleared by its next zero_grad

  soft_update(actor_target_, actor_);
  soft_update(critic_target_, critic_);
  return true;
}

void DdpgAgent::soft_update(torch::nn::Sequential& target, const torch::nn::Sequential& source) {
  torch::NoGradGuard no_grad;
  auto dst = target->parameters();
  auto src = source->parameters();
  for (size_t i = 0; i < dst.size(); ++i) dst[i].mul_(1 - options_.tau).add_(src[i], options_.tau);
}

double DdpgAgent::q_value(const std::vector<double>& state, const std::vector<double>& action) {
  torch::NoGradGuard no_grad;
  return critic_->forward(critic_input(row(state), row(action))).item<double>();
}

void DdpgAgent::save(torch::serialize::OutputArchive& archive) const {
  const auto write_net = [&](const char* key, const torch::nn::Sequential& net) {
    torch::serialize::OutputArchive a;
    net->save(a);
    archive.write(key, a);
  };
  write_net("actor", actor_);
  write_net("critic", critic_);
  write_net("actor_target", actor_target_);
  write_net("critic_target", critic_target_);
  torch::serialize::OutputArchive ao, co;
  actor_optimizer_->save(ao);
  critic_optimizer_->save(co);
  archive.write("actor_optimizer", ao);
  archive.write("critic_optimizer", co);
  std::vector<std::vector<double>> s, a, s2;
  std::vector<double> r, terminal;
  for (const Transition& t : buffer_) {
    s.push_back(t.state);
    a.push_back(t.action);
    s2.push_back(t.next_state);
    r.push_back(t.reward);
    terminal.push_back(t.terminal ? 1.0 : 0.0);
  }
  archive.write("buffer_states", rows64(s, state_size_));
  archive.write("buffer_actions", rows64(a, action_size_));
  archive.write("buffer_next_states", rows64(s2, state_size_));
  archive.write("buffer_rewards", torch::tensor(r, torch::kFloat64));
  archive.write("buffer_terminal", torch::tensor(terminal, torch::kFloat64));
  archive.write("scalars", torch::tensor({static_cast<double>(next_slot_), reward_average_,
                                          has_reward_average_ ? 1.0 : 0.0, static_cast<double>(state_size_),
                                          static_cast<double>(action_size_)},
                                         torch::kFloat64));
  std::ostringstream generator;
  generator << rng_;
  archive.write("generator", bytes_tensor(generator.str()));
}

void DdpgAgent::load(torch::serialize::InputArchive& archive) {
  try {
    torch::Tensor scalars;
    archive.read("scalars", scalars);
    PK_CHECK(scalars[3].item<double>() == state_size_ && scalars[4].item<double>() == action_size_,
             "DDPG state of sizes {}/{} does not fit an agent of sizes {}/{}", scalars[3].item<double>(),
             scalars[4].item<double>(), state_size_, action_size_);
    const auto read_net = [&](const char* key, torch::nn::Sequential& net) {
      torch::serialize::InputArchive a;
      archive.read(key, a);
      net->load(a);
    };
    read_net("actor", actor_);
    read_net("critic", critic_);
    read_net("actor_target", actor_target_);
    read_net("critic_target", critic_target_);
    torch::serialize::InputArchive ao, co;
    archive.read("actor_optimizer", ao);
    archive.read("critic_optimizer", co);
    actor_optimizer_->load(ao);
    critic_optimizer_->load(co);
    torch::Tensor s, a, s2, r, terminal, generator;
    archive.read("buffer_states", s);
    archive.read("buffer_actions", a);
    archive.read("buffer_next_states", s2);
    archive.read("buffer_rewards", r);
    archive.read("buffer_terminal", terminal);
    buffer_.clear();
    for (int64_t i = 0; i < r.size(0); ++i)
      buffer_.push_back({to_vector(s[i]), to_vector(a[i]), r[i].item<double>(), to_vector(s2[i]),
                         terminal[i].item<double>() > 0});
    next_slot_ = static_cast<int>(scalars[0].item<double>());
    reward_average_ = scalars[1].item<double>();
    has_reward_average_ = scalars[2].item<double>() > 0;
    archive.read("generator", generator);
    std::istringstream in(std::string(generator.data_ptr<uint8_t>(), generator.data_ptr<uint8_t>() + generator.numel()));
    in >> rng_;
    PK_CHECK(!in.fail(), "DDPG random generator state is corrupt");
  } catch (const c10::Error&) {
    throw UserError("DDPG agent state is corrupt or from another search space");
  }
}

}  // namespace pk
