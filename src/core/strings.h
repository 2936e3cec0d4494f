// Small string helpers shared by parsers and the CLI.
#pragma once

#include <string>
#include <vector>

namespace pk {

/// Splits on `sep`; keeps empty fields.
std::vector<std::string> split(const std::string& s, char sep);
/// Joins with `sep`.
std::string join(const std::vector<std::string>& parts, const std::string& sep);
/// Removes leading/trailing whitespace.
std::string trim(const std::string& s);
/// Parses a whole string as int64 / double; UserError naming `what` otherwise.
long long parse_int(const std::string& s, const std::string& what);
double parse_double(const std::string& s, const std::string& what);
/// "1.23M" / "40.6M" / "912.0K" style count.
std::string human_count(double value);

}  // namespace pk
