// IDX files (MNIST/Fashion-MNIST): the first byte picks the path — raw bytes to parse_idx at
// rank 1 or 3, or a gzip file on disk through read_idx_file (the decompression cap of issue 12).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "core/error.h"
#include "data/idx_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    switch (data[0] % 3) {
      case 0: pk::parse_idx(bytes, 3, "fuzz"); break;
      case 1: pk::parse_idx(bytes, 1, "fuzz"); break;
      default: {
        static const std::string path = "/tmp/pk_fuzz_idx_" + std::to_string(::getpid()) + ".gz";
        std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
        pk::read_idx_file(path, 3);
      }
    }
  } catch (const pk::Error&) {
  }
  return 0;
}
