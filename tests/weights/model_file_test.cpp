#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <limits>
#include <string>

#include "core/error.h"
#include "graph/text_format.h"
#include "test_nets.h"
#include "weights/model_file.h"

namespace pk {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::small_net;

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

uint64_t get_le(const std::string& s, size_t pos, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(s[pos + i])) << (8 * i);
  return v;
}

void put_le(std::string& out, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint32_t crc_of(const std::string& s, size_t n) {
  return static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(s.data()), static_cast<uInt>(n)));
}

/// An independent reader/writer of the documented layout (docs/formats.md), used to check the
/// layout byte by byte and to craft files that are well-formed but semantically wrong.
struct Unpacked {
  json header;
  std::string data;  // the data section
};

Unpacked unpack(const std::string& b) {
  const uint64_t h = get_le(b, 20, 8);
  const uint64_t d = get_le(b, 28, 8);
  const uint64_t start = (36 + h + 63) / 64 * 64;
  return {json::parse(b.substr(36, h)), b.substr(start, d)};
}

std::string pack(const Unpacked& u) {
  const std::string header = u.header.dump();
  std::string b("PRUNEKIT\0MODEL\0\0", 16);
  put_le(b, 1, 4);
  put_le(b, header.size(), 8);
  put_le(b, u.data.size(), 8);
  b += header;
  b.resize((b.size() + 63) / 64 * 64, '\0');
  b += u.data;
  put_le(b, crc_of(b, b.size()), 4);
  b += "ENDMODEL";
  return b;
}

template <class F>
std::string user_error_message(F&& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected UserError";
  return "";
}

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE((haystack).find(needle), std::string::npos) << "'" << (needle) << "' not in: " << (haystack)

class ModelFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("pk_model_file_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    graph_ = small_net();
    weights_ = WeightStore::initialize(graph_, 11);
    // Non-trivial BN statistics, a non-contiguous tensor and one that requires grad.
    weights_.set("bn1", "running_mean", torch::randn({4}));
    weights_.set("bn1", "running_var", torch::rand({4}) + 0.5);
    weights_.set("conv3", "weight", torch::randn({1, 1, 8, 8}).permute({3, 2, 0, 1}));
    ASSERT_FALSE(weights_.get("conv3", "weight").is_contiguous());
    weights_.set("fc", "bias", torch::randn({5}).requires_grad_(true));
    metadata_ = {{"dataset", "cifar10"},
                 {"top1", 0.91234567890123},
                 {"classes", {"plane", "car", "Größe ✓"}},
                 {"normalization", {{"mean", {0.49, 0.48, 0.45}}, {"std", {0.2, 0.2, 0.2}}}},
                 {"epochs", 160},
                 {"parent", nullptr}};
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  /// Saves the fixture model to `name` and returns its bytes.
  std::string saved(const std::string& name = "m.pkm") {
    save_model(path(name), graph_, weights_, metadata_);
    return read_bytes(path(name));
  }

  /// Writes `bytes` to a fresh file and returns the load error message.
  std::string load_error(const std::string& bytes, const std::string& name = "bad.pkm") {
    write_bytes(path(name), bytes);
    return user_error_message([&] { load_model(path(name)); });
  }

  fs::path dir_;
  Graph graph_;
  WeightStore weights_;
  json metadata_;
};

TEST_F(ModelFileTest, RoundTripKeepsGraphTensorsAndMetadata) {
  save_model(path("m.pkm"), graph_, weights_, metadata_);
  ModelFile m = load_model(path("m.pkm"));
  EXPECT_TRUE(m.graph == graph_);
  EXPECT_EQ(graph_to_text(m.graph), graph_to_text(graph_));
  EXPECT_EQ(m.metadata, metadata_);
  EXPECT_EQ(m.weights.all().size(), weights_.all().size());
  int count = 0;
  for (const auto& [node, ts] : weights_.all()) {
    for (const auto& [name, t] : ts) {
      ASSERT_TRUE(m.weights.has(node, name)) << node << "." << name;
      const torch::Tensor& u = m.weights.get(node, name);
      EXPECT_TRUE(torch::equal(t.detach(), u)) << node << "." << name;
      EXPECT_TRUE(u.is_contiguous());
      EXPECT_FALSE(u.requires_grad());
      EXPECT_EQ(u.scalar_type(), torch::kFloat32);
      ++count;
    }
  }
  EXPECT_EQ(count, 14);  // conv1 ×2, bn1 ×4, conv2, bn2 ×4, conv3, fc ×2

  // Size overhead over the raw float32 data (reported, and bounded for a small net).
  const uint64_t size = fs::file_size(path("m.pkm"));
  const uint64_t raw = static_cast<uint64_t>(weights_.numel()) * 4;
  std::cout << "[ info ] small net: " << weights_.numel() << " floats = " << raw << " B raw, file " << size
            << " B, overhead " << size - raw << " B\n";
  EXPECT_LT(size - raw, 8192u);
}

