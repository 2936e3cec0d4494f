#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "core/atomic_file.h"
#include "core/error.h"
#include "plan/plan_json.h"

namespace pk {
namespace {

PrunePlan sample_plan() {
  PrunePlan p;
  p.keep_count("layer1.0.conv1", 12);
  p.keep_indices("conv1", {0, 5, 9});
  p.keep_count("odd \"name\"\\x", 1);
  p.removed_blocks = {"layer1.1.add", "layer3.2.add"};
  p.conv_groups["layer2.0.conv2"] = 4;
  return p;
}

TEST(PlanJson, RoundTrip) {
  const PrunePlan p = sample_plan();
  const std::string text = plan_to_json(p);
  EXPECT_EQ(plan_from_json(text), p);
  EXPECT_EQ(plan_to_json(plan_from_json(text)), text);  // deterministic writer
  EXPECT_EQ(plan_from_json(plan_to_json(PrunePlan{})), PrunePlan{});
}

TEST(PlanJson, WrittenFormIsReadable) {
  const std::string text = plan_to_json(sample_plan());
  EXPECT_NE(text.find("\"format\": \"prunekit-plan\""), std::string::npos) << text;
  EXPECT_NE(text.find("    \"conv1\": {\"keep\": 3, \"indices\": [0, 5, 9]},\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\"removed_blocks\": [\"layer1.1.add\", \"layer3.2.add\"]"), std::string::npos) << text;
  EXPECT_NE(text.find("\"conv_groups\": {\"layer2.0.conv2\": 4}"), std::string::npos) << text;
}

TEST(PlanJson, FileRoundTrip) {
  const std::string path = ::testing::TempDir() + "/plan_json_test.json";
  save_plan(path, sample_plan());
  EXPECT_EQ(load_plan(path), sample_plan());
  std::remove(path.c_str());
  EXPECT_THROW(load_plan(path), UserError);
}

void expect_error(const std::string& text, const std::string& fragment) {
  try {
    plan_from_json(text, "p.json");
    ADD_FAILURE() << "expected UserError containing '" << fragment << "' for " << text;
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(PlanJson, ReaderErrorsNameTheField) {
  const std::string head = R"({"format": "prunekit-plan", "version": 1, )";
  expect_error("{", "p.json: not valid JSON");
  expect_error("[1]", "a prune plan is a JSON object");
  expect_error(R"({"version": 1})", "\"format\" must be \"prunekit-plan\"");
  expect_error(R"({"format": "prunekit-plan", "version": 2})", "unsupported plan version 2");
  expect_error(head + R"("group": {}})", "unknown key \"group\"");
  expect_error(head + R"("groups": {"c": 3}})", "groups.\"c\": expected an object");
  expect_error(head + R"("groups": {"c": {"kept": 3}}})", "unknown key \"kept\"");
  expect_error(head + R"("groups": {"c": {}}})", "missing \"keep\"");
  expect_error(head + R"("groups": {"c": {"keep": 2.5}}})", "groups.\"c\".keep: expected an integer");
  expect_error(head + R"("groups": {"c": {"keep": 2, "indices": [1]}}})", "\"keep\" is 2 but 1 indices");
  expect_error(head + R"("removed_blocks": "a"})", "\"removed_blocks\" must be an array");
  expect_error(head + R"("removed_blocks": [3]})", "removed_blocks: expected a node name");
  expect_error(head + R"("conv_groups": {"c": "4"}})", "conv_groups.\"c\": expected an integer");
}

}  // namespace
}  // namespace pk
