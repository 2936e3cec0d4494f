#include "core/error.h"

namespace pk {

void throw_internal_error(const char* file, int line, const char* condition,
                          const std::string& message) {
  throw InternalError(fmt::format("internal error at {}:{}: ({}) {}", file, line, condition, message));
}

}  // namespace pk