TEST_F(ModelFileTest, LayoutMatchesTheDocumentation) {
  const std::string b = saved();
  EXPECT_EQ(b.substr(0, 16), std::string("PRUNEKIT\0MODEL\0\0", 16));
  EXPECT_EQ(get_le(b, 16, 4), 1u);
  const uint64_t h = get_le(b, 20, 8);
  const uint64_t d = get_le(b, 28, 8);
  const uint64_t start = (36 + h + 63) / 64 * 64;
  ASSERT_EQ(b.size(), start + d + 12);
  EXPECT_EQ(b.substr(b.size() - 8), "ENDMODEL");
  EXPECT_EQ(get_le(b, b.size() - 12, 4), crc_of(b, b.size() - 12));
  for (uint64_t i = 36 + h; i < start; ++i) EXPECT_EQ(b[i], '\0') << "padding byte " << i;

  const json header = json::parse(b.substr(36, h));
  EXPECT_EQ(header.at("graph").get<std::string>(), graph_to_text(graph_));
  EXPECT_EQ(header.at("metadata"), metadata_);
  ASSERT_EQ(header.at("tensors").size(), 14u);
  const json& first = header.at("tensors")[0];
  EXPECT_EQ(first.at("node"), "conv1");
  EXPECT_EQ(first.at("tensor"), "weight");
  EXPECT_EQ(first.at("dtype"), "float32");
  EXPECT_EQ(first.at("shape"), json({4, 3, 3, 3}));
  for (const json& t : header.at("tensors")) {
    EXPECT_EQ(t.at("offset").get<uint64_t>() % 64, 0u);
    const torch::Tensor expected = weights_.get(t.at("node").get<std::string>(), t.at("tensor").get<std::string>()).detach().contiguous();
    ASSERT_EQ(t.at("nbytes").get<uint64_t>(), static_cast<uint64_t>(expected.numel()) * 4);
    EXPECT_EQ(std::memcmp(b.data() + start + t.at("offset").get<uint64_t>(), expected.data_ptr<float>(),
                          t.at("nbytes").get<uint64_t>()),
              0)
        << t.dump();
  }
  // The test's own writer reproduces the file exactly.
  EXPECT_EQ(pack(unpack(b)), b);
}

TEST_F(ModelFileTest, SavingIsDeterministic) {
  EXPECT_EQ(saved("a.pkm"), saved("b.pkm"));
}

TEST_F(ModelFileTest, MetadataDefaultsToEmptyObject) {
  save_model(path("a.pkm"), graph_, weights_);
  EXPECT_EQ(load_model(path("a.pkm")).metadata, json::object());
  save_model(path("b.pkm"), graph_, weights_, json());
  EXPECT_EQ(load_model(path("b.pkm")).metadata, json::object());
  const std::string msg = user_error_message([&] { save_model(path("c.pkm"), graph_, weights_, json::array()); });
  EXPECT_CONTAINS(msg, "metadata must be a JSON object");
  EXPECT_FALSE(fs::exists(path("c.pkm")));
}

TEST_F(ModelFileTest, TruncatedFilesSayTruncated) {
  const std::string b = saved();
  const uint64_t h = get_le(b, 20, 8);
  const uint64_t start = (36 + h + 63) / 64 * 64;
  const size_t cuts[] = {0,                 // empty
                         5,                 // inside the magic
                         18,                // inside the version
                         30,                // inside the lengths
                         40,                // inside the header
                         start + 100,       // inside the data
                         b.size() - 10,     // inside the CRC
                         b.size() - 3};     // inside the end marker
  for (size_t cut : cuts) {
    const std::string msg = load_error(b.substr(0, cut));
    EXPECT_CONTAINS(msg, "truncated");
    EXPECT_CONTAINS(msg, "bad.pkm");
    if (cut >= 36) {
      EXPECT_CONTAINS(msg, fmt::format("expected {} bytes, the file has {}", b.size(), cut));
    }
  }
}

