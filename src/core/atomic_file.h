// Writing files without ever leaving a partial one behind: content goes to "<path>.tmp.<pid>"
// and is renamed over <path> only when complete.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>

namespace pk {

/// Calls write(stream) on a temporary file next to `path`, flushes, and renames it to `path`.
/// On any exception the temporary file is removed and the exception propagates; `path` is
/// untouched. Throws UserError if the directory is not writable.
void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write);

/// Checks up front that a file can be created at `path` (directory exists and is writable),
/// so a long job fails in its first second rather than at its end.
void check_writable_path(const std::string& path);

/// Reads a whole file into a string; UserError naming the path if it cannot be read.
std::string read_file(const std::string& path);

}  // namespace pk
