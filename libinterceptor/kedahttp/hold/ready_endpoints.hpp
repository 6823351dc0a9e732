#pragma once

// Which services have ready endpoints, and where they are: built from the
// EndpointSlices of a cluster snapshot (upstream's ready-endpoints cache,
// spec/interceptor.md 3.5). Immutable; a new snapshot builds a new one.

#include <kedahttp/spec/cluster_state.hpp>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace kedahttp::hold {

// --- Interface ---

struct Candidate {
  std::string address;
  uint16_t port = 0;
  std::string port_name; // the EndpointSlice port name ("" when unnamed)

  friend bool operator==(const Candidate&, const Candidate&) = default;
};

class ReadyEndpoints
{
public:
  // Service key "namespace/name" -> ready address x port candidates, de-duplicated.
  static ReadyEndpoints build(const spec::ClusterState& state);

  bool ready(const std::string& service_key) const { return m_by_service.count(service_key) > 0; }

  // Candidates of `service_key` for slice port `port_name`; empty when none.
  std::vector<const Candidate*> candidates(const std::string& service_key, const std::string& port_name) const;

  // Every candidate of `service_key` (any port).
  const std::vector<Candidate>* all(const std::string& service_key) const;

  // Services ready in `next` that were not ready in `previous`: whose waiters to wake.
  static std::vector<std::string> became_ready(const ReadyEndpoints& previous, const ReadyEndpoints& next);

private:
  std::unordered_map<std::string, std::vector<Candidate>> m_by_service;
};

} // namespace kedahttp::hold
