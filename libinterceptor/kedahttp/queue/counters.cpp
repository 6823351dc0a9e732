#include <kedahttp/queue/counters.hpp>

#include <kedahttp/util/strings.hpp>

namespace kedahttp::queue {

std::vector<RouteCounterPtr>
CounterRegistry::sync(const std::vector<std::string>& keys)
{
  const std::lock_guard lock(m_mutex);
  std::map<std::string, RouteCounterPtr> next;
  std::vector<RouteCounterPtr> out;
  out.reserve(keys.size());
  for (const std::string& key : keys) {
    auto it = next.find(key);
    if (it == next.end()) {
      const auto old = m_counters.find(key);
      RouteCounterPtr counter = old != m_counters.end() ? old->second : std::make_shared<RouteCounter>();
      it = next.emplace(key, std::move(counter)).first;
    }
    out.push_back(it->second);
  }
  m_counters = std::move(next);
  return out;
}

RouteCounterPtr
CounterRegistry::find(const std::string& key) const
{
  const std::lock_guard lock(m_mutex);
  const auto it = m_counters.find(key);
  return it == m_counters.end() ? nullptr : it->second;
}

std::map<std::string, CountSnapshot>
CounterRegistry::snapshot() const
{
  const std::lock_guard lock(m_mutex);
  std::map<std::string, CountSnapshot> out;
  for (const auto& [key, counter] : m_counters) {
    out[key] = {counter->concurrency(), counter->request_count()};
  }
  return out;
}

std::string
queue_json(const std::map<std::string, CountSnapshot>& counts)
{
  std::string out = "{";
  bool first = true;
  for (const auto& [key, count] : counts) {
    if (!first) {
      out += ',';
    }
    first = false;
    out += '"' + util::json_escape(key) + "\":{\"Concurrency\":" + std::to_string(count.concurrency)
           + ",\"RequestCount\":" + std::to_string(count.request_count) + "}";
  }
  return out + "}\n";
}

} // namespace kedahttp::queue
