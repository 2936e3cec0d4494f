// --criterion, --reduction, --normalizer, --taylor-batches: how channel importance is scored
// (prune/criterion.h), shared by prune, apply and search.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <string>

#include "prune/criterion.h"

namespace pk::cli {

struct ImportanceCommandOptions {
  std::string criterion = criterion_name(ImportanceOptions{}.criterion);
  std::string reduction = score_reduction_name(ImportanceOptions{}.reduction);
  std::string normalizer = score_normalizer_name(ImportanceOptions{}.normalizer);
  int taylor_batches = ImportanceOptions{}.taylor_batches;
};

void add_importance_options(CLI::App* cmd, ImportanceCommandOptions& options);
/// UserError for an unknown name or taylor_batches < 1.
ImportanceOptions importance_options(const ImportanceCommandOptions& options);
nlohmann::json importance_json(const ImportanceOptions& options);

}  // namespace pk::cli
