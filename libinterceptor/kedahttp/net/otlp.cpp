#include <kedahttp/net/otlp.hpp>

#include <kedahttp/util/strings.hpp>

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <bit>
#include <span>

namespace kedahttp::net {

namespace {

// --- protobuf, the few wire types OTLP needs -------------------------------------------

void
varint(std::string& out, uint64_t value)
{
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void
tag(std::string& out, uint32_t field, uint32_t wire_type)
{
  varint(out, (static_cast<uint64_t>(field) << 3) | wire_type);
}

// Length-delimited (wire type 2): strings, bytes, nested messages.
void
bytes_field(std::string& out, uint32_t field, std::string_view data)
{
  tag(out, field, 2);
  varint(out, data.size());
  out.append(data);
}

void
varint_field(std::string& out, uint32_t field, uint64_t value)
{
  tag(out, field, 0);
  varint(out, value);
}

void
fixed64_field(std::string& out, uint32_t field, uint64_t value)
{
  tag(out, field, 1);
  for (int i = 0; i < 8; ++i) {
    out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  }
}

void
fixed32_field(std::string& out, uint32_t field, uint32_t value)
{
  tag(out, field, 5);
  for (int i = 0; i < 4; ++i) {
    out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  }
}

template<size_t N>
std::string_view
as_bytes(const std::array<uint8_t, N>& id)
{
  return {reinterpret_cast<const char*>(id.data()), N};
}

// opentelemetry.proto.common.v1.KeyValue { key = 1; AnyValue value = 2 { string = 1; int = 3 } }
std::string
key_value(std::string_view key, const std::variant<std::string, int64_t>& value)
{
  std::string any;
  if (const auto* text = std::get_if<std::string>(&value)) {
    bytes_field(any, 1, *text);
  } else {
    varint_field(any, 3, static_cast<uint64_t>(std::get<int64_t>(value)));
  }
  std::string kv;
  bytes_field(kv, 1, key);
  bytes_field(kv, 2, any);
  return kv;
}

void
double_field(std::string& out, uint32_t field, double value)
{
  fixed64_field(out, field, std::bit_cast<uint64_t>(value));
}

// ResourceX { Resource resource = 1 { attributes = 1: service.name }; ScopeX scope_x = 2 { scope = 1; items = 2 } }
std::string
resource_and_scope(std::string_view service_name, std::string_view scope_name, const std::string& items)
{
  std::string resource;
  bytes_field(resource, 1, key_value("service.name", std::string(service_name)));
  std::string scope;
  bytes_field(scope, 1, scope_name);
  std::string scoped;
  bytes_field(scoped, 1, scope);
  scoped += items;
  std::string out;
  bytes_field(out, 1, resource);
  bytes_field(out, 2, scoped);
  return out;
}

constexpr uint64_t k_cumulative = 2; // AggregationTemporality

} // namespace

std::string
encode_otlp_traces(const std::vector<Span>& spans, std::string_view service_name)
{
  std::string spans_out;
  for (const Span& span : spans) {
    std::string s;
    bytes_field(s, 1, as_bytes(span.trace_id));
    bytes_field(s, 2, as_bytes(span.span_id));
    if (!all_zero(span.parent_span_id)) {
      bytes_field(s, 4, as_bytes(span.parent_span_id));
    }
    bytes_field(s, 5, span.name);
    varint_field(s, 6, static_cast<uint64_t>(span.kind));
    fixed64_field(s, 7, unix_nanos(span.start));
    fixed64_field(s, 8, unix_nanos(span.end));
    for (const auto& [key, value] : span.attributes) {
      bytes_field(s, 9, key_value(key, value));
    }
    if (span.error) {
      std::string status;
      varint_field(status, 3, 2); // STATUS_CODE_ERROR
      bytes_field(s, 15, status);
    }
    // flags: sampled, and whether the parent is remote (bits 8 and 9)
    fixed32_field(s, 16, 0x1u | 0x100u | (span.parent_remote ? 0x200u : 0u));
    bytes_field(spans_out, 2, s); // ScopeSpans.spans
  }
  std::string request;
  bytes_field(request, 1, resource_and_scope(service_name, "kedahttp", spans_out));
  return request;
}

std::string
encode_otlp_metrics(const std::vector<RequestSeries>& requests,
                    const std::map<std::string, queue::CountSnapshot>& concurrency,
                    std::chrono::system_clock::time_point start, std::chrono::system_clock::time_point now)
{
  const uint64_t start_ns = unix_nanos(start);
  const uint64_t now_ns = unix_nanos(now);
  const auto route_attributes = [](std::string& point, uint32_t field, const std::string& ns, const std::string& name) {
    bytes_field(point, field, key_value("route_name", name));
    bytes_field(point, field, key_value("route_namespace", ns));
  };
  std::string count_points;
  std::string duration_points;
  for (const RequestSeries& series : requests) {
    std::string number; // NumberDataPoint { attributes = 7; start = 2; time = 3; as_int = 6 }
    bytes_field(number, 7, key_value("code", static_cast<int64_t>(series.code)));
    bytes_field(number, 7, key_value("method", series.method));
    route_attributes(number, 7, series.ns, series.name);
    fixed64_field(number, 2, start_ns);
    fixed64_field(number, 3, now_ns);
    fixed64_field(number, 6, series.count);
    bytes_field(count_points, 1, number);

    std::string histogram; // HistogramDataPoint { attributes = 9; start = 2; time = 3; count = 4; sum = 5;
                           //   bucket_counts = 6 (per bucket, packed); explicit_bounds = 7 (packed) }
    bytes_field(histogram, 9, key_value("code", static_cast<int64_t>(series.code)));
    bytes_field(histogram, 9, key_value("method", series.method));
    route_attributes(histogram, 9, series.ns, series.name);
    fixed64_field(histogram, 2, start_ns);
    fixed64_field(histogram, 3, now_ns);
    fixed64_field(histogram, 4, series.count);
    double_field(histogram, 5, series.sum);
    std::string counts;
    uint64_t below = 0;
    for (uint64_t cumulative : series.buckets) {
      for (int i = 0; i < 8; ++i) {
        counts.push_back(static_cast<char>(((cumulative - below) >> (8 * i)) & 0xff));
      }
      below = cumulative;
    }
    for (int i = 0; i < 8; ++i) { // the overflow bucket
      counts.push_back(static_cast<char>(((series.count - below) >> (8 * i)) & 0xff));
    }
    bytes_field(histogram, 6, counts);
    std::string bounds;
    for (double bound : k_duration_buckets) {
      const uint64_t bits = std::bit_cast<uint64_t>(bound);
      for (int i = 0; i < 8; ++i) {
        bounds.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
      }
    }
    bytes_field(histogram, 7, bounds);
    bytes_field(duration_points, 1, histogram);
  }
  std::string concurrency_points;
  for (const auto& [key, count] : concurrency) {
    const size_t slash = key.find('/');
    std::string number;
    route_attributes(number, 7, key.substr(0, slash), key.substr(slash + 1));
    fixed64_field(number, 2, start_ns);
    fixed64_field(number, 3, now_ns);
    fixed64_field(number, 6, static_cast<uint64_t>(count.concurrency));
    bytes_field(concurrency_points, 1, number);
  }
  // Metric { name = 1; description = 2; unit = 3; sum = 7 { points = 1; temporality = 2; monotonic = 3 };
  //          histogram = 9 { points = 1; temporality = 2 } }
  const auto metric = [](std::string_view name, std::string_view description, std::string_view unit, uint32_t kind,
                         std::string data) {
    std::string m;
    bytes_field(m, 1, name);
    bytes_field(m, 2, description);
    if (!unit.empty()) {
      bytes_field(m, 3, unit);
    }
    bytes_field(m, kind, data);
    std::string wrapped;
    bytes_field(wrapped, 2, m); // ScopeMetrics.metrics
    return wrapped;
  };
  std::string count_sum = count_points;
  varint_field(count_sum, 2, k_cumulative);
  varint_field(count_sum, 3, 1);
  std::string duration = duration_points;
  varint_field(duration, 2, k_cumulative);
  std::string concurrency_sum = concurrency_points;
  varint_field(concurrency_sum, 2, k_cumulative);
  varint_field(concurrency_sum, 3, 0);
  const std::string metrics =
    metric("interceptor.request.count", "Count of requests processed by the interceptor proxy", "", 7, count_sum)
    + metric("interceptor.request.duration", "Duration of requests processed by the interceptor proxy", "s", 9,
             duration)
    + metric("interceptor.request.concurrency", "Number of requests in flight in the interceptor proxy", "", 7,
             concurrency_sum);
  std::string request;
  bytes_field(request, 1, resource_and_scope(Tracer::k_service_name, "keda-interceptor-proxy", metrics));
  return request;
}

util::Expected<void>
post_otlp(const std::string& endpoint, const std::vector<std::pair<std::string, std::string>>& headers,
          const std::string& body)
{
  const std::string_view url = endpoint;
  const size_t path_at = url.find('/', std::string_view("http://").size());
  const std::string base(url.substr(0, path_at));
  const std::string path = path_at == std::string_view::npos ? "/" : std::string(url.substr(path_at));
  httplib::Client client(base);
  client.set_connection_timeout(std::chrono::seconds(10));
  client.set_read_timeout(std::chrono::seconds(10));
  httplib::Headers fields;
  for (const auto& [name, value] : headers) {
    fields.emplace(name, value);
  }
  const auto result = client.Post(path, fields, body, "application/x-protobuf");
  if (!result) {
    return util::Unexpected(httplib::to_string(result.error()));
  }
  if (result->status / 100 != 2) {
    return util::Unexpected("HTTP " + std::to_string(result->status));
  }
  return {};
}

util::Expected<void>
check_metrics_push_config(const MetricsPushConfig& config)
{
  if (config.protocol != "http/protobuf") {
    return util::Unexpected("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL=" + config.protocol
                            + ": kedahttp pushes metrics over http/protobuf only (the collector's port 4318)");
  }
  if (config.endpoint.rfind("http://", 0) != 0) {
    return util::Unexpected("OTLP metrics endpoint " + util::quote(config.endpoint)
                            + ": an http:// URL (https is not supported yet)");
  }
  if (config.interval.count() <= 0) {
    return util::Unexpected("OTEL_METRIC_EXPORT_INTERVAL: a positive number of milliseconds");
  }
  return {};
}

MetricsPusher::MetricsPusher(MetricsPushConfig config, std::function<std::string()> encode)
  : m_config(std::move(config)), m_encode(std::move(encode)), m_thread([this] {
      std::unique_lock lock(m_mutex);
      while (!m_stopping) {
        m_wake.wait_for(lock, m_config.interval, [this] { return m_stopping; });
        lock.unlock();
        push(); // on every tick, and a last time when stopping
        lock.lock();
      }
    })
{
}

MetricsPusher::~MetricsPusher()
{
  {
    const std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_wake.notify_all();
  m_thread.join();
}

void
MetricsPusher::push()
{
  if (auto sent = post_otlp(m_config.endpoint, m_config.headers, m_encode()); !sent) {
    spdlog::warn("metrics: push to {} failed: {}", m_config.endpoint, sent.error());
  }
}

} // namespace kedahttp::net
