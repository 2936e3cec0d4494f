#include "search/search_options.h"

#include "core/error.h"

namespace pk {

BudgetProjection budget_projection_from_name(const std::string& name) {
  if (name == "auto") return BudgetProjection::kMethodDefault;
  if (name == "fill") return BudgetProjection::kFill;
  if (name == "shrink") return BudgetProjection::kShrink;
  throw UserError(fmt::format("budget projection '{}' is unknown; use auto (the method's default), fill or shrink",
                              name));
}

const char* budget_projection_name(BudgetProjection p) {
  switch (p) {
    case BudgetProjection::kMethodDefault: return "auto";
    case BudgetProjection::kFill: return "fill";
    case BudgetProjection::kShrink: return "shrink";
  }
  PK_ASSERT(false, "invalid budget projection");
}

}  // namespace pk
