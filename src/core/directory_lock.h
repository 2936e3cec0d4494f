// An exclusive advisory lock on an output directory (flock on `<dir>/.prunekit.lock`), so two
// processes never write the same run folder at once. Held until the object is destroyed or the
// process exits (the kernel releases it even after kill -9); the lock file stays, empty of
// meaning once unlocked.
#pragma once

#include <string>

namespace pk {

class DirectoryLock {
 public:
  /// Creates `dir` if needed and takes the lock without waiting. UserError naming the directory
  /// and the holder's pid when another process holds it, or when the lock file cannot be created.
  explicit DirectoryLock(const std::string& dir);
  ~DirectoryLock();
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;

 private:
  int fd_ = -1;
};

/// The pid written by the process that holds `dir`'s lock right now ("?" if it wrote none), or ""
/// if nobody holds it (or `dir` has no lock file). Takes no lock that outlives the call.
std::string directory_lock_holder(const std::string& dir);

}  // namespace pk
