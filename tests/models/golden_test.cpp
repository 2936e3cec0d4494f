// Golden text dumps of small zoo graphs (tests/golden/models/). A change in any node name,
// attribute or shape shows up as a diff. Regenerate deliberately with PK_UPDATE_GOLDEN=1.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <ostream>
#include <string>

#include "core/atomic_file.h"
#include "graph/text_format.h"
#include "models/zoo.h"

namespace pk {
namespace {

void check_golden(const std::string& model, const ModelOptions& o, const std::string& file) {
  const std::string path = std::string(PK_GOLDEN_DIR) + "/models/" + file;
  const Graph g = build_model(model, o);
  const std::string text = graph_to_text(g);
  const char* update = std::getenv("PK_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    write_file_atomically(path, [&](std::ostream& out) { out << text; });
    GTEST_SKIP() << "rewrote " << path;
  }
  std::ifstream probe(path);
  ASSERT_TRUE(probe.good()) << path << " is missing; create it with PK_UPDATE_GOLDEN=1";
  const std::string golden = read_file(path);
  EXPECT_EQ(text, golden) << "graph of " << model << " differs from " << path
                          << "; if the change is intended, rerun with PK_UPDATE_GOLDEN=1 and review the diff";
  // The golden file is itself a loadable graph equal to the built one.
  EXPECT_TRUE(graph_from_text(golden, path) == g);
}

ModelOptions mnist_like() {
  ModelOptions o;
  o.in_channels = 1;
  o.input_size = 28;
  o.num_classes = 10;
  return o;
}

TEST(ModelGolden, ResNet20Mnist) { check_golden("resnet20", mnist_like(), "resnet20_1x28x28_10.txt"); }

TEST(ModelGolden, DenseNetMnist) { check_golden("densenet", mnist_like(), "densenet_1x28x28_10.txt"); }

}  // namespace
}  // namespace pk
