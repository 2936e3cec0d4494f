// The command-line flags of every search method's own options (search/strategy_registry.h):
// each StrategyOption `key` becomes --key (underscores as dashes); a bool option that defaults
// to true becomes --no-key. A flag of a method other than --method's is refused.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <map>
#include <string>

namespace pk::cli {

struct MethodCommandOptions {
  std::map<std::string, std::string> values;  // option key → the text given on the command line
  std::map<std::string, bool> flags;          // bool option key → the flag was given
};

void add_method_options(CLI::App* cmd, MethodCommandOptions& options);
/// The given options of `method` as JSON (types from the defaults). UserError for a flag that
/// belongs to another method or a value that does not parse.
nlohmann::json method_options_json(const MethodCommandOptions& options, const std::string& method,
                                   const CLI::App& cmd);
/// "abcp (…), random (…)" for --help.
std::string search_methods_help();

}  // namespace pk::cli
