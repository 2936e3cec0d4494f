// .pkm model files (header, graph text, tensors, checksum) through load_model, from a file on
// disk as every command reads them. Malformed files must end in a pk::Error; a crash, a
// sanitizer report or another exception (a libtorch one included) is a bug.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "core/error.h"
#include "weights/model_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/pk_fuzz_model_" + std::to_string(::getpid()) + ".pkm";
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data),
                                                                 static_cast<std::streamsize>(size));
  try {
    pk::load_model(path);
  } catch (const pk::Error&) {
  }
  return 0;
}
