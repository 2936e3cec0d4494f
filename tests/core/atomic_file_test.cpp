// write_file_atomically / check_writable_path: the temporary file is created exclusively (a
// planted symlink is never followed), only regular files are written (FIFOs, devices,
// directories, sockets and symlinks at the output path are refused), and a failed write leaves
// the old file and no temporary file behind.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>

#include "support/expect_error.h"
#include "core/atomic_file.h"
#include "core/error.h"

namespace pk {
namespace {

using testing::expect_user_error;

namespace fs = std::filesystem;

/// A fresh directory under /tmp, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string templ = (fs::temp_directory_path() / "pk_atomic_file_XXXXXX").string();
    PK_ASSERT(::mkdtemp(templ.data()) != nullptr, "mkdtemp: {}", std::strerror(errno));
    path_ = templ;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  /// Names of the directory's entries.
  std::set<std::string> entries() const {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(path_)) names.insert(e.path().filename().string());
    return names;
  }

 private:
  fs::path path_;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_text(const std::string& path, const std::string& text) {
  write_file_atomically(path, [&](std::ostream& out) { out << text; });
}


struct stat lstat_of(const std::string& path) {
  struct stat st{};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path << ": " << std::strerror(errno);
  return st;
}

TEST(AtomicFile, PlantedSymlinksAtTemporaryNamesAreNotFollowed) {
  TempDir d;
  const std::string out = d / "model.pkm", victim = d / "victim";
  std::ofstream(victim) << "precious";
  const std::string pid = std::to_string(::getpid());
  const std::vector<std::string> planted = {out + ".tmp." + pid, out + ".tmp", out + ".tmp.0", d / ".model.pkm.tmp",
                                            out + "~"};
  for (const auto& p : planted) fs::create_symlink(victim, p);
  write_text(out, "new content");
  EXPECT_EQ(slurp(victim), "precious");
  EXPECT_EQ(slurp(out), "new content");
  EXPECT_TRUE(S_ISREG(lstat_of(out).st_mode)) << "the output is a regular file, not one of the planted links";
  for (const auto& p : planted) EXPECT_TRUE(S_ISLNK(lstat_of(p).st_mode)) << p;
  EXPECT_EQ(d.entries().size(), planted.size() + 2) << "no temporary file is left";
}

TEST(AtomicFile, RefusesFifoAndKeepsIt) {
  TempDir d;
  const std::string fifo = d / "out.onnx";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0) << std::strerror(errno);
  expect_user_error([&] { check_writable_path(fifo); }, {fifo, "FIFO", "not a regular file"});
  expect_user_error([&] { write_text(fifo, "x"); }, {fifo, "FIFO", "prunekit writes only regular files"});
  EXPECT_TRUE(S_ISFIFO(lstat_of(fifo).st_mode));
  EXPECT_EQ(d.entries(), std::set<std::string>{"out.onnx"});
}

TEST(AtomicFile, RefusesDirectory) {
  TempDir d;
  const std::string dir = d / "out.pkm";
  fs::create_directory(dir);
  expect_user_error([&] { check_writable_path(dir); }, {dir, "directory", "not a regular file"});
  expect_user_error([&] { write_text(dir, "x"); }, {dir, "directory"});
  EXPECT_TRUE(fs::is_directory(dir));
  EXPECT_EQ(d.entries(), std::set<std::string>{"out.pkm"});
}

