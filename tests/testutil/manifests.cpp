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
