#include <kedahttp/report/report.hpp>

#include <kedahttp/util/strings.hpp>
#include <kedahttp/validate/catalog.hpp>

#include <nlohmann/json.hpp>

#include <map>

namespace kedahttp::report {

namespace {

using core::Diagnostic;
using core::Severity;
using nlohmann::ordered_json;

std::string
plural(size_t n, std::string_view word)
{
  return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

std::string
location(const Diagnostic& d)
{
  std::string out = d.file;
  if (d.mark.known()) {
    out += ":" + std::to_string(d.mark.line) + ":" + std::to_string(d.mark.column);
  }
  return out;
}

std::string
text_line(const Diagnostic& d)
{
  std::string out = location(d) + ": " + std::string(core::to_string(d.severity)) + ": " + d.code + ": ";
  if (!d.path.empty()) {
    out += d.path + ": ";
  }
  return out + d.message + "\n";
}

std::string_view
check_name(const Diagnostic& d)
{
  const auto* rule = validate::find_rule(d.code);
  return rule ? rule->check : std::string_view("");
}

std::string
render_text(const std::vector<Diagnostic>& findings, const Summary& summary)
{
  std::string out;
  for (const Diagnostic& d : findings) {
    out += text_line(d);
  }
  return out + summary_line(summary) + "\n";
}

std::string
render_json(const std::vector<Diagnostic>& findings, const Summary& summary)
{
  ordered_json doc;
  doc["version"] = 1;
  doc["findings"] = ordered_json::array();
  for (const Diagnostic& d : findings) {
    const auto* rule = validate::find_rule(d.code);
    doc["findings"].push_back({
      {"code", d.code},
      {"check", check_name(d)},
      {"severity", core::to_string(d.severity)},
      {"file", d.file},
      {"line", d.mark.line},
      {"column", d.mark.column},
      {"apiVersion", d.object.api_version},
      {"kind", d.object.kind},
      {"namespace", d.object.ns},
      {"name", d.object.name},
      {"path", d.path},
      {"message", d.message},
      {"remediation", rule ? rule->remediation : ""},
    });
  }
  doc["summary"] = {
    {"files", summary.files},       {"objects", summary.objects}, {"errors", summary.errors},
    {"warnings", summary.warnings}, {"info", summary.infos},      {"skipped", summary.skipped},
  };
  return doc.dump(2) + "\n";
}

std::string_view
sarif_level(Severity severity)
{
  switch (severity) {
  case Severity::error: return "error";
  case Severity::warning: return "warning";
  case Severity::info: return "note";
  }
  return "error";
}

std::string
render_sarif(const std::vector<Diagnostic>& findings, std::string_view version)
{
  ordered_json rules = ordered_json::array();
  std::map<std::string, size_t> rule_index;
  for (const auto& rule : validate::rule_catalog()) {
    rule_index[std::string(rule.code)] = rules.size();
    rules.push_back({
      {"id", rule.code},
      {"name", rule.check},
      {"shortDescription", {{"text", rule.description}}},
      {"help", {{"text", rule.remediation}}},
      {"defaultConfiguration", {{"level", sarif_level(rule.severity)}}},
    });
  }
  ordered_json results = ordered_json::array();
  for (const Diagnostic& d : findings) {
    ordered_json region = {{"startLine", std::max(d.mark.line, 1)}, {"startColumn", std::max(d.mark.column, 1)}};
    std::string message = d.path.empty() ? d.message : d.path + ": " + d.message;
    ordered_json result = {
      {"ruleId", d.code},
      {"level", sarif_level(d.severity)},
      {"message", {{"text", message}}},
      {"locations",
       ordered_json::array({{{"physicalLocation",
                              {{"artifactLocation", {{"uri", d.file == "<stdin>" ? "stdin" : d.file}}},
                               {"region", region}}}}})},
    };
    if (const auto it = rule_index.find(d.code); it != rule_index.end()) {
      result["ruleIndex"] = it->second;
    }
    results.push_back(std::move(result));
  }
  ordered_json doc = {
    {"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
    {"version", "2.1.0"},
    {"runs",
     ordered_json::array({{
       {"tool",
        {{"driver",
          {{"name", "kedahttp"},
           {"version", version},
           {"informationUri", "https://github.com/kedahttp/kedahttp"},
           {"rules", rules}}}}},
       {"results", results},
     }})},
  };
  return doc.dump(2) + "\n";
}

std::string
render_junit(const std::vector<Diagnostic>& findings, const Summary& summary, const std::vector<std::string>& files)
{
  using util::xml_escape;
  std::map<std::string, std::vector<const Diagnostic*>> by_file;
  for (const std::string& file : files) {
    by_file[file];
  }
  for (const Diagnostic& d : findings) {
    by_file[d.file].push_back(&d);
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites name=\"kedahttp validate\" tests=\"" + std::to_string(findings.size()) + "\" failures=\""
         + std::to_string(summary.errors) + "\">\n";
  for (const auto& [file, list] : by_file) {
    size_t failures = 0;
    for (const Diagnostic* d : list) {
      failures += d->severity == Severity::error ? 1 : 0;
    }
    out += "  <testsuite name=\"" + xml_escape(file) + "\" tests=\"" + std::to_string(std::max<size_t>(list.size(), 1))
           + "\" failures=\"" + std::to_string(failures) + "\">\n";
    if (list.empty()) {
      out += "    <testcase name=\"" + xml_escape(file) + "\" classname=\"kedahttp.validate\"/>\n";
    }
    for (const Diagnostic* d : list) {
      const std::string name = d->object.kind.empty() ? location(*d) : d->object.friendly() + " " + d->path;
      out += "    <testcase name=\"" + xml_escape(name) + "\" classname=\"" + xml_escape(d->code) + "\"";
      if (d->severity == Severity::error) {
        out += ">\n      <failure message=\"" + xml_escape(d->message) + "\" type=\"" + xml_escape(d->code)
               + "\">" + xml_escape(text_line(*d)) + "</failure>\n    </testcase>\n";
      } else {
        out += ">\n      <system-out>" + xml_escape(text_line(*d)) + "</system-out>\n    </testcase>\n";
      }
    }
    out += "  </testsuite>\n";
  }
  return out + "</testsuites>\n";
}

// GitHub workflow commands: properties escape %, \r, \n, ':' and ','; data escapes %, \r, \n.
std::string
github_escape(std::string_view text, bool property)
{
  std::string out;
  for (char c : text) {
    switch (c) {
    case '%': out += "%25"; break;
    case '\r': out += "%0D"; break;
    case '\n': out += "%0A"; break;
    case ':': out += property ? "%3A" : ":"; break;
    case ',': out += property ? "%2C" : ","; break;
    default: out += c;
    }
  }
  return out;
}

std::string
render_github(const std::vector<Diagnostic>& findings, const Summary& summary)
{
  std::string out;
  for (const Diagnostic& d : findings) {
    const std::string_view command = d.severity == Severity::error     ? "error"
                                     : d.severity == Severity::warning ? "warning"
                                                                       : "notice";
    out += "::" + std::string(command) + " file=" + github_escape(d.file, true)
           + ",line=" + std::to_string(std::max(d.mark.line, 1)) + ",col=" + std::to_string(std::max(d.mark.column, 1))
           + ",title=" + github_escape(d.code + " " + std::string(check_name(d)), true) + "::"
           + github_escape(d.path.empty() ? d.message : d.path + ": " + d.message, false) + "\n";
  }
  return out + summary_line(summary) + "\n";
}

} // namespace

std::optional<Format>
parse_format(std::string_view name)
{
  if (name == "text") return Format::text;
  if (name == "json") return Format::json;
  if (name == "sarif") return Format::sarif;
  if (name == "junit") return Format::junit;
  if (name == "github") return Format::github;
  return std::nullopt;
}

Summary
summarize(const std::vector<Diagnostic>& findings, size_t files, size_t objects, size_t skipped)
{
  Summary summary{files, objects, skipped, 0, 0, 0};
  for (const Diagnostic& d : findings) {
    switch (d.severity) {
    case Severity::error: ++summary.errors; break;
    case Severity::warning: ++summary.warnings; break;
    case Severity::info: summary.infos += d.code == "KH007" ? 0 : 1; break; // KH007 counts as skipped
    }
  }
  return summary;
}

std::string
summary_line(const Summary& s)
{
  return "Summary: " + plural(s.objects, "object") + " in " + plural(s.files, "file") + " - "
         + plural(s.errors, "error") + ", " + plural(s.warnings, "warning") + ", " + std::to_string(s.infos)
         + " info, " + std::to_string(s.skipped) + " skipped";
}

std::string
render(Format format, const std::vector<Diagnostic>& findings, const Summary& summary,
       const std::vector<std::string>& files, std::string_view tool_version)
{
  switch (format) {
  case Format::text: return render_text(findings, summary);
  case Format::json: return render_json(findings, summary);
  case Format::sarif: return render_sarif(findings, tool_version);
  case Format::junit: return render_junit(findings, summary, files);
  case Format::github: return render_github(findings, summary);
  }
  return render_text(findings, summary);
}

} // namespace kedahttp::report
