// How much memory this machine can still give, for checks made before a large allocation.
#pragma once

#include <cstdint>
#include <string>

namespace pk {

/// MemAvailable of /proc/meminfo in bytes (what can be allocated without swapping), or 0 if unknown.
uint64_t available_memory_bytes();

/// "1.5 GiB" / "820.0 MiB" / "3.2 KiB" / "288 bytes" style size.
std::string human_bytes(double bytes);

}  // namespace pk
