// The check shared by the torchvision tests (unit sizes here, 224x224 in tests/io/slow/).
#pragma once

#include <string>

namespace pk::iotest {

/// Generates (or reuses) the fixture, imports it, compares the executor's output with PyTorch's,
/// exports it again as ONNX and compares ONNX Runtime's output with PyTorch's (when ORT is
/// installed). Prints the numbers (max |diff|, MACs, params, timings). Tolerance: 1e-4 relative
/// to the output scale (max |y|; random-weight nets can have outputs far below 1), float32
/// summation order differs between the engines.
void check_torchvision_family(const std::string& model, int size);

}  // namespace pk::iotest
