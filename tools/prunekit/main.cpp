// prunekit: one binary, one subcommand per pipeline step. Exit codes: 0 ok, 1 runtime error
// (including internal errors), 2 usage or input error, 130/143 interrupted by SIGINT/SIGTERM.
#include <c10/util/Exception.h>

#include <iostream>
#include <map>
#include <string>

#include "commands.h"
#include "common.h"
#include "core/error.h"
#include "core/interrupt.h"
#include "exec/threads.h"

namespace {

// The commands that run forward passes wait passively in OpenMP (see exec/threads.h).
void prefer_passive_openmp_wait(int argc, char** argv) {
  if (argc < 2) return;
  const std::string command = argv[1];
  if (command == "train" || command == "finetune" || command == "eval" || command == "search" || command == "bench" ||
      command == "prune" || command == "apply" || command == "report")
    pk::reexec_with_passive_openmp_wait(argv);
}

}  // namespace

int main(int argc, char** argv) {
  prefer_passive_openmp_wait(argc, argv);
  pk::cli::set_command_line(argc, argv);
  CLI::App app{
      "prunekit — make a trained CNN smaller and faster by searching how to prune it.\n"
      "Typical flow: train → analyze → prune/search → finetune → export. Run `prunekit <command> --help`."};
  app.require_subcommand(1, 1);
  app.set_version_flag("--version", std::string("prunekit 0.1.0"));
  std::map<CLI::App*, pk::cli::Action> actions;
  for (auto* reg : {&pk::cli::register_train, &pk::cli::register_finetune, &pk::cli::register_eval, &pk::cli::register_analyze, &pk::cli::register_bench, &pk::cli::register_import, &pk::cli::register_export, &pk::cli::register_apply,
                    &pk::cli::register_prune, &pk::cli::register_search, &pk::cli::register_report}) {
    const size_t before = app.get_subcommands({}).size();
    pk::cli::Action action = (*reg)(app);
    actions[app.get_subcommands({}).at(before)] = std::move(action);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  try {
    pk::install_interrupt_handlers();
    for (auto& [sub, action] : actions)
      if (sub->parsed()) action();
    return 0;
  } catch (const pk::Interrupted& e) {
    // Every file is written atomically and checkpoints after each epoch / search update, so
    // nothing partial is left and the last checkpoint is intact.
    std::cerr << "\n" << e.what() << ": nothing partial was written; train, finetune and search keep their last "
                 "checkpoint — rerun the same command with --resume to continue\n";
    return 128 + e.signal();
  } catch (const pk::UserError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  } catch (const pk::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  } catch (const c10::Error& e) {
    std::cerr << "error (libtorch): " << e.what_without_backtrace() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
