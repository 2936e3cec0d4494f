#include "plan/budget_value.h"

#include <gtest/gtest.h>

#include <string>

#include "core/error.h"

namespace pk {
namespace {

std::string error_of(const std::string& text, BudgetQuantity q = BudgetQuantity::kCount) {
  try {
    parse_budget_value("--target-macs", text, q);
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

TEST(BudgetValue, FractionsPercentagesAndCountsWithUnits) {
  const BudgetValue half = parse_budget_value("--target-macs", "0.5", BudgetQuantity::kCount);
  EXPECT_TRUE(half.fraction);
  EXPECT_DOUBLE_EQ(half.target, 0.5);
  EXPECT_DOUBLE_EQ(parse_budget_value("--target-macs", "1", BudgetQuantity::kCount).target, 1.0);
  const BudgetValue pct = parse_budget_value("--target-macs", "25%", BudgetQuantity::kCount);
  EXPECT_TRUE(pct.fraction);
  EXPECT_DOUBLE_EQ(pct.target, 0.25);
  const BudgetValue m = parse_budget_value("--target-macs", "15M", BudgetQuantity::kCount);
  EXPECT_FALSE(m.fraction);
  EXPECT_DOUBLE_EQ(m.target, 15e6);
  EXPECT_DOUBLE_EQ(parse_budget_value("--target-params", "2.1G", BudgetQuantity::kCount).target, 2.1e9);
  EXPECT_DOUBLE_EQ(parse_budget_value("--target-params", "350k", BudgetQuantity::kCount).target, 350e3);
  const BudgetValue ms = parse_budget_value("--target-latency", "3.5ms", BudgetQuantity::kMilliseconds);
  EXPECT_FALSE(ms.fraction);
  EXPECT_DOUBLE_EQ(ms.target, 3.5);
  EXPECT_TRUE(parse_budget_value("--target-latency", "0.6", BudgetQuantity::kMilliseconds).fraction);
}

TEST(BudgetValue, AmbiguousOrInvalidValuesAreRefusedSayingWhatIsWrong) {
  EXPECT_NE(error_of("1.5").find("ambiguous"), std::string::npos) << error_of("1.5");
  EXPECT_NE(error_of("2").find("15M"), std::string::npos) << "the message shows the absolute form";
  EXPECT_NE(error_of("15000000").find("ambiguous"), std::string::npos);
  for (const char* bad : {"0", "-1", "nan", "inf", "-0.5", "0%", "0M"})
    EXPECT_NE(error_of(bad).find("positive finite"), std::string::npos) << bad << ": " << error_of(bad);
  EXPECT_NE(error_of("150%").find("more than 100%"), std::string::npos);
  EXPECT_NE(error_of("").find("not a budget"), std::string::npos);
  EXPECT_NE(error_of("abc").find("not a budget"), std::string::npos);
  EXPECT_NE(error_of(" 0.5").find("not a budget"), std::string::npos);
  EXPECT_NE(error_of("15X").find("unknown unit 'X'"), std::string::npos);
  EXPECT_NE(error_of("3ms").find("unknown unit 'ms'"), std::string::npos) << "ms is not a count";
  EXPECT_NE(error_of("3M", BudgetQuantity::kMilliseconds).find("unknown unit 'M'"), std::string::npos);
  EXPECT_NE(error_of("0.0001K").find("less than one"), std::string::npos);
  EXPECT_NE(error_of("abc").find("--target-macs 'abc'"), std::string::npos) << "names the flag and the value";
  EXPECT_EQ(error_of("0.5"), "");
}

}  // namespace
}  // namespace pk
