#include "core/atomic_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace pk {
namespace fs = std::filesystem;

void check_writable_path(const std::string& path) {
  PK_CHECK(!path.empty(), "output path is empty");
  fs::path p(path);
  fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  PK_CHECK(fs::is_directory(dir), "cannot write '{}': directory '{}' does not exist", path, dir.string());
  PK_CHECK(!fs::is_directory(p), "cannot write '{}': it is a directory", path);
  PK_CHECK(::access(dir.c_str(), W_OK) == 0, "cannot write '{}': directory '{}' is not writable", path,
           dir.string());
}

void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write) {
  check_writable_path(path);
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  try {
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      PK_CHECK(out.good(), "cannot create '{}': {}", tmp, std::strerror(errno));
      write(out);
      out.flush();
      PK_CHECK(out.good(), "writing '{}' failed (disk full?)", tmp);
    }
    std::error_code ec;
    fs::rename(tmp, path, ec);
    PK_CHECK(!ec, "cannot rename '{}' to '{}': {}", tmp, path, ec.message());
  } catch (...) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw;
  }
}

std::string read_file(const std::string& path) {
  PK_CHECK(fs::exists(path), "file '{}' does not exist", path);
  PK_CHECK(!fs::is_directory(path), "'{}' is a directory, expected a file", path);
  std::ifstream in(path, std::ios::binary);
  PK_CHECK(in.good(), "cannot open '{}': {}", path, std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace pk
