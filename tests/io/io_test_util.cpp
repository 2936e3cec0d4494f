#include "io_test_util.h"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "exec/executor.h"

namespace pk::iotest {

namespace {

/// Removes the test's temporary directories when the process ends (PK_KEEP_TEST_FILES=1 keeps them).
struct TempDirs {
  std::vector<fs::path> dirs;
  ~TempDirs() {
    if (std::getenv("PK_KEEP_TEST_FILES") != nullptr) return;
    std::error_code ignored;
    for (const auto& d : dirs) fs::remove_all(d, ignored);
  }
};

}  // namespace

fs::path temp_dir() {
  static TempDirs created;
  fs::path d = fs::temp_directory_path() / fmt::format("pk_io_test_{}_{}", ::getpid(), created.dirs.size());
  fs::create_directories(d);
  created.dirs.push_back(d);
  return d;
}

CommandResult run_command(const std::string& command) { return testing::run_command(command + " 2>&1"); }

nlohmann::json json_document(const std::string& output) {
  const size_t start = output.rfind('{', 0) == 0 ? 0 : output.find("\n{");
  if (start == std::string::npos) throw std::runtime_error("no JSON document in: " + output);
  return nlohmann::json::parse(output.substr(start));
}

void write_raw(const fs::path& path, const torch::Tensor& t) {
  torch::Tensor c = t.detach().to(torch::kFloat32).contiguous();
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(c.data_ptr<float>()), static_cast<std::streamsize>(c.numel() * 4));
  if (!out.good()) throw std::runtime_error("cannot write " + path.string());
}

torch::Tensor read_raw(const fs::path& path, const std::vector<int64_t>& shape) {
  const std::string bytes = read_file(path.string());
  torch::Tensor t = torch::empty(shape, torch::kFloat32);
  if (static_cast<int64_t>(bytes.size()) != t.numel() * 4)
    throw std::runtime_error(fmt::format("{} has {} bytes, expected {}", path.string(), bytes.size(), t.numel() * 4));
  std::memcpy(t.data_ptr<float>(), bytes.data(), bytes.size());
  return t;
}

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  if (a.sizes() != b.sizes()) return std::numeric_limits<double>::infinity();
  return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
}

namespace {

std::string python() { return PK_PYTHON; }

std::string python_missing(const std::string& modules) {
  static std::map<std::string, std::string> cache;
  auto it = cache.find(modules);
  if (it != cache.end()) return it->second;
  std::string reason;
  if (!fs::exists(python())) {
    reason = python() + " does not exist (run `make deps`)";
  } else {
    CommandResult r = run_command(python() + " -c 'import " + modules + "'");
    if (r.code != 0) reason = python() + " cannot import " + modules + " (run `make deps`): " + r.output;
  }
  return cache[modules] = reason;
}

std::string quote(const std::string& s) { return "'" + s + "'"; }

std::vector<int64_t> sizes_of(const torch::Tensor& t) { return {t.sizes().begin(), t.sizes().end()}; }

}  // namespace

std::string python_torch_missing() { return python_missing("torch, torchvision"); }
std::string python_onnx_missing() { return python_missing("onnx"); }

std::string ort_missing() {
  static std::string reason = [] {
    const fs::path mod = fs::path(PK_ORT_DIR) / "node_modules" / "onnxruntime-node";
    if (!fs::exists(mod)) return "onnxruntime-node is not installed in " + mod.string() + " (run `make deps`)";
    CommandResult r = run_command("node --version");
    if (r.code != 0) return std::string("node is not installed (run `make deps`)");
    return std::string();
  }();
  return reason;
}

CommandResult onnx_check(const std::vector<std::string>& files) {
  std::string cmd = python() + " " + quote(std::string(PK_IO_TEST_DIR) + "/py_consumers.py") + " check";
  for (const auto& f : files) cmd += " " + quote(f);
  return run_command(cmd);
}

