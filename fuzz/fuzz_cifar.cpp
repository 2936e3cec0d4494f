// CIFAR-10 binary batches (label byte + 3×32×32 pixels per record) through read_cifar10_files,
// from a file on disk as the data set loader reads them. Malformed files must end in a pk::Error.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "core/error.h"
#include "data/cifar10_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/pk_fuzz_cifar_" + std::to_string(::getpid()) + ".bin";
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data),
                                                                 static_cast<std::streamsize>(size));
  try {
    pk::read_cifar10_files({path});
  } catch (const pk::Error&) {
  }
  return 0;
}
