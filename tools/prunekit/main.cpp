// prunekit: one binary, one subcommand per pipeline step. Exit codes: 0 ok, 1 runtime error
// (including internal errors), 2 usage or input error, 130/143 interrupted by SIGINT/SIGTERM.
// Under mpirun/srun the same binary is every rank of a distributed `search`.
#include <c10/util/Exception.h>

#include <iostream>
#include <map>
#include <optional>
#include <string>

#include "commands.h"
#include "common.h"
#include "core/error.h"
#include "core/interrupt.h"
#include "distributed/every_rank.h"
#include "distributed/mpi_runtime.h"
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

/// Under MPI only rank 0 reports what every rank hits alike; the other ranks name themselves
/// for errors of their own.
void report_error(const pk::MpiRuntime* mpi, const std::string& text) {
  if (mpi == nullptr || mpi->rank() == 0) {
    std::cerr << text << "\n";
  } else {
    std::cerr << "[" << mpi->describe(mpi->rank()) << "] " << text << "\n";
  }
}

/// Runs the parsed subcommand; returns the exit code.
int run_command(const std::map<CLI::App*, pk::cli::Action>& actions, const pk::MpiRuntime* mpi) {
  try {
    pk::install_interrupt_handlers();
    for (auto& [sub, action] : actions) {
      if (!sub->parsed()) continue;
      PK_CHECK(mpi == nullptr || mpi->size() == 1 || sub->get_name() == "search",
               "`prunekit {}` does not run on {} MPI ranks: only `search` spreads its work over ranks; run it in "
               "one process (without mpirun)",
               sub->get_name(), mpi == nullptr ? 1 : mpi->size());
      action();
    }
    return 0;
  } catch (const pk::Interrupted& e) {
    // Every file is written atomically and checkpoints after each epoch / search update, so
    // nothing partial is left and the last checkpoint is intact.
    if (mpi == nullptr || mpi->rank() == 0)
      std::cerr << "\n" << e.what() << ": nothing partial was written; train, finetune and search keep their last "
                   "checkpoint — rerun the same command with --resume to continue\n";
    return 128 + e.signal();
  } catch (const pk::ReportedByRankZero&) {
    return 2;
  } catch (const pk::UserError& e) {
    if (mpi == nullptr || mpi->rank() == 0) std::cerr << "error: " << e.what() << "\n";
    return 2;
  } catch (const pk::Error& e) {
    report_error(mpi, std::string("error: ") + e.what());
    return 1;
  } catch (const c10::Error& e) {
    report_error(mpi, std::string("error (libtorch): ") + e.what_without_backtrace());
    return 1;
  } catch (const std::exception& e) {
    report_error(mpi, std::string("error: ") + e.what());
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  prefer_passive_openmp_wait(argc, argv);
  // MPI only when a launcher (mpirun, srun) started this process: `search` then spreads its
  // candidates over the ranks; every other command refuses more than one rank.
  std::optional<pk::MpiRuntime> mpi;
  if (pk::launched_by_mpi()) mpi.emplace(&argc, &argv);
  pk::cli::set_mpi_runtime(mpi ? &*mpi : nullptr);
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
  int code = 0;
  try {
    app.parse(argc, argv);
    code = run_command(actions, mpi ? &*mpi : nullptr);
  } catch (const CLI::ParseError& e) {
    // --help, --version and usage errors: printed once, by rank 0.
    code = !mpi || mpi->rank() == 0 ? app.exit(e) : e.get_exit_code();
    code = code == 0 ? 0 : 2;
  }
  if (mpi) mpi->finish(code);
  return code;
}