std::vector<torch::Tensor> run_ort(const std::vector<std::string>& models, const std::vector<torch::Tensor>& inputs) {
  const fs::path dir = temp_dir();
  nlohmann::json jobs = nlohmann::json::array();
  for (size_t k = 0; k < models.size(); ++k) {
    const fs::path in = dir / fmt::format("in{}.bin", k);
    write_raw(in, inputs[k]);
    jobs.push_back({{"model", models[k]},
                    {"input", in.string()},
                    {"shape", sizes_of(inputs[k])},
                    {"output", (dir / fmt::format("out{}.bin", k)).string()}});
  }
  const fs::path job_file = dir / "jobs.json";
  std::ofstream(job_file) << jobs.dump();
  CommandResult r = run_command(fmt::format("PK_ORT_DIR={} node {} {}", quote(PK_ORT_DIR),
                                            quote(std::string(PK_IO_TEST_DIR) + "/ort_run.js"), quote(job_file.string())));
  if (r.code != 0) throw std::runtime_error("ONNX Runtime failed: " + r.output);
  std::vector<torch::Tensor> outs;
  for (const auto& job : jobs) {
    const std::string out = job["output"];
    auto dims = nlohmann::json::parse(read_file(out + ".json"))["dims"].get<std::vector<int64_t>>();
    outs.push_back(read_raw(out, dims));
  }
  return outs;
}

std::vector<torch::Tensor> run_python_torchscript(const std::vector<std::string>& files,
                                                  const std::vector<torch::Tensor>& inputs) {
  const fs::path dir = temp_dir();
  nlohmann::json jobs = nlohmann::json::array();
  for (size_t k = 0; k < files.size(); ++k) {
    const fs::path in = dir / fmt::format("in{}.bin", k);
    write_raw(in, inputs[k]);
    jobs.push_back({{"model", files[k]},
                    {"input", in.string()},
                    {"shape", sizes_of(inputs[k])},
                    {"output", (dir / fmt::format("out{}.bin", k)).string()}});
  }
  const fs::path job_file = dir / "jobs.json";
  std::ofstream(job_file) << jobs.dump();
  CommandResult r = run_command(python() + " " + quote(std::string(PK_IO_TEST_DIR) + "/py_consumers.py") +
                                " torchscript " + quote(job_file.string()));
  if (r.code != 0) throw std::runtime_error("python torch.jit.load failed: " + r.output);
  std::vector<torch::Tensor> outs;
  for (const auto& job : jobs) {
    const std::string out = job["output"];
    auto dims = nlohmann::json::parse(read_file(out + ".json"))["dims"].get<std::vector<int64_t>>();
    outs.push_back(read_raw(out, dims));
  }
  return outs;
}

Fixture torchvision_fixture(const std::string& name, int size) {
  const fs::path dir = PK_IO_FIXTURE_DIR;
  fs::create_directories(dir);
  const fs::path script = fs::path(PK_IO_TEST_DIR) / "make_fixtures.py";
  const std::string stem = fmt::format("{}_{}", name, size);
  const fs::path info_path = dir / (stem + ".json");  // written last by the script
  if (!fs::exists(info_path) || fs::last_write_time(info_path) < fs::last_write_time(script)) {
    CommandResult r = run_command(fmt::format("{} {} {} {} {}", python(), quote(script.string()), name, size,
                                              quote(dir.string())));
    if (r.code != 0) throw std::runtime_error("make_fixtures.py " + stem + " failed: " + r.output);
  }
  Fixture f;
  f.info = nlohmann::json::parse(read_file(info_path.string()));
  f.onnx = (dir / (stem + ".onnx")).string();
  f.input = read_raw(dir / (stem + ".input.bin"), f.info["input_shape"].get<std::vector<int64_t>>());
  f.output = read_raw(dir / (stem + ".output.bin"), f.info["output_shape"].get<std::vector<int64_t>>());
  return f;
}

torch::Tensor run_executor(const Graph& graph, const WeightStore& weights, const torch::Tensor& input) {
  torch::NoGradGuard no_grad;
  Executor ex(graph, weights);
  ex.eval();
  return ex.forward(input);
}

}  // namespace pk::iotest
