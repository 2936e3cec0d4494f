#include "core/directory_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include "core/error.h"

namespace pk {
namespace {

/// The pid the holder wrote into the lock file ("" if unreadable).
std::string holder_pid(int fd) {
  char buf[32] = {};
  const ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
  std::string s = n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

DirectoryLock::DirectoryLock(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  PK_CHECK(!ec, "cannot create the output directory '{}': {}", dir, ec.message());
  const std::string path = (std::filesystem::path(dir) / ".prunekit.lock").string();
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  PK_CHECK(fd_ >= 0, "cannot create the lock file '{}': {}", path, std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    const std::string pid = holder_pid(fd_);
    ::close(fd_);
    fd_ = -1;
    PK_CHECK(err != EWOULDBLOCK, "'{}' is being written by another prunekit process{}; wait for it to finish or give "
             "another --out", dir, pid.empty() ? "" : " (pid " + pid + ")");
    throw UserError(fmt::format("cannot lock '{}': {}", path, std::strerror(err)));
  }
  const std::string mine = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) == 0) {
    [[maybe_unused]] const ssize_t written = ::pwrite(fd_, mine.data(), mine.size(), 0);
  }
}

std::string directory_lock_holder(const std::string& dir) {
  const std::string path = (std::filesystem::path(dir) / ".prunekit.lock").string();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return "";
  std::string holder;
  if (::flock(fd, LOCK_SH | LOCK_NB) != 0) {
    holder = holder_pid(fd);
    if (holder.empty()) holder = "?";
  }
  ::close(fd);  // releases the shared lock if it was taken
  return holder;
}

DirectoryLock::~DirectoryLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the descriptor releases the flock
}

}  // namespace pk
