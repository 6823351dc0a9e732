#include <kedahttp/net/tracing.hpp>

#include <kedahttp/net/otlp.hpp>

#include <kedahttp/util/strings.hpp>

#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstring>

namespace kedahttp::net {

namespace {

int
hex_digit(char c)
{
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  return -1; // W3C: lowercase only
}

bool
parse_hex(std::string_view text, std::span<uint8_t> out)
{
  if (text.size() != out.size() * 2) {
    return false;
  }
  for (size_t i = 0; i < out.size(); ++i) {
    const int high = hex_digit(text[2 * i]);
    const int low = hex_digit(text[2 * i + 1]);
    if (high < 0 || low < 0) {
      return false;
    }
    out[i] = static_cast<uint8_t>(high * 16 + low);
  }
  return true;
}

std::mt19937_64&
thread_rng()
{
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

template<size_t N>
std::array<uint8_t, N>
random_id()
{
  std::array<uint8_t, N> id{};
  do {
    for (size_t i = 0; i < N; i += 8) {
      const uint64_t r = thread_rng()();
      std::memcpy(id.data() + i, &r, std::min<size_t>(8, N - i));
    }
  } while (all_zero(id)); // all zero is the invalid id
  return id;
}

} // namespace

uint64_t
unix_nanos(std::chrono::system_clock::time_point t)
{
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

bool
all_zero(std::span<const uint8_t> bytes)
{
  for (uint8_t b : bytes) {
    if (b != 0) {
      return false;
    }
  }
  return true;
}

std::string
hex(std::span<const uint8_t> bytes)
{
  static constexpr char k_digits[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) {
    out.push_back(k_digits[b >> 4]);
    out.push_back(k_digits[b & 0xf]);
  }
  return out;
}

std::optional<TraceParent>
parse_traceparent(std::string_view value)
{
  value = util::trim(value);
  // version "-" trace-id "-" parent-id "-" flags: 2 + 1 + 32 + 1 + 16 + 1 + 2
  if (value.size() < 55 || value[2] != '-' || value[35] != '-' || value[52] != '-') {
    return std::nullopt;
  }
  std::array<uint8_t, 1> version{};
  std::array<uint8_t, 1> flags{};
  TraceParent parent;
  if (!parse_hex(value.substr(0, 2), version) || version[0] == 0xff || !parse_hex(value.substr(3, 32), parent.trace_id)
      || !parse_hex(value.substr(36, 16), parent.span_id) || !parse_hex(value.substr(53, 2), flags)) {
    return std::nullopt;
  }
  if ((version[0] == 0 && value.size() != 55) || (version[0] != 0 && value.size() > 55 && value[55] != '-')) {
    return std::nullopt;
  }
  if (all_zero(parent.trace_id) || all_zero(parent.span_id)) {
    return std::nullopt;
  }
  parent.sampled = (flags[0] & 1) != 0;
  return parent;
}

std::string
format_traceparent(const TraceId& trace_id, const SpanId& span_id, bool sampled)
{
  return "00-" + hex(trace_id) + "-" + hex(span_id) + (sampled ? "-01" : "-00");
}

std::string
span_json(const Span& span, std::string_view service_name)
{
  static constexpr const char* k_kinds[] = {"Unspecified", "Internal", "Server", "Client"};
  std::string out = "{\"Name\":\"" + util::json_escape(span.name) + "\",\"SpanContext\":{\"TraceID\":\""
                    + hex(span.trace_id) + "\",\"SpanID\":\"" + hex(span.span_id) + "\"},\"Parent\":{\"SpanID\":\""
                    + hex(span.parent_span_id) + "\",\"Remote\":" + (span.parent_remote ? "true" : "false")
                    + "},\"SpanKind\":\"" + k_kinds[static_cast<int>(span.kind)] + "\",\"StartTime\":"
                    + std::to_string(unix_nanos(span.start)) + ",\"EndTime\":" + std::to_string(unix_nanos(span.end))
                    + ",\"Attributes\":{";
  bool first = true;
  for (const auto& [key, value] : span.attributes) {
    out += (first ? "\"" : ",\"") + util::json_escape(key) + "\":";
    if (const auto* text = std::get_if<std::string>(&value)) {
      out += "\"" + util::json_escape(*text) + "\"";
    } else {
      out += std::to_string(std::get<int64_t>(value));
    }
    first = false;
  }
  out += std::string("},\"Status\":\"") + (span.error ? "Error" : "Unset") + "\",\"Resource\":{\"service.name\":\""
         + util::json_escape(service_name) + "\"}}";
  return out;
}

util::Expected<void>
check_trace_config(const TraceConfig& config)
{
  if (config.protocol != "console" && config.protocol != "http/protobuf") {
    if (config.protocol == "grpc") {
      return util::Unexpected("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=grpc is not supported by kedahttp yet: use "
                              "http/protobuf (the collector's port 4318) or console");
    }
    return util::Unexpected("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=" + config.protocol
                            + ": must be console, http/protobuf or grpc");
  }
  static constexpr std::string_view k_samplers[] = {"always_on",          "always_off",          "traceidratio",
                                                    "parentbased_always_on", "parentbased_always_off",
                                                    "parentbased_traceidratio"};
  if (std::find(std::begin(k_samplers), std::end(k_samplers), config.sampler) == std::end(k_samplers)) {
    return util::Unexpected("OTEL_TRACES_SAMPLER=" + config.sampler + ": unknown sampler");
  }
  if (config.ratio < 0 || config.ratio > 1) {
    return util::Unexpected("OTEL_TRACES_SAMPLER_ARG: a ratio between 0 and 1");
  }
  if (config.protocol == "http/protobuf" && config.endpoint.rfind("http://", 0) != 0) {
    return util::Unexpected("OTLP endpoint " + util::quote(config.endpoint)
                            + ": an http:// URL (https is not supported yet)");
  }
  return {};
}

bool
sample(const TraceConfig& config, const std::optional<TraceParent>& parent, const TraceId& trace_id)
{
  std::string_view sampler = config.sampler;
  if (sampler.starts_with("parentbased_")) {
    if (parent) {
      return parent->sampled;
    }
    sampler.remove_prefix(std::string_view("parentbased_").size());
  }
  if (sampler == "always_on") {
    return true;
  }
  if (sampler == "always_off") {
    return false;
  }
  // traceidratio: the trace id's last 8 bytes against the ratio, as the Go SDK
  uint64_t x = 0;
  for (size_t i = 8; i < 16; ++i) {
    x = (x << 8) | trace_id[i];
  }
  return static_cast<double>(x >> 1) < config.ratio * static_cast<double>(uint64_t{1} << 63);
}

Tracer::Tracer(TraceConfig config) : m_config(std::move(config)), m_thread([this] { run(); }) {}

Tracer::~Tracer()
{
  {
    const std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_wake.notify_all();
  m_thread.join();
}

void
Tracer::record(Span span)
{
  {
    const std::lock_guard lock(m_mutex);
    if (m_queue.size() >= m_config.queue_limit) {
      ++m_dropped;
      return;
    }
    m_queue.push_back(std::move(span));
    if (m_queue.size() < 512) {
      return; // exported with the next batch
    }
  }
  m_wake.notify_one(); // a full batch: export now
}

uint64_t
Tracer::dropped() const
{
  const std::lock_guard lock(m_mutex);
  return m_dropped;
}

uint64_t
Tracer::exported() const
{
  const std::lock_guard lock(m_mutex);
  return m_exported;
}

TraceId
Tracer::new_trace_id()
{
  return random_id<16>();
}

SpanId
Tracer::new_span_id()
{
  return random_id<8>();
}

void
Tracer::run()
{
  std::unique_lock lock(m_mutex);
  while (true) {
    m_wake.wait_for(lock, m_config.delay, [this] { return m_stopping || m_queue.size() >= 512; });
    std::vector<Span> batch;
    while (!m_queue.empty() && batch.size() < 512) {
      batch.push_back(std::move(m_queue.front()));
      m_queue.pop_front();
    }
    const bool last = m_stopping && m_queue.empty();
    if (!batch.empty()) {
      lock.unlock();
      export_batch(batch);
      lock.lock();
      m_exported += batch.size();
    }
    if (last) {
      return;
    }
  }
}

void
Tracer::export_batch(std::vector<Span>& batch)
{
  if (m_config.protocol == "console") {
    std::string out;
    for (const Span& span : batch) {
      out += span_json(span, k_service_name) + "\n";
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
    return;
  }
  // http/protobuf: POST the batch to the collector.
  if (auto sent = post_otlp(m_config.endpoint, m_config.headers, encode_otlp_traces(batch, k_service_name)); !sent) {
    spdlog::warn("tracing: export of {} spans to {} failed: {}", batch.size(), m_config.endpoint, sent.error());
  }
}

RequestTrace
RequestTrace::begin(const Tracer& tracer, std::string_view incoming)
{
  RequestTrace trace;
  trace.parent = incoming.empty() ? std::nullopt : parse_traceparent(incoming);
  trace.trace_id = trace.parent ? trace.parent->trace_id : Tracer::new_trace_id(); // preserved, as upstream
  trace.server_span = Tracer::new_span_id();
  trace.client_span = Tracer::new_span_id();
  trace.sampled = sample(tracer.config(), trace.parent, trace.trace_id);
  return trace;
}

std::string
RequestTrace::upstream_traceparent() const
{
  return format_traceparent(trace_id, client_span, sampled);
}

void
record_request(Tracer& tracer, const RequestTrace& trace, const RequestOutcome& outcome)
{
  if (!trace.sampled) {
    return;
  }
  const auto end = std::chrono::system_clock::now();
  Span server;
  server.trace_id = trace.trace_id;
  server.span_id = trace.server_span;
  if (trace.parent) {
    server.parent_span_id = trace.parent->span_id;
    server.parent_remote = true;
  }
  server.name = std::string(Tracer::k_service_name);
  server.kind = SpanKind::server;
  server.start = outcome.start;
  server.end = end;
  server.error = outcome.status >= 500;
  server.attributes = {{"http.request.method", std::string(outcome.method)},
                       {"url.path", std::string(outcome.path)},
                       {"server.address", std::string(outcome.host)},
                       {"network.protocol.version", std::string(outcome.protocol)},
                       {"client.address", std::string(outcome.client_ip)},
                       {"user_agent.original", std::string(outcome.user_agent)},
                       {"http.response.status_code", static_cast<int64_t>(outcome.status)}};
  if (trace.forwarded) {
    Span client;
    client.trace_id = trace.trace_id;
    client.span_id = trace.client_span;
    client.parent_span_id = trace.server_span;
    client.name = std::string(outcome.method);
    client.kind = SpanKind::client;
    client.start = trace.client_start;
    client.end = end;
    client.error = outcome.status >= 400;
    client.attributes = {{"http.request.method", std::string(outcome.method)},
                         {"server.address", outcome.backend},
                         {"http.response.status_code", static_cast<int64_t>(outcome.status)},
                         {"service", std::string("keda-http-interceptor-proxy-upstream")},
                         {"cold-start", std::string(outcome.cold_start)}};
    tracer.record(std::move(client));
  }
  tracer.record(std::move(server));
}

} // namespace kedahttp::net
