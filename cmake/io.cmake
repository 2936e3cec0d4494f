# src/io (ONNX import/export, TorchScript export): libonnx + protobuf from Debian's libonnx-dev.
file(GLOB _io_srcs ${CMAKE_SOURCE_DIR}/src/io/*.cpp)
if(_io_srcs)
  find_package(ONNX REQUIRED)
  pk_library(io pk_weights pk_torch onnx onnx_proto)
endif()
