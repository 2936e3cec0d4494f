// Each subcommand registers itself on the CLI11 app and returns the action to run once the
// command line has been parsed (so that main() alone maps exceptions to exit codes).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace pk::cli {

using Action = std::function<void()>;

Action register_train(CLI::App& app);
Action register_finetune(CLI::App& app);
Action register_eval(CLI::App& app);
Action register_analyze(CLI::App& app);
Action register_bench(CLI::App& app);
Action register_import(CLI::App& app);
Action register_export(CLI::App& app);
Action register_apply(CLI::App& app);
Action register_prune(CLI::App& app);
Action register_search(CLI::App& app);
Action register_report(CLI::App& app);

}  // namespace pk::cli
