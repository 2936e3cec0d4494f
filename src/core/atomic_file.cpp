#include "core/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <random>
#include <sstream>
#include <streambuf>

#include "core/error.h"
#include "core/interrupt.h"

namespace pk {
namespace fs = std::filesystem;
namespace {

fs::path directory_of(const std::string& path) {
  const fs::path p(path);
  return p.has_parent_path() ? p.parent_path() : fs::path(".");
}

/// What a non-regular lstat result is, for messages.
const char* non_regular_kind(const struct stat& st) {
  if (S_ISLNK(st.st_mode)) return "symbolic link";
  if (S_ISDIR(st.st_mode)) return "directory";
  if (S_ISFIFO(st.st_mode)) return "FIFO";
  if (S_ISCHR(st.st_mode)) return "character device";
  if (S_ISBLK(st.st_mode)) return "block device";
  if (S_ISSOCK(st.st_mode)) return "socket";
  return "special file";
}

/// UserError unless `path` does not exist or is a regular file (itself, not through a symlink).
void check_absent_or_regular(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    PK_CHECK(errno == ENOENT, "cannot write '{}': {}", path, std::strerror(errno));
    return;
  }
  if (S_ISREG(st.st_mode)) return;
  std::error_code ec;
  PK_CHECK(!S_ISLNK(st.st_mode),
           "cannot write '{}': it is a symbolic link (to '{}'), not a regular file; prunekit writes only regular "
           "files and neither writes through nor replaces a symbolic link: give the path of the file itself",
           path, fs::read_symlink(path, ec).string());
  throw UserError(fmt::format("cannot write '{}': it is a {}, not a regular file; prunekit writes only regular files",
                              path, non_regular_kind(st)));
}

/// Owns a file descriptor: closes it on destruction unless close() was called.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  /// close(2)'s result; errno is set on failure.
  int close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

/// A write-only streambuf over a file descriptor it does not own (64 KiB buffer). A failed
/// write(2) makes the stream bad and every later write fail; error() is its errno. tellp() works.
class FdStreambuf : public std::streambuf {
 public:
  explicit FdStreambuf(int fd) : fd_(fd) { setp(buffer_, buffer_ + sizeof buffer_); }
  int error() const { return error_; }

 protected:
  int_type overflow(int_type ch) override {
    if (!drain()) return traits_type::eof();
    if (!traits_type::eq_int_type(ch, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(ch);
      pbump(1);
    }
    return traits_type::not_eof(ch);
  }

  std::streamsize xsputn(const char* s, std::streamsize n) override {
    if (n > epptr() - pptr()) {
      if (!drain()) return 0;
      if (n >= static_cast<std::streamsize>(sizeof buffer_)) return write_all(s, static_cast<size_t>(n)) ? n : 0;
    }
    std::memcpy(pptr(), s, static_cast<size_t>(n));
    pbump(static_cast<int>(n));
    return n;
  }

  int sync() override { return drain() ? 0 : -1; }

  pos_type seekoff(off_type off, std::ios_base::seekdir dir, std::ios_base::openmode which) override {
    if (off != 0 || dir != std::ios_base::cur || !(which & std::ios_base::out)) return pos_type(off_type(-1));
    return pos_type(static_cast<off_type>(written_ + static_cast<uint64_t>(pptr() - pbase())));
  }

 private:
  bool write_all(const char* p, size_t n) {
    while (n > 0 && error_ == 0) {
      const ssize_t k = ::write(fd_, p, n);
      if (k < 0 && errno == EINTR) continue;
      if (k <= 0) {
        error_ = k < 0 ? errno : EIO;
        break;
      }
      p += k;
      n -= static_cast<size_t>(k);
      written_ += static_cast<uint64_t>(k);
    }
    return error_ == 0;
  }

  bool drain() {
    const bool ok = write_all(pbase(), static_cast<size_t>(pptr() - pbase()));
    setp(buffer_, buffer_ + sizeof buffer_);
    return ok;
  }

  int fd_;
  int error_ = 0;
  uint64_t written_ = 0;
  char buffer_[1 << 16];
};

/// Creates "<path>.tmp.<pid>.<8 random hex digits>" exclusively (O_CREAT|O_EXCL|O_NOFOLLOW, so
/// neither an existing file nor a symlink at that name is ever opened), retrying on a taken name.
/// Mode 0666 & ~umask. Returns the open descriptor and sets `tmp`; UserError if it cannot.
int create_temporary(const std::string& path, std::string& tmp) {
  thread_local std::mt19937_64 rng(
      (static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}() ^ static_cast<uint64_t>(::getpid()));
  constexpr int kAttempts = 100;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    tmp = fmt::format("{}.tmp.{}.{:08x}", path, ::getpid(), static_cast<uint32_t>(rng()));
    const int fd = ::open(tmp.c_str(), O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, 0666);
    if (fd >= 0) return fd;
    PK_CHECK(errno == EEXIST || errno == EINTR, "cannot create a temporary file '{}' to write '{}': {}", tmp, path,
             std::strerror(errno));
  }
  throw UserError(fmt::format("cannot create a temporary file next to '{}': {} random names were all taken", path,
                              kAttempts));
}

/// Runs `write` on a stream over `fd`, then flushes, fsyncs and closes it (also on exceptions).
void write_and_sync(int fd, const std::string& path, const std::function<void(std::ostream&)>& write) {
  FileDescriptor file(fd);
  FdStreambuf buffer(fd);
  std::ostream out(&buffer);
  write(out);
  out.flush();
  PK_CHECK(out.good(), "writing '{}' failed: {}", path,
           buffer.error() != 0 ? std::strerror(buffer.error()) : "the writer left the stream in a failed state");
  PK_CHECK(::fsync(fd) == 0, "writing '{}' failed: cannot sync it to disk: {}", path, std::strerror(errno));
  PK_CHECK(file.close() == 0, "writing '{}' failed: close: {}", path, std::strerror(errno));
}

/// fsyncs `dir` so that a rename in it survives a crash. File systems that cannot sync a
/// directory (EINVAL) are accepted.
void sync_directory(const fs::path& dir, const std::string& path) {
  FileDescriptor d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  PK_CHECK(d.get() >= 0, "wrote '{}' but cannot open its directory '{}' to sync it: {}", path, dir.string(),
           std::strerror(errno));
  PK_CHECK(::fsync(d.get()) == 0 || errno == EINVAL, "wrote '{}' but cannot sync its directory '{}': {}", path,
           dir.string(), std::strerror(errno));
}

}  // namespace

void check_writable_path(const std::string& path) {
  PK_CHECK(!path.empty(), "output path is empty");
  const fs::path dir = directory_of(path);
  std::error_code ec;
  PK_CHECK(fs::is_directory(dir, ec), "cannot write '{}': directory '{}' does not exist", path, dir.string());
  check_absent_or_regular(path);
  PK_CHECK(::access(dir.c_str(), W_OK) == 0, "cannot write '{}': directory '{}' is not writable", path,
           dir.string());
}

void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write) {
  check_writable_path(path);
  std::string tmp;
  const int fd = create_temporary(path, tmp);
  try {
    write_and_sync(fd, path, write);
    throw_if_interrupted();  // a signal during the write: the temp file goes, the old file stays
    PK_CHECK(::rename(tmp.c_str(), path.c_str()) == 0, "cannot rename '{}' to '{}': {}", tmp, path,
             std::strerror(errno));
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
  sync_directory(directory_of(path), path);
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
