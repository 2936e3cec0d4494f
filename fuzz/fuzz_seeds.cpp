// Writes seeds for the harnesses into DIR/{graph_text,plan_json,idx,cifar}: the graph text of small
// zoo models, plans of ResNet-20 (counts, indices, removed blocks), and tiny IDX files, raw and
// gzipped, and a two-record CIFAR-10 batch. Usage: fuzz_seeds DIR. (The ONNX seeds, DIR/onnx_import, come from `prunekit export`: bench/fuzz.sh.)
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "analysis/channel_analysis.h"
#include "graph/text_format.h"
#include "models/zoo.h"
#include "plan/plan_json.h"

namespace fs = std::filesystem;

namespace {

void write(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string idx_bytes(int rank) {
  std::string b{0, 0, 8, static_cast<char>(rank)};
  const std::vector<int> dims = rank == 3 ? std::vector<int>{2, 3, 3} : std::vector<int>{4};
  int n = 1;
  for (int d : dims) {
    b += {0, 0, 0, static_cast<char>(d)};
    n *= d;
  }
  for (int i = 0; i < n; ++i) b += static_cast<char>(i);
  return b;
}

std::string gzip(const std::string& bytes) {
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(compressBound(bytes.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const fs::path dir = argv[1];
  pk::ModelOptions small;
  small.width = 0.25;
  for (const char* name : {"resnet20", "vgg11", "mobilenetv2", "densenet"})
    write(dir / "graph_text" / (std::string(name) + ".txt"), pk::graph_to_text(pk::build_model(name, small)));
  const pk::Graph graph = pk::build_model("resnet20", {});
  const pk::ChannelAnalysis analysis = pk::analyze_channels(graph);
  pk::PrunePlan counts, indices, blocks;
  for (int g : analysis.prunable_groups()) counts.keep_count(analysis.group(g).name, analysis.group(g).size / 2);
  const int first = analysis.prunable_groups().front();
  indices.keep_indices(analysis.group(first).name, {0, 2, 5});
  for (int b : analysis.removable_blocks()) blocks.removed_blocks.push_back(graph.node(analysis.blocks()[b].add).name);
  write(dir / "plan_json" / "counts.json", pk::plan_to_json(counts));
  write(dir / "plan_json" / "indices.json", pk::plan_to_json(indices));
  write(dir / "plan_json" / "blocks.json", pk::plan_to_json(blocks));
  write(dir / "idx" / "images", std::string(1, '\0') + idx_bytes(3));
  write(dir / "idx" / "labels", std::string(1, '\1') + idx_bytes(1));
  write(dir / "idx" / "images.gz", std::string(1, '\2') + gzip(idx_bytes(3)));
  std::string cifar;  // two records: label, then 3072 pixel bytes
  for (int r = 0; r < 2; ++r) {
    cifar += static_cast<char>(r + 3);
    for (int i = 0; i < 3 * 32 * 32; ++i) cifar += static_cast<char>((i * 7 + r) % 256);
  }
  write(dir / "cifar" / "data_batch_1.bin", cifar);
  return 0;
}
