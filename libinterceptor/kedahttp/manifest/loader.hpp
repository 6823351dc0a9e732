#pragma once

// Reads manifests from files, directories and stdin into located objects.
//
// Accepts multi-document YAML, JSON, `kind: List`, Helm output (`# Source:`
// comments), CRLF, a UTF-8 BOM and flow style with trailing commas. Problems in
// the input (syntax, encoding, duplicate keys, template syntax) become
// diagnostics KH001-KH004 with file:line:col; they never throw and never stop
// the other documents from loading.

#include <kedahttp/core/diagnostic.hpp>
#include <kedahttp/manifest/node.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace kedahttp::manifest {

// One Kubernetes object as found in the input.
struct Object {
  std::string file;           // path as given, or "<stdin>"
  std::string source;         // Helm's "# Source:" path when present
  int document = 0;           // 0-based document index in the file
  std::string path_prefix;    // "items[3]" for objects inside a kind: List
  Node root;
  core::ObjectRef ref;        // apiVersion, kind, namespace, name as written (may be empty)
};

struct LoadResult {
  std::vector<Object> objects;
  std::vector<core::Diagnostic> diagnostics; // KH001-KH004
  std::vector<std::string> input_errors;     // unreadable paths: usage-level failures
  std::vector<std::string> files;            // every file read, in order
};

struct LoadOptions {
  // Deeper nesting is reported as an error instead of recursing (yaml-cpp recurses per level).
  int max_depth = 256;
  // Documents over this many nodes (after alias expansion) are rejected.
  size_t max_nodes = 4'000'000;
};

// Loads files and directories (recursively: .yaml, .yml, .json); "-" reads stdin.
LoadResult load_paths(const std::vector<std::string>& paths, const LoadOptions& options = {});

// Parses one in-memory file; `file` is the name used in diagnostics.
void load_text(std::string_view text, const std::string& file, LoadResult& result,
               const LoadOptions& options = {});

} // namespace kedahttp::manifest
