#pragma once

// Requests parked while their target scales from zero. Sans-IO: it is told
// `now` and answers who to release (service became ready) or expire (deadline
// passed); the driver owns the one timer, set to `next_deadline()`.
// One HoldQueue per worker; it is not thread-safe. The HoldBudget that bounds
// all workers together is.

#include <kedahttp/core/time.hpp>

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace kedahttp::hold {

// --- Interface ---

using Ticket = uint64_t;

class HoldQueue
{
public:
  // Parks `ticket` until `service_key` is ready or `deadline` (k_never: no deadline).
  void park(Ticket ticket, const std::string& service_key, core::TimePoint deadline);

  // The service became ready: every ticket waiting for it, in arrival order. Only
  // this service's waiters are touched.
  std::vector<Ticket> release(const std::string& service_key);
  // The same for at most `max` of them (the first in arrival order); the rest stay parked
  // until a later call. Lets a driver get the first requests going before waking thousands.
  std::vector<Ticket> release(const std::string& service_key, size_t max);

  // Tickets whose deadline is at or before `now`, earliest first.
  std::vector<Ticket> expire(core::TimePoint now);

  // Removes a ticket (the client went away). Returns whether it was parked.
  bool cancel(Ticket ticket);

  std::optional<core::TimePoint> next_deadline() const;
  size_t size() const { return m_tickets.size(); }
  size_t waiting_for(const std::string& service_key) const;

private:
  struct Parked {
    std::string service_key;
    core::TimePoint deadline;
  };
  void forget(Ticket ticket, const Parked& parked);

  std::unordered_map<Ticket, Parked> m_tickets;
  // Arrival order per service. Tickets that expired or were cancelled are not erased
  // from `order` (that would cost O(n) each, O(n^2) when thousands of clients leave at
  // once); release() skips them, and `order` is compacted when they outnumber the live ones.
  struct Waiting {
    std::deque<Ticket> order;
    size_t live = 0;
  };
  void drop_from_service(const std::string& service_key);
  std::unordered_map<std::string, Waiting> m_by_service;
  std::multimap<core::TimePoint, Ticket> m_by_deadline;
};

// Caps on held requests, per route and in total, by count and by bytes buffered.
// Upstream holds without limit until memory runs out; kedahttp answers 503 with
// Retry-After instead.
struct HoldLimits {
  size_t route_requests = 10000;
  size_t total_requests = 20000;
  size_t route_bytes = 64u << 20;
  size_t total_bytes = 256u << 20;
};

// Shared by every worker. Taken only when a request must wait, never on the warm path.
class HoldBudget
{
public:
  enum class Verdict { admitted, route_full, total_full };

  explicit HoldBudget(HoldLimits limits = {}) : m_limits(limits) {}

  Verdict acquire(const std::string& route_key, size_t bytes);
  void release(const std::string& route_key, size_t bytes);

  size_t held() const;
  size_t held_bytes() const;
  size_t rejected() const;
  const HoldLimits& limits() const { return m_limits; }

private:
  struct Usage {
    size_t requests = 0;
    size_t bytes = 0;
  };
  HoldLimits m_limits;
  mutable std::mutex m_mutex;
  std::unordered_map<std::string, Usage> m_routes;
  Usage m_total;
  size_t m_rejected = 0;
};

} // namespace kedahttp::hold
