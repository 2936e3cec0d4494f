#include "graph/shape.h"

#include "core/error.h"
#include "core/strings.h"

namespace pk {

std::optional<int64_t> checked_mul(int64_t a, int64_t b) {
  int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

std::optional<int64_t> checked_add(int64_t a, int64_t b) {
  int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}

std::optional<int64_t> checked_numel(const std::vector<int64_t>& dims) {
  for (auto d : dims)
    if (d == 0) return 0;
  std::optional<int64_t> n = 1;
  for (auto d : dims)
    if (!(n = checked_mul(*n, d))) return std::nullopt;
  if (*n > kMaxElements) return std::nullopt;
  return n;
}

int64_t Shape::numel() const {
  const std::optional<int64_t> n = checked_numel(dims);
  PK_ASSERT(n.has_value(), "shape {} has more than {} elements", str(), kMaxElements);
  return *n;
}

std::string Shape::str() const {
  std::vector<std::string> parts;
  for (auto d : dims) parts.push_back(std::to_string(d));
  return parts.empty() ? "scalar" : join(parts, "x");
}

Shape parse_shape(const std::string& text, const std::string& what) {
  Shape s;
  for (const auto& part : split(text, 'x')) {
    long long d = parse_int(part, what);
    PK_CHECK(d > 0, "{}: dimension {} in '{}' must be positive", what, d, text);
    s.dims.push_back(d);
  }
  PK_CHECK(s.rank() == 1 || s.rank() == 3, "{}: shape '{}' must be CxHxW or F", what, text);
  return s;
}

}  // namespace pk
