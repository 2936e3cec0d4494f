#include "plan/budget_value.h"

#include <cctype>
#include <cmath>
#include <cstdlib>

#include "core/error.h"

namespace pk {
namespace {

std::string accepted_forms(BudgetQuantity quantity) {
  return quantity == BudgetQuantity::kCount
             ? "a fraction of the original in (0, 1] (0.5), a percentage (50%) or an absolute count with a unit "
               "(350K, 15M, 2.1G)"
             : "a fraction of the original's latency in (0, 1] (0.6), a percentage (60%) or milliseconds (3.5ms)";
}

/// Multiplier of a count unit (K, M, G, either case for K), 0 for anything else.
double count_unit(const std::string& unit) {
  if (unit == "K" || unit == "k") return 1e3;
  if (unit == "M") return 1e6;
  if (unit == "G") return 1e9;
  return 0;
}

}  // namespace

BudgetValue parse_budget_value(const std::string& flag, const std::string& text, BudgetQuantity quantity) {
  const std::string forms = accepted_forms(quantity);
  const char* begin = text.c_str();
  char* end = nullptr;
  const double number = std::strtod(begin, &end);
  PK_CHECK(!text.empty() && end != begin && !std::isspace(static_cast<unsigned char>(text[0])),
           "{} '{}' is not a budget; expected {}", flag, text, forms);
  PK_CHECK(std::isfinite(number) && number > 0, "{} '{}' must be a positive finite value; expected {}", flag, text,
           forms);
  const std::string unit(end);
  BudgetValue v;
  if (unit.empty()) {
    PK_CHECK(number <= 1.0,
             "{} '{}' is ambiguous: a plain number is a fraction of the original in (0, 1]; expected {}", flag, text,
             forms);
    v.target = number;
    return v;
  }
  if (unit == "%") {
    PK_CHECK(number <= 100.0, "{} '{}' is more than 100% of the original; expected {}", flag, text, forms);
    v.target = number / 100.0;
    return v;
  }
  v.fraction = false;
  if (quantity == BudgetQuantity::kMilliseconds) {
    PK_CHECK(unit == "ms", "{} '{}': unknown unit '{}'; expected {}", flag, text, unit, forms);
    v.target = number;
    return v;
  }
  const double scale = count_unit(unit);
  PK_CHECK(scale > 0, "{} '{}': unknown unit '{}'; expected {}", flag, text, unit, forms);
  v.target = number * scale;
  PK_CHECK(v.target >= 1.0, "{} '{}' is less than one per sample; expected {}", flag, text, forms);
  return v;
}

}  // namespace pk
