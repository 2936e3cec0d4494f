// Writing files without ever leaving a partial one behind. Content goes to a temporary file
// created exclusively next to the target ("<path>.tmp.<pid>.<random>", O_CREAT|O_EXCL|O_NOFOLLOW,
// so a planted file or symlink at that name is never opened), is fsynced, renamed over <path>,
// and the directory is fsynced: after a crash <path> holds either the old or the new content.
//
// Only regular files are written. An existing <path> that is a FIFO, a device, a directory, a
// socket or a symbolic link (dangling or not) is refused with a UserError and left as it is:
// replacing a symlink would silently turn it into a file, writing through it would write
// wherever it points. Give the target's own path instead. Symlinks in the directory part of
// <path> are followed as usual.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>

namespace pk {

/// Calls write(stream) on a new temporary file next to `path`, then flushes and fsyncs it,
/// renames it to `path` and fsyncs the directory. New files get 0666 & ~umask, like any file.
/// On any exception (from `write` or from the file system) the temporary file is removed and
/// the exception propagates; `path` is untouched. Throws UserError if `path` is refused by
/// check_writable_path or the file system fails (disk full, permissions); the one error after
/// the rename, a failed directory fsync, is reported although `path` already has the new content.
void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write);

/// Checks up front what write_file_atomically checks first, so a long job fails in its first
/// second rather than at its end: `path` is not empty, its directory exists and is writable,
/// and `path` does not exist or is a regular file (not a FIFO, device, directory, socket or
/// symbolic link). UserError naming `path` and what it is otherwise.
void check_writable_path(const std::string& path);

/// Reads a whole file into a string; UserError naming the path if it cannot be read.
std::string read_file(const std::string& path);

}  // namespace pk
