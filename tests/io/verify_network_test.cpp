// verify_network_file (what `prunekit export` runs after writing): a file written from the model
// passes; a file of the same graph with one weight changed fails, in every format.
#include <gtest/gtest.h>

#include <string>

#include "core/error.h"
#include "io/network_file.h"
#include "io/verify_network.h"
#include "io_test_util.h"
#include "models/zoo.h"

namespace pk {
namespace {

using namespace pk::iotest;

struct Model {
  Graph graph;
  WeightStore weights;
};

Model small_resnet() {
  ModelOptions o;
  o.in_channels = 3;
  o.input_size = 16;
  o.width = 0.25;
  Model m{build_model("resnet20", o), {}};
  m.weights = WeightStore::initialize(m.graph, 7);
  return m;
}

/// The same weights with one element of the first conv's kernel changed.
WeightStore tampered(const WeightStore& w) {
  WeightStore out;
  for (const auto& [node, tensors] : w.all())
    for (const auto& [name, t] : tensors) out.set(node, name, t.clone());
  torch::NoGradGuard ng;
  out.get("conv1", "weight").view(-1)[0] += 0.5f;
  return out;
}

std::string failure(const std::string& path, NetworkFormat format, const Model& m) {
  try {
    verify_network_file(path, format, m.graph, m.weights);
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

TEST(VerifyNetworkFile, PassesWhatWasWrittenAndCatchesAChangedWeight) {
  const Model m = small_resnet();
  const WeightStore other = tampered(m.weights);
  const fs::path d = temp_dir();
  for (const char* ext : {".onnx", ".pkm", ".pt"}) {
    const std::string good = (d / (std::string("good") + ext)).string();
    const std::string bad = (d / (std::string("bad") + ext)).string();
    const NetworkFormat format = network_format_from_path(good);
    save_network(good, m.graph, m.weights);
    save_network(bad, m.graph, other);
    EXPECT_EQ(failure(good, format, m), "") << ext;
    const std::string why = failure(bad, format, m);
    EXPECT_NE(why.find("verification failed"), std::string::npos) << ext << ": " << why;
    EXPECT_NE(why.find(bad), std::string::npos) << ext << ": the message names the file";
    if (format != NetworkFormat::kTorchScript) {
      EXPECT_NE(why.find("conv1.weight"), std::string::npos) << ext << ": the message names the tensor: " << why;
    }
  }
}

}  // namespace
}  // namespace pk
