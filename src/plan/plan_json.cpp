#include "plan/plan_json.h"

#include <ostream>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"

namespace pk {
namespace {

using nlohmann::json;

constexpr const char* kFormat = "prunekit-plan";
constexpr int kVersion = 1;

std::string quoted(const std::string& s) { return json(s).dump(); }

int int_value(const json& v, const std::string& where) {
  PK_CHECK(v.is_number_integer() && v.get<int64_t>() >= INT32_MIN && v.get<int64_t>() <= INT32_MAX,
           "{}: expected an integer, got {}", where, v.dump());
  return static_cast<int>(v.get<int64_t>());
}

void check_keys(const json& obj, const std::set<std::string>& known, const std::string& where) {
  for (const auto& item : obj.items())
    PK_CHECK(known.count(item.key()) != 0, "{}: unknown key \"{}\" (expected one of: {})", where, item.key(),
             fmt::join(known, ", "));
}

GroupKeep read_keep(const json& v, const std::string& where) {
  PK_CHECK(v.is_object(), "{}: expected an object like {{\"keep\": 12}}, got {}", where, v.dump());
  check_keys(v, {"keep", "indices"}, where);
  GroupKeep keep;
  PK_CHECK(v.contains("keep"), "{}: missing \"keep\" (the number of channels kept)", where);
  keep.count = int_value(v.at("keep"), where + ".keep");
  if (v.contains("indices")) {
    const json& idx = v.at("indices");
    PK_CHECK(idx.is_array(), "{}.indices: expected an array of channel indices, got {}", where, idx.dump());
    for (const json& i : idx) keep.indices.push_back(int_value(i, where + ".indices"));
    PK_CHECK(static_cast<int>(keep.indices.size()) == keep.count, "{}: \"keep\" is {} but {} indices are listed",
             where, keep.count, keep.indices.size());
  }
  return keep;
}

std::vector<int> int_array(const json& v, const std::string& where) {
  PK_CHECK(v.is_array(), "{}: expected an array of indices, got {}", where, v.dump());
  std::vector<int> out;
  for (const json& i : v) out.push_back(int_value(i, where));
  return out;
}

ConvPermutation read_permutation(const json& v, const std::string& where) {
  PK_CHECK(v.is_object(), "{}: expected an object like {{\"filters\": [...], \"channels\": [...]}}, got {}", where,
           v.dump());
  check_keys(v, {"filters", "channels"}, where);
  PK_CHECK(v.contains("filters") && v.contains("channels"), "{}: needs both \"filters\" and \"channels\"", where);
  return {int_array(v.at("filters"), where + ".filters"), int_array(v.at("channels"), where + ".channels")};
}

}  // namespace

std::string plan_to_json(const PrunePlan& plan) {
  std::string out = fmt::format("{{\n  \"format\": \"{}\",\n  \"version\": {},\n  \"groups\": {{", kFormat, kVersion);
  bool first = true;
  for (const auto& [name, keep] : plan.groups) {
    out += first ? "\n" : ",\n";
    first = false;
    out += fmt::format("    {}: {{\"keep\": {}", quoted(name), keep.count);
    if (keep.resolved()) out += fmt::format(", \"indices\": [{}]", fmt::join(keep.indices, ", "));
    out += "}";
  }
  out += plan.groups.empty() ? "},\n" : "\n  },\n";
  std::vector<std::string> blocks;
  for (const auto& b : plan.removed_blocks) blocks.push_back(quoted(b));
  out += fmt::format("  \"removed_blocks\": [{}],\n", fmt::join(blocks, ", "));
  std::vector<std::string> convs;
  for (const auto& [name, g] : plan.conv_groups) convs.push_back(fmt::format("{}: {}", quoted(name), g));
  out += fmt::format("  \"conv_groups\": {{{}}}", fmt::join(convs, ", "));
  if (!plan.conv_permutations.empty()) {
    std::vector<std::string> perms;
    for (const auto& [name, p] : plan.conv_permutations)
      perms.push_back(fmt::format("    {}: {{\"filters\": [{}], \"channels\": [{}]}}", quoted(name),
                                  fmt::join(p.filters, ", "), fmt::join(p.channels, ", ")));
    out += fmt::format(",\n  \"conv_permutations\": {{\n{}\n  }}", fmt::join(perms, ",\n"));
  }
  return out + "\n}\n";
}

PrunePlan plan_from_json(const std::string& text, const std::string& source) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    PK_CHECK(false, "{}: not valid JSON: {}", source, e.what());
  }
  PK_CHECK(j.is_object(), "{}: a prune plan is a JSON object, got {}", source, j.type_name());
  check_keys(j, {"format", "version", "groups", "removed_blocks", "conv_groups", "conv_permutations"}, source);
  PK_CHECK(j.contains("format") && j.at("format") == kFormat,
           "{}: \"format\" must be \"{}\" (is this a prunekit plan?)", source, kFormat);
  PK_CHECK(j.contains("version"), "{}: missing \"version\"", source);
  const int version = int_value(j.at("version"), source + ": version");
  PK_CHECK(version == kVersion, "{}: unsupported plan version {} (this prunekit reads version {})", source, version,
           kVersion);
  PrunePlan plan;
  if (j.contains("groups")) {
    const json& g = j.at("groups");
    PK_CHECK(g.is_object(), "{}: \"groups\" must be an object (group name → {{\"keep\": n}}), got {}", source,
             g.dump());
    for (const auto& item : g.items())
      plan.groups[item.key()] = read_keep(item.value(), fmt::format("{}: groups.\"{}\"", source, item.key()));
  }
  if (j.contains("removed_blocks")) {
    const json& b = j.at("removed_blocks");
    PK_CHECK(b.is_array(), "{}: \"removed_blocks\" must be an array of Add node names, got {}", source, b.dump());
    for (const json& name : b) {
      PK_CHECK(name.is_string(), "{}: removed_blocks: expected a node name, got {}", source, name.dump());
      plan.removed_blocks.push_back(name.get<std::string>());
    }
  }
  if (j.contains("conv_groups")) {
    const json& c = j.at("conv_groups");
    PK_CHECK(c.is_object(), "{}: \"conv_groups\" must be an object (conv name → groups), got {}", source, c.dump());
    for (const auto& item : c.items())
      plan.conv_groups[item.key()] = int_value(item.value(), fmt::format("{}: conv_groups.\"{}\"", source, item.key()));
  }
  if (j.contains("conv_permutations")) {
    const json& c = j.at("conv_permutations");
    PK_CHECK(c.is_object(), "{}: \"conv_permutations\" must be an object (conv name → {{\"filters\", \"channels\"}}), got {}",
             source, c.dump());
    for (const auto& item : c.items())
      plan.conv_permutations[item.key()] =
          read_permutation(item.value(), fmt::format("{}: conv_permutations.\"{}\"", source, item.key()));
  }
  return plan;
}

void save_plan(const std::string& path, const PrunePlan& plan) {
  const std::string text = plan_to_json(plan);
  write_file_atomically(path, [&](std::ostream& out) { out << text; });
}

PrunePlan load_plan(const std::string& path) { return plan_from_json(read_file(path), path); }

}  // namespace pk
