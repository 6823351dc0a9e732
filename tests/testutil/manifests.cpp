#include "testutil/manifests.hpp"

namespace kedahttp::testutil {

validate::Result
validate_yaml(std::string_view yaml, const validate::Options& options)
{
  manifest::LoadResult input;
  manifest::load_text(yaml, "test.yaml", input);
  return validate::validate(input, options);
}

std::vector<core::Diagnostic>
findings(const validate::Result& result, std::string_view code)
{
  std::vector<core::Diagnostic> out;
  for (const core::Diagnostic& d : result.diagnostics) {
    if (code.empty() || d.code == code) {
      out.push_back(d);
    }
  }
  return out;
}

std::string
describe(const validate::Result& result)
{
  std::string out;
  for (const core::Diagnostic& d : result.diagnostics) {
    out += d.code + " " + std::string(core::to_string(d.severity)) + " " + d.path + " "
           + std::to_string(d.mark.line) + ":" + std::to_string(d.mark.column) + ": " + d.message + "\n";
  }
  return out;
}

bool
clean(const validate::Result& result)
{
  for (const core::Diagnostic& d : result.diagnostics) {
    if (d.severity != core::Severity::info) {
      return false;
    }
  }
  return true;
}

} // namespace kedahttp::testutil

#include <kedahttp/util/strings.hpp>

#include <map>

namespace kedahttp::testutil {

std::string
canonical(const manifest::Node& node)
{
  switch (node.type) {
  case manifest::NodeType::null: return "null";
  case manifest::NodeType::scalar:
    return std::string(node.json_type()) + ":" + util::quote(node.value);
  case manifest::NodeType::sequence: {
    std::string out = "[";
    for (const manifest::Node& item : node.items) {
      out += canonical(item) + ",";
    }
    return out + "]";
  }
  case manifest::NodeType::mapping: {
    std::map<std::string, std::string> sorted;
    for (const manifest::Entry& entry : node.entries) {
      sorted[entry.key] = canonical(entry.value);
    }
    std::string out = "{";
    for (const auto& [key, value] : sorted) {
      out += util::quote(key) + ":" + value + ",";
    }
    return out + "}";
  }
  }
  return "";
}

std::vector<std::string>
canonical_objects(std::string_view yaml)
{
  manifest::LoadResult input;
  manifest::load_text(yaml, "canonical.yaml", input);
  std::vector<std::string> out;
  for (const manifest::Object& object : input.objects) {
    out.push_back(canonical(object.root));
  }
  return out;
}

} // namespace kedahttp::testutil
