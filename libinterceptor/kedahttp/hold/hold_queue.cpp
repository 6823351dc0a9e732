#include <kedahttp/hold/hold_queue.hpp>

#include <algorithm>

namespace kedahttp::hold {

void
HoldQueue::park(Ticket ticket, const std::string& service_key, core::TimePoint deadline)
{
  if (!m_tickets.emplace(ticket, Parked{service_key, deadline}).second) {
    return; // already parked: indexing it twice would release or expire it twice
  }
  Waiting& waiting = m_by_service[service_key];
  waiting.order.push_back(ticket);
  ++waiting.live;
  if (deadline != core::k_never) {
    m_by_deadline.emplace(deadline, ticket);
  }
}

void
HoldQueue::forget(Ticket ticket, const Parked& parked)
{
  if (parked.deadline != core::k_never) {
    auto [first, last] = m_by_deadline.equal_range(parked.deadline);
    for (auto it = first; it != last; ++it) {
      if (it->second == ticket) {
        m_by_deadline.erase(it);
        break;
      }
    }
  }
}

std::vector<Ticket>
HoldQueue::release(const std::string& service_key)
{
  return release(service_key, SIZE_MAX);
}

std::vector<Ticket>
HoldQueue::release(const std::string& service_key, size_t max)
{
  std::vector<Ticket> out;
  const auto it = m_by_service.find(service_key);
  if (it == m_by_service.end()) {
    return out;
  }
  Waiting& waiting = it->second;
  while (!waiting.order.empty() && out.size() < max) {
    const Ticket ticket = waiting.order.front();
    waiting.order.pop_front();
    const auto parked = m_tickets.find(ticket);
    if (parked != m_tickets.end()) { // cancelled or expired tickets stay in `order` until here
      forget(ticket, parked->second);
      m_tickets.erase(parked);
      --waiting.live;
      out.push_back(ticket);
    }
  }
  if (waiting.live == 0) {
    m_by_service.erase(it);
  }
  return out;
}

std::vector<Ticket>
HoldQueue::expire(core::TimePoint now)
{
  std::vector<Ticket> out;
  while (!m_by_deadline.empty() && m_by_deadline.begin()->first <= now) {
    const Ticket ticket = m_by_deadline.begin()->second;
    m_by_deadline.erase(m_by_deadline.begin());
    const auto parked = m_tickets.find(ticket);
    if (parked == m_tickets.end()) {
      continue;
    }
    const std::string service_key = parked->second.service_key;
    m_tickets.erase(parked);
    drop_from_service(service_key);
    out.push_back(ticket);
  }
  return out;
}

bool
HoldQueue::cancel(Ticket ticket)
{
  const auto parked = m_tickets.find(ticket);
  if (parked == m_tickets.end()) {
    return false;
  }
  forget(ticket, parked->second);
  const std::string service_key = parked->second.service_key;
  m_tickets.erase(parked);
  drop_from_service(service_key);
  return true;
}

// One live ticket of `service_key` left (expired or cancelled; already erased from m_tickets).
void
HoldQueue::drop_from_service(const std::string& service_key)
{
  const auto it = m_by_service.find(service_key);
  if (it == m_by_service.end()) {
    return;
  }
  Waiting& waiting = it->second;
  if (--waiting.live == 0) {
    m_by_service.erase(it);
    return;
  }
  if (waiting.order.size() > 2 * waiting.live + 64) {
    std::deque<Ticket> live;
    for (Ticket ticket : waiting.order) {
      if (m_tickets.count(ticket) > 0) {
        live.push_back(ticket);
      }
    }
    waiting.order.swap(live);
  }
}

std::optional<core::TimePoint>
HoldQueue::next_deadline() const
{
  if (m_by_deadline.empty()) {
    return std::nullopt;
  }
  return m_by_deadline.begin()->first;
}

size_t
HoldQueue::waiting_for(const std::string& service_key) const
{
  const auto it = m_by_service.find(service_key);
  return it == m_by_service.end() ? 0 : it->second.live;
}

HoldBudget::Verdict
HoldBudget::acquire(const std::string& route_key, size_t bytes)
{
  const std::lock_guard lock(m_mutex);
  const auto found = m_routes.find(route_key);
  const Usage current = found != m_routes.end() ? found->second : Usage{};
  if (current.requests + 1 > m_limits.route_requests || current.bytes + bytes > m_limits.route_bytes) {
    ++m_rejected;
    return Verdict::route_full;
  }
  if (m_total.requests + 1 > m_limits.total_requests || m_total.bytes + bytes > m_limits.total_bytes) {
    ++m_rejected;
    return Verdict::total_full;
  }
  // Only admitted requests create an entry: a flood of rejections leaves nothing behind.
  Usage& route = found != m_routes.end() ? found->second : m_routes[route_key];
  ++route.requests;
  route.bytes += bytes;
  ++m_total.requests;
  m_total.bytes += bytes;
  return Verdict::admitted;
}

void
HoldBudget::release(const std::string& route_key, size_t bytes)
{
  const std::lock_guard lock(m_mutex);
  const auto found = m_routes.find(route_key);
  if (found == m_routes.end()) {
    return; // nothing held for it
  }
  Usage& route = found->second;
  const size_t freed = std::min(route.bytes, bytes);
  route.requests -= std::min<size_t>(route.requests, 1);
  route.bytes -= freed;
  m_total.requests -= std::min<size_t>(m_total.requests, 1);
  m_total.bytes -= std::min(m_total.bytes, freed);
  if (route.requests == 0) {
    m_routes.erase(found);
  }
}

size_t
HoldBudget::held() const
{
  const std::lock_guard lock(m_mutex);
  return m_total.requests;
}

size_t
HoldBudget::held_bytes() const
{
  const std::lock_guard lock(m_mutex);
  return m_total.bytes;
}

size_t
HoldBudget::rejected() const
{
  const std::lock_guard lock(m_mutex);
  return m_rejected;
}

} // namespace kedahttp::hold
