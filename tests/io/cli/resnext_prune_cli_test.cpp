// A ResNeXt exported by PyTorch (torchvision resnext50_32x4d, random weights, 64x64 input, BN
// folded into the convs by the exporter) pruned by `prunekit prune` through the channel engine,
// as a user would: its 32-group convs stay 32-group convs with fewer channels per group, the
// pruned ONNX runs in ONNX Runtime, and it computes what the original computes with the pruned
// channels zeroed (the equivalence oracle of tests/prune, on the imported graph).
#include <gtest/gtest.h>

#include <map>

#include "../../prune/oracle_util.h"
#include "graph/cost.h"
#include "io/onnx_model.h"
#include "io_test_util.h"
#include "plan/plan_json.h"

namespace pk {
namespace {

using namespace pk::iotest;

CommandResult prunekit(const std::string& args) { return run_command(std::string(PK_PRUNEKIT_BIN) + " " + args); }

int64_t conv_in_channels(const Graph& g, const Node& conv) { return g.node(conv.inputs.at(0)).shape.dims.at(0); }

/// Every grouped (1 < groups, not depthwise) conv of `g` by name → groups.
std::map<std::string, int> grouped_convs(const Graph& g) {
  std::map<std::string, int> out;
  for (const Node& n : g.nodes())
    if (n.op == OpKind::kConv2d) {
      const auto& c = n.attr<ConvAttrs>();
      if (c.groups > 1 && c.groups != conv_in_channels(g, n)) out[n.name] = c.groups;
    }
  return out;
}

TEST(ResNeXtPrune, GroupedConvsArePrunedInEqualBlocksAndKeepTheirGroups) {
  if (auto why = python_torch_missing(); !why.empty()) GTEST_SKIP() << why;
  const Fixture f = torchvision_fixture("resnext50_32x4d", 64);
  const fs::path d = temp_dir();
  const std::string plan_path = (d / "plan.json").string(), out = (d / "pruned.onnx").string();

  // analyze: the groups around every grouped conv are prunable in 32 blocks.
  CommandResult a = prunekit("analyze --json " + f.onnx);
  ASSERT_EQ(a.code, 0) << a.output;
  const auto analysis_json = json_document(a.output);
  int blocked = 0;
  for (const auto& grp : analysis_json["groups"])
    if (grp["blocks"] == 32) {
      EXPECT_TRUE(grp["prunable"].get<bool>()) << grp["name"] << ": " << grp["reason"];
      ++blocked;
    }
  EXPECT_EQ(blocked, 32) << "16 bottlenecks: the input and the output group of each grouped conv";

  CommandResult p = prunekit("prune --model " + f.onnx + " --target-macs 0.5 --no-recalibrate --plan-out " +
                             plan_path + " --out " + out);
  ASSERT_EQ(p.code, 0) << p.output;
  const ModelFile original = import_onnx(f.onnx);
  const ModelFile pruned = import_onnx(out);
  EXPECT_LE(graph_cost(pruned.graph).macs, graph_cost(original.graph).macs / 2);

  const auto before = grouped_convs(original.graph);
  ASSERT_EQ(before.size(), 16u);
  int narrower = 0;
  for (const auto& [name, groups] : before) {
    ASSERT_TRUE(pruned.graph.has(name)) << name;
    const Node& conv = pruned.graph.node(name);
    const auto& attrs = conv.attr<ConvAttrs>();
    EXPECT_EQ(attrs.groups, groups) << name;
    EXPECT_EQ(attrs.out_channels % groups, 0) << name << ": " << attrs.out_channels << " filters";
    EXPECT_EQ(conv_in_channels(pruned.graph, conv) % groups, 0) << name;
    narrower += attrs.out_channels < original.graph.node(name).attr<ConvAttrs>().out_channels;
  }
  EXPECT_GT(narrower, 0) << "no grouped conv was pruned";

  // The written model computes the masked original, in the executor and in ONNX Runtime.
  const ChannelAnalysis analysis = analyze_channels(original.graph);
  const PrunePlan plan = load_plan(plan_path);
  const torch::Tensor expected = test::masked_reference(original.graph, original.weights, analysis, plan, f.input);
  EXPECT_LT(test::relative_diff(run_executor(pruned.graph, pruned.weights, f.input), expected), 1e-4);
  if (auto why = ort_missing(); !why.empty()) GTEST_SKIP() << why;
  EXPECT_LT(test::relative_diff(run_ort({out}, {f.input}).at(0), expected), 1e-4);
}

}  // namespace
}  // namespace pk
