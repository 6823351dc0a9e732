#include <kedahttp/core/diagnostic.hpp>

#include <algorithm>
#include <tuple>

namespace kedahttp::core {

std::string_view
to_string(Severity severity)
{
  switch (severity) {
  case Severity::info: return "info";
  case Severity::warning: return "warning";
  case Severity::error: return "error";
  }
  return "error";
}

std::string
ObjectRef::friendly() const
{
  if (ns.empty()) {
    return kind + " " + name;
  }
  return kind + " " + ns + "/" + name;
}

void
sort_diagnostics(std::vector<Diagnostic>& diagnostics)
{
  std::stable_sort(diagnostics.begin(), diagnostics.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.file, a.mark.line, a.mark.column, a.code, a.path, a.message)
           < std::tie(b.file, b.mark.line, b.mark.column, b.code, b.path, b.message);
  });
  // The same finding reached twice (e.g. through two routes) is reported once.
  diagnostics.erase(std::unique(diagnostics.begin(), diagnostics.end(),
                                [](const Diagnostic& a, const Diagnostic& b) {
                                  return a.file == b.file && a.mark == b.mark && a.code == b.code
                                         && a.path == b.path && a.message == b.message;
                                }),
                    diagnostics.end());
}

} // namespace kedahttp::core