TEST_F(ModelFileTest, FlippedBytesAreReportedAsCorrupt) {
  const std::string b = saved();
  const uint64_t h = get_le(b, 20, 8);
  const uint64_t start = (36 + h + 63) / 64 * 64;
  for (size_t pos : {static_cast<size_t>(start + 37), static_cast<size_t>(50), b.size() - 12}) {
    std::string bad = b;
    bad[pos] = static_cast<char>(bad[pos] ^ 0x10);
    const std::string msg = load_error(bad);
    EXPECT_CONTAINS(msg, "checksum mismatch");
    EXPECT_CONTAINS(msg, "corrupt");
  }
  // A damaged length in the preamble is corruption, not truncation: the end marker is intact.
  std::string bad = b;
  bad[20] = static_cast<char>(bad[20] ^ 0x40);
  std::string msg = load_error(bad);
  EXPECT_CONTAINS(msg, "corrupt");
  EXPECT_EQ(msg.find("truncated"), std::string::npos) << msg;
  // Absurd lengths are rejected before any allocation.
  bad = b;
  for (int i = 28; i < 36; ++i) bad[i] = '\xff';
  msg = load_error(bad);
  EXPECT_CONTAINS(msg, "corrupt");
  // Extra bytes after the end marker.
  msg = load_error(b + "x");
  EXPECT_CONTAINS(msg, "corrupt");
}

TEST_F(ModelFileTest, ForeignFilesAreRecognised) {
  std::string msg = load_error(std::string("NOTAMODEL-------------------------------------------"));
  EXPECT_CONTAINS(msg, "not a prunekit model");
  EXPECT_CONTAINS(msg, "bad.pkm");

  // ONNX ModelProto: field 1 (ir_version) varint, then field 2 (producer_name) "pytorch".
  msg = load_error(std::string("\x08\x07\x12\x07pytorch\x1a\x05" "2.1.0", 18));
  EXPECT_CONTAINS(msg, "not a prunekit model");
  EXPECT_CONTAINS(msg, "ONNX");
  EXPECT_CONTAINS(msg, "prunekit import");

  msg = load_error(std::string("PK\x03\x04\x14\x00\x00\x00\x08\x00model/data.pkl", 24));
  EXPECT_CONTAINS(msg, "not a prunekit model");
  EXPECT_CONTAINS(msg, "zip");
  EXPECT_CONTAINS(msg, "TorchScript");

  msg = load_error(std::string("\x80\x02}q\x00(X\x06\x00\x00\x00", 11));
  EXPECT_CONTAINS(msg, "pickle");

  msg = load_error(graph_to_text(graph_));
  EXPECT_CONTAINS(msg, "graph text");
}

TEST_F(ModelFileTest, UnsupportedVersion) {
  std::string b = saved();
  b[16] = 2;
  const std::string msg = load_error(b);
  EXPECT_CONTAINS(msg, "unsupported format version 2");
}

TEST_F(ModelFileTest, MissingFileNamesThePath) {
  const std::string msg = user_error_message([&] { load_model(path("nope.pkm")); });
  EXPECT_CONTAINS(msg, "nope.pkm");
  EXPECT_CONTAINS(msg, "does not exist");
}

TEST_F(ModelFileTest, WeightsNotMatchingTheGraphNameTheNode) {
  Unpacked u = unpack(saved());
  {  // The graph says fc has 6 outputs, the stored tensors have 5.
    Unpacked v = u;
    std::string g = v.header["graph"];
    const auto p = g.find("out=5");
    ASSERT_NE(p, std::string::npos);
    g.replace(p, 5, "out=6");
    v.header["graph"] = g;
    const std::string msg = load_error(pack(v));
    EXPECT_CONTAINS(msg, "fc.weight");
    EXPECT_CONTAINS(msg, "bad.pkm");
  }
  {  // A tensor entry is missing.
    Unpacked v = u;
    auto& ts = v.header["tensors"];
    for (size_t i = 0; i < ts.size(); ++i)
      if (ts[i]["node"] == "bn2" && ts[i]["tensor"] == "running_var") ts.erase(i);
    EXPECT_CONTAINS(load_error(pack(v)), "bn2");
  }
  {  // Weights for a node the graph does not have.
    Unpacked v = u;
    json extra = v.header["tensors"][0];
    extra["node"] = "ghost";
    v.header["tensors"].push_back(extra);
    EXPECT_CONTAINS(load_error(pack(v)), "'ghost'");
  }
}

