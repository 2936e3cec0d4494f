#include "core/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace pk {

spdlog::logger& log() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto l = spdlog::stderr_color_mt("prunekit");
    l->set_pattern("[%l] %v");
    return l;
  }();
  return *logger;
}

}  // namespace pk
