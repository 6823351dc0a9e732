#pragma once

// Builds the manifests that send traffic through the interceptor, from options
// or from existing objects (spec/manifests.md section 5). Objects come out as
// node trees in kubectl's key order (apiVersion, kind, metadata, spec); printing
// and files are the caller's business.

#include <kedahttp/manifest/loader.hpp>
#include <kedahttp/manifest/node.hpp>
#include <kedahttp/validate/options.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kedahttp::gen {

// Where the interceptor is: the same settings `validate` uses.
using Interceptor = validate::Options;

// One host (empty: every host) and the paths routed for it.
struct HostRule {
  std::string host;
  struct Path {
    std::string value = "/";
    bool exact = false; // else a prefix
  };
  std::vector<Path> paths; // empty: "/" as a prefix
};

struct RouteOptions {
  std::string name;
  std::string ns = "default";
  std::vector<std::string> hosts;
  std::vector<std::string> paths; // prefixes; empty: "/"
  // When set, used instead of hosts x paths (conversions keep per-host paths).
  std::vector<HostRule> rules;
  std::map<std::string, std::string> annotations;
  Interceptor interceptor;

  std::vector<HostRule> host_rules() const;
};

struct HTTPRouteOptions : RouteOptions {
  std::string gateway;           // parentRef name
  std::string gateway_namespace; // empty: the route's namespace
  std::string grant_name = "allow-httproute-to-interceptor"; // the KEDA docs' name
};

struct IngressOptions : RouteOptions {
  std::string ingress_class;
  std::string tls_secret;
};

struct VirtualServiceOptions : RouteOptions {
  std::vector<std::string> gateways; // "<namespace>/<name>"
};

struct HeaderOption {
  std::string name;
  std::optional<std::string> value; // absent: presence match
};

struct InterceptorRouteOptions {
  std::string name;
  std::string ns = "default";
  std::string service;
  std::optional<int> port;
  std::string port_name;
  std::vector<std::string> hosts;
  std::vector<std::string> paths;
  std::vector<HeaderOption> headers;
  std::optional<int> concurrency;  // target in-flight requests per replica
  std::optional<int> request_rate; // target requests per second per replica
  std::string rate_window;         // empty: CRD default (1m)
  std::string rate_granularity;    // empty: CRD default (1s)
  std::string readiness_timeout;
  std::string request_timeout;
  std::string response_header_timeout;
  std::optional<int> placeholder_status;
  std::string placeholder_body;
  std::string fallback_service;
  std::optional<int> fallback_port;
  std::string fallback_port_name;
};

struct ScaledObjectOptions {
  std::string name;
  std::string ns = "default";
  std::string target;                 // the workload to scale
  std::string target_kind = "Deployment";
  std::string interceptor_route;      // empty: `name`
  std::optional<int> min_replicas = 0;
  std::optional<int> max_replicas = 10;
  std::optional<int> cooldown_period; // seconds
  std::string scaler_address = "keda-add-ons-http-external-scaler.keda:9090";
};

// HTTPRoute, plus the ReferenceGrant in the interceptor namespace when the route lives elsewhere.
std::vector<manifest::Node> http_route(const HTTPRouteOptions& options);
// Ingress in the interceptor namespace; or an ExternalName bridge + Ingress in another namespace.
std::vector<manifest::Node> ingress(const IngressOptions& options);
// VirtualService to the interceptor's fully qualified host; Istio needs no ReferenceGrant.
std::vector<manifest::Node> virtual_service(const VirtualServiceOptions& options);
std::vector<manifest::Node> interceptor_route(const InterceptorRouteOptions& options);
std::vector<manifest::Node> scaled_object(const ScaledObjectOptions& options);

enum class Target { http_route, ingress, virtual_service };

// What --from makes of existing objects:
//  - an InterceptorRoute -> the `target` objects for its hosts;
//  - an Ingress or HTTPRoute that sends traffic straight to an app -> the same routing through the
//    interceptor (as `target` objects), an InterceptorRoute for the app's Service and a ScaledObject.
// `base` supplies the route settings (gateway, ingress class, interceptor, ...); its name and hosts
// are taken from each object. Problems (nothing usable in the input) go to `errors`.
struct FromOptions {
  Target target = Target::http_route;
  HTTPRouteOptions http_route;
  IngressOptions ingress;
  VirtualServiceOptions virtual_service;
  std::optional<int> concurrency; // for generated InterceptorRoutes (default 100)
  std::optional<int> min_replicas;
  std::optional<int> max_replicas;
};
std::vector<manifest::Node> from_objects(const std::vector<manifest::Object>& objects, const FromOptions& options,
                                         std::vector<std::string>& errors);

// "<name>-<host with every run of non-alphanumerics as '-'>", ingress2gateway's naming.
std::string name_from_host(const std::string& prefix, const std::string& host);

} // namespace kedahttp::gen
