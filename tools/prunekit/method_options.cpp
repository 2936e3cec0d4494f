#include "method_options.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.h"
#include "core/strings.h"
#include "search/strategy_registry.h"

namespace pk::cli {
namespace {

using nlohmann::json;

std::string flag_of(const StrategyOption& o) {
  std::string name = o.key;
  std::replace(name.begin(), name.end(), '_', '-');
  return (o.default_value.is_boolean() && o.default_value.get<bool>() ? "--no-" : "--") + name;
}

/// The methods that have an option `key`, and its first definition.
std::vector<std::string> owners_of(const std::string& key, const StrategyOption** first) {
  std::vector<std::string> owners;
  for (const StrategyInfo& s : search_strategies())
    for (const StrategyOption& o : s.options)
      if (o.key == key) {
        if (owners.empty()) *first = &o;
        owners.push_back(s.name);
      }
  return owners;
}

json parse_value(const StrategyOption& o, const std::string& text) {
  try {
    size_t used = 0;
    if (o.default_value.is_number_integer()) {
      const long long v = std::stoll(text, &used);
      if (used == text.size()) return json(v);
    } else {
      const double v = std::stod(text, &used);
      if (used == text.size()) return json(v);
    }
  } catch (const std::exception&) {
  }
  throw UserError(fmt::format("{} expects {}, got '{}'", flag_of(o),
                              o.default_value.is_number_integer() ? "an integer" : "a number", text));
}

}  // namespace

void add_method_options(CLI::App* cmd, MethodCommandOptions& options) {
  for (const StrategyInfo& s : search_strategies())
    for (const StrategyOption& o : s.options) {
      if (options.values.count(o.key) || options.flags.count(o.key)) continue;  // shared by several methods
      const StrategyOption* first = nullptr;
      const std::string help = fmt::format("{}: {}", join(owners_of(o.key, &first), ", "), o.help);
      if (o.default_value.is_boolean()) {
        options.flags[o.key] = false;
        const bool on = o.default_value.get<bool>();
        cmd->add_flag(flag_of(o), options.flags[o.key], fmt::format("{} (default: {})", help, on ? "on" : "off"));
      } else {
        options.values[o.key] = "";
        cmd->add_option(flag_of(o), options.values[o.key], fmt::format("{} (default {})", help, o.default_value.dump()))
            ->type_name(o.default_value.is_number_integer() ? "INT" : "FLOAT");
      }
    }
}

json method_options_json(const MethodCommandOptions& options, const std::string& method, const CLI::App& cmd) {
  const StrategyInfo& info = find_search_strategy(method);
  json given = json::object();
  for (const StrategyInfo& s : search_strategies())
    for (const StrategyOption& o : s.options) {
      if (cmd.count(flag_of(o)) == 0) continue;
      const bool own = std::any_of(info.options.begin(), info.options.end(),
                                   [&](const StrategyOption& mine) { return mine.key == o.key; });
      PK_CHECK(own, "{} is an option of search method {}, not of {}", flag_of(o), s.name, method);
      given[o.key] = o.default_value.is_boolean() ? json(!o.default_value.get<bool>())
                                                  : parse_value(o, options.values.at(o.key));
    }
  return given;
}

std::string search_methods_help() {
  std::vector<std::string> parts;
  for (const StrategyInfo& s : search_strategies()) parts.push_back(fmt::format("{} ({})", s.name, s.summary));
  return join(parts, "; ");
}

}  // namespace pk::cli
