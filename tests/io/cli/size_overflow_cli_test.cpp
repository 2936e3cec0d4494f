// A model whose declared input is too large to count (3x3e9x3e9 elements overflow int64) is a
// usage error of every command that reads it (exit 2, the input named), not negative MACs or a
// raw libtorch message.
#include <gtest/gtest.h>

#include <fstream>

#include "io_test_util.h"
#include "onnx_maker.h"

namespace pk {
namespace {

using namespace pk::iotest;

TEST(IoCli, HugeDeclaredInputIsAUsageErrorNamingTheInput) {
  const fs::path d = temp_dir();
  OnnxMaker m({3, 3'000'000'000, 3'000'000'000}, 13, "huge_input");
  m.init("w", {2, 3, 1, 1});
  m.node("Conv", "conv", {"huge_input", "w"}, {"y"});
  m.output("y");
  const fs::path onnx = d / "huge.onnx";
  std::ofstream(onnx, std::ios::binary) << m.bytes();
  for (const std::string command : {"analyze", "bench"}) {
    CommandResult r = run_command(std::string(PK_PRUNEKIT_BIN) + " " + command + " --model " + onnx.string());
    EXPECT_EQ(r.code, 2) << command << ": " << r.output;
    EXPECT_NE(r.output.find("'huge_input'"), std::string::npos) << command << ": " << r.output;
    EXPECT_NE(r.output.find("3x3000000000x3000000000"), std::string::npos) << command << ": " << r.output;
    EXPECT_EQ(r.output.find("overflowed"), std::string::npos) << command << ": " << r.output;
  }
}

}  // namespace
}  // namespace pk
