// kedahttp serve: the interceptor proxy. Settings come from upstream's
// environment variables (same names, same defaults), then from flags.

#include "commands.hpp"

#include <kedahttp/net/server.hpp>
#include <kedahttp/util/duration.hpp>
#include <kedahttp/util/strings.hpp>

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <iostream>
#include <memory>

namespace kedahttp::app {

namespace {

struct ServeFlags {
  net::ServeConfig config;
  // Durations as text, so that flags and environment share Go's syntax.
  std::string request_timeout, response_header_timeout, readiness_timeout, connect_timeout;
  std::string shutdown_delay, drain_timeout, read_header_timeout, retry_after;
  std::string log_format = "console";
  std::string log_level = "info";
  std::vector<std::string> errors;
};

std::string
format(core::Duration d)
{
  return util::format_go_duration(d);
}

const char*
env(const char* name)
{
  const char* value = std::getenv(name);
  return value && *value ? value : nullptr;
}

void
env_port(ServeFlags& flags, const char* name, uint16_t& out)
{
  if (const char* value = env(name)) {
    char* end = nullptr;
    const long port = std::strtol(value, &end, 10);
    if (*end != '\0' || port < 1 || port > 65535) {
      flags.errors.push_back(std::string(name) + "=" + value + ": not a port number (1-65535)");
      return;
    }
    out = static_cast<uint16_t>(port);
  }
}

void
env_bool(ServeFlags& flags, const char* name, bool& out)
{
  if (const char* value = env(name)) {
    const std::string v = value;
    if (v == "true" || v == "1" || v == "True" || v == "TRUE") {
      out = true;
    } else if (v == "false" || v == "0" || v == "False" || v == "FALSE") {
      out = false;
    } else {
      flags.errors.push_back(std::string(name) + "=" + v + ": not a boolean (true or false)");
    }
  }
}

void
env_text(const char* name, std::string& out)
{
  if (const char* value = env(name)) {
    out = value;
  }
}

void
env_size(ServeFlags& flags, const char* name, size_t& out)
{
  if (const char* value = env(name)) {
    char* end = nullptr;
    const long long n = std::strtoll(value, &end, 10);
    if (*end != '\0' || n < 1) {
      flags.errors.push_back(std::string(name) + "=" + value + ": not a positive number");
      return;
    }
    out = static_cast<size_t>(n);
  }
}

// The TLS listener's variables. The policy settings have new names (KEDA_HTTP_TLS_*);
// the older KEDA_HTTP_PROXY_TLS_* ones still win when set, as upstream.
void
read_tls_environment(ServeFlags& flags)
{
  net::TlsConfig& tls = flags.config.tls;
  env_bool(flags, "KEDA_HTTP_PROXY_TLS_ENABLED", tls.enabled);
  env_port(flags, "KEDA_HTTP_PROXY_TLS_PORT", tls.port);
  env_text("KEDA_HTTP_PROXY_TLS_CERT_PATH", tls.cert_path);
  env_text("KEDA_HTTP_PROXY_TLS_KEY_PATH", tls.key_path);
  if (const char* paths = env("KEDA_HTTP_PROXY_TLS_CERT_STORE_PATHS")) {
    for (const std::string_view path : util::split(paths, ',')) {
      if (!util::trim(path).empty()) {
        tls.cert_store_paths.emplace_back(util::trim(path));
      }
    }
  }
  for (auto [suffix, target] : {std::pair{"MIN_VERSION", &tls.min_version}, std::pair{"MAX_VERSION", &tls.max_version},
                                std::pair{"CIPHER_SUITES", &tls.cipher_suites},
                                std::pair{"CURVE_PREFERENCES", &tls.curve_preferences}}) {
    const std::string name = std::string("KEDA_HTTP_TLS_") + suffix;
    const std::string deprecated = std::string("KEDA_HTTP_PROXY_TLS_") + suffix;
    env_text(name.c_str(), *target);
    if (env(deprecated.c_str())) {
      spdlog::warn("{} is deprecated, use {}", deprecated, name);
      env_text(deprecated.c_str(), *target);
    }
  }
  env_bool(flags, "KEDA_HTTP_TLS_SKIP_VERIFY", tls.skip_verify);
  if (env("KEDA_HTTP_PROXY_TLS_SKIP_VERIFY")) {
    spdlog::warn("KEDA_HTTP_PROXY_TLS_SKIP_VERIFY is deprecated, use KEDA_HTTP_TLS_SKIP_VERIFY");
    env_bool(flags, "KEDA_HTTP_PROXY_TLS_SKIP_VERIFY", tls.skip_verify);
  }
}

// The OTLP exporter settings of one signal ("TRACES", "METRICS"): the signal's own
// variable wins over the shared one (OTEL_EXPORTER_OTLP_*), as in the OTel SDKs.
void
read_otlp_target(const char* signal, const char* path, std::string& endpoint,
                 std::vector<std::pair<std::string, std::string>>& headers)
{
  std::string base = "http://localhost:4318";
  env_text("OTEL_EXPORTER_OTLP_ENDPOINT", base);
  while (!base.empty() && base.back() == '/') {
    base.pop_back();
  }
  endpoint = base + path;
  env_text(("OTEL_EXPORTER_OTLP_" + std::string(signal) + "_ENDPOINT").c_str(), endpoint); // used as is
  for (const std::string& name : {std::string("OTEL_EXPORTER_OTLP_HEADERS"),
                                 "OTEL_EXPORTER_OTLP_" + std::string(signal) + "_HEADERS"}) {
    if (const char* list = env(name.c_str())) {
      headers.clear();
      for (const std::string_view pair : util::split(list, ',')) {
        const size_t equals = pair.find('=');
        if (equals != std::string_view::npos) {
          headers.emplace_back(util::trim(pair.substr(0, equals)), util::trim(pair.substr(equals + 1)));
        }
      }
    }
  }
}

void
env_millis(ServeFlags& flags, const char* name, std::chrono::milliseconds& out)
{
  if (const char* value = env(name)) {
    char* end = nullptr;
    const long long ms = std::strtoll(value, &end, 10);
    if (*end != '\0' || ms <= 0) {
      flags.errors.push_back(std::string(name) + "=" + value + ": a positive number of milliseconds");
      return;
    }
    out = std::chrono::milliseconds(ms);
  }
}

// Tracing (spec/interceptor.md 3.14) and the OTLP metrics push (6): upstream's switches and
// the standard OTEL_* variables.
void
read_otel_environment(ServeFlags& flags)
{
  net::TraceConfig& trace = flags.config.trace;
  env_bool(flags, "OTEL_EXPORTER_OTLP_TRACES_ENABLED", trace.enabled);
  env_text("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", trace.protocol);
  read_otlp_target("TRACES", "/v1/traces", trace.endpoint, trace.headers);
  env_text("OTEL_TRACES_SAMPLER", trace.sampler);
  if (const char* ratio = env("OTEL_TRACES_SAMPLER_ARG")) {
    char* end = nullptr;
    trace.ratio = std::strtod(ratio, &end);
    if (*end != '\0') {
      flags.errors.push_back(std::string("OTEL_TRACES_SAMPLER_ARG=") + ratio + ": not a number");
    }
  }
  env_millis(flags, "OTEL_BSP_SCHEDULE_DELAY", trace.delay);
  env_size(flags, "OTEL_BSP_MAX_QUEUE_SIZE", trace.queue_limit);

  net::MetricsPushConfig& push = flags.config.metrics_push;
  env_bool(flags, "OTEL_EXPORTER_OTLP_METRICS_ENABLED", push.enabled);
  env_text("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", push.protocol);
  read_otlp_target("METRICS", "/v1/metrics", push.endpoint, push.headers);
  env_millis(flags, "OTEL_METRIC_EXPORT_INTERVAL", push.interval);
}

// Reads every KEDA_HTTP_* variable upstream's interceptor reads (spec/interceptor.md 5.1).
void
read_environment(ServeFlags& flags)
{
  net::ServeConfig& c = flags.config;
  env_port(flags, "KEDA_HTTP_PROXY_PORT", c.proxy_port);
  env_port(flags, "KEDA_HTTP_ADMIN_PORT", c.admin_port);
  env_port(flags, "OTEL_PROM_EXPORTER_PORT", c.metrics_port);
  env_bool(flags, "OTEL_PROM_EXPORTER_ENABLED", c.metrics_enabled);
  env_bool(flags, "KEDA_HTTP_ENABLE_COLD_START_HEADER", c.settings.cold_start_header);
  env_bool(flags, "KEDA_HTTP_LOG_REQUESTS", c.log_requests);
  env_text("KEDA_HTTP_REQUEST_TIMEOUT", flags.request_timeout);
  env_text("KEDA_HTTP_RESPONSE_HEADER_TIMEOUT", flags.response_header_timeout);
  env_text("KEDA_HTTP_READINESS_TIMEOUT", flags.readiness_timeout);
  env_text("KEDA_HTTP_CONNECT_TIMEOUT", flags.connect_timeout);
  env_text("KEDA_HTTP_SHUTDOWN_DELAY", flags.shutdown_delay);
  env_text("KEDA_HTTP_DRAIN_TIMEOUT", flags.drain_timeout);
  env_size(flags, "KEDA_HTTP_MAX_IDLE_CONNS_PER_HOST", c.max_connections_per_endpoint);
  env_size(flags, "KEDAHTTP_HOLD_MAX_REQUESTS", c.hold_limits.total_requests);
  env_size(flags, "KEDAHTTP_HOLD_MAX_REQUESTS_PER_ROUTE", c.hold_limits.route_requests);
  env_size(flags, "KEDAHTTP_HOLD_MAX_BYTES", c.hold_limits.total_bytes);
  env_size(flags, "KEDAHTTP_HOLD_MAX_BYTES_PER_ROUTE", c.hold_limits.route_bytes);
  read_tls_environment(flags);
  read_otel_environment(flags);
  // Settings upstream has and kedahttp does not yet: say so instead of ignoring them.
  if (const char* ns = env("KEDA_HTTP_WATCH_NAMESPACE")) {
    spdlog::warn("KEDA_HTTP_WATCH_NAMESPACE={}: ignored, state comes from --manifests", ns);
  }
  // Deprecated names override the new ones when set above zero, as upstream.
  for (auto [name, target] : {std::pair{"KEDA_CONDITION_WAIT_TIMEOUT", &flags.readiness_timeout},
                              std::pair{"KEDA_RESPONSE_HEADER_TIMEOUT", &flags.response_header_timeout}}) {
    if (const char* value = env(name)) {
      const auto parsed = util::parse_go_duration(value);
      if (parsed && parsed->count() > 0) {
        spdlog::warn("{} is deprecated; it overrides the new setting", name);
        *target = value;
      }
    }
  }
}

bool
parse_duration(ServeFlags& flags, const std::string& text, const char* what, core::Duration& out)
{
  if (text.empty()) {
    return true;
  }
  const auto parsed = util::parse_go_duration(text);
  if (!parsed || parsed->count() < 0) {
    flags.errors.push_back(std::string(what) + " " + util::quote(text) + ": "
                           + (parsed ? std::string("must not be negative") : parsed.error()));
    return false;
  }
  out = *parsed;
  return true;
}

int
run(ServeFlags& flags)
{
  net::ServeConfig& c = flags.config;
  proxy::Settings& s = c.settings;
  parse_duration(flags, flags.request_timeout, "request timeout", s.request_timeout);
  parse_duration(flags, flags.response_header_timeout, "response header timeout", s.response_header_timeout);
  parse_duration(flags, flags.readiness_timeout, "readiness timeout", s.readiness_timeout);
  parse_duration(flags, flags.connect_timeout, "connect timeout", s.connect_timeout);
  parse_duration(flags, flags.shutdown_delay, "shutdown delay", c.shutdown_delay);
  parse_duration(flags, flags.drain_timeout, "drain timeout", c.drain_timeout);
  parse_duration(flags, flags.read_header_timeout, "read header timeout", c.read_header_timeout);
  parse_duration(flags, flags.retry_after, "retry after", s.retry_after);
  if (c.manifest_paths.empty()) {
    flags.errors.push_back("--manifests is required: a file or directory with InterceptorRoutes, Services, "
                           "EndpointSlices and ConfigMaps (the Kubernetes API source comes later)");
  }
  if (!flags.errors.empty()) {
    for (const std::string& error : flags.errors) {
      std::cerr << "kedahttp: error: " << error << "\n";
    }
    return k_exit_usage;
  }
  c.json_logs = flags.log_format == "json";
  spdlog::set_level(spdlog::level::from_str(flags.log_level));
  return net::serve(c);
}

} // namespace

std::function<int()>
add_serve(CLI::App& app)
{
  auto flags = std::make_shared<ServeFlags>();
  ServeFlags& f = *flags;
  read_environment(f);
  net::ServeConfig& c = f.config;
  proxy::Settings& s = c.settings;
  if (f.request_timeout.empty()) f.request_timeout = format(s.request_timeout);
  if (f.response_header_timeout.empty()) f.response_header_timeout = format(s.response_header_timeout);
  if (f.readiness_timeout.empty()) f.readiness_timeout = format(s.readiness_timeout);
  if (f.connect_timeout.empty()) f.connect_timeout = format(s.connect_timeout);
  if (f.shutdown_delay.empty()) f.shutdown_delay = format(c.shutdown_delay);
  if (f.drain_timeout.empty()) f.drain_timeout = format(c.drain_timeout);
  f.read_header_timeout = format(c.read_header_timeout);
  f.retry_after = format(s.retry_after);

  CLI::App* cmd = app.add_subcommand("serve", "Run the interceptor proxy (a drop-in for the KEDA HTTP Add-on's)");
  cmd->footer(
    "Every setting also comes from upstream's environment variable (in brackets); a flag wins over the\n"
    "environment. Durations use Go syntax: 500ms, 30s, 1m30s; 0s disables a timeout.\n"
    "Run locally against the example directory:\n"
    "  kedahttp serve --manifests manifests/examples/serve --bind 127.0.0.1\n"
    "and scale a target up by writing an EndpointSlice with a ready endpoint into that directory.");
  cmd->add_option("--manifests", c.manifest_paths,
                  "File or directory (repeatable) with InterceptorRoutes, HTTPScaledObjects, Services, "
                  "EndpointSlices and ConfigMaps; watched, changes apply at once")
    ->required();
  cmd->add_option("--bind", c.bind_address, "Address to listen on (all interfaces by default, as upstream)")
    ->capture_default_str();
  cmd->add_option("--port", c.proxy_port, "Proxy port [KEDA_HTTP_PROXY_PORT]")->capture_default_str();
  cmd->add_option("--admin-port", c.admin_port, "Admin port: /queue, /readyz, /livez, /debug/routes "
                                                "[KEDA_HTTP_ADMIN_PORT]")
    ->capture_default_str();
  cmd->add_option("--metrics-port", c.metrics_port, "Prometheus /metrics port [OTEL_PROM_EXPORTER_PORT]")
    ->capture_default_str();
  cmd->add_option("--metrics", c.metrics_enabled, "Serve /metrics [OTEL_PROM_EXPORTER_ENABLED]")->capture_default_str();
  cmd->add_option("--workers", c.workers, "Event-loop threads (0: one per core)")->capture_default_str();
  cmd->add_option("--request-timeout", f.request_timeout,
                  "Whole-request deadline, cold start included [KEDA_HTTP_REQUEST_TIMEOUT]")
    ->capture_default_str();
  cmd->add_option("--response-header-timeout", f.response_header_timeout,
                  "Wait for the backend's response headers [KEDA_HTTP_RESPONSE_HEADER_TIMEOUT]")
    ->capture_default_str();
  cmd->add_option("--readiness-timeout", f.readiness_timeout,
                  "Cold-start wait; 0s: bounded only by the request (30s when a fallback exists) "
                  "[KEDA_HTTP_READINESS_TIMEOUT]")
    ->capture_default_str();
  cmd->add_option("--connect-timeout", f.connect_timeout,
                  "Per dial attempt; failed dials are retried every 50ms [KEDA_HTTP_CONNECT_TIMEOUT]")
    ->capture_default_str();
  cmd->add_option("--cold-start-header", s.cold_start_header,
                  "Send X-KEDA-HTTP-Cold-Start: true|false [KEDA_HTTP_ENABLE_COLD_START_HEADER]")
    ->capture_default_str();
  cmd->add_option("--log-requests", c.log_requests, "Access log in Apache combined format [KEDA_HTTP_LOG_REQUESTS]")
    ->capture_default_str();
  cmd->add_option("--shutdown-delay", f.shutdown_delay,
                  "After SIGTERM, keep serving this long before closing the listener [KEDA_HTTP_SHUTDOWN_DELAY]")
    ->capture_default_str();
  cmd->add_option("--drain-timeout", f.drain_timeout,
                  "Then wait this long for in-flight requests; 0s: no limit [KEDA_HTTP_DRAIN_TIMEOUT]")
    ->capture_default_str();
  cmd->add_option("--max-connections-per-endpoint", c.max_connections_per_endpoint,
                  "Per worker: requests released after a cold start queue for these instead of each opening a "
                  "connection [KEDA_HTTP_MAX_IDLE_CONNS_PER_HOST]")
    ->capture_default_str();
  cmd->add_option("--hold-max-requests", c.hold_limits.total_requests,
                  "Requests held for cold starts in total; beyond: 503 + Retry-After [KEDAHTTP_HOLD_MAX_REQUESTS]")
    ->capture_default_str();
  cmd->add_option("--hold-max-requests-per-route", c.hold_limits.route_requests,
                  "Requests held per route [KEDAHTTP_HOLD_MAX_REQUESTS_PER_ROUTE]")
    ->capture_default_str();
  cmd->add_option("--hold-max-bytes", c.hold_limits.total_bytes,
                  "Bytes of held requests in total [KEDAHTTP_HOLD_MAX_BYTES]")
    ->capture_default_str();
  cmd->add_option("--hold-max-bytes-per-route", c.hold_limits.route_bytes,
                  "Bytes of held requests per route [KEDAHTTP_HOLD_MAX_BYTES_PER_ROUTE]")
    ->capture_default_str();
  cmd->add_option("--retry-after", f.retry_after, "Retry-After of the 503 sent when the hold is full")
    ->capture_default_str();
  net::TlsConfig& t = c.tls;
  cmd->add_option("--tls", t.enabled, "Also serve TLS (HTTP/1.1 and h2 by ALPN) on the TLS port; requests are re-encrypted to "
                                      "backends [KEDA_HTTP_PROXY_TLS_ENABLED]")
    ->capture_default_str();
  cmd->add_option("--tls-port", t.port, "TLS proxy port [KEDA_HTTP_PROXY_TLS_PORT]")->capture_default_str();
  cmd->add_option("--tls-cert", t.cert_path, "Default certificate (PEM, chain allowed) [KEDA_HTTP_PROXY_TLS_CERT_PATH]")
    ->capture_default_str();
  cmd->add_option("--tls-key", t.key_path, "Its key [KEDA_HTTP_PROXY_TLS_KEY_PATH]")->capture_default_str();
  cmd->add_option("--tls-cert-store", t.cert_store_paths,
                  "Directory (repeatable) walked for X.crt + X.key or X.pem + X-key.pem pairs, served by SNI "
                  "(exact names from their SANs) [KEDA_HTTP_PROXY_TLS_CERT_STORE_PATHS, comma-separated]");
  cmd->add_option("--tls-skip-verify", t.skip_verify, "Do not verify backends' certificates [KEDA_HTTP_TLS_SKIP_VERIFY]")
    ->capture_default_str();
  cmd->add_option("--tls-min-version", t.min_version, "1.2 (default) or 1.3 [KEDA_HTTP_TLS_MIN_VERSION]");
  cmd->add_option("--tls-max-version", t.max_version, "1.2 or 1.3 (default) [KEDA_HTTP_TLS_MAX_VERSION]");
  cmd->add_option("--tls-cipher-suites", t.cipher_suites,
                  "TLS 1.2 suites by Go name, comma-separated [KEDA_HTTP_TLS_CIPHER_SUITES]");
  cmd->add_option("--tls-curve-preferences", t.curve_preferences,
                  "Curves by Go name (X25519, CurveP256, ...), comma-separated [KEDA_HTTP_TLS_CURVE_PREFERENCES]");
  cmd->add_option("--tracing", c.trace.enabled, "Trace requests (W3C trace context, OTel spans) "
                                                "[OTEL_EXPORTER_OTLP_TRACES_ENABLED]")
    ->capture_default_str();
  cmd->add_option("--tracing-protocol", c.trace.protocol,
                  "console (JSON on stdout) or http/protobuf [OTEL_EXPORTER_OTLP_TRACES_PROTOCOL]")
    ->capture_default_str();
  cmd->add_option("--tracing-endpoint", c.trace.endpoint,
                  "OTLP/HTTP traces URL [OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces]")
    ->capture_default_str();
  cmd->add_option("--max-header-bytes", c.max_header_bytes, "Request head size limit; larger: 431")
    ->capture_default_str();
  cmd->add_option("--read-header-timeout", f.read_header_timeout, "Close connections whose head is this slow")
    ->capture_default_str();
  cmd->add_option("--log-format", f.log_format, "console or json")
    ->check(CLI::IsMember({"console", "json"}))
    ->capture_default_str();
  cmd->add_option("--log-level", f.log_level, "trace, debug, info, warn, error")
    ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
    ->capture_default_str();
  return [flags] { return run(*flags); };
}

} // namespace kedahttp::app
