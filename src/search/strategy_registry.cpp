#include "search/strategy_registry.h"

#include <deque>

#include "core/error.h"
#include "core/strings.h"
#include "search/abcp_strategy.h"
#include "search/amc_strategy.h"
#include "search/lfgcl_strategy.h"
#include "search/random_strategy.h"

namespace pk {
namespace {

using nlohmann::json;

bool same_type(const json& value, const json& default_value) {
  if (default_value.is_boolean()) return value.is_boolean();
  if (default_value.is_number_integer()) return value.is_number_integer();
  if (default_value.is_number()) return value.is_number();
  return value.type() == default_value.type();
}

/// A deque: references handed out stay valid when a method is added.
std::deque<StrategyInfo>& registry() {
  static std::deque<StrategyInfo> all = {abcp_strategy_info(), random_strategy_info(), lfgcl_strategy_info(),
                                         amc_strategy_info()};
  return all;
}

}  // namespace

const std::deque<StrategyInfo>& search_strategies() { return registry(); }

void add_search_strategy(StrategyInfo info) {
  PK_CHECK(!info.name.empty() && info.create, "a search method needs a name and a factory");
  for (const StrategyInfo& s : registry()) PK_CHECK(s.name != info.name, "search method '{}' exists already", info.name);
  registry().push_back(std::move(info));
}

std::vector<std::string> known_search_methods() {
  std::vector<std::string> names;
  for (const StrategyInfo& s : search_strategies()) names.push_back(s.name);
  return names;
}

const StrategyInfo* find_search_strategy_or_null(const std::string& name) {
  for (const StrategyInfo& s : search_strategies())
    if (s.name == name) return &s;
  return nullptr;
}

const StrategyInfo& find_search_strategy(const std::string& name) {
  if (const StrategyInfo* s = find_search_strategy_or_null(name)) return *s;
  throw UserError(fmt::format("search method '{}' is unknown; known: {}", name, join(known_search_methods(), ", ")));
}

json resolve_strategy_options(const StrategyInfo& info, const json& given) {
  PK_CHECK(given.is_object(), "options of search method '{}' must be a JSON object", info.name);
  json resolved = json::object();
  for (const StrategyOption& o : info.options) resolved[o.key] = o.default_value;
  for (const auto& [key, value] : given.items()) {
    PK_CHECK(resolved.contains(key), "search method '{}' has no option '{}'", info.name, key);
    const json& d = resolved.at(key);
    PK_CHECK(same_type(value, d), "option '{}' of search method '{}' must be a {} like its default {}, got {}", key,
             info.name, d.type_name(), d.dump(), value.dump());
    resolved[key] = d.is_number_float() ? json(value.get<double>()) : value;
  }
  return resolved;
}

std::unique_ptr<SearchStrategy> make_search_strategy(const std::string& name, const StrategyContext& context,
                                                     const json& given) {
  const StrategyInfo& info = find_search_strategy(name);
  return info.create(context, resolve_strategy_options(info, given));
}

}  // namespace pk
