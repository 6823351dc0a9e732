#pragma once

// Catch2 assertions shared by the per-kind rule tests: "this YAML gives exactly this
// one finding" and "this YAML gives none".

#include "testutil/manifests.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace kedahttp::testutil {

// Findings of severity warning or error.
inline std::vector<core::Diagnostic>
problems(const validate::Result& result)
{
  std::vector<core::Diagnostic> out;
  for (const core::Diagnostic& d : result.diagnostics) {
    if (d.severity != core::Severity::info) {
      out.push_back(d);
    }
  }
  return out;
}

// Validates `yaml` and requires exactly one warning or error: `code` at `path` with `message`.
inline void
require_single(const std::string& yaml, const std::string& code, const std::string& path, const std::string& message,
               core::Severity severity = core::Severity::error)
{
  const validate::Result result = validate_yaml(yaml);
  INFO(describe(result));
  const auto found = problems(result);
  REQUIRE(found.size() == 1);
  CHECK(found[0].severity == severity);
  CHECK(found[0].code == code);
  CHECK(found[0].path == path);
  CHECK(found[0].message == message);
}

// Validates `yaml` and requires no warning or error.
inline void
require_clean(const std::string& yaml)
{
  const validate::Result result = validate_yaml(yaml);
  INFO(describe(result));
  CHECK(clean(result));
}

} // namespace kedahttp::testutil
