#include <kedahttp/net/metrics.hpp>

#include <charconv>

namespace kedahttp::net {

namespace {

std::string
label_value(const std::string& value)
{
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
    }
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

// The shortest text that reads back as `value` ("0.005", not "0.0050000000000000001"), as Go prints it.
std::string
number(double value)
{
  char buf[32];
  const auto result = std::to_chars(buf, buf + sizeof(buf), value);
  return std::string(buf, result.ptr);
}

} // namespace

std::string_view
normalise_method(std::string_view method)
{
  for (std::string_view known : {"GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "CONNECT", "TRACE"}) {
    if (method == known) {
      return known;
    }
  }
  return "_OTHER";
}

void
MetricsShard::record(unsigned code, std::string_view method, const std::string& route_namespace,
                     const std::string& route_name, double seconds)
{
  const std::lock_guard lock(m_mutex);
  const std::string_view verb = normalise_method(method);
  auto it = m_series.find(KeyView{code, verb, route_namespace, route_name});
  if (it == m_series.end()) {
    it = m_series.emplace(Key{code, std::string(verb), route_namespace, route_name}, Series{}).first;
  }
  Series& series = it->second;
  ++series.count;
  series.sum += seconds;
  for (size_t i = 0; i < k_duration_buckets.size(); ++i) {
    if (seconds <= k_duration_buckets[i]) {
      ++series.buckets[i];
    }
  }
}

Metrics::Metrics(unsigned shards)
{
  for (unsigned i = 0; i < shards; ++i) {
    m_shards.push_back(std::make_unique<MetricsShard>());
  }
}

std::vector<RequestSeries>
Metrics::request_series() const
{
  std::map<MetricsShard::Key, MetricsShard::Series> total;
  for (const auto& shard : m_shards) {
    const std::lock_guard lock(shard->m_mutex);
    for (const auto& [key, series] : shard->m_series) {
      MetricsShard::Series& sum = total[key];
      sum.count += series.count;
      sum.sum += series.sum;
      for (size_t i = 0; i < series.buckets.size(); ++i) {
        sum.buckets[i] += series.buckets[i];
      }
    }
  }
  std::vector<RequestSeries> out;
  for (const auto& [key, series] : total) {
    out.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), std::get<3>(key), series.count, series.sum,
                   series.buckets});
  }
  return out;
}

std::string
Metrics::render(const queue::CounterRegistry& counters) const
{
  const std::vector<RequestSeries> total = request_series();
  std::string out;
  out += "# HELP interceptor_request_count_total Count of requests processed by the interceptor proxy\n";
  out += "# TYPE interceptor_request_count_total counter\n";
  auto labels = [](const RequestSeries& s) {
    return "code=\"" + std::to_string(s.code) + "\",method=\"" + s.method + "\",route_name=\"" + label_value(s.name)
           + "\",route_namespace=\"" + label_value(s.ns) + "\"";
  };
  for (const RequestSeries& series : total) {
    out += "interceptor_request_count_total{" + labels(series) + "} " + std::to_string(series.count) + "\n";
  }
  out += "# HELP interceptor_request_duration_seconds Duration of requests processed by the interceptor proxy\n";
  out += "# TYPE interceptor_request_duration_seconds histogram\n";
  for (const RequestSeries& series : total) {
    const std::string base = labels(series);
    for (size_t i = 0; i < k_duration_buckets.size(); ++i) {
      out += "interceptor_request_duration_seconds_bucket{" + base + ",le=\"" + number(k_duration_buckets[i]) + "\"} "
             + std::to_string(series.buckets[i]) + "\n";
    }
    out += "interceptor_request_duration_seconds_bucket{" + base + ",le=\"+Inf\"} " + std::to_string(series.count)
           + "\n";
    out += "interceptor_request_duration_seconds_sum{" + base + "} " + number(series.sum) + "\n";
    out += "interceptor_request_duration_seconds_count{" + base + "} " + std::to_string(series.count) + "\n";
  }
  out += "# HELP interceptor_request_concurrency Number of requests in flight in the interceptor proxy\n";
  out += "# TYPE interceptor_request_concurrency gauge\n";
  for (const auto& [key, count] : counters.snapshot()) {
    const size_t slash = key.find('/');
    out += "interceptor_request_concurrency{route_name=\"" + label_value(key.substr(slash + 1)) + "\",route_namespace=\""
           + label_value(key.substr(0, slash)) + "\"} " + std::to_string(count.concurrency) + "\n";
  }
  out += "# HELP kedahttp_hold_rejections_total Requests answered 503 because the cold-start hold was full\n";
  out += "# TYPE kedahttp_hold_rejections_total counter\n";
  out += "kedahttp_hold_rejections_total " + std::to_string(hold_rejections.load()) + "\n";
  out += "# HELP kedahttp_held_requests Requests waiting for a target to scale from zero\n";
  out += "# TYPE kedahttp_held_requests gauge\n";
  out += "kedahttp_held_requests " + std::to_string(held.load()) + "\n";
  out += "# HELP kedahttp_client_closed_requests_total Requests whose client left before the response (499)\n";
  out += "# TYPE kedahttp_client_closed_requests_total counter\n";
  out += "kedahttp_client_closed_requests_total " + std::to_string(client_gone.load()) + "\n";
  return out;
}

} // namespace kedahttp::net
