#pragma once

// In-flight and total request counts per route key ("namespace/name"): the
// signal the scaler polls through /queue. Written by every worker on the
// request path (relaxed atomics, no locks), read by the admin server.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace kedahttp::queue {

// --- Interface ---

// The counts of one route. Shared by every worker; lives as long as the route exists.
class RouteCounter
{
public:
  // A request for the route arrived: concurrency + 1, request count + 1.
  void arrive()
  {
    m_concurrency.fetch_add(1, std::memory_order_relaxed);
    m_requests.fetch_add(1, std::memory_order_relaxed);
  }
  // The request finished (response sent, stream or tunnel closed). The stored value never
  // goes below 0 (upstream's Decrease clamps it), so a stray leave() cannot hide a later arrival.
  void leave()
  {
    int64_t value = m_concurrency.load(std::memory_order_relaxed);
    while (value > 0 && !m_concurrency.compare_exchange_weak(value, value - 1, std::memory_order_relaxed)) {
    }
  }

  // Current in-flight requests, clamped at 0 as upstream does.
  int64_t concurrency() const
  {
    const int64_t value = m_concurrency.load(std::memory_order_relaxed);
    return value < 0 ? 0 : value;
  }
  // Monotonic arrivals since the route appeared on this replica.
  int64_t request_count() const { return m_requests.load(std::memory_order_relaxed); }

private:
  std::atomic<int64_t> m_concurrency{0};
  std::atomic<int64_t> m_requests{0};
};

using RouteCounterPtr = std::shared_ptr<RouteCounter>;

struct CountSnapshot {
  int64_t concurrency = 0;
  int64_t request_count = 0;
};

// The set of counters, keyed by route. `sync` follows the route table: new keys
// start at zero, kept keys keep counting, removed keys disappear (upstream's EnsureKey).
// It is concurrency safe.
class CounterRegistry
{
public:
  // Makes the registry hold exactly `keys`; returns the counter of each, in order.
  std::vector<RouteCounterPtr> sync(const std::vector<std::string>& keys);

  // The counter of `key`, or nullptr.
  RouteCounterPtr find(const std::string& key) const;

  // Every key with its counts, sorted by key (the /queue document).
  std::map<std::string, CountSnapshot> snapshot() const;

private:
  mutable std::mutex m_mutex; // guards the map only; counting never takes it
  std::map<std::string, RouteCounterPtr> m_counters;
};

// The /queue body: {"ns/name":{"Concurrency":3,"RequestCount":1542},...} and a newline.
std::string queue_json(const std::map<std::string, CountSnapshot>& counts);

} // namespace kedahttp::queue
