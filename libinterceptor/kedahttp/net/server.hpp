#pragma once

// `kedahttp serve`: the interceptor's network side. Boost.Asio/Beast stays in
// this module's .cpp files; this header is all the rest of the project sees.

#include <kedahttp/hold/hold_queue.hpp>
#include <kedahttp/net/otlp.hpp>
#include <kedahttp/net/tls.hpp>
#include <kedahttp/net/tracing.hpp>
#include <kedahttp/proxy/pipeline.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace kedahttp::net {

// --- Interface ---

struct ServeConfig {
  std::vector<std::string> manifest_paths;
  std::string bind_address = "0.0.0.0";  // all interfaces, as upstream
  uint16_t proxy_port = 8080;            // KEDA_HTTP_PROXY_PORT
  uint16_t admin_port = 9090;            // KEDA_HTTP_ADMIN_PORT
  uint16_t metrics_port = 2223;          // OTEL_PROM_EXPORTER_PORT
  bool metrics_enabled = true;           // OTEL_PROM_EXPORTER_ENABLED
  unsigned workers = 0;                  // event loops; 0: one per core
  proxy::Settings settings;
  hold::HoldLimits hold_limits;
  size_t max_connections_per_endpoint = 128; // per worker: held requests are released through this pool
  size_t max_header_bytes = 64 * 1024;   // larger: 431
  core::Duration read_header_timeout = std::chrono::seconds(60);
  core::Duration shutdown_delay = std::chrono::seconds(5); // KEDA_HTTP_SHUTDOWN_DELAY
  core::Duration drain_timeout = std::chrono::seconds(30); // KEDA_HTTP_DRAIN_TIMEOUT (0: unbounded)
  bool log_requests = false;             // KEDA_HTTP_LOG_REQUESTS
  bool json_logs = false;
  TlsConfig tls;                         // the TLS listener, beside the plain one
  TraceConfig trace;                     // OTEL_EXPORTER_OTLP_TRACES_*
  MetricsPushConfig metrics_push;        // OTEL_EXPORTER_OTLP_METRICS_*
};

// Runs until SIGTERM/SIGINT has drained the server. Returns the process exit code.
int serve(const ServeConfig& config);

} // namespace kedahttp::net