TEST_F(ModelFileTest, MalformedHeadersAreUserErrors) {
  Unpacked u = unpack(saved());
  {  // Graph text error: the message carries the line.
    Unpacked v = u;
    std::string g = v.header["graph"];
    g.replace(g.find("ReLU("), 5, "Relu(");
    v.header["graph"] = g;
    const std::string msg = load_error(pack(v));
    EXPECT_CONTAINS(msg, "bad.pkm (graph text):5:");
    EXPECT_CONTAINS(msg, "unknown op 'Relu'");
  }
  {  // A tensor pointing outside the data section must not be read.
    Unpacked v = u;
    v.header["tensors"][3]["offset"] = uint64_t(1) << 62;
    EXPECT_CONTAINS(load_error(pack(v)), "outside the");
  }
  {  // Shape and nbytes disagreeing (an absurd shape must not be allocated).
    Unpacked v = u;
    v.header["tensors"][0]["shape"] = {1u << 30, 1u << 30, 1u << 30};
    EXPECT_CONTAINS(load_error(pack(v)), "does not match shape");
  }
  {
    Unpacked v = u;
    v.header["tensors"][0]["dtype"] = "float16";
    EXPECT_CONTAINS(load_error(pack(v)), "unsupported dtype \"float16\"");
  }
  {
    Unpacked v = u;
    v.header["tensors"].push_back(v.header["tensors"][0]);
    EXPECT_CONTAINS(load_error(pack(v)), "listed twice");
  }
  {
    Unpacked v = u;
    v.header.erase("graph");
    EXPECT_CONTAINS(load_error(pack(v)), "missing field \"graph\"");
  }
  {
    Unpacked v = u;
    v.header["metadata"] = "text";
    EXPECT_CONTAINS(load_error(pack(v)), "\"metadata\" must be a JSON object");
  }
}

TEST_F(ModelFileTest, UnwritablePathIsAUserErrorAndCreatesNothing) {
  const std::string p = "/nonexistent/dir/x.pkm";
  const std::string msg = user_error_message([&] { save_model(p, graph_, weights_, metadata_); });
  EXPECT_CONTAINS(msg, "/nonexistent/dir");
  EXPECT_FALSE(fs::exists(p));
  EXPECT_CONTAINS(user_error_message([&] { save_model(dir_.string(), graph_, weights_); }), "directory");
}

TEST_F(ModelFileTest, FailedSaveLeavesTheExistingFileIntact) {
  const std::string old = saved("m.pkm");
  WeightStore broken = weights_.clone();
  broken.set("conv2", "weight", torch::zeros({4, 4, 3, 3}));
  std::string msg = user_error_message([&] { save_model(path("m.pkm"), graph_, broken, json::object()); });
  EXPECT_CONTAINS(msg, "conv2.weight");
  EXPECT_CONTAINS(msg, "m.pkm");

  WeightStore with_nan = weights_.clone();
  with_nan.get("fc", "weight")[0][0] = std::numeric_limits<float>::quiet_NaN();
  msg = user_error_message([&] { save_model(path("m.pkm"), graph_, with_nan); });
  EXPECT_CONTAINS(msg, "NaN");

  json bad_utf8 = {{"name", std::string("\xff\xfe")}};
  msg = user_error_message([&] { save_model(path("m.pkm"), graph_, weights_, bad_utf8); });
  EXPECT_CONTAINS(msg, "metadata");

  EXPECT_EQ(read_bytes(path("m.pkm")), old);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1) << "no temporary files left";
  EXPECT_TRUE(load_model(path("m.pkm")).graph == graph_);
}

TEST_F(ModelFileTest, SavingOverAnExistingFileReplacesIt) {
  saved("m.pkm");
  WeightStore other = WeightStore::initialize(graph_, 99);
  save_model(path("m.pkm"), graph_, other, {{"v", 2}});
  ModelFile m = load_model(path("m.pkm"));
  EXPECT_TRUE(torch::equal(m.weights.get("conv1", "weight"), other.get("conv1", "weight")));
  EXPECT_EQ(m.metadata, json({{"v", 2}}));
}

}  // namespace
}  // namespace pk
