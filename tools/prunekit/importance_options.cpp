#include "importance_options.h"

#include "core/error.h"
#include "core/strings.h"

namespace pk::cli {

void add_importance_options(CLI::App* cmd, ImportanceCommandOptions& o) {
  cmd->add_option("--criterion", o.criterion,
                  "channel importance: " + join(known_criteria(), ", ") +
                      " (taylor reads gradients of a few training batches)")
      ->capture_default_str();
  cmd->add_option("--reduction", o.reduction,
                  "how a group's members' scores combine: " + join(known_score_reductions(), ", "))
      ->capture_default_str();
  cmd->add_option("--normalizer", o.normalizer,
                  "what each member's scores are divided by first: " + join(known_score_normalizers(), ", "))
      ->capture_default_str();
  cmd->add_option("--taylor-batches", o.taylor_batches, "taylor: training batches of gradients")
      ->capture_default_str();
}

ImportanceOptions importance_options(const ImportanceCommandOptions& o) {
  ImportanceOptions im;
  im.criterion = criterion_from_name(o.criterion);
  im.reduction = score_reduction_from_name(o.reduction);
  im.normalizer = score_normalizer_from_name(o.normalizer);
  im.taylor_batches = o.taylor_batches;
  PK_CHECK(im.taylor_batches >= 1, "--taylor-batches must be ≥ 1, got {}", im.taylor_batches);
  return im;
}

nlohmann::json importance_json(const ImportanceOptions& im) {
  nlohmann::json j{{"criterion", criterion_name(im.criterion)},
                   {"reduction", score_reduction_name(im.reduction)},
                   {"normalizer", score_normalizer_name(im.normalizer)}};
  if (im.criterion == Criterion::kTaylor) j["taylor_batches"] = im.taylor_batches;
  if (im.producers_only) j["producers_only"] = true;  // set by `prune --producers-only`
  return j;
}

}  // namespace pk::cli
