#pragma once

// Tracing as upstream's interceptor does it (spec/interceptor.md 3.14): W3C trace context
// in and out, a server span "keda-http-interceptor" around each request and a client span
// per backend call, exported in batches by a thread of its own to the console (JSON lines
// on stdout) or to an OTLP/HTTP collector (protobuf). The request path only fills a Span
// and hands it over; encoding and I/O happen on the exporter thread.

#include <kedahttp/util/expected.hpp>

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

namespace kedahttp::net {

// --- Interface ---

using TraceId = std::array<uint8_t, 16>;
using SpanId = std::array<uint8_t, 8>;

// A `traceparent` header (W3C Trace Context, version 00).
struct TraceParent {
  TraceId trace_id{};
  SpanId span_id{};
  bool sampled = false;
};

// Parses a traceparent value; nothing when it is not a valid one (then a new trace starts).
std::optional<TraceParent> parse_traceparent(std::string_view value);
std::string format_traceparent(const TraceId& trace_id, const SpanId& span_id, bool sampled);
std::string hex(std::span<const uint8_t> bytes);
// Whether every byte is zero (the invalid trace and span id).
bool all_zero(std::span<const uint8_t> bytes);
uint64_t unix_nanos(std::chrono::system_clock::time_point t);

enum class SpanKind : uint8_t { internal = 1, server = 2, client = 3 };

struct Span {
  TraceId trace_id{};
  SpanId span_id{};
  SpanId parent_span_id{}; // all zero: a root span
  bool parent_remote = false;
  std::string name;
  SpanKind kind = SpanKind::internal;
  std::chrono::system_clock::time_point start;
  std::chrono::system_clock::time_point end;
  bool error = false; // status ERROR (else unset)
  std::vector<std::pair<std::string, std::variant<std::string, int64_t>>> attributes;
};

// One span as a JSON object on one line (the console exporter).
std::string span_json(const Span& span, std::string_view service_name);

struct TraceConfig {
  bool enabled = false;                           // OTEL_EXPORTER_OTLP_TRACES_ENABLED
  std::string protocol = "console";               // OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: console, http/protobuf
  std::string endpoint;                           // OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (as is), or
                                                  // OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces
  std::vector<std::pair<std::string, std::string>> headers; // OTEL_EXPORTER_OTLP_(TRACES_)HEADERS
  std::string sampler = "parentbased_always_on";  // OTEL_TRACES_SAMPLER
  double ratio = 1.0;                             // OTEL_TRACES_SAMPLER_ARG (traceidratio)
  std::chrono::milliseconds delay{5000};          // OTEL_BSP_SCHEDULE_DELAY
  size_t queue_limit = 2048;                      // OTEL_BSP_MAX_QUEUE_SIZE: beyond, spans are dropped
};

// Checks a configuration (protocol, sampler, endpoint); the error says what is wrong.
util::Expected<void> check_trace_config(const TraceConfig& config);

// The sampling decision for a new span (OTEL_TRACES_SAMPLER semantics).
bool sample(const TraceConfig& config, const std::optional<TraceParent>& parent, const TraceId& trace_id);

class Tracer
{
public:
  static constexpr std::string_view k_service_name = "keda-http-interceptor";

  explicit Tracer(TraceConfig config);
  ~Tracer(); // exports what is queued, then stops the thread
  Tracer(const Tracer&) = delete;
  Tracer& operator=(const Tracer&) = delete;

  const TraceConfig& config() const { return m_config; }
  // Thread-safe: queues a finished, sampled span (dropped when the queue is full).
  void record(Span span);
  uint64_t dropped() const;
  uint64_t exported() const;

  // Fresh random ids (per calling thread's generator).
  static TraceId new_trace_id();
  static SpanId new_span_id();

private:
  void run();
  void export_batch(std::vector<Span>& batch);

  TraceConfig m_config;
  mutable std::mutex m_mutex;
  std::condition_variable m_wake;
  std::deque<Span> m_queue;
  bool m_stopping = false;
  uint64_t m_dropped = 0;
  uint64_t m_exported = 0;
  std::thread m_thread;
};

// The trace of one request as the data plane keeps it: from the incoming traceparent (or a
// new trace), the server span's id, and the client span's id sent upstream.
struct RequestTrace {
  std::optional<TraceParent> parent;
  TraceId trace_id{};
  SpanId server_span{};
  SpanId client_span{};
  bool sampled = false;
  std::chrono::system_clock::time_point client_start{};
  bool forwarded = false;

  // Starts the trace of a request whose traceparent header is `incoming` ("" if none).
  static RequestTrace begin(const Tracer& tracer, std::string_view incoming);
  // The traceparent for the backend (the client span's context).
  std::string upstream_traceparent() const;
};

// Records the spans of a finished request: the server span, and the client span if it was
// forwarded (`backend`: host:port dialled; `cold_start`: the header value, "" when none).
struct RequestOutcome {
  std::string_view method;
  std::string_view path;
  std::string_view host;
  std::string_view protocol; // "1.1", "2"
  std::string_view client_ip;
  std::string_view user_agent;
  unsigned status = 0;
  std::string backend;
  std::string_view cold_start;
  std::chrono::system_clock::time_point start;
};
void record_request(Tracer& tracer, const RequestTrace& trace, const RequestOutcome& outcome);

} // namespace kedahttp::net
