# src/io (ONNX import/export, TorchScript export): libonnx + protobuf from Debian's libonnx-dev
# (headers in /usr/include, so they are system headers and -Werror does not apply to them).
find_package(ONNX REQUIRED)
pk_library(io pk_exec pk_torch onnx onnx_proto)

# The interop tests run real consumers: /usr/bin/python3 (Debian's python3-onnx, python3-torch,
# python3-torchvision) and node with tools/ort/node_modules/onnxruntime-node (scripts/install_npm.sh).
set(PK_IO_TEST_DEFINITIONS
  PK_PYTHON="/usr/bin/python3"
  PK_ORT_DIR="${CMAKE_SOURCE_DIR}/tools/ort"
  PK_IO_TEST_DIR="${CMAKE_SOURCE_DIR}/tests/io"
  PK_IO_FIXTURE_DIR="${CMAKE_BINARY_DIR}/io_fixtures")

# Runs once the top-level CMakeLists.txt is done (pk_test and test_io exist then):
#   test_io       tests/io/*.cpp        label unit         (created by pk_test in CMakeLists.txt)
#   test_io_slow  tests/io/slow/*.cpp   label slow         (torchvision models at 224x224, VGG-11)
#   test_io_cli   tests/io/cli/*.cpp    label integration  (starts the prunekit binary)
#   io_malformed_asan                   label slow         (malformed ONNX files under AddressSanitizer;
#                                                           builds test_io_asan on demand, excluded from `all`)
function(pk_io_tests)
  if(NOT TARGET test_io)
    return()
  endif()
  target_compile_definitions(test_io PRIVATE ${PK_IO_TEST_DEFINITIONS})
  set(util ${CMAKE_SOURCE_DIR}/tests/io/io_test_util.cpp ${CMAKE_SOURCE_DIR}/tests/io/torchvision_check.cpp)

  file(GLOB slow_srcs CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/io/slow/*.cpp)
  if(slow_srcs)
    add_executable(test_io_slow ${slow_srcs} ${util})
    target_include_directories(test_io_slow PRIVATE ${CMAKE_SOURCE_DIR}/tests/io ${CMAKE_SOURCE_DIR}/tests)
    target_compile_options(test_io_slow PRIVATE ${PK_WARNINGS})
    target_compile_definitions(test_io_slow PRIVATE ${PK_IO_TEST_DEFINITIONS})
    target_link_libraries(test_io_slow PRIVATE pk_io pk_exec pk_models GTest::gtest GTest::gtest_main)
    gtest_discover_tests(test_io_slow PROPERTIES LABELS slow TIMEOUT 1800 DISCOVERY_TIMEOUT 60)
  endif()

  file(GLOB cli_srcs CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/io/cli/*.cpp)
  if(cli_srcs)
    add_executable(test_io_cli ${cli_srcs} ${util})
    target_include_directories(test_io_cli PRIVATE ${CMAKE_SOURCE_DIR}/tests/io ${CMAKE_SOURCE_DIR}/tests)
    target_compile_options(test_io_cli PRIVATE ${PK_WARNINGS})
    target_compile_definitions(test_io_cli PRIVATE ${PK_IO_TEST_DEFINITIONS} PK_PRUNEKIT_BIN="$<TARGET_FILE:prunekit>")
    target_link_libraries(test_io_cli PRIVATE pk_io pk_exec pk_models pk_plan GTest::gtest GTest::gtest_main)
    add_dependencies(test_io_cli prunekit)
    gtest_discover_tests(test_io_cli PROPERTIES LABELS integration DISCOVERY_TIMEOUT 60)
  endif()

  # The torch-free importer and the malformed-input tests, instrumented with AddressSanitizer.
  file(GLOB core_srcs ${CMAKE_SOURCE_DIR}/src/core/*.cpp)
  file(GLOB graph_srcs ${CMAKE_SOURCE_DIR}/src/graph/*.cpp)
  # The importer is every src/io/onnx_import*.cpp (a new handler file joins without an edit here).
  file(GLOB io_free_srcs CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/io/onnx_import*.cpp)
  list(APPEND io_free_srcs ${CMAKE_SOURCE_DIR}/src/io/onnx_proto.cpp ${CMAKE_SOURCE_DIR}/src/io/onnx_names.cpp
       ${CMAKE_SOURCE_DIR}/src/io/import_rewrites.cpp ${CMAKE_SOURCE_DIR}/src/io/onnx_fusions.cpp)
  add_executable(test_io_asan EXCLUDE_FROM_ALL ${CMAKE_SOURCE_DIR}/tests/io/onnx_malformed_test.cpp
                 ${CMAKE_SOURCE_DIR}/tests/io/onnx_import_test.cpp ${CMAKE_SOURCE_DIR}/tests/io/onnx_channels_last_test.cpp
                 ${io_free_srcs} ${core_srcs} ${graph_srcs})
  target_include_directories(test_io_asan PRIVATE ${CMAKE_SOURCE_DIR}/src)
  target_compile_options(test_io_asan PRIVATE ${PK_WARNINGS} -fsanitize=address -fno-omit-frame-pointer -O1 -g)
  target_link_options(test_io_asan PRIVATE -fsanitize=address)
  target_link_libraries(test_io_asan PRIVATE onnx onnx_proto fmt::fmt spdlog::spdlog nlohmann_json::nlohmann_json
                        Threads::Threads GTest::gtest GTest::gtest_main)
  add_test(NAME io_malformed_asan
           COMMAND sh -c "'${CMAKE_COMMAND}' --build '${CMAKE_BINARY_DIR}' --target test_io_asan -j 2 >/dev/null && \
ASAN_OPTIONS=detect_leaks=1 '$<TARGET_FILE:test_io_asan>'")
  set_tests_properties(io_malformed_asan PROPERTIES LABELS slow TIMEOUT 900)
endfunction()
cmake_language(DEFER CALL pk_io_tests)
