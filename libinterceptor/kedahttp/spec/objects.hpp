#pragma once

// Value types of the objects kedahttp reads and writes, after defaulting.
// Fields that findings point at carry a `Where` (field path + source mark).
// Parsing lives in `manifest`, checks in `validate`.

#include <kedahttp/core/diagnostic.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kedahttp::spec {

// Where a value came from: its Kubernetes field path and its position.
struct Where {
  std::string path;
  core::SourceMark mark;
};

template<typename T> struct Located {
  T value{};
  Where where;
};

struct ObjectMeta {
  std::string api_version;
  std::string kind;
  std::string name;
  std::string ns; // after --default-namespace was applied
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::string creation_timestamp;
  std::string file;      // input file the object came from
  core::SourceMark mark; // the object's first line

  core::ObjectRef ref() const { return {api_version, kind, ns, name}; }
};

// --- KEDA HTTP Add-on ---

struct PortRef {
  std::optional<int32_t> number;
  std::string name; // portName
};

struct StaticResponse {
  int32_t status_code = 0; // 0/unset: the context's default (placeholder 503, static route 200)
  std::string body;
  std::optional<std::string> body_config_map; // bodyFromConfigMap.name
  std::string body_config_map_key;
  std::map<std::string, std::string> headers;
};

struct HeaderMatch {
  std::string name;
  std::optional<std::string> value; // absent: presence match
};

struct RouteRule {
  std::vector<Located<std::string>> hosts;
  std::vector<Located<std::string>> paths; // prefix values as written
  std::vector<HeaderMatch> headers;
  Where where;
};

struct InterceptorRoute {
  ObjectMeta meta;
  std::string target_service;
  PortRef target_port;
  std::optional<int32_t> concurrency_target;
  std::optional<int32_t> request_rate_target;
  std::string request_rate_window = "1m";
  std::string request_rate_granularity = "1s";
  std::vector<RouteRule> rules;
  struct StaticRoute {
    std::vector<RouteRule> rules;
    StaticResponse response;
    std::string mode = "WhenUnavailable"; // Always | WhenUnavailable
  };
  std::vector<StaticRoute> static_routes;
  std::optional<StaticResponse> placeholder;
  std::optional<std::string> fallback_service;
  PortRef fallback_port;
  std::string readiness_timeout; // Go durations as written; empty when unset
  std::string request_timeout;
  std::string response_header_timeout;
};

// Legacy http.keda.sh/v1alpha1, kept for clusters that have not migrated.
// The interceptor routes it as an InterceptorRoute (spec/legacy.hpp).
struct HTTPScaledObject {
  ObjectMeta meta;
  std::vector<Located<std::string>> hosts;
  std::vector<std::string> path_prefixes;
  std::vector<HeaderMatch> headers;
  std::string target_service;
  PortRef target_port;
  std::string deployment;
  std::optional<int32_t> min_replicas;
  std::optional<int32_t> max_replicas;
  std::optional<int32_t> target_pending_requests; // deprecated
  // scalingMetric; the CRD defaults (100, "1m", "1s") apply when the sub-object is present.
  std::optional<int32_t> concurrency_target;
  std::optional<int32_t> request_rate_target;
  std::string request_rate_window = "1m";
  std::string request_rate_granularity = "1s";
  // coldStartTimeoutFailoverRef
  struct FailoverRef {
    std::string service;
    PortRef port;
    int32_t timeout_seconds = 30; // CRD default
  };
  std::optional<FailoverRef> failover;
  // timeouts.*: Go durations as written; empty when unset. Here "0s" means "use the global".
  std::string condition_wait_timeout;
  std::string response_header_timeout;
};

// --- Gateway API ---

struct BackendRef {
  std::string group;          // "" = core
  std::string kind = "Service";
  std::string name;
  std::string ns;             // empty: the route's namespace
  std::optional<int64_t> port;
  int64_t weight = 1;
  bool mirror = false;        // a requestMirror backend (gets a copy of the traffic)
  Where where;
};

