#pragma once

// Every finding code with its check name, severity, description and fix.
// `--list-rules` and docs/rules.md are both generated from this table.

#include <kedahttp/core/diagnostic.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace kedahttp::validate {

struct RuleInfo {
  std::string_view code;
  std::string_view check;       // kebab-case name
  core::Severity severity;      // default severity
  std::string_view description;
  std::string_view remediation;
};

const std::vector<RuleInfo>& rule_catalog();
const RuleInfo* find_rule(std::string_view code);

// The Markdown table of docs/rules.md.
std::string rules_markdown();

} // namespace kedahttp::validate
