// The value of a budget flag (--target-macs, --target-params, --target-latency) as a user writes
// it, without ambiguity between a fraction and an absolute figure:
//   0.5        a fraction of the original, in (0, 1]
//   50%        the same as a percentage, in (0, 100]
//   15M 2.1G   an absolute count per sample (MACs, params): K = 10^3, M = 10^6, G = 10^9
//   3.5ms      an absolute latency in milliseconds (--target-latency only)
// A plain number above 1 ("1.5", "15000000") is refused: it was once read as an absolute count,
// which silently turned "--target-macs 2" into a 2-MAC network.
#pragma once

#include <string>

namespace pk {

enum class BudgetQuantity { kCount, kMilliseconds };

struct BudgetValue {
  double target = 1.0;   // fraction (fraction = true), else count per sample or milliseconds
  bool fraction = true;
};

/// UserError naming `flag` and `text` and listing the accepted forms for anything else: empty,
/// not a number, NaN/inf, ≤ 0, a fraction above 1 or 100%, an unknown or wrong-quantity unit.
BudgetValue parse_budget_value(const std::string& flag, const std::string& text, BudgetQuantity quantity);

}  // namespace pk
