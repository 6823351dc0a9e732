#pragma once

// What validation produces: located findings with a stable code. Printing lives in `report`.

#include <string>
#include <string_view>
#include <vector>

namespace kedahttp::core {

// A 1-based position in a source file; line 0 means "no position".
struct SourceMark {
  int line = 0;
  int column = 0;

  bool known() const { return line > 0; }
  friend bool operator==(const SourceMark&, const SourceMark&) = default;
};

enum class Severity { info, warning, error };

std::string_view to_string(Severity severity);

// The Kubernetes object a finding is about (empty for file-level findings).
struct ObjectRef {
  std::string api_version;
  std::string kind;
  std::string ns;
  std::string name;

  // "Kind ns/name", istioctl's friendly-name convention.
  std::string friendly() const;
};

struct Diagnostic {
  Severity severity = Severity::error;
  std::string code;    // "KH104"
  std::string file;    // as given on the command line, "<stdin>" for stdin
  SourceMark mark;
  ObjectRef object;
  std::string path;    // Kubernetes field path: spec.rules[0].backendRefs[1].port
  std::string message;
};

// Sorts by file, line, column, code, then message: byte-stable output.
void sort_diagnostics(std::vector<Diagnostic>& diagnostics);

} // namespace kedahttp::core
