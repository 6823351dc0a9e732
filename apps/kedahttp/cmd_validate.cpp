// kedahttp validate [PATH...|-]

#include "commands.hpp"

#include <kedahttp/report/report.hpp>
#include <kedahttp/validate/catalog.hpp>
#include <kedahttp/validate/validate.hpp>

#include <iostream>
#include <memory>

#include <unistd.h>

namespace kedahttp::app {

namespace {

struct ValidateFlags {
  std::vector<std::string> paths;
  std::string output = "text";
  std::string fail_on = "error";
  std::string channel = "standard";
  bool verbose = false;
  bool list_rules = false;
  validate::Options options;
};

int
list_rules(const std::string& output)
{
  if (output == "markdown") {
    std::cout << validate::rules_markdown();
    return k_exit_ok;
  }
  for (const auto& rule : validate::rule_catalog()) {
    std::cout << rule.code << "  " << rule.check << " (" << core::to_string(rule.severity) << ")\n"
              << "    " << rule.description << "\n"
              << "    fix: " << rule.remediation << "\n";
  }
  return k_exit_ok;
}

int
run(const ValidateFlags& flags)
{
  if (flags.list_rules) {
    return list_rules(flags.output);
  }
  const auto format = report::parse_format(flags.output);
  if (!format) {
    std::cerr << "kedahttp: error: --output " << flags.output
              << " is only valid with --list-rules; use text, json, sarif, junit or github\n";
    return k_exit_usage;
  }
  std::vector<std::string> paths = flags.paths;
  if (paths.empty()) {
    if (isatty(STDIN_FILENO)) {
      std::cerr << "kedahttp: error: no input: give files or directories, or '-' to read standard input\n"
                << "Run 'kedahttp validate --help' for usage.\n";
      return k_exit_usage;
    }
    paths.push_back("-");
  }

  validate::Options options = flags.options;
  options.gateway_channel = flags.channel == "experimental" ? validate::Channel::experimental
                                                            : validate::Channel::standard;
  manifest::LoadResult input = manifest::load_paths(paths);
  if (!input.input_errors.empty()) {
    for (const std::string& error : input.input_errors) {
      std::cerr << "kedahttp: error: " << error << "\n";
    }
    return k_exit_usage;
  }
  const validate::Result result = validate::validate(input, options);

  std::vector<core::Diagnostic> shown;
  for (const core::Diagnostic& d : result.diagnostics) {
    if (d.code != "KH007" || flags.verbose) {
      shown.push_back(d);
    }
  }
  const report::Summary summary =
    report::summarize(result.diagnostics, result.files, result.objects, result.skipped);
  std::cout << report::render(*format, shown, summary, input.files, KEDAHTTP_VERSION);

  const core::Severity threshold = flags.fail_on == "warning" ? core::Severity::warning
                                   : flags.fail_on == "info"  ? core::Severity::info
                                                              : core::Severity::error;
  for (const core::Diagnostic& d : result.diagnostics) {
    if (d.code != "KH007" && d.severity >= threshold) {
      return k_exit_findings;
    }
  }
  return k_exit_ok;
}

} // namespace

std::function<int()>
add_validate(CLI::App& app)
{
  auto flags = std::make_shared<ValidateFlags>();
  CLI::App* cmd = app.add_subcommand(
    "validate", "Check InterceptorRoute, HTTPRoute, ReferenceGrant, Ingress, Service and VirtualService manifests");
  cmd->footer(
    "Checks each object as the API server would (schema, CEL rules, built-in validation), then the set as a\n"
    "whole: do the routes reach the interceptor, with the right port, grants and hosts?\n"
    "\n"
    "Exit status: 0 no finding at or above --fail-on, 1 findings at or above it, 2 usage error or unreadable input.\n"
    "Examples:\n"
    "  kedahttp validate manifests/\n"
    "  helm template my-chart | kedahttp validate -\n"
    "  kedahttp validate -o sarif deploy/ > kedahttp.sarif");
  cmd->add_option("paths", flags->paths,
                  "Files or directories (searched recursively for .yaml, .yml, .json); '-' reads standard input "
                  "(the default when input is piped)");
  cmd->add_option("-o,--output", flags->output, "Output format: text, json, sarif (2.1.0), junit or github annotations")
    ->capture_default_str();
  cmd->add_option("--fail-on", flags->fail_on, "Lowest severity that makes the exit status 1")
    ->check(CLI::IsMember({"error", "warning", "info"}))
    ->capture_default_str();
  cmd->add_option("--gateway-api-channel", flags->channel,
                  "Gateway API CRD channel installed in the cluster: standard or experimental (adds fields such as "
                  "retry and sessionPersistence)")
    ->check(CLI::IsMember({"standard", "experimental"}))
    ->capture_default_str();
  cmd->add_flag("--allow-unknown-fields", flags->options.allow_unknown_fields,
                "Report unknown fields as warnings instead of errors (as clients without strict validation)");
  cmd->add_option("--interceptor-service", flags->options.interceptor_service,
                  "Name of the interceptor proxy Service")
    ->capture_default_str();
  cmd->add_option("--interceptor-namespace", flags->options.interceptor_namespace,
                  "Namespace the KEDA HTTP Add-on is installed in")
    ->capture_default_str();
  cmd->add_option("--interceptor-port", flags->options.interceptor_port, "Port of the interceptor proxy Service")
    ->check(CLI::Range(1, 65535))
    ->capture_default_str();
  cmd->add_option("--interceptor-tls-port", flags->options.interceptor_tls_port,
                  "TLS port of the interceptor proxy Service (when interceptor.tls.enabled)")
    ->check(CLI::Range(1, 65535))
    ->capture_default_str();
  cmd->add_option("--cluster-domain", flags->options.cluster_domain, "Cluster DNS domain")->capture_default_str();
  cmd->add_option("--default-namespace", flags->options.default_namespace,
                  "Namespace of objects without metadata.namespace (as kubectl apply would use)")
    ->capture_default_str();
  cmd->add_flag("--require-interceptorroutes", flags->options.require_interceptorroutes,
                "Check hosts against InterceptorRoutes even when the input has none (each host gets KH340)");
  cmd->add_flag("-v,--verbose", flags->verbose, "Also list the objects of kinds that are not checked (KH007)");
  cmd->add_flag("--list-rules", flags->list_rules,
                "Print every finding code with its severity, description and fix, then exit "
                "(--output markdown prints docs/rules.md)");
  return [flags] { return run(*flags); };
}

} // namespace kedahttp::app
