#include <kedahttp/hold/ready_endpoints.hpp>

#include <algorithm>

namespace kedahttp::hold {

ReadyEndpoints
ReadyEndpoints::build(const spec::ClusterState& state)
{
  ReadyEndpoints out;
  for (const spec::EndpointSlice& slice : state.endpoint_slices) {
    if (slice.service_name.empty()) {
      continue;
    }
    const std::string key = slice.meta.ns + "/" + slice.service_name;
    for (const spec::EndpointSlice::Endpoint& endpoint : slice.endpoints) {
      // Ready when conditions.ready is nil or true, with at least one address; the first address is used.
      if (!endpoint.ready || endpoint.addresses.empty()) {
        continue;
      }
      for (const spec::EndpointSlice::Port& port : slice.ports) {
        if (!port.port || *port.port < 1 || *port.port > 65535) {
          continue;
        }
        Candidate candidate{endpoint.addresses.front(), static_cast<uint16_t>(*port.port), port.name};
        auto& list = out.m_by_service[key];
        if (std::find(list.begin(), list.end(), candidate) == list.end()) {
          list.push_back(std::move(candidate));
        }
      }
    }
  }
  return out;
}

std::vector<const Candidate*>
ReadyEndpoints::candidates(const std::string& service_key, const std::string& port_name) const
{
  std::vector<const Candidate*> out;
  const auto it = m_by_service.find(service_key);
  if (it == m_by_service.end()) {
    return out;
  }
  for (const Candidate& candidate : it->second) {
    if (candidate.port_name == port_name) {
      out.push_back(&candidate);
    }
  }
  return out;
}

const std::vector<Candidate>*
ReadyEndpoints::all(const std::string& service_key) const
{
  const auto it = m_by_service.find(service_key);
  return it == m_by_service.end() ? nullptr : &it->second;
}

std::vector<std::string>
ReadyEndpoints::became_ready(const ReadyEndpoints& previous, const ReadyEndpoints& next)
{
  std::vector<std::string> out;
  for (const auto& [key, list] : next.m_by_service) {
    if (!previous.ready(key)) {
      out.push_back(key);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

} // namespace kedahttp::hold
