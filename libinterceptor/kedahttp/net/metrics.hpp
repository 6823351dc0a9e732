#pragma once

// The interceptor's Prometheus metrics with upstream's names, labels and
// buckets (spec/interceptor.md 6), plus kedahttp's own hold metrics.
// Workers record into their own shard (an uncontended lock); a scrape sums.

#include <kedahttp/queue/counters.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

namespace kedahttp::net {

// --- Interface ---

inline constexpr std::array<double, 14> k_duration_buckets = {0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25,
                                                               0.5,   0.75, 1,     2.5,  5,     7.5, 10};

// One series of completed requests, summed over the workers.
struct RequestSeries {
  unsigned code = 0;
  std::string method;
  std::string ns;
  std::string name;
  uint64_t count = 0;
  double sum = 0;
  std::array<uint64_t, k_duration_buckets.size()> buckets{}; // cumulative: requests <= each bound
};

class MetricsShard
{
public:
  // One completed request. `method` is normalised to upstream's set (else "_OTHER").
  void record(unsigned code, std::string_view method, const std::string& route_namespace,
              const std::string& route_name, double seconds);

private:
  friend class Metrics;
  struct Series {
    uint64_t count = 0;
    double sum = 0;
    std::array<uint64_t, k_duration_buckets.size()> buckets{};
  };
  using Key = std::tuple<unsigned, std::string, std::string, std::string>; // code, method, ns, name
  using KeyView = std::tuple<unsigned, std::string_view, std::string_view, std::string_view>;
  std::mutex m_mutex;
  std::map<Key, Series, std::less<>> m_series; // transparent: found without building strings
};

class Metrics
{
public:
  explicit Metrics(unsigned shards);
  MetricsShard& shard(unsigned index) { return *m_shards[index]; }

  std::atomic<uint64_t> hold_rejections{0}; // 503 because the hold was full
  std::atomic<int64_t> held{0};             // requests waiting for a cold start now
  std::atomic<uint64_t> client_gone{0};     // recorded as 499

  // The text exposition format (version 0.0.4).
  std::string render(const queue::CounterRegistry& counters) const;
  // Every request series so far (for the OTLP push).
  std::vector<RequestSeries> request_series() const;

private:
  std::vector<std::unique_ptr<MetricsShard>> m_shards;
};

// "GET" stays "GET"; anything outside upstream's list is "_OTHER".
std::string_view normalise_method(std::string_view method);

} // namespace kedahttp::net
