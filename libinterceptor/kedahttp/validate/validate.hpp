#pragma once

// Entry point of `kedahttp validate`: per-object rules, then the cross-object
// wiring rules over the whole input set. Collects every finding.

#include <kedahttp/core/diagnostic.hpp>
#include <kedahttp/manifest/loader.hpp>
#include <kedahttp/validate/options.hpp>

#include <vector>

namespace kedahttp::validate {

struct Result {
  std::vector<core::Diagnostic> diagnostics; // sorted; includes the loader's
  size_t objects = 0;                        // objects found
  size_t skipped = 0;                        // objects of kinds out of scope (KH007)
  size_t files = 0;
};

// Validates everything in `input` (objects are defaulted in place).
Result validate(manifest::LoadResult& input, const Options& options);

} // namespace kedahttp::validate
