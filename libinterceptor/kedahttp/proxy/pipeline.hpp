#pragma once

// The interceptor's request pipeline as decisions (spec/interceptor.md 3):
// route -> static route -> count -> placeholder -> hold -> forward, or respond.
// Sans-IO: no sockets, no clock; `net` (and `sim`) carry the decisions out and
// come back with what happened (ready, expired).

#include <kedahttp/core/time.hpp>
#include <kedahttp/hold/hold_queue.hpp>
#include <kedahttp/hold/ready_endpoints.hpp>
#include <kedahttp/proxy/heads.hpp>
#include <kedahttp/queue/counters.hpp>
#include <kedahttp/routing/route_table.hpp>
#include <kedahttp/spec/cluster_state.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

namespace kedahttp::proxy {

// --- Interface ---

using namespace std::chrono_literals;

// Global settings: KEDA_HTTP_* environment variables or serve flags.
struct Settings {
  core::Duration request_timeout = 0s;          // KEDA_HTTP_REQUEST_TIMEOUT (0: none)
  core::Duration response_header_timeout = 300s; // KEDA_HTTP_RESPONSE_HEADER_TIMEOUT (0: none)
  core::Duration readiness_timeout = 0s;        // KEDA_HTTP_READINESS_TIMEOUT (0: bounded by the request)
  core::Duration connect_timeout = 500ms;       // KEDA_HTTP_CONNECT_TIMEOUT, per dial attempt
  core::Duration connect_retry_interval = 50ms; // fixed, as upstream
  core::Duration connect_retry_cap = 1min;      // when the request has no deadline
  bool cold_start_header = true;                // KEDA_HTTP_ENABLE_COLD_START_HEADER
  core::Duration retry_after = 5s;              // Retry-After on 503 when the hold is full
};

// Effective per-request timeouts; 0 means none.
struct Timeouts {
  core::Duration request = 0s;
  core::Duration readiness = 0s;
  core::Duration response_header = 0s;
};

// Per-route overrides over the globals; "0s" on the route disables; with a
// fallback a readiness of 0 becomes 30s (upstream).
Timeouts effective_timeouts(const spec::InterceptorRoute& route, const Settings& settings);

// What the pipeline reads: one immutable snapshot per cluster state.
struct Snapshot {
  spec::ClusterStatePtr state;
  std::shared_ptr<const routing::RouteTable> table;
  hold::ReadyEndpoints ready;
  std::unordered_map<std::string, queue::RouteCounterPtr> counters; // by "ns/name"
};
using SnapshotPtr = std::shared_ptr<const Snapshot>;

// Builds the routing table and readiness of `state`, syncing `registry` to its routes.
SnapshotPtr make_snapshot(spec::ClusterStatePtr state, queue::CounterRegistry& registry);

// A Service to send a request to, its port resolved (spec/interceptor.md 3.1).
struct ServiceTarget {
  std::string ns;
  std::string service;
  uint16_t port = 0;          // the Service port
  std::string port_name;      // its name: selects the EndpointSlice port
  uint16_t target_port = 0;   // its numeric targetPort (0: unknown or named): the container port
  bool h2c = false;           // the port's appProtocol is kubernetes.io/h2c: HTTP/2 to the backend
  std::string key() const { return ns + "/" + service; }
};

// Where to dial: a ready endpoint of the target (direct to endpoint: no cluster DNS needed).
struct Endpoint {
  std::string address;
  uint16_t port = 0;
  std::string str() const { return address + ":" + std::to_string(port); }
};

// A ready endpoint of `target`, chosen with `random`; nothing when none is ready.
std::optional<Endpoint> pick_endpoint(const Snapshot& snapshot, const ServiceTarget& target, uint64_t random);

struct RequestView {
  std::string_view method;
  std::string_view host;   // Host header (or absolute-form authority)
  std::string_view path;   // percent-decoded, not cleaned
  Fields fields;
};

enum class Action { respond, forward, hold };

struct Decision {
  Action action = Action::respond;
  SimpleResponse response;                   // respond
  const routing::Route* route = nullptr;     // matched route, if any
  queue::RouteCounter* counter = nullptr;    // counted: call leave() when the exchange ends
  ServiceTarget target;                      // forward / hold
  std::optional<ServiceTarget> fallback;     // hold: where to go when readiness expires
  Timeouts timeouts;
  bool static_forward = false;               // static WhenUnavailable route, target ready: plain forward
  std::string_view reason;                   // short text for logs ("no route", ...): a literal
};

// The decision for a new request.
Decision decide(const RequestView& request, const Snapshot& snapshot, const Settings& settings);

// The request's deadline (spec/interceptor.md 3.1.6): `start` + `timeouts.request`, or
// core::k_never when the request has none.
core::TimePoint request_deadline(const Timeouts& timeouts, core::TimePoint start);

// When a request parked at `now` stops waiting (3.5.2): the readiness deadline or the request
// deadline, whichever comes first; core::k_never when neither is set (upstream then waits until
// the client goes away).
core::TimePoint hold_deadline(const Timeouts& timeouts, core::TimePoint now, core::TimePoint request_deadline);

// A held request's readiness wait expired: forward to the fallback, or 504.
Decision on_expired(Decision held);

// The same at `now` (3.5.4): 504 when there is no fallback or when the request deadline has
// passed too (no time left for the fallback), else forward to the fallback.
Decision on_expired(Decision held, core::TimePoint now, core::TimePoint request_deadline);

// The 503 for a request that cannot be held because the hold is full.
SimpleResponse hold_full_response(const Settings& settings, hold::HoldBudget::Verdict verdict);

// Renders a static or placeholder response (spec/interceptor.md 3.7). `ns` is
// the route's namespace (ConfigMaps are looked up there).
SimpleResponse render_static(const spec::StaticResponse& response, unsigned default_status, std::string_view path,
                             const std::string& ns, const spec::ClusterState& state);

// Go's mime.TypeByExtension for the types static bodies use; "" when unknown.
std::string content_type_for(std::string_view file_name);

// Go's http.DetectContentType, reduced to the text types a static body can have.
std::string sniff_content_type(std::string_view body);

} // namespace kedahttp::proxy
