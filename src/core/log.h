// Logging through spdlog: pk::log() returns the project logger (stderr, "[level] message").
#pragma once

#include <spdlog/spdlog.h>

namespace pk {

spdlog::logger& log();

}  // namespace pk
