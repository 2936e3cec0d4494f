// Plan JSON → PrunePlan → validation and cost against ResNet-20 (a plan file is user input).
// A plan that parses must print to JSON that parses to the same plan.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "analysis/channel_analysis.h"
#include "core/error.h"
#include "models/zoo.h"
#include "plan/plan_json.h"
#include "plan/validate_plan.h"

namespace {

struct Target {
  pk::Graph graph = pk::build_model("resnet20", {});
  pk::ChannelAnalysis analysis = pk::analyze_channels(graph);
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Target target;
  pk::PrunePlan plan;
  try {
    plan = pk::plan_from_json(std::string(reinterpret_cast<const char*>(data), size), "fuzz.json");
  } catch (const pk::Error&) {
    return 0;
  }
  if (!(pk::plan_from_json(pk::plan_to_json(plan), "printed") == plan)) std::abort();  // round trip
  try {
    pk::validate_plan(target.graph, target.analysis, plan);
    pk::plan_cost(target.graph, target.analysis, plan);
  } catch (const pk::Error&) {
  }
  return 0;
}