struct PathMatch {
  std::string type; // HTTPRoute: Exact | PathPrefix | RegularExpression; Ingress: Exact | Prefix | ImplementationSpecific
  std::string value;
  Where where;
};

struct Rewrite {
  std::string what;  // "URLRewrite hostname", "nginx rewrite-target", ...
  std::string value;
  bool host = false; // rewrites the host (else the path)
  Where where;
};

struct HTTPRoute {
  ObjectMeta meta;
  struct ParentRef {
    std::string group = "gateway.networking.k8s.io";
    std::string kind = "Gateway";
    std::string name;
    std::string ns;
    std::string section;
  };
  std::vector<ParentRef> parents;
  std::vector<Located<std::string>> hostnames;
  struct Rule {
    std::vector<PathMatch> paths;
    std::vector<BackendRef> backends;
    std::vector<Rewrite> rewrites;
    bool redirect = false;
    Where where;
  };
  std::vector<Rule> rules;
};

struct ReferenceGrant {
  ObjectMeta meta;
  struct From {
    std::string group, kind, ns;
    Where where;
  };
  struct To {
    std::string group, kind;
    std::optional<std::string> name;
    Where where;
  };
  std::vector<From> from;
  std::vector<To> to;
};

// --- Kubernetes core and networking ---

struct IngressBackend {
  std::string service; // empty for resource backends
  std::optional<int64_t> port_number;
  std::string port_name;
  bool resource = false;
  Where where;
};

struct Ingress {
  ObjectMeta meta;
  std::string class_name;
  std::optional<IngressBackend> default_backend;
  struct Path {
    PathMatch match;
    IngressBackend backend;
  };
  struct Rule {
    Located<std::string> host; // empty value: every host
    std::vector<Path> paths;
    Where where;
  };
  std::vector<Rule> rules;
  std::vector<std::string> tls_secrets;
  std::vector<Rewrite> rewrites; // from well-known controller annotations
};

struct ServicePort {
  std::string name;
  int64_t port = 0;
  std::string target_port;
  std::string protocol = "TCP";
  std::string app_protocol;
};

struct Service {
  ObjectMeta meta;
  std::string type = "ClusterIP";
  Located<std::string> external_name;
  std::vector<ServicePort> ports;
  std::map<std::string, std::string> selector;
};

struct EndpointSlice {
  ObjectMeta meta;
  std::string service_name; // label kubernetes.io/service-name
  std::string address_type = "IPv4";
  struct Endpoint {
    std::vector<std::string> addresses;
    bool ready = true; // nil conditions.ready means ready
    bool serving = true;
    bool terminating = false;
  };
  std::vector<Endpoint> endpoints;
  struct Port {
    std::string name;
    std::optional<int32_t> port;
    std::string protocol = "TCP";
  };
  std::vector<Port> ports;
};

struct ConfigMap {
  ObjectMeta meta;
  std::map<std::string, std::string> data;
};

// --- Istio ---

struct VirtualService {
  ObjectMeta meta;
  std::vector<Located<std::string>> hosts;
  std::vector<std::string> gateways;
  struct Destination {
    std::string host;
    std::optional<int64_t> port;
    int64_t weight = 0; // 0 = unset (an only destination takes all traffic)
    Where where;
  };
  struct HttpRoute {
    std::vector<PathMatch> uris; // exact | prefix | regex
    std::vector<Destination> destinations;
    std::vector<Rewrite> rewrites;
    Where where;
  };
  std::vector<HttpRoute> http;
};

// --- KEDA ---

struct ScaledObject {
  ObjectMeta meta;
  std::string scale_target_kind = "Deployment";
  std::string scale_target_name;
  std::optional<int32_t> min_replicas;
  std::optional<int32_t> max_replicas;
  std::optional<int32_t> cooldown_period;
  std::optional<int32_t> polling_interval;
  struct Trigger {
    std::string type;
    std::map<std::string, std::string> metadata;
  };
  std::vector<Trigger> triggers;
};

} // namespace kedahttp::spec
