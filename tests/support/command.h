// Running a shell command from a test and capturing what it writes to stdout (append " 2>&1"
// to the command to capture stderr too).
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace pk::testing {

struct CommandResult {
  int code = -1;       // exit code; -1 if the command did not exit normally or could not start
  std::string output;  // what it wrote to stdout
};

inline CommandResult run_command(const std::string& command) {
  CommandResult r;
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

#ifdef PK_PRUNEKIT_BIN
/// `prunekit <args>` with stdout and stderr captured.
inline CommandResult run_prunekit(const std::string& args) {
  return run_command(std::string(PK_PRUNEKIT_BIN) + " " + args + " 2>&1");
}
#endif

}  // namespace pk::testing
