// Errors are exceptions. Two kinds, mapped to exit codes by main() only:
//   PK_CHECK(cond, fmt, args...)  bad user input (file, node, value, what was expected) → exit 2
//   PK_ASSERT(cond, fmt, args...) a broken internal invariant (a bug in prunekit)       → exit 1
// Messages are fmt format strings.
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace pk {

/// Base of every prunekit exception.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The user's input (arguments, files, plans, models) is wrong; the message says how.
class UserError : public Error {
 public:
  using Error::Error;
};

/// An internal invariant failed: a bug, not the user's fault.
class InternalError : public Error {
 public:
  using Error::Error;
};

[[noreturn]] void throw_internal_error(const char* file, int line, const char* condition,
                                       const std::string& message);

}  // namespace pk

#define PK_CHECK(cond, ...)                                   \
  do {                                                        \
    if (!(cond)) throw ::pk::UserError(fmt::format(__VA_ARGS__)); \
  } while (false)

#define PK_ASSERT(cond, ...)                                                             \
  do {                                                                                   \
    if (!(cond)) ::pk::throw_internal_error(__FILE__, __LINE__, #cond, fmt::format(__VA_ARGS__)); \
  } while (false)
