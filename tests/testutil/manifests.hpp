#pragma once

// Test helpers: validate YAML text in memory and pick findings out of the result.

#include <kedahttp/validate/validate.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace kedahttp::testutil {

// Loads `yaml` as file "test.yaml" and validates it.
validate::Result validate_yaml(std::string_view yaml, const validate::Options& options = {});

// Findings with `code` (all of them when `code` is empty).
std::vector<core::Diagnostic> findings(const validate::Result& result, std::string_view code = {});

// "KH104 spec.hostnames[0] 3:7: message" lines, one per finding: readable in a failed REQUIRE.
std::string describe(const validate::Result& result);

// True when no finding of severity warning or error (info is allowed).
bool clean(const validate::Result& result);

} // namespace kedahttp::testutil

namespace kedahttp::testutil {

// The document as JSON-ish text with sorted keys: equal for trees a YAML parser reads the same.
std::string canonical(const manifest::Node& node);

// Every object in `yaml`, canonical, in order.
std::vector<std::string> canonical_objects(std::string_view yaml);

} // namespace kedahttp::testutil
