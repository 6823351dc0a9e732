#pragma once

// OTLP over HTTP (protobuf): the encodings of spans and of the interceptor's metrics
// (field numbers from opentelemetry-proto v1; the protobuf wire format written by hand:
// it takes a few dozen lines, not a protobuf dependency), the POST to a collector, and
// the periodic metrics push (OTEL_EXPORTER_OTLP_METRICS_ENABLED, spec/interceptor.md 6).

#include <kedahttp/net/metrics.hpp>
#include <kedahttp/net/tracing.hpp>
#include <kedahttp/util/expected.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace kedahttp::net {

// --- Interface ---

// The OTLP ExportTraceServiceRequest for `spans` from service `service_name`.
std::string encode_otlp_traces(const std::vector<Span>& spans, std::string_view service_name);

// The OTLP ExportMetricsServiceRequest with upstream's instruments: interceptor.request.count
// (monotonic sum), interceptor.request.duration (histogram, seconds) and
// interceptor.request.concurrency (up-down sum), cumulative since `start`.
std::string encode_otlp_metrics(const std::vector<RequestSeries>& requests,
                                const std::map<std::string, queue::CountSnapshot>& concurrency,
                                std::chrono::system_clock::time_point start, std::chrono::system_clock::time_point now);

// POSTs an OTLP protobuf body to `endpoint` (an http:// URL); the error says why it failed.
util::Expected<void> post_otlp(const std::string& endpoint, const std::vector<std::pair<std::string, std::string>>& headers,
                               const std::string& body);

struct MetricsPushConfig {
  bool enabled = false;                     // OTEL_EXPORTER_OTLP_METRICS_ENABLED
  std::string endpoint;                     // OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, or base + /v1/metrics
  std::string protocol = "http/protobuf";   // OTEL_EXPORTER_OTLP_METRICS_PROTOCOL
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds interval{60000}; // OTEL_METRIC_EXPORT_INTERVAL
};

util::Expected<void> check_metrics_push_config(const MetricsPushConfig& config);

// Pushes `encode()` every interval from a thread of its own, and once more when destroyed.
class MetricsPusher
{
public:
  MetricsPusher(MetricsPushConfig config, std::function<std::string()> encode);
  ~MetricsPusher();
  MetricsPusher(const MetricsPusher&) = delete;
  MetricsPusher& operator=(const MetricsPusher&) = delete;

private:
  void push();

  MetricsPushConfig m_config;
  std::function<std::string()> m_encode;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stopping = false;
  std::thread m_thread;
};

} // namespace kedahttp::net
