#pragma once

// Renders validation findings: text (GCC style), json, sarif (2.1.0, for
// GitHub code scanning), junit (a testsuite per file), github (workflow
// annotations). Pure functions from findings to text.

#include <kedahttp/core/diagnostic.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kedahttp::report {

enum class Format { text, json, sarif, junit, github };

// Parses "text", "json", ...; nullopt when unknown.
std::optional<Format> parse_format(std::string_view name);

struct Summary {
  size_t files = 0;
  size_t objects = 0;
  size_t skipped = 0;
  size_t errors = 0;
  size_t warnings = 0;
  size_t infos = 0;
};

Summary summarize(const std::vector<core::Diagnostic>& findings, size_t files, size_t objects, size_t skipped);

// "Summary: 3 objects in 2 files - 1 error, 0 warnings, 0 info, 1 skipped"
std::string summary_line(const Summary& summary);

// `findings` must already be filtered (e.g. KH007 only with --verbose) and sorted.
std::string render(Format format, const std::vector<core::Diagnostic>& findings, const Summary& summary,
                   const std::vector<std::string>& files, std::string_view tool_version);

} // namespace kedahttp::report
