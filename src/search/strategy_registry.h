// The search methods by name. Each method owns its options (with defaults and help text), the
// budget projection it is designed for, and how it is built; the command line lists the
// options of every method, and a search's fingerprint records the resolved options of its
// method, so nothing outside the method's own file knows its settings. Torch-free.
#pragma once

#include <nlohmann/json.hpp>

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "eval/reward.h"
#include "search/strategy.h"

namespace pk {

struct StrategyOption {
  std::string key;  // snake_case; the command-line flag is "--" + key with '-' for '_'
  std::string help;
  nlohmann::json default_value;  // a number or a bool; its JSON type is the option's type
};

struct StrategyInfo {
  std::string name;
  std::string summary;  // one line for --help
  std::vector<StrategyOption> options;
  /// The budget projection the method is designed for (ActionSpace Budget::fill): true = every
  /// candidate is moved onto the budget, false = only over-budget candidates are shrunk.
  bool default_fill = true;
  /// What the command line uses when --reward / --episodes are not given.
  RewardKind default_reward = RewardKind::kAccPenalty;
  int default_episodes = 300;
  /// Builds the strategy from resolved options (every key present, types checked).
  std::function<std::unique_ptr<SearchStrategy>(const StrategyContext&, const nlohmann::json&)> create;
};

const std::deque<StrategyInfo>& search_strategies();
/// Registers a further method (not thread-safe: call before searching). UserError if the name
/// is taken or the entry has no factory.
void add_search_strategy(StrategyInfo info);
std::vector<std::string> known_search_methods();
/// UserError naming the known methods if `name` is not one.
const StrategyInfo& find_search_strategy(const std::string& name);
/// The same, or null.
const StrategyInfo* find_search_strategy_or_null(const std::string& name);

/// Every option of `info` with `given`'s value or its default. UserError for a key the method
/// does not have or a value of the wrong type (an integer is accepted for a real option).
nlohmann::json resolve_strategy_options(const StrategyInfo& info, const nlohmann::json& given);

/// find_search_strategy(name).create(context, resolve_strategy_options(..., given)).
std::unique_ptr<SearchStrategy> make_search_strategy(const std::string& name, const StrategyContext& context,
                                                     const nlohmann::json& given = nlohmann::json::object());

}  // namespace pk