TEST(AtomicFile, RefusesSocket) {
  TempDir d;
  const std::string sock = d / "out.sock";
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  ASSERT_LT(sock.size(), sizeof addr.sun_path);
  std::strcpy(addr.sun_path, sock.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << std::strerror(errno);
  expect_user_error([&] { write_text(sock, "x"); }, {sock, "socket", "not a regular file"});
  EXPECT_TRUE(S_ISSOCK(lstat_of(sock).st_mode));
  ::close(fd);
}

// /dev/null is only ever checked, never created or removed. The write is attempted only after
// check_writable_path has refused it (write_file_atomically runs the same check first), so a
// regression fails this test without touching /dev.
TEST(AtomicFile, RefusesDeviceAndLeavesDevNullAlone) {
  ASSERT_TRUE(S_ISCHR(lstat_of("/dev/null").st_mode));
  ASSERT_THROW(check_writable_path("/dev/null"), UserError) << "refused up front, so the write below is safe";
  expect_user_error([] { check_writable_path("/dev/null"); }, {"/dev/null", "device", "not a regular file"});
  expect_user_error([] { write_text("/dev/null", "x"); }, {"/dev/null", "device"});
  EXPECT_TRUE(S_ISCHR(lstat_of("/dev/null").st_mode));
}

TEST(AtomicFile, RefusesSymlinkAtOutputPath) {
  TempDir d;
  const std::string target = d / "real.pkm", link = d / "link.pkm", dangling = d / "dangling.pkm";
  std::ofstream(target) << "old";
  fs::create_symlink(target, link);
  fs::create_symlink(d / "nowhere", dangling);
  expect_user_error([&] { check_writable_path(link); }, {link, "symbolic link", "real.pkm"});
  expect_user_error([&] { write_text(link, "new"); }, {link, "symbolic link"});
  expect_user_error([&] { write_text(dangling, "new"); }, {dangling, "symbolic link"});
  EXPECT_TRUE(S_ISLNK(lstat_of(link).st_mode));
  EXPECT_TRUE(S_ISLNK(lstat_of(dangling).st_mode));
  EXPECT_EQ(slurp(target), "old");
  EXPECT_FALSE(fs::exists(d / "nowhere"));
  EXPECT_EQ(d.entries(), (std::set<std::string>{"real.pkm", "link.pkm", "dangling.pkm"}));
}

TEST(AtomicFile, ExceptionInCallbackKeepsOldFileAndLeavesNoTemporary) {
  TempDir d;
  const std::string out = d / "plan.json";
  write_text(out, "old");
  EXPECT_THROW(write_file_atomically(out,
                                     [](std::ostream& f) {
                                       f << std::string(200000, 'x');  // past any buffer: bytes reach the disk
                                       throw std::runtime_error("callback failed");
                                     }),
               std::runtime_error);
  EXPECT_EQ(slurp(out), "old");
  EXPECT_EQ(d.entries(), std::set<std::string>{"plan.json"});
  // A file that did not exist before stays absent.
  EXPECT_THROW(write_file_atomically(d / "new.json", [](std::ostream&) { throw UserError("bad"); }), UserError);
  EXPECT_EQ(d.entries(), std::set<std::string>{"plan.json"});
}

TEST(AtomicFile, RewriteReplacesTheFileByRename) {
  TempDir d;
  const std::string out = d / "log.jsonl";
  write_text(out, "first version, longer than the second");
  const ino_t before = lstat_of(out).st_ino;
  std::ifstream reader(out);  // an open reader keeps seeing the old content
  std::string big;
  for (int i = 0; i < 100000; ++i) big += std::to_string(i) + "\n";
  write_file_atomically(out, [&](std::ostream& f) {
    f << "second\n";
    f.write(big.data(), static_cast<std::streamsize>(big.size()));  // one write larger than a buffer
    for (int i = 0; i < 1000; ++i) f.put('z');                       // many small ones
  });
  EXPECT_EQ(slurp(out), "second\n" + big + std::string(1000, 'z'));
  EXPECT_NE(lstat_of(out).st_ino, before) << "a new file renamed over the old one, not rewritten in place";
  std::string old_line;
  std::getline(reader, old_line);
  EXPECT_EQ(old_line, "first version, longer than the second");
  EXPECT_EQ(d.entries(), std::set<std::string>{"log.jsonl"});
}

TEST(AtomicFile, PermissionsFollowTheUmask) {
  TempDir d;
  const mode_t saved = ::umask(022);
  write_text(d / "a", "x");
  ::umask(077);
  write_text(d / "b", "x");
  ::umask(saved);
  EXPECT_EQ(lstat_of(d / "a").st_mode & 0777, 0644u);
  EXPECT_EQ(lstat_of(d / "b").st_mode & 0777, 0600u);
}

TEST(AtomicFile, MissingOrUnwritableDirectoryIsAUserError) {
  TempDir d;
  expect_user_error([&] { write_text(d / "no/such/dir/x.pkm", "x"); }, {"does not exist"});
  expect_user_error([] { check_writable_path(""); }, {"empty"});
}

}  // namespace
}  // namespace pk
