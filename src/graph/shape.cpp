#include "graph/shape.h"

#include "core/error.h"
#include "core/strings.h"

namespace pk {

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
